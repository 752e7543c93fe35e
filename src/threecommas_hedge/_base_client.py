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
import os
import time
import weakref
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import pydantic
from pydantic_core import PydanticSerializationError

from ._constants import (
    DEFAULT_BASE_URL,
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_BASE_URL,
    ENV_PRIVATE_KEY,
    HEADER_FORCED_MODE,
    HEADER_REQUEST_ID,
    MODES,
    REDACTED,
    SENSITIVE_HEADERS,
    USER_AGENT,
)
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    ThreeCommasError,
)
from ._guard import ACCOUNT_FIELD, WRITE_METHODS, Mode, ModeGuard, normalize_path
from ._logging import logger, setup_logging
from ._ratelimit import RateLimiter, RateLimits
from ._response import error_from_response
from ._retry import retry_delay, should_retry
from ._signing import HmacSigner, RsaSigner, SignatureAuth, Signer
from .models._scalars import format_decimal

QueryValue = str | int | Decimal | bool | Enum
"""A query parameter value; ``None`` values are left out. Floats are refused: use Decimal."""

RateLimitOption = bool | RateLimits | RateLimiter
"""``rate_limit=``: True (the documented limits), False (none), settings, or a shared limiter."""

DEFAULT_WRITE_CHECK_WINDOW = 10.0
"""Seconds a write whose outcome is unknown is looked for before ``WriteOutcomeUnknownError``."""

_ClientT = TypeVar("_ClientT", bound="BaseClient")


@dataclass(frozen=True)
class ClientConfig:
    """A client's settings. ``auth`` holds the credentials and is never shown."""

    base_url: str
    mode: Mode
    timeout: httpx.Timeout
    max_retries: int
    auth: SignatureAuth = field(repr=False)


@dataclass(frozen=True)
class JsonBody:
    """A JSON body encoded once: ``content`` is what is sent and signed.

    ``fields`` are the top-level members of ``content`` the mode guard reads, taken from the value
    that was encoded so that the body is never decoded again: the whole object for a plain value,
    only ``account_id`` (when sent) for a model.
    """

    content: bytes
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class PreparedRequest:
    """One API call ready to send: the request (unsigned), how to sign it, how often to retry,
    and its JSON body (None when it has none)."""

    request: httpx.Request
    auth: httpx.Auth
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


