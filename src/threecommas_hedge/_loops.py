"""The two thin send loops over ``BaseClient``: ``SyncAPIClient`` and ``AsyncAPIClient``.

The loops differ only in ``send`` vs ``await send`` and in the sleep; everything else (building,
signing, parsing, retry decisions, logging) is shared in ``_base_client``. The endpoint groups and
the live hedges type their client as one of these, so they never import ``_client`` (which loads
them): no import cycle.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable, Generator
from types import TracebackType
from typing import Any, TypeVar

import httpx
from typing_extensions import Self

from ._base_client import (
    UNSIGNED,
    BaseClient,
    Deadlines,
    Outcome,
    Pause,
    PreparedRequest,
    closed_error,
    deadline_error,
)
from ._constants import ATTEMPT_ENDS
from ._exceptions import APIError
from ._http_clients import CookielessAsyncClient, CookielessClient

_T = TypeVar("_T")


async def _async_sleep(seconds: float) -> None:
    """``asyncio.sleep``, imported when first awaited: importing the client loads no asyncio."""
    import asyncio  # ~40 ms at import; a running loop has it already

    await asyncio.sleep(seconds)


class SyncAPIClient(BaseClient[httpx.Client, Callable[[float], None]]):
    """The synchronous send loop (see ``ThreeCommas``)."""

    _http_class = httpx.Client
    _other_client = "AsyncThreeCommas for async"

    _default_sleep = staticmethod(time.sleep)

    def _own_http_client(self) -> httpx.Client:
        """Its own pool holds each attempt's deadline on every network read (headers too).

        The transport (and httpcore under it) loads here: a client lent an ``http_client`` (a
        test's mock, the demo's fake) never needs it. It keeps no cookies (``_http_clients``).
        """
        from ._transport import DeadlineTransport

        return CookielessClient(timeout=self.timeout, transport=DeadlineTransport())

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
            prepared.request, auth=UNSIGNED, follow_redirects=False, stream=True
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

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncAPIClient(BaseClient[httpx.AsyncClient, Callable[[float], Awaitable[None]]]):
    """The asynchronous send loop (see ``AsyncThreeCommas``)."""

    _http_class = httpx.AsyncClient
    _other_client = "ThreeCommas for sync"

    _default_sleep = staticmethod(_async_sleep)

    def _own_http_client(self) -> httpx.AsyncClient:
        """httpx's own pool (the attempt's deadline is held by ``anyio.fail_after``), keeping no
        cookies (``_http_clients``)."""
        return CookielessAsyncClient(timeout=self.timeout)

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
                    prepared.request, auth=UNSIGNED, follow_redirects=False, stream=True
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

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
