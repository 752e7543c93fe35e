"""``threecommas-hedge fake-server``: the fake 3Commas over loopback HTTP until Ctrl-C.

It prints the base URL and the fake's credentials as ``export`` lines: paste them into another
shell and every command (without ``--fake``) talks to this server, whose state lasts until it
stops. Seeded with a paper USDT-M futures account, a paper spot account and BTC at 60,000;
``--price PAIR=PRICE`` (repeatable) sets more markets. ``fake-price PAIR PRICE`` moves a market of
the running server (its control route ``POST /_fake/price``), so TP and SL fills can be tried
from the shell.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Annotated, Literal

import httpx
import typer

from threecommas_hedge._constants import ENV_API_KEY, ENV_API_SECRET, ENV_BASE_URL, ENV_PRIVATE_KEY
from threecommas_hedge.testing import FakeThreeCommas, serve
from threecommas_hedge.testing._http_server import PRICE_ROUTE

from . import fmt
from .console import EXIT_FAILURE, EXIT_USAGE, CliError, flag_error, make_console
from .options import parse_decimal
from .session import FAKE_PAIR, FAKE_PRICE, BaseUrlOption


def fake_server(
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port (0 picks a free one).", min=0, max=65535)
    ] = 8080,
    auth: Annotated[
        Literal["hmac", "rsa"], typer.Option("--auth", help="Credentials the fake issues.")
    ] = "hmac",
    prices: Annotated[
        list[str] | None,
        typer.Option(
            "--price",
            metavar="PAIR=PRICE",
            help="Set a market, e.g. USDT_ETHUSDT=3000 (repeatable).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve a fake 3Commas on loopback HTTP (Ctrl-C stops it); prints its URL and credentials."""
    markets = {FAKE_PAIR: FAKE_PRICE, **dict(parse_market(text) for text in prices or [])}
    fake = FakeThreeCommas(auth=auth)
    futures = fake.add_account("futures", "paper")
    spot = fake.add_account("spot", "paper")
    for pair, price in markets.items():
        fake.set_price(pair, price)
    try:
        server = serve(fake, host, port)
    except ValueError as error:
        raise flag_error("--host", str(error)) from None
    except OSError as error:
        raise CliError(f"cannot serve on {host}:{port}: {error}", EXIT_FAILURE) from None
    console = make_console()
    console.print(f"Fake 3Commas (simulated, paper) serving at {server.base_url}", markup=False)
    shown = ", ".join(f"{pair} at {fmt.price(price)}" for pair, price in markets.items())
    console.print(f"Accounts: {futures} (paper futures), {spot} (paper spot); {shown}")
    console.print("In another shell:", markup=False)
    console.print(f"  export {ENV_BASE_URL}={server.base_url}", markup=False, soft_wrap=True)
    console.print(f"  export {ENV_API_KEY}={fake.api_key}", markup=False, soft_wrap=True)
    if fake.api_secret is not None:
        console.print(f"  export {ENV_API_SECRET}={fake.api_secret}", markup=False, soft_wrap=True)
    else:
        console.print(
            f"  export {ENV_PRIVATE_KEY}='{fake.private_key}'", markup=False, soft_wrap=True
        )
    console.print("Press Ctrl-C to stop.", markup=False)
    try:
        server.wait()
    except KeyboardInterrupt:
        console.print("Stopped.", markup=False)
    finally:
        server.stop()


def parse_market(text: str) -> tuple[str, Decimal]:
    """``PAIR=PRICE`` -> ``(pair, price)``; anything else is a usage error naming --price."""
    pair, separator, price = text.partition("=")
    try:
        value = parse_decimal(price) if separator and pair.strip() else None
    except typer.BadParameter:
        value = None
    if value is None or value <= 0:
        raise flag_error("--price", f"{text!r} is not PAIR=PRICE with a price above 0")
    return pair.strip(), value


def fake_price(
    pair: Annotated[str, typer.Argument(help="The pair, e.g. USDT_BTCUSDT.")],
    price: Annotated[
        Decimal, typer.Argument(parser=parse_decimal, metavar="PRICE", help="The new price.")
    ],
    base_url: BaseUrlOption = None,
) -> None:
    """Move a market of a running `fake-server` (TP and SL fill as the price passes them)."""
    if price <= 0:
        raise flag_error("PRICE", "must be above 0")
    root = base_url or os.environ.get(ENV_BASE_URL)
    key = os.environ.get(ENV_API_KEY)
    if not root or not key:
        raise CliError(
            f"fake-price talks to a running fake-server: export the {ENV_BASE_URL} and "
            f"{ENV_API_KEY} it prints (or pass --base-url)",
            EXIT_USAGE,
        )
    url = httpx.URL(root).copy_with(path=PRICE_ROUTE, query=None)
    if url.host not in ("127.0.0.1", "localhost"):
        raise flag_error("--base-url", f"{url.host} is not a loopback fake-server")
    try:
        answer = httpx.post(
            url, json={"pair": pair, "price": str(price)}, headers={"Apikey": key}, timeout=5
        )
    except httpx.HTTPError as error:
        raise CliError(f"cannot reach the fake server at {url}: {error}", EXIT_FAILURE) from None
    if answer.status_code != 200:
        raise CliError(
            f"the fake server refused ({answer.status_code}): {answer.text.strip()[:200]}",
            EXIT_FAILURE,
        )
    make_console().print(f"{pair} now at {fmt.price(price)} on the fake server", markup=False)
