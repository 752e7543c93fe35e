"""``ThreeCommas`` and ``AsyncThreeCommas``: the two thin send loops over ``BaseClient``.

The loops differ only in ``send`` vs ``await send`` and in the sleep; everything else (building,
signing, parsing, retry decisions, logging) is shared in ``_base_client``.

A client closes only an httpx client it created: one passed as ``http_client=`` stays open and is
the caller's to close. Copies made by ``with_options`` share the pool and never close it, and share
the rate limiter and the mode guard's caches.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ._base_client import (
    DEFAULT_WRITE_CHECK_WINDOW,
    BaseClient,
    Deadlines,
    Outcome,
    Pause,
    PreparedRequest,
    QueryValue,
    RateLimitOption,
    closed_error,
    deadline_error,
)
from ._constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from ._exceptions import APIError
from ._guard import Mode
from ._signing import Signer
from ._transport import ATTEMPT_ENDS, DeadlineTransport

if TYPE_CHECKING:  # pragma: no cover - each endpoint group loads on first use (fast import)
    from .live.hedges import AsyncHedges, Hedges
    from .resources.accounts import Accounts, AsyncAccounts
    from .resources.market import AsyncMarket, Market
    from .resources.portfolio import AsyncPortfolio, Portfolio
    from .resources.smart_trades import AsyncSmartTrades, SmartTrades

_T = TypeVar("_T")


class ThreeCommas(BaseClient):
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

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_secret: str | bytes | None = None,
        private_key: str | bytes | None = None,
        base_url: str | None = None,
        mode: Mode = "paper",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        rate_limit: RateLimitOption = True,
        allowed_account_ids: Iterable[int] | None = None,
        mode_guard: bool = True,
        write_check_window: float = DEFAULT_WRITE_CHECK_WINDOW,
        signer: Signer | None = None,
        attempt_deadline: float | None = None,
        call_deadline: float | None = None,
        max_wait: float | None = None,
        _sleep: Callable[[float], None] = time.sleep,
        _clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            api_key=api_key,
            api_secret=api_secret,
            private_key=private_key,
            signer=signer,
            base_url=base_url,
            mode=mode,
            timeout=timeout,
            max_retries=max_retries,
            rate_limit=rate_limit,
            allowed_account_ids=allowed_account_ids,
            mode_guard=mode_guard,
            clock=_clock,
            write_check_window=write_check_window,
            attempt_deadline=attempt_deadline,
            call_deadline=call_deadline,
            max_wait=max_wait,
        )
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise TypeError("http_client must be an httpx.Client (use AsyncThreeCommas for async)")
        self._http = (
            http_client
            if http_client is not None
            else httpx.Client(timeout=self.timeout, transport=DeadlineTransport())
        )
        self._owns_http = http_client is None
        self._sleep = _sleep

    @functools.cached_property
    def smart_trades(self) -> SmartTrades:
        """SmartTrade endpoints: create, get, list, update, cancel, funds, notes, trades."""
        from .resources.smart_trades import SmartTrades

        return SmartTrades(self)

    @functools.cached_property
    def accounts(self) -> Accounts:
        """Account endpoints: list, get, leverage data."""
        from .resources.accounts import Accounts

        return Accounts(self)

    @functools.cached_property
    def market(self) -> Market:
        """Market data (unsigned): markets, pairs, currency rates, trading rules."""
        from .resources.market import Market

        return Market(self)

    @functools.cached_property
    def hedges(self) -> Hedges:
        """Live hedges: open one from a HedgeBuilder, follow, adjust, resize and close it."""
        from .live.hedges import Hedges

        return Hedges(self)

    @functools.cached_property
    def portfolio(self) -> Portfolio:
        """Hedge a whole spot account: plan, open, follow and close one Smart Short per coin."""
        from .resources.portfolio import Portfolio

        return Portfolio(self)

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

    def _run(self, flow: Generator[PreparedRequest | Pause, Any, _T]) -> _T:
        """Drive a flow: send each request it yields, hand back the answer or throw the error."""
        value: Any = None
        error: APIError | None = None
        while True:
            try:
                prepared = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            if isinstance(prepared, Pause):
                self._sleep(prepared.seconds)
                value, error = None, None
                continue
            try:
                value, error = self._send(prepared), None
            except APIError as exc:
                value, error = None, exc

    def _send(self, prepared: PreparedRequest) -> Any:
        """One request with its retries: the send loop."""
        deadlines = self._deadlines(prepared)
        for retries_done in itertools.count():
            wait = self._before_attempt(prepared.request, deadlines)
            if wait > 0:
                self._sleep(wait)
            try:
                response = self._fetch(prepared, deadlines)
            except httpx.HTTPError as exc:
                outcome = self._on_transport_error(prepared, exc, retries_done)
            except RuntimeError as exc:  # httpx's "the client has been closed"
                if not self._http.is_closed:
                    raise
                outcome = Outcome(error=closed_error(exc, prepared.request))
            else:
                outcome = self._on_response(prepared, response, retries_done)
            if outcome.retry_in is None or not deadlines.allows_wait(outcome.retry_in):
                break
            self._sleep(outcome.retry_in)
        return outcome.result()

    def _fetch(self, prepared: PreparedRequest, deadlines: Deadlines) -> httpx.Response:
        """One attempt: send without following redirects, read the body by the deadline.

        The client's own transport holds the deadline on every network read (headers too); a
        lent ``http_client``'s headers are bounded by its per-phase timeouts (cut to the time left).
        """
        ends = deadlines.start_attempt(prepared.request)
        prepared.request.extensions[ATTEMPT_ENDS] = time.monotonic() + ends - self._clock()
        response = self._http.send(
            prepared.request, auth=prepared.auth, follow_redirects=False, stream=True
        )
        try:
            deadlines.watch(response, ends)
            response.read()
        finally:
            response.close()
        return response

    def close(self) -> None:
        """Close the connection pool, if this client created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ThreeCommas:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncThreeCommas(BaseClient):
    """Asynchronous 3Commas client; the same options as ``ThreeCommas`` with an
    ``httpx.AsyncClient`` as ``http_client``."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_secret: str | bytes | None = None,
        private_key: str | bytes | None = None,
        base_url: str | None = None,
        mode: Mode = "paper",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        rate_limit: RateLimitOption = True,
        allowed_account_ids: Iterable[int] | None = None,
        mode_guard: bool = True,
        write_check_window: float = DEFAULT_WRITE_CHECK_WINDOW,
        signer: Signer | None = None,
        attempt_deadline: float | None = None,
        call_deadline: float | None = None,
        max_wait: float | None = None,
        _sleep: Callable[[float], Awaitable[None]] | None = None,
        _clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            api_key=api_key,
            api_secret=api_secret,
            private_key=private_key,
            signer=signer,
            base_url=base_url,
            mode=mode,
            timeout=timeout,
            max_retries=max_retries,
            rate_limit=rate_limit,
            allowed_account_ids=allowed_account_ids,
            mode_guard=mode_guard,
            clock=_clock,
            write_check_window=write_check_window,
            attempt_deadline=attempt_deadline,
            call_deadline=call_deadline,
            max_wait=max_wait,
        )
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("http_client must be an httpx.AsyncClient (use ThreeCommas for sync)")
        self._http = (
            http_client if http_client is not None else httpx.AsyncClient(timeout=self.timeout)
        )
        self._owns_http = http_client is None
        self._sleep = _async_sleep if _sleep is None else _sleep

    @functools.cached_property
    def smart_trades(self) -> AsyncSmartTrades:
        """SmartTrade endpoints: create, get, list, update, cancel, funds, notes, trades."""
        from .resources.smart_trades import AsyncSmartTrades

        return AsyncSmartTrades(self)

    @functools.cached_property
    def accounts(self) -> AsyncAccounts:
        """Account endpoints: list, get, leverage data."""
        from .resources.accounts import AsyncAccounts

        return AsyncAccounts(self)

    @functools.cached_property
    def market(self) -> AsyncMarket:
        """Market data (unsigned): markets, pairs, currency rates, trading rules."""
        from .resources.market import AsyncMarket

        return AsyncMarket(self)

    @functools.cached_property
    def hedges(self) -> AsyncHedges:
        """Live hedges: open one from a HedgeBuilder, follow, adjust, resize and close it."""
        from .live.hedges import AsyncHedges

        return AsyncHedges(self)

    @functools.cached_property
    def portfolio(self) -> AsyncPortfolio:
        """Hedge a whole spot account: plan, open, follow and close one Smart Short per coin."""
        from .resources.portfolio import AsyncPortfolio

        return AsyncPortfolio(self)

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

    async def _run(self, flow: Generator[PreparedRequest | Pause, Any, _T]) -> _T:
        """Drive a flow: send each request it yields, hand back the answer or throw the error."""
        value: Any = None
        error: APIError | None = None
        while True:
            try:
                prepared = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            if isinstance(prepared, Pause):
                await self._sleep(prepared.seconds)
                value, error = None, None
                continue
            try:
                value, error = await self._send(prepared), None
            except APIError as exc:
                value, error = None, exc

    async def _send(self, prepared: PreparedRequest) -> Any:
        """One request with its retries: the send loop."""
        deadlines = self._deadlines(prepared)
        for retries_done in itertools.count():
            wait = self._before_attempt(prepared.request, deadlines)
            if wait > 0:
                await self._sleep(wait)
            try:
                response = await self._fetch(prepared, deadlines)
            except httpx.HTTPError as exc:
                outcome = self._on_transport_error(prepared, exc, retries_done)
            except RuntimeError as exc:  # httpx's "the client has been closed"
                if not self._http.is_closed:
                    raise
                outcome = Outcome(error=closed_error(exc, prepared.request))
            else:
                outcome = self._on_response(prepared, response, retries_done)
            if outcome.retry_in is None or not deadlines.allows_wait(outcome.retry_in):
                break
            await self._sleep(outcome.retry_in)
        return outcome.result()

    async def _fetch(self, prepared: PreparedRequest, deadlines: Deadlines) -> httpx.Response:
        """One attempt: send without following redirects, read the body; all of it (headers
        too) by the attempt's deadline."""
        import anyio  # httpx's own dependency; loaded with the first async request

        ends = deadlines.start_attempt(prepared.request)
        try:
            with anyio.fail_after(max(ends - self._clock(), 0.0)):
                response = await self._http.send(
                    prepared.request, auth=prepared.auth, follow_redirects=False, stream=True
                )
                try:
                    deadlines.watch(response, ends)
                    await response.aread()
                finally:
                    await response.aclose()
        except TimeoutError:
            raise deadline_error(prepared.request, "attempt", httpx.ReadTimeout) from None
        return response

    async def aclose(self) -> None:
        """Close the connection pool, if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncThreeCommas:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _async_sleep(seconds: float) -> None:
    """``asyncio.sleep``, imported when first awaited: importing the client loads no asyncio."""
    import asyncio  # ~40 ms at import; a running loop has it already

    await asyncio.sleep(seconds)
