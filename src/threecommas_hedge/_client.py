"""``ThreeCommas`` and ``AsyncThreeCommas``: the public clients and their endpoint groups.

The constructor and options are shared in ``_base_client``, the send loops in ``_loops``.

A client closes only an httpx client it created: one passed as ``http_client=`` stays open and is
the caller's to close. Copies made by ``with_options`` share the pool and never close it, and share
the rate limiter and the mode guard's caches.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._encoding import QueryValue
from ._loops import AsyncAPIClient, SyncAPIClient

if TYPE_CHECKING:  # pragma: no cover - each endpoint group loads on first use (fast import)
    from ._base_client import BaseClient
    from .live.hedges import AsyncHedges, Hedges
    from .resources.accounts import Accounts, AsyncAccounts
    from .resources.market import AsyncMarket, Market
    from .resources.portfolio import AsyncPortfolio, Portfolio
    from .resources.smart_trades import AsyncSmartTrades, SmartTrades

_GROUPS: dict[str, tuple[str, str]] = {
    "smart_trades": (".resources.smart_trades", "SmartTrades"),
    "accounts": (".resources.accounts", "Accounts"),
    "market": (".resources.market", "Market"),
    "hedges": (".live.hedges", "Hedges"),
    "portfolio": (".resources.portfolio", "Portfolio"),
}
"""Each endpoint group: its module and its sync class (the async one is ``Async`` + that name)."""


def _group(attribute: str, prefix: str = "") -> Any:
    """The endpoint group ``attribute`` (class ``prefix`` + its name), imported on first use.

    A ``cached_property``: made once per client, and ``with_options`` copies make their own.
    """
    module, name = _GROUPS[attribute]

    def make(client: BaseClient[Any]) -> Any:
        return getattr(importlib.import_module(module, __package__), prefix + name)(client)

    make.__name__ = attribute
    return functools.cached_property(make)


class ThreeCommas(SyncAPIClient):
    """Synchronous 3Commas client.

    Credentials: ``api_key`` with ``api_secret`` (HMAC key) or ``private_key`` (RSA key, PEM),
    each falling back to ``THREECOMMAS_API_KEY``, ``THREECOMMAS_API_SECRET``,
    ``THREECOMMAS_PRIVATE_KEY``; or ``api_key`` with ``signer``, any ``Signer`` (a key kept in
    a KMS, an HSM or a vault); ``base_url`` falls back to ``THREECOMMAS_BASE_URL``, then the
    official API. Every request carries ``Forced-Mode: paper`` unless
    ``mode="real"``. ``timeout`` is in seconds (or an ``httpx.Timeout``) and never unlimited.
    ``http_client`` lends an ``httpx.Client`` (its transport, pool and event hooks are used; its
    base URL, default headers, params and timeout are not).

    Safety (see ``_ratelimit`` and ``_guard``): ``rate_limit`` keeps requests within the
    documented limits (True, False, ``RateLimits(...)`` or a ``RateLimiter`` shared by several
    clients); before any write the target account's kind must match ``mode`` and, if given, the
    account must be in ``allowed_account_ids``, else ``ModeMismatchError`` and nothing is sent.
    ``mode_guard=False`` switches that check off (tests against a server you control only).

    Time limits that always hold (``APITimeoutError``): ``attempt_deadline`` seconds for one
    attempt in all (a server trickling bytes included; default: the sum of the ``timeout``
    phases), ``call_deadline`` for a request with its retries and waits (default: the attempts
    plus 60 s). ``max_wait``: the longest the rate limiter may queue a request (default 60 s;
    longer raises a local ``RateLimitError``). Redirects are never followed (``APIRedirectError``);
    ``base_url`` must be https unless the host is loopback.

    Writes are never sent twice: when a write's answer is lost, the client looks for its effect
    for ``write_check_window`` seconds (default 10), then raises ``WriteOutcomeUnknownError``.
    Closing the client while a call runs ends that call with a library error.
    """

    smart_trades: functools.cached_property[SmartTrades] = _group("smart_trades")
    """SmartTrade endpoints: create, get, list, update, cancel, funds, notes, trades."""
    accounts: functools.cached_property[Accounts] = _group("accounts")
    """Account endpoints: list, get, leverage data."""
    market: functools.cached_property[Market] = _group("market")
    """Market data (unsigned): markets, pairs, currency rates, trading rules."""
    hedges: functools.cached_property[Hedges] = _group("hedges")
    """Live hedges: open one from a HedgeBuilder, follow, adjust, resize and close it."""
    portfolio: functools.cached_property[Portfolio] = _group("portfolio")
    """Hedge a whole spot account: plan, open, follow and close one Smart Short per coin."""

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue | None] | None = None,
        json: Any = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        auth: bool = True,
    ) -> Any:
        """Send a request to ``path`` (relative to the base URL) and return the decoded JSON.

        Numbers with a fraction decode as ``Decimal``; an empty 2xx body gives None. ``auth=False``
        sends no ``Apikey``/``Signature`` (market-data endpoints). Raises an ``APIError``.
        """
        prepared = self._prepare(
            method,
            path,
            params=params,
            json=json,
            timeout=timeout,
            max_retries=max_retries,
            auth=auth,
        )
        return self._run(self._request_flow(prepared))


class AsyncThreeCommas(AsyncAPIClient):
    """Asynchronous 3Commas client; the same options as ``ThreeCommas`` with an
    ``httpx.AsyncClient`` as ``http_client``."""

    smart_trades: functools.cached_property[AsyncSmartTrades] = _group("smart_trades", "Async")
    """SmartTrade endpoints (see ``ThreeCommas.smart_trades``), awaited."""
    accounts: functools.cached_property[AsyncAccounts] = _group("accounts", "Async")
    """Account endpoints (see ``ThreeCommas.accounts``), awaited."""
    market: functools.cached_property[AsyncMarket] = _group("market", "Async")
    """Market data (see ``ThreeCommas.market``), awaited."""
    hedges: functools.cached_property[AsyncHedges] = _group("hedges", "Async")
    """Live hedges (see ``ThreeCommas.hedges``), awaited."""
    portfolio: functools.cached_property[AsyncPortfolio] = _group("portfolio", "Async")
    """Whole-account hedges (see ``ThreeCommas.portfolio``), awaited."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue | None] | None = None,
        json: Any = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        auth: bool = True,
    ) -> Any:
        """Send a request to ``path`` and return the decoded JSON (see ``ThreeCommas.request``)."""
        prepared = self._prepare(
            method,
            path,
            params=params,
            json=json,
            timeout=timeout,
            max_retries=max_retries,
            auth=auth,
        )
        return await self._run(self._request_flow(prepared))
