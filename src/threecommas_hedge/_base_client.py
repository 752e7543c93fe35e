"""Everything the sync and async clients share: configuration, request building, response parsing.

Nothing here does I/O. The two send loops in ``_client.py`` call, for each attempt:
``_before_attempt`` (seconds to wait first: the client-side rate limiter), then send, then
``_on_response`` or ``_on_transport_error``, which return an :class:`Outcome`: a value, an
error to raise, or an error plus the delay before the next attempt.

A call is a *flow* (:meth:`BaseClient._request_flow`): a generator that yields each request to
send and receives its decoded answer (or its error, thrown in). The mode guard's reads run before
the request itself this way, and both clients drive the same flow with their own loop.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import time
import weakref
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Generic, TypeVar

import httpx
from typing_extensions import TypeVar as DefaultTypeVar

from ._auth import resolve_auth
from ._config import (
    check_base_url,
    check_deadline,
    check_max_retries,
    check_max_wait,
    check_mode,
    check_timeout,
    check_window,
)
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ENV_BASE_URL,
    HEADER_FORCED_MODE,
    HEADER_REQUEST_ID,
    MAX_RETRY_AFTER,
    REDACTED,
    SENSITIVE_HEADERS,
    USER_AGENT,
)
from ._encoding import JsonBody, QueryValue, encode_query, json_body
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
)
from ._guard import WRITE_METHODS, Mode, ModeGuard, normalize_path
from ._logging import logger, setup_logging
from ._ratelimit import RateLimiter, RateLimits
from ._response import error_from_response
from ._retry import retry_delay, should_retry
from ._signing import SignatureAuth, Signer

RateLimitOption = bool | RateLimits | RateLimiter
"""``rate_limit=``: True (the documented limits), False (none), settings, or a shared limiter."""

DEFAULT_WRITE_CHECK_WINDOW = 10.0
"""Seconds a write whose outcome is unknown is looked for before ``WriteOutcomeUnknownError``."""

_ClientT = TypeVar("_ClientT", bound="BaseClient[Any, Any]")


@dataclass(frozen=True)
class ClientConfig:
    """A client's settings. ``auth`` holds the credentials and is never shown."""

    base_url: str
    mode: Mode
    timeout: httpx.Timeout
    max_retries: int
    auth: SignatureAuth = field(repr=False)
    attempt_deadline: float | None = None
    call_deadline: float | None = None


@dataclass(frozen=True)
class PreparedRequest:
    """One API call ready to send: the request (signed, when the call is authenticated), how
    often to retry, and its JSON body (None when it has none).

    It is sent with ``auth=UNSIGNED``: signed once when built, never again per attempt, and a
    lent ``http_client``'s own auth never applies.
    """

    request: httpx.Request
    max_retries: int
    body: JsonBody | None = None


@dataclass(frozen=True)
class Pause:
    """A flow asks its loop to sleep ``seconds`` (with the client's sleep) before it goes on."""

    seconds: float


@dataclass(frozen=True)
class Outcome:
    """What one attempt produced: a value or an error, and ``retry_in`` seconds if to be retried."""

    value: Any = None
    error: APIError | None = None
    retry_in: float | None = None

    def result(self) -> Any:
        """The value, or raise the error."""
        if self.error is not None:
            raise self.error
        return self.value


@dataclass
class Deadlines:
    """The overall time limits of one request: ``call_ends`` (clock time) for it with its
    retries and waits, ``attempt`` seconds for each try; ``phases`` are its httpx timeouts.

    httpx's timeouts hold per phase (connect, each read...), so a server trickling a byte now and
    then never trips them; these hold in all, on the client's clock.
    """

    clock: Callable[[], float]
    call_ends: float
    attempt: float
    phases: dict[str, float | None]

    def left(self) -> float:
        """Seconds until the call's deadline (0 once passed)."""
        return max(self.call_ends - self.clock(), 0.0)

    def allows_wait(self, seconds: float) -> bool:
        """Whether sleeping ``seconds`` still leaves time before the call's deadline."""
        return self.clock() + seconds < self.call_ends

    def start_attempt(self, request: httpx.Request) -> float:
        """The clock time this attempt must end by; the request's phase timeouts are capped to it
        (a ``PoolTimeout``, mapped to ``APITimeoutError``, when the call has no time left)."""
        now = self.clock()
        ends = min(now + self.attempt, self.call_ends)
        left = ends - now
        if left <= 0:
            raise deadline_error(request, "call", httpx.PoolTimeout)
        request.extensions["timeout"] = {
            phase: left if limit is None else min(limit, left)
            for phase, limit in self.phases.items()
        }
        return ends

    def watch(self, response: httpx.Response, ends: float) -> None:
        """Make reading ``response``'s body fail once the clock passes ``ends``."""
        response.stream = _DeadlineStream(response, ends, self.clock)