class BaseClient:
    """Configuration and the pure steps of a request, shared by the sync and async clients."""

    _config: ClientConfig
    _owns_http: bool

    def __init__(
        self,
        *,
        api_key: str | None,
        api_secret: str | bytes | None,
        private_key: str | bytes | None,
        base_url: str | None,
        mode: Mode,
        timeout: float | httpx.Timeout,
        max_retries: int,
        rate_limit: RateLimitOption = True,
        allowed_account_ids: Iterable[int] | None = None,
        mode_guard: bool = True,
        clock: Callable[[], float] = time.monotonic,
        write_check_window: float = DEFAULT_WRITE_CHECK_WINDOW,
    ) -> None:
        setup_logging()
        self._clock = clock
        self._write_check_window = _check_window(write_check_window)
        self._config = ClientConfig(
            base_url=_check_base_url(base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL),
            mode=_check_mode(mode),
            timeout=_check_timeout(timeout),
            max_retries=_check_max_retries(max_retries),
            auth=resolve_auth(api_key, api_secret, private_key),
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
    def rate_limiter(self) -> RateLimiter | None:
        """The client-side rate limiter (shared with ``with_options`` copies), or None if off."""
        return self._limiter

    @property
    def allowed_account_ids(self) -> frozenset[int] | None:
        """The only accounts writes may target, when restricted (see ``_guard``)."""
        return self._guard.allowed_account_ids if self._guard is not None else None

    @property
    def signer(self) -> Signer:
        """The HMAC or RSA signer in use (its repr shows no key)."""
        return self._config.auth.signer

    def with_options(
        self: _ClientT,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
    ) -> _ClientT:
        """A copy with other defaults that shares this client's connection pool.

        Closing the copy leaves the pool open; closing the original closes it for both.
        """
        config = self._config
        if timeout is not None:
            config = replace(config, timeout=_check_timeout(timeout))
        if max_retries is not None:
            config = replace(config, max_retries=_check_max_retries(max_retries))
        clone = copy.copy(self)
        # cached per-client objects (resources bound to self) must be rebuilt for the copy
        for name in _cached_property_names(type(self)):
            clone.__dict__.pop(name, None)
        clone._config = config
        clone._owns_http = False
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
    ) -> tuple[httpx.Request, JsonBody | None]:
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
        limits = self._config.timeout if timeout is None else _check_timeout(timeout)
        request = httpx.Request(
            method,
            _parsed_url(url),
            headers=headers,
            content=None if body is None else body.content,
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
        request, body = self._build(method, path, params=params, json=json, timeout=timeout)
        return PreparedRequest(
            request=request,
            auth=self._config.auth if auth else httpx.Auth(),
            max_retries=(
                self._config.max_retries if max_retries is None else _check_max_retries(max_retries)
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

    def _before_attempt(self, request: httpx.Request) -> float:
        """Seconds to wait before sending ``request``: its rate-limit slot (raises while banned)."""
        if self._limiter is None:
            return 0.0
        waited = self._waited.pop(request, None)
        return self._limiter.acquire(request, self._api_path(request), waited_until=waited)

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
                # the error keeps the response: no credentials in it (redacted only when kept)
                response.request = error.request = redact(request)
                return Outcome(error=error)
        response.request = redact(request)  # errors keep the response: no credentials in it
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
            f"auth={config.auth.signer.name!r})"
        )


def resolve_auth(
    api_key: str | None, api_secret: str | bytes | None, private_key: str | bytes | None
) -> SignatureAuth:
    """The signing auth from the arguments, falling back to the environment variables.

    An explicit secret or private key wins over both variables; giving (or setting) both an HMAC
    secret and an RSA key is an error, as is giving neither.
    """
    api_key = api_key or os.environ.get(ENV_API_KEY) or None
    api_secret = api_secret or None
    private_key = private_key or None
    if api_secret is None and private_key is None:
        api_secret = os.environ.get(ENV_API_SECRET) or None
        private_key = os.environ.get(ENV_PRIVATE_KEY) or None
        if api_secret is not None and private_key is not None:
            raise ThreeCommasError(
                f"both {ENV_API_SECRET} and {ENV_PRIVATE_KEY} are set: keep the one that matches "
                "the API key (HMAC secret or RSA private key)"
            )
    elif api_secret is not None and private_key is not None:
        raise ThreeCommasError("give api_secret (HMAC key) or private_key (RSA key), not both")
    signer: Signer | None = None
    if api_secret is not None:
        signer = HmacSigner(api_secret)
    elif private_key is not None:
        signer = RsaSigner(private_key)
    if api_key is None or signer is None:
        missing = [] if api_key is not None else [f"api_key= or {ENV_API_KEY}"]
        if signer is None:
            missing.append(
                f"api_secret= or {ENV_API_SECRET} (HMAC key), "
                f"or private_key= or {ENV_PRIVATE_KEY} (RSA key)"
            )
        raise ThreeCommasError("missing credentials: " + "; ".join(missing))
    return SignatureAuth(api_key, signer)


def encode_query(params: Mapping[str, QueryValue | None]) -> str:
    """The query string: sorted by name, every name and value percent-encoded once (space %20)."""
    pairs = []
    for name in sorted(params):
        value = params[name]
        if value is None:
            continue
        pairs.append(f"{quote(name, safe='')}={quote(_query_text(name, value), safe='')}")
    return "&".join(pairs)


def encode_body(payload: Any) -> bytes:
    """Compact JSON bytes (ASCII); Decimals become plain-notation strings, floats are refused.

    A pydantic model (a request body) is encoded straight from the model, None fields left out:
    the same bytes as encoding its ``model_dump(mode="json", exclude_none=True)``.
    """
    return json_body(payload).content


def json_body(payload: Any) -> JsonBody:
    """``payload`` encoded once (see ``encode_body``), with the fields the mode guard reads."""
    if isinstance(payload, pydantic.BaseModel):  # loads pydantic.main on first use
        content = _model_json(payload)
        return JsonBody(content, _model_guard_fields(payload, content))
    data = _jsonable(payload)
    content = json.dumps(data, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode(
        "ascii"
    )
    return JsonBody(content, data if isinstance(data, dict) else {})


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
        return json.loads(content, parse_float=Decimal, parse_constant=_refuse_constant)
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
        error = APITimeoutError(f"Request timed out ({type(exc).__name__}).", request=redacted)
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


def _query_text(name: str, value: QueryValue) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, (str, int)):
        return str(value)
    raise TypeError(
        f"query parameter {name!r}: expected str, int, Decimal or bool, got {type(value).__name__}"
    )


def _model_json(model: pydantic.BaseModel) -> bytes:
    try:
        content = model.__pydantic_serializer__.to_json(model, exclude_none=True, ensure_ascii=True)
    except PydanticSerializationError:  # e.g. a lone surrogate, which json.dumps escapes
        content = b"\x7f"
    if b"\x7f" in content:  # json.dumps escapes DEL, pydantic does not: keep the bytes identical
        content = json_body(model.model_dump(mode="json", exclude_none=True)).content
    return content


def _model_guard_fields(model: pydantic.BaseModel, content: bytes) -> Mapping[str, Any]:
    account_id = getattr(model, ACCOUNT_FIELD, None)
    if account_id is None:  # None fields are not sent
        return {}
    if type(account_id) is int:  # sent as this very number
        return {ACCOUNT_FIELD: account_id}
    decoded = json.loads(content)  # any other type: what the bytes say
    return decoded if isinstance(decoded, dict) else {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return _jsonable(value.value)
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be str, got {type(key).__name__}")
            result[key] = _jsonable(item)
        return result
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, float):
        raise TypeError("floats are not sent: use Decimal for amounts, prices and percentages")
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"cannot send the non-finite decimal {value}")
    return format_decimal(value)


@functools.lru_cache(maxsize=256)
def _parsed_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, parsed once per distinct URL (immutable; parsing costs ~8 us)."""
    return httpx.URL(url)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


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


def _check_base_url(base_url: str) -> str:
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"invalid base_url {base_url!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host or url.query or url.fragment:
        raise ValueError(f"base_url must be an http(s) URL without query, got {base_url!r}")
    return str(url).rstrip("/")


def _check_window(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ValueError(f"write_check_window must be seconds >= 0, got {seconds!r}")
    return float(seconds)


def _check_mode(mode: str) -> Mode:
    if mode not in MODES:
        raise ValueError(f"mode must be 'paper' or 'real', got {mode!r}")
    return "real" if mode == "real" else "paper"


def _check_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        limits = timeout
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        limits = httpx.Timeout(float(timeout))
    else:
        raise TypeError(f"timeout must be seconds or an httpx.Timeout, got {timeout!r}")
    values = (limits.connect, limits.read, limits.write, limits.pool)
    if any(value is None or value <= 0 for value in values):
        raise ValueError("timeout must be a positive number of seconds for every phase")
    return limits


def _check_max_retries(max_retries: int) -> int:
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
    return max_retries


def _cached_property_names(cls: type) -> set[str]:
    return {
        name
        for klass in cls.__mro__
        for name, attribute in vars(klass).items()
        if isinstance(attribute, functools.cached_property)
    }
