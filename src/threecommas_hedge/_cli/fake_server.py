"""``threecommas-hedge fake-server``: the fake 3Commas over loopback HTTP until Ctrl-C.

It prints the base URL and the fake's credentials as ``export`` lines: paste them into another
shell and every command (without ``--fake``) talks to this server, whose state lasts until it
stops. Seeded with a paper USDT-M futures account, a paper spot account and BTC at 60,000.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from threecommas_hedge._constants import ENV_API_KEY, ENV_API_SECRET, ENV_BASE_URL, ENV_PRIVATE_KEY
from threecommas_hedge.testing import FakeThreeCommas, serve

from .console import EXIT_FAILURE, CliError, flag_error, make_console
from .session import FAKE_PAIR, FAKE_PRICE


def fake_server(
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port (0 picks a free one).", min=0, max=65535)
    ] = 8080,
    auth: Annotated[
        Literal["hmac", "rsa"], typer.Option("--auth", help="Credentials the fake issues.")
    ] = "hmac",
) -> None:
    """Serve a fake 3Commas on loopback HTTP (Ctrl-C stops it); prints its URL and credentials."""
    fake = FakeThreeCommas(auth=auth)
    futures = fake.add_account("futures", "paper")
    spot = fake.add_account("spot", "paper")
    fake.set_price(FAKE_PAIR, FAKE_PRICE)
    try:
        server = serve(fake, host, port)
    except ValueError as error:
        raise flag_error("--host", str(error)) from None
    except OSError as error:
        raise CliError(f"cannot serve on {host}:{port}: {error}", EXIT_FAILURE) from None
    console = make_console()
    console.print(f"Fake 3Commas (simulated, paper) serving at {server.base_url}", markup=False)
    console.print(f"Accounts: {futures} (paper futures), {spot} (paper spot); BTC at 60,000")
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