class _DeadlineStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that raises ``ReadTimeout`` when a chunk arrives past the deadline."""

    def __init__(self, response: httpx.Response, ends: float, clock: Callable[[], float]) -> None:
        self._stream = response.stream
        self._request = response.request
        self._ends = ends
        self._clock = clock

    def _check(self) -> None:
        if self._clock() > self._ends:
            raise deadline_error(self._request, "attempt", httpx.ReadTimeout)

    def __iter__(self) -> Iterator[bytes]:
        self._check()  # the headers may have been trickled too
        for chunk in self._stream:  # type: ignore[union-attr]
            yield chunk
            self._check()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._check()
        async for chunk in self._stream:  # type: ignore[union-attr]
            yield chunk
            self._check()

    def close(self) -> None:
        self._stream.close()  # type: ignore[union-attr]

    async def aclose(self) -> None:
        await self._stream.aclose()  # type: ignore[union-attr]


UNSIGNED = httpx.Auth()
"""The ``auth`` every prepared request is sent with: it is signed already (or needs no key)."""

_PHASES = "threecommas_hedge.phases"
"""Request extension holding the request's own phase timeouts (httpx ignores it)."""


def deadline_error(
    request: httpx.Request, which: str, kind: type[httpx.TimeoutException]
) -> httpx.TimeoutException:
    """httpx's timeout for a passed overall deadline (mapped like any: ``APITimeoutError``).

    ``PoolTimeout`` when nothing was sent (as for a pool wait), ``ReadTimeout`` otherwise.
    """
    return kind(f"the {which} deadline passed", request=request)


# defaults: a plain ``BaseClient`` annotation means either client
_HttpT = DefaultTypeVar(
    "_HttpT",
    bound=httpx.Client | httpx.AsyncClient,
    default=Any,
)
_SleepT = DefaultTypeVar("_SleepT", default=Any)


