"""The sync client's own transport: each network read and write honours the attempt's deadline.

httpx's timeouts hold per phase and every read restarts the read timeout, so a server trickling
the status line and headers a byte at a time keeps a sync request going forever (the async
client wraps the whole attempt in ``anyio.fail_after`` instead). ``httpx.HTTPTransport`` takes
no httpcore network backend (encode/httpx#3749 is open), so this is a small transport over the
public ``httpcore.ConnectionPool`` whose network streams cut each timeout to the time the
attempt has left. The send loop puts that end (``time.monotonic()``) in the request extension
``ATTEMPT_ENDS``; pooled connections are covered too, as the streams read it per request.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from ._constants import ATTEMPT_ENDS

_CORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)
_ENDS: ContextVar[float | None] = ContextVar("threecommas_hedge_attempt_ends", default=None)


def _cut(timeout: float | None, kind: type[Exception]) -> float | None:
    """``timeout`` cut to the attempt's time left; ``kind`` once none is left."""
    ends = _ENDS.get()
    if ends is None:
        return timeout
    left = ends - time.monotonic()
    if left <= 0:
        raise kind("the attempt deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes end by the attempt's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._stream.read(max_bytes, _cut(timeout, httpcore.ReadTimeout))
        except httpcore.ReadTimeout:
            _cut(None, httpcore.ReadTimeout)  # say so if it was the deadline that ran out
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._stream.write(buffer, _cut(timeout, httpcore.WriteTimeout))
        except httpcore.WriteTimeout:
            _cut(None, httpcore.WriteTimeout)
            raise

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        cut = _cut(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, cut))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, its streams wrapped in ``_DeadlineStream``."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        cut = _cut(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, cut, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        cut = _cut(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, cut, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _attempt:  # lower case: used as ``with _attempt(request):``, like the function it was
    """The request's deadline for the streams; httpcore's errors as httpx's (same names).

    A plain class, not ``@contextmanager``: entered several times per request, the generator
    machinery was a measurable part of the client's per-call overhead."""

    __slots__ = ("_request", "_token")

    def __init__(self, request: httpx.Request) -> None:
        self._request = request

    def __enter__(self) -> None:
        self._token = _ENDS.set(self._request.extensions.get(ATTEMPT_ENDS))

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: object
    ) -> None:
        _ENDS.reset(self._token)
        if isinstance(error, _CORE_ERRORS):
            raise _httpx_error(error, self._request) from error


def _httpx_error(error: Exception, request: httpx.Request) -> httpx.TransportError:
    """httpx's exception of the same name as httpcore's ``error`` (httpx mirrors them all)."""
    for cls in type(error).__mro__:
        kind = getattr(httpx, cls.__name__, None)
        if isinstance(kind, type) and issubclass(kind, httpx.TransportError):
            return kind(str(error), request=request)
    return httpx.TransportError(str(error), request=request)  # pragma: no cover


class _Body(httpx.SyncByteStream):
    """A response body read under its request's deadline."""

    def __init__(self, stream: Any, request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._stream)
        while True:
            with _attempt(self._request):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        with _attempt(self._request):
            self._stream.close()


class DeadlineTransport(httpx.BaseTransport):
    """An ``httpx`` transport (http/1.1, TLS verified) whose network I/O ends by the request's
    ``ATTEMPT_ENDS``; requests without it have only their phase timeouts."""

    def __init__(self) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,  # httpx's default limits
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_DeadlineBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the pool (as ``httpx.HTTPTransport`` does)."""
        assert isinstance(request.stream, httpx.SyncByteStream)
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _attempt(request):
            response = self._pool.handle_request(core)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, request),
            extensions=response.extensions,
        )

    def close(self) -> None:
        """Close the pool's connections."""
        self._pool.close()
