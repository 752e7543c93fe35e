"""How a command reaches 3Commas: the real API, another base URL, or the embedded fake.

- Default: ``https://api.3commas.io`` with the credentials of the environment
  (``THREECOMMAS_API_KEY`` plus ``THREECOMMAS_API_SECRET`` or ``THREECOMMAS_PRIVATE_KEY``).
- ``--base-url`` (or ``THREECOMMAS_BASE_URL``): another server with the same credentials, e.g.
  ``threecommas-hedge fake-server``, which prints its URL and credentials; state then lasts across
  commands for as long as the server runs.
- ``--fake``: a fake 3Commas inside the process for this one command, made by
  :data:`fake_factory` (one paper USDT-M futures account, BTC at 60,000; ``create`` sets the
  pair's market to ``--price``; and the paper spot account of ``demo --portfolio``). Tests replace
  ``fake_factory`` to share one fake across invocations, and ``http_client_factory`` to run the
  credentials path against a fake's transport.

Every client runs in paper mode (``Forced-Mode: paper``) unless ``--real``; the client's mode
guard refuses a write whose account does not match the mode before anything is sent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import httpx
import typer

from threecommas_hedge._client import ThreeCommas
from threecommas_hedge._constants import (
    DEFAULT_BASE_URL,
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_BASE_URL,
    ENV_PRIVATE_KEY,
)
from threecommas_hedge._exceptions import ThreeCommasError
from threecommas_hedge._guard import Mode

from .console import EXIT_USAGE, CliError

if TYPE_CHECKING:
    from threecommas_hedge.testing import FakeThreeCommas

FAKE_PAIR = "USDT_BTCUSDT"
FAKE_PRICE = Decimal(60000)


def new_fake() -> FakeThreeCommas:
    """A fake with one paper USDT-M futures account and BTC at 60,000, then a paper spot account
    holding a few coins (the bag of ``demo --portfolio``, for ``keep``)."""
    from threecommas_hedge.testing import FakeThreeCommas

    fake = FakeThreeCommas()
    fake.add_account("futures", "paper")
    add_demo_bag(fake)
    fake.set_price(FAKE_PAIR, FAKE_PRICE)
    return fake


def add_demo_bag(fake: FakeThreeCommas) -> int:
    """A paper spot account on ``fake`` holding BTC, ETH, SOL, USDT and dust DOGE (their USDT
    pairs priced); returns its id."""
    spot = fake.add_account("spot")
    prices = {"BTC": "60000", "ETH": "3000", "SOL": "150", "DOGE": "0.2"}
    for coin, price in prices.items():
        fake.set_price(f"USDT_{coin}USDT", Decimal(price))
    for coin, amount in {
        "BTC": "1",
        "ETH": "10",
        "SOL": "40",
        "USDT": "2000",
        "DOGE": "50",
    }.items():
        fake.set_balance(spot, coin, Decimal(amount))
    return spot


fake_factory: Callable[[], FakeThreeCommas] = new_fake
"""Makes the fake behind ``--fake``; replace it to share one fake across invocations."""


def own_http_client() -> httpx.Client | None:
    """The default: the client makes (and closes) its own connection pool."""
    return None


http_client_factory: Callable[[], httpx.Client | None] = own_http_client
"""An ``httpx.Client`` to lend the real-API client (``None``: it makes its own)."""


@dataclass(frozen=True)
class Connection:
    """Where a command sends its requests and in which mode."""

    fake: bool = False
    base_url: str | None = None
    real: bool = False

    @property
    def mode(self) -> Mode:
        """``real`` or ``paper``."""
        return "real" if self.real else "paper"


@dataclass(frozen=True)
class Session:
    """An open client, and the fake behind it when ``--fake`` is used."""

    client: ThreeCommas
    fake: FakeThreeCommas | None
    target: Connection

    @property
    def where(self) -> str:
        """Where the requests go, for messages."""
        if self.fake is not None:
            return "embedded fake 3Commas, offline"
        return self.target.base_url or DEFAULT_BASE_URL


@contextmanager
def connect(target: Connection) -> Iterator[Session]:
    """Open a client for ``target``; :class:`CliError` (exit 2) when credentials are missing."""
    mode = target.mode
    if target.fake:
        fake = fake_factory()
        with fake.client(mode=mode) as client:
            yield Session(client, fake, target)
        return
    _check_credentials()
    http = http_client_factory()
    try:
        with configured_client(target.base_url or DEFAULT_BASE_URL, mode, http) as client:
            _warn_if_not_official(client.base_url)
            yield Session(client, None, target)
    finally:
        if http is not None:
            http.close()


def configured_client(base_url: str, mode: Mode, http: httpx.Client | None) -> ThreeCommas:
    """The client the environment describes; one it refuses (a bad base URL, key or secret)
    is a usage error (exit 2) whose message names what is wrong, never the secret."""
    try:
        return ThreeCommas(base_url=base_url, mode=mode, http_client=http)
    except (ValueError, ThreeCommasError) as error:
        raise CliError(f"bad configuration: {error}", EXIT_USAGE) from None


@contextmanager
def other_mode(session: Session) -> Iterator[ThreeCommas]:
    """A client like the session's in the other mode (paper <-> real), to explain a refusal."""
    other = replace(session.target, real=not session.target.real)
    if session.fake is not None:
        with session.fake.client(mode=other.mode) as client:
            yield client
        return
    with connect(other) as probe:
        yield probe.client


def _warn_if_not_official(base_url: str) -> None:
    """One line on stderr when the credentials are about to go to a host that is not 3Commas."""
    host = httpx.URL(base_url).host  # already checked by the client
    if host != httpx.URL(DEFAULT_BASE_URL).host:
        typer.echo(
            f"warning: sending your 3Commas credentials to {host}, not the official API "
            f"(set by --base-url or {ENV_BASE_URL})",
            err=True,
        )


def _check_credentials() -> None:
    key = os.environ.get(ENV_API_KEY)
    secret = os.environ.get(ENV_API_SECRET) or os.environ.get(ENV_PRIVATE_KEY)
    if not key or not secret:
        raise CliError(
            f"no 3Commas credentials: set {ENV_API_KEY} and {ENV_API_SECRET} (HMAC) or "
            f"{ENV_PRIVATE_KEY} (RSA, PEM), or try --fake",
            EXIT_USAGE,
        )


FakeOption = Annotated[
    bool,
    typer.Option(
        "--fake",
        help="Run against an embedded fake 3Commas (offline, simulated, state lasts one command).",
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        envvar=ENV_BASE_URL,
        help="API root, e.g. the URL `threecommas-hedge fake-server` prints.",
        show_default=False,
    ),
]
RealOption = Annotated[
    bool,
    typer.Option("--real", help="Real mode: trade real money (asks first unless --yes)."),
]
RealReadOption = Annotated[
    bool,
    typer.Option(
        "--real",
        help="Real mode: read real-money accounts and trades (read only: nothing to confirm).",
    ),
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