class BaseClient(Generic[_HttpT, _SleepT]):
    """Configuration and the pure steps of a request, shared by the sync and async clients.

    Generic over the httpx client (``httpx.Client`` or ``httpx.AsyncClient``) and the sleep
    function, so both clients share this constructor (see ``ThreeCommas`` for the options).
    """

    _config: ClientConfig
    _owns_http: bool
    _http: _HttpT
    _http_class: type[_HttpT]
    _default_sleep: _SleepT
    _other_client: str  # the client to use with the other kind of httpx client

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
        http_client: _HttpT | None = None,
        rate_limit: RateLimitOption = True,
        allowed_account_ids: Iterable[int] | None = None,
        mode_guard: bool = True,
        write_check_window: float = DEFAULT_WRITE_CHECK_WINDOW,
        signer: Signer | None = None,
        attempt_deadline: float | None = None,
        call_deadline: float | None = None,
        max_wait: float | None = None,
        _sleep: _SleepT | None = None,
        _clock: Callable[[], float] = time.monotonic,
    ) -> None:
        setup_logging()
        self._max_wait = check_max_wait(max_wait)
        self._clock = clock = _clock
        self._sleep: _SleepT = self._default_sleep if _sleep is None else _sleep
        self._write_check_window = check_window(write_check_window)
        self._config = ClientConfig(
            base_url=check_base_url(base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL),
            mode=check_mode(mode),
            timeout=check_timeout(timeout),
            max_retries=check_max_retries(max_retries),
            auth=resolve_auth(api_key, api_secret, private_key, signer),
            attempt_deadline=check_deadline("attempt_deadline", attempt_deadline),
            call_deadline=check_deadline("call_deadline", call_deadline),
        )
        self._api_prefix = httpx.URL(self._config.base_url).path.rstrip("/")
        self._limiter = _make_limiter(rate_limit, clock)
        if not mode_guard and allowed_account_ids is not None:
            raise ValueError("allowed_account_ids needs the mode guard: drop mode_guard=False")
        self._guard = (
            ModeGuard(self._config.mode, allowed_account_ids=allowed_account_ids, clock=clock)
            if mode_guard
            else None
        )
        # a request retried after a 429 has slept through the restriction that 429 set
        self._waited: weakref.WeakKeyDictionary[httpx.Request, float] = weakref.WeakKeyDictionary()
        if http_client is not None and not isinstance(http_client, self._http_class):
            raise TypeError(
                f"http_client must be an httpx.{self._http_class.__name__} "
                f"(use {self._other_client})"
            )
        self._http = http_client if http_client is not None else self._own_http_client()
        self._owns_http = http_client is None

    def _own_http_client(self) -> _HttpT:
        """The httpx client this client creates (and closes) when none is lent (one keeping no
        cookies: see ``_http_clients``)."""
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """The base URL every path is appended to (includes ``/public/api``)."""
        return self._config.base_url

    @property
    def mode(self) -> Mode:
        """``"paper"`` or ``"real"``: the ``Forced-Mode`` header sent with every request."""
        return self._config.mode

    @property
    def timeout(self) -> httpx.Timeout:
        """The default timeout of each attempt."""
        return self._config.timeout

    @property
    def max_retries(self) -> int:
        """How many times a request may be retried (see ``_retry``)."""
        return self._config.max_retries

    @property
    def attempt_deadline(self) -> float:
        """Seconds one attempt may take in all (a slow trickle included); by default the sum of
        the ``timeout`` phases."""
        return self._config.attempt_deadline or _phase_sum(self._config.timeout.as_dict())

    @property
    def call_deadline(self) -> float:
        """Seconds one request may take with its retries and waits; by default
        ``attempt_deadline * (max_retries + 1)`` plus the longest ``Retry-After`` waited for."""
        config = self._config
        return config.call_deadline or _call_seconds(self.attempt_deadline, config.max_retries)

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The client-side rate limiter (shared with ``with_options`` copies), or None if off."""
        return self._limiter

    @property
    def allowed_account_ids(self) -> frozenset[int] | None:
        """The only accounts writes may target, when restricted (see ``_guard``)."""
        return self._guard.allowed_account_ids if self._guard is not None else None

    @property
    def signer(self) -> Signer:
        """The signer in use: HMAC, RSA or the one given as ``signer=`` (see ``Signer``)."""
        return self._config.auth.signer

    def with_options(
        self: _ClientT,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        attempt_deadline: float | None = None,
        call_deadline: float | None = None,
        write_check_window: float | None = None,
        max_wait: float | None = None,
    ) -> _ClientT:
        """A copy with other defaults that shares this client's connection pool (and its rate
        limiter and mode guard caches).

        Closing the copy leaves the pool open; closing the original closes it for both.
        """
        config = self._config
        if timeout is not None:
            config = replace(config, timeout=check_timeout(timeout))
        if max_retries is not None:
            config = replace(config, max_retries=check_max_retries(max_retries))
        if attempt_deadline is not None:
            config = replace(
                config, attempt_deadline=check_deadline("attempt_deadline", attempt_deadline)
            )
        if call_deadline is not None:
            config = replace(config, call_deadline=check_deadline("call_deadline", call_deadline))
        clone = copy.copy(self)
        # cached per-client objects (resources bound to self) must be rebuilt for the copy
        for name in _cached_property_names(type(self)):
            clone.__dict__.pop(name, None)
        clone._config = config
        clone._owns_http = False
        if write_check_window is not None:
            clone._write_check_window = check_window(write_check_window)
        if max_wait is not None:
            clone._max_wait = check_max_wait(max_wait)
        return clone

    def build_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue | None] | None = None,
        json: Any = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> httpx.Request:
        """The request that ``request()`` would send, before signing.

        GET sends ``params`` in the query; a write sends ``json`` as the body, or ``params`` in the
        query, never both. Pass the result to ``explain_signature`` to see what gets signed.
        """
        return self._build(method, path, params=params, json=json, timeout=timeout)[0]

    def _build(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue | None] | None,
        json: Any,
        timeout: float | httpx.Timeout | None,
        auth: SignatureAuth | None = None,
    ) -> tuple[httpx.Request, JsonBody | None]:
        """The request and its encoded body; with ``auth``, signed (headers set as it is made)."""
        method = method.upper()
        path = normalize_path(path)  # refuses a path that leaves the API or hides its route
        if json is not None and method == "GET":
            raise ValueError("a GET sends its parameters in the query: use params=, not json=")
        if json is not None and params:
            raise ValueError("send params= (query) or json= (body), not both")
        url = self._config.base_url + path
        query = encode_query(params or {})
        if query:
            url += "?" + query
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            HEADER_FORCED_MODE: self._config.mode,
        }
        body = None
        if json is not None:
            body = json_body(json)
            headers["Content-Type"] = "application/json"
        content = None if body is None else body.content
        target = _parsed_url(url)
        if auth is not None:
            headers.update(auth.headers(target.raw_path, content or b""))
        limits = self._config.timeout if timeout is None else check_timeout(timeout)
        request = httpx.Request(
            method,
            target,
            headers=headers,
            content=content,
            extensions={"timeout": limits.as_dict()},
        )
        return request, body

    def _prepare(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue | None] | None,
        json: Any,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        auth: bool,
    ) -> PreparedRequest:
        request, body = self._build(
            method,
            path,
            params=params,
            json=json,
            timeout=timeout,
            auth=self._config.auth if auth else None,
        )
        return PreparedRequest(
            request=request,
            max_retries=(
                self._config.max_retries if max_retries is None else check_max_retries(max_retries)
            ),
            body=body,
        )

    def _request_flow(self, prepared: PreparedRequest) -> Generator[PreparedRequest, Any, Any]:
        """One call as a flow: the mode guard's reads (if any), then ``prepared`` itself.

        The guard raises ``ModeMismatchError`` before the write is ever yielded.
        """
        request = prepared.request
        path = self._api_path(request)
        if self._guard is not None and request.method in WRITE_METHODS:
            body = prepared.body.fields if prepared.body is not None else {}
            query = request.url.params if request.url.query else {}
            yield from self._guard.check(request.method, path, query, body, self._guard_read)
        value = yield prepared
        if self._guard is not None:
            self._guard.observe(path, value)
        return value

    def _guard_read(self, path: str, params: Mapping[str, int]) -> PreparedRequest:
        return self._prepare(
            "GET", path, params=params, json=None, timeout=None, max_retries=None, auth=True
        )

    def _api_path(self, request: httpx.Request) -> str:
        """The path below the base URL: ``/v2/smart_trades`` for ``/public/api/v2/smart_trades``."""
        path = request.url.path
        return path[len(self._api_prefix) :] if path.startswith(self._api_prefix) else path

    def _deadlines(self, prepared: PreparedRequest) -> Deadlines:
        """The overall limits of one request with its retries, starting now."""
        config = self._config
        extensions = prepared.request.extensions
        # the request's own phase timeouts, kept: each attempt cuts "timeout" to its time left
        phases = extensions.setdefault(_PHASES, dict(extensions["timeout"]))
        attempt = config.attempt_deadline or _phase_sum(phases)
        call = config.call_deadline or _call_seconds(attempt, prepared.max_retries)
        return Deadlines(self._clock, self._clock() + call, attempt, phases)

    def _before_attempt(self, request: httpx.Request, deadlines: Deadlines) -> float:
        """Seconds to wait before sending ``request``: its rate-limit slot.

        Raises (nothing sent) while banned, when the wait is longer than ``max_wait``
        (``RateLimitError``) or than the call has left (``APITimeoutError``).
        """
        if self._limiter is None:
            return 0.0
        waited = self._waited.pop(request, None)
        return self._limiter.acquire(
            request,
            self._api_path(request),
            waited_until=waited,
            max_wait=self._max_wait,
            time_left=deadlines.left(),
        )

    def _after_response(self, request: httpx.Request, response: httpx.Response) -> None:
        """Called with every response received, before it is interpreted: feeds the limiter."""
        if self._limiter is None:
            return
        until = self._limiter.observe(request, self._api_path(request), response)
        if until is not None and response.status_code == 429:
            self._waited[request] = until

    def _on_response(
        self, prepared: PreparedRequest, response: httpx.Response, retries_done: int
    ) -> Outcome:
        request = prepared.request
        if logger.isEnabledFor(logging.DEBUG):  # the arguments cost more than the call
            logger.debug(
                "%s %s -> %s (request id %s)",
                request.method,
                request.url.path,
                response.status_code,
                response.headers.get(HEADER_REQUEST_ID),
            )
        self._after_response(request, response)
        if response.is_success:
            try:
                return Outcome(value=parse_body(response))
            except APIResponseValidationError as error:
                error.request = _kept(response, request)  # redacted only when kept
                return Outcome(error=error)
        _kept(response, request)
        return self._on_error(prepared, error_from_response(response), retries_done)

    def _on_transport_error(
        self, prepared: PreparedRequest, exc: httpx.HTTPError, retries_done: int
    ) -> Outcome:
        request = prepared.request
        logger.debug("%s %s -> %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return self._on_error(prepared, transport_error(exc, request), retries_done)

    def _on_error(self, prepared: PreparedRequest, error: APIError, retries_done: int) -> Outcome:
        request = prepared.request
        if retries_done >= prepared.max_retries or not should_retry(request.method, error):
            return Outcome(error=error)
        delay = retry_delay(retries_done, error)
        logger.debug(
            "retrying %s %s in %.2f s (retry %d of %d) after %s",
            request.method,
            request.url.path,
            delay,
            retries_done + 1,
            prepared.max_retries,
            type(error).__name__,
        )
        return Outcome(error=error, retry_in=delay)

    def __repr__(self) -> str:
        config = self._config
        return (
            f"{type(self).__name__}(base_url={config.base_url!r}, mode={config.mode!r}, "
            f"auth={config.auth.signer.scheme!r})"
        )


def parse_body(response: httpx.Response) -> Any:
    """The decoded JSON of a 2xx answer (floats as Decimal), None for an empty body.

    Raises APIResponseValidationError when the body is not JSON (an HTML page, truncated JSON).
    The bytes are decoded as JSON text (UTF-8, RFC 8259), not via the charset guess of
    ``response.text``, which costs more than the parse itself.
    """
    content = response.content
    if not content.strip():
        return None
    try:
        text = content.decode(json.detect_encoding(content), "surrogatepass")  # as json.loads
        return _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        content_type = response.headers.get("content-type", "no content type")
        raise APIResponseValidationError(
            f"HTTP {response.status_code}: expected a JSON body from "
            f"{response.request.method} {response.request.url.path}, got {content_type} "
            f"({len(response.content)} bytes that do not parse: {exc})",
            response=response,
        ) from exc


def transport_error(exc: httpx.HTTPError, request: httpx.Request) -> APIConnectionError:
    """The error for a failed send, chained to ``exc`` (whose request is redacted)."""
    redacted = redact(request)
    if isinstance(exc, httpx.RequestError):
        exc.request = redacted
    error: APIConnectionError
    if isinstance(exc, httpx.TimeoutException):
        detail = f": {exc}" if str(exc) else ""
        error = APITimeoutError(
            f"Request timed out ({type(exc).__name__}{detail}).", request=redacted
        )
    else:
        error = APIConnectionError(
            f"Connection error ({type(exc).__name__}): {exc}", request=redacted
        )
    error.__cause__ = exc
    return error


def closed_error(exc: RuntimeError, request: httpx.Request) -> APIConnectionError:
    """The error for a request on a closed client (httpx raises a bare RuntimeError)."""
    error = APIConnectionError(
        f"{request.method} {request.url.path} was not sent: the client is closed (close it only "
        "when no call is running; a write in flight ends with its outcome unknown)",
        request=redact(request),
    )
    error.__cause__ = exc
    return error


def _kept(response: httpx.Response, request: httpx.Request) -> httpx.Request:
    """Make ``response`` (read, kept by an error) hold no credentials; the redacted request.

    Its ``request`` becomes the redacted copy, and its body stream, which holds the signed request
    (the deadline wrapper, the transport's stream under it), the bytes already read.
    """
    response.request = redacted = redact(request)
    response.stream = httpx.ByteStream(response.content)
    return redacted


def redact(request: httpx.Request) -> httpx.Request:
    """A copy of ``request`` whose ``Apikey`` and ``Signature`` headers read ``[redacted]``."""
    headers = [
        (name, REDACTED if name.lower() in SENSITIVE_HEADERS else value)
        for name, value in request.headers.multi_items()
    ]
    return httpx.Request(
        request.method,
        request.url,
        headers=headers,
        content=request.content,
        extensions=request.extensions,
    )


@functools.lru_cache(maxsize=256)
def _parsed_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, parsed once per distinct URL (immutable; parsing costs ~8 us)."""
    return httpx.URL(url)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)
"""Built once: ``json.loads`` with these options builds a decoder on every call."""


def _make_limiter(option: RateLimitOption, clock: Callable[[], float]) -> RateLimiter | None:
    if isinstance(option, RateLimiter):
        return option
    if isinstance(option, RateLimits):
        return RateLimiter(option, clock=clock)
    if option is True:
        return RateLimiter(clock=clock)
    if option is False:
        return None
    raise TypeError(f"rate_limit must be a bool, RateLimits or RateLimiter, got {option!r}")


def _phase_sum(phases: Mapping[str, float | None]) -> float:
    """The sum of the per-phase timeouts: what an attempt that trickles nothing can take."""
    return sum(limit for limit in phases.values() if limit is not None)


def _call_seconds(attempt: float, max_retries: int) -> float:
    """The default call deadline: every attempt, plus the longest ``Retry-After`` waited for."""
    return attempt * (max_retries + 1) + MAX_RETRY_AFTER


def _cached_property_names(cls: type) -> set[str]:
    return {
        name
        for klass in cls.__mro__
        for name, attribute in vars(klass).items()
        if isinstance(attribute, functools.cached_property)
    }
