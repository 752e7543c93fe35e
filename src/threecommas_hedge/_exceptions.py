"""The error tree, and :func:`error_from_response`, the one place a response becomes an error.

```
ThreeCommasError
├── HedgeValidationError (also a ValueError): the builder refused a parameter
├── RequestValidationError (also a ValueError): a dict given as a request body does not fit it
├── ModeMismatchError: a write aimed at an account of the other mode (paper/real), not sent
├── HedgeWaitError: wait_until cannot succeed (threecommas_hedge.live.wait)
│   └── HedgeTimeoutError (also a TimeoutError)
└── APIError
    ├── APIConnectionError: no usable answer (connect error, dropped connection)
    │   └── APITimeoutError
    ├── APIResponseValidationError: a 2xx whose body is not the JSON expected
    ├── APIStatusError: any non-2xx answer, whatever its body
    │   ├── BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403,
    │   ├── NotFoundError 404 (or any status whose body says "Not found"),
    │   ├── UnprocessableEntityError 422, IPBannedError 418, RateLimitError 429,
    │   └── InternalServerError 5xx
    ├── WriteNotAppliedError: a write failed before anything reached the server
    └── WriteOutcomeUnknownError: a write may have taken effect and the check did not see it
```

Error text is built from the status and the API's own error fields only: never from request headers,
so no API key or signature can appear in it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from ._constants import HEADER_REQUEST_ID, HEADER_RETRY_AFTER

if TYPE_CHECKING:  # pragma: no cover
    import httpx


class ThreeCommasError(Exception):
    """Root of every error this library raises."""


class HedgeValidationError(ThreeCommasError, ValueError):
    """A hedge or payload parameter broke a rule: ``field`` names it, ``rule`` says how."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule

    def __reduce__(self) -> tuple[type[HedgeValidationError], tuple[str, str]]:
        return (type(self), (self.field, self.rule))


class RequestValidationError(ThreeCommasError, ValueError):
    """A plain dict given for a request body does not fit its model; nothing was sent.

    ``errors()`` gives pydantic's details (``loc``, ``msg``, ``type``...); the pydantic
    ``ValidationError`` is also the ``__cause__``.
    """

    def __init__(self, model: str, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.model = model
        self._errors = list(errors or [])

    def errors(self) -> list[Any]:
        """Pydantic's error list: one dict per broken rule, with ``loc`` naming the field."""
        return list(self._errors)

    def __reduce__(self) -> tuple[type[RequestValidationError], tuple[str, str, list[Any]]]:
        return (type(self), (self.model, str(self), self._errors))


class ConfigurationError(ThreeCommasError, ValueError):
    """A client option broke a rule (``field`` names it, ``rule`` says how); nothing was sent."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.rule))


class APIError(ThreeCommasError):
    """Something went wrong talking to the API. ``request`` has its credential headers redacted."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """No usable answer: the connection failed, was dropped, or the response could not be read."""

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, write, read or waiting for a pooled connection)."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


class APIResponseValidationError(APIError):
    """A 2xx answer whose body is not the JSON expected (HTML, truncated JSON, wrong types)."""

    def __init__(self, message: str, *, response: httpx.Response | None = None) -> None:
        super().__init__(message, request=_request_of(response))
        self.response = response
        self.status_code = response.status_code if response is not None else None
        self.request_id = response.headers.get(HEADER_REQUEST_ID) if response is not None else None


class APIStatusError(APIError):
    """The API answered with a non-2xx status.

    ``error``, ``error_description`` and ``error_attributes`` come from the API's error body when it
    is JSON (``error_attributes`` maps a parameter to its messages; a bare string is kept under
    ``"base"``). ``request_id`` is the ``X-Request-Id`` header, ``retry_after`` the
    ``Retry-After`` header in seconds. ``fields`` re-keys ``error_attributes`` by payload path
    (see ``error_fields``).
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        error: str | None = None,
        error_description: str | None = None,
        error_attributes: object = None,
    ) -> None:
        super().__init__(message, request=_request_of(response))
        self.response = response
        self.status_code = response.status_code
        self.error = error
        self.error_description = error_description
        self.error_attributes = normalize_error_attributes(error_attributes)
        self.request_id = response.headers.get(HEADER_REQUEST_ID)
        self.retry_after = parse_retry_after(response.headers.get(HEADER_RETRY_AFTER))

    @property
    def fields(self) -> dict[str, list[str]]:
        """``error_attributes`` keyed by payload path, e.g. ``take_profit.steps[0].price.type``."""
        return error_fields(self.error_attributes)

    def __reduce__(self) -> tuple[Any, ...]:
        fields = (self.message, self.response, self.error, self.error_description)
        return (_rebuild_status_error, (type(self), *fields, self.error_attributes))


def _rebuild_status_error(
    cls: type[APIStatusError],
    message: str,
    response: httpx.Response,
    error: str | None,
    error_description: str | None,
    error_attributes: dict[str, list[str]],
) -> APIStatusError:
    return cls(
        message,
        response=response,
        error=error,
        error_description=error_description,
        error_attributes=error_attributes,
    )


class BadRequestError(APIStatusError):
    """400: the request is malformed or invalid (often ``record_invalid`` with attributes)."""


class AuthenticationError(APIStatusError):
    """401: bad or expired key, bad signature, or an IP not whitelisted for the key."""


class PermissionDeniedError(APIStatusError):
    """403: the key lacks the permission, or the resource does not allow it in its current state."""


class NotFoundError(APIStatusError):
    """404, or any status whose body says ``"Not found"`` (the API labels some of those 400)."""


class UnprocessableEntityError(APIStatusError):
    """422: the payload failed validation; see ``fields``."""


class IPBannedError(APIStatusError):
    """418: the IP is banned for ignoring 429s. Never retried."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``plan_restricted``: the body says the plan excludes the request."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        error: str | None = None,
        error_description: str | None = None,
        error_attributes: object = None,
    ) -> None:
        super().__init__(
            message,
            response=response,
            error=error,
            error_description=error_description,
            error_attributes=error_attributes,
        )
        self.plan_restricted = is_plan_restriction(error, error_description)


class InternalServerError(APIStatusError):
    """5xx: a fault on the 3Commas side (the body is often not JSON)."""


class APIRedirectError(APIStatusError):
    """3xx: the API pointed elsewhere. Redirects are never followed (credentials would go along);
    ``location`` is where it pointed (None when the answer gave no ``Location``)."""

    @property
    def location(self) -> str | None:
        """The ``Location`` header of the answer."""
        location: str | None = self.response.headers.get("Location")
        return location


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    418: IPBannedError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

INTERNAL_FIELD_NAMES: dict[str, str] = {
    "units_to_buy": "position.units.value",  # create: the entry's size
    "entered_amount": "units.value",  # reduce_funds: the amount taken out
    "total": "units.value",  # add_funds: the amount added
}
"""Plain internal names the API reports in ``error_attributes``, mapped to the payload path."""

_BRACKETED = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])+)")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_PLAN_WORDS = re.compile(r"(?<![a-z])(plans?|subscriptions?)(?![a-z])", re.IGNORECASE)


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The error for a non-2xx response: the class by status, refined by the body.

    Any non-JSON body (an HTML 502) still gives an error of the status's class.
    """
    parsed = _json_object(response)
    body = parsed if parsed is not None else {}
    error = _text(body.get("error"))
    description = _text(body.get("error_description"))
    attributes = normalize_error_attributes(body.get("error_attributes"))
    status = response.status_code
    cls = _STATUS_ERRORS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    if 300 <= status < 400:
        cls = APIRedirectError
    if error is not None and error.strip().casefold() == "not found":
        cls = NotFoundError
    message = _status_message(response, error, description, attributes, is_json=parsed is not None)
    if cls is APIRedirectError:
        where = response.headers.get("Location")
        message += (
            f" (redirect to {where} not followed: credentials go only to the API)"
            if where
            else " (a redirect with no Location)"
        )
    return cls(
        message,
        response=response,
        error=error,
        error_description=description,
        error_attributes=attributes,
    )


def normalize_error_attributes(raw: object) -> dict[str, list[str]]:
    """``error_attributes`` as ``dict[str, list[str]]``; a bare string is kept under ``"base"``."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {"base": [raw]} if raw.strip() else {}
    if not isinstance(raw, Mapping):
        return {"base": [str(raw)]}
    result: dict[str, list[str]] = {}
    for key, value in raw.items():
        if isinstance(value, (list, tuple)):
            result[str(key)] = [str(item) for item in value]
        else:
            result[str(key)] = [str(value)]
    return result


def field_path(key: str) -> str:
    """One ``error_attributes`` key as a payload path.

    ``take_profit[steps][0][price][type]`` -> ``take_profit.steps[0].price.type``; dotted paths
    stay; names in ``INTERNAL_FIELD_NAMES`` are mapped; anything else passes through.
    """
    key = key.strip()
    if key in INTERNAL_FIELD_NAMES:
        return INTERNAL_FIELD_NAMES[key]
    match = _BRACKETED.fullmatch(key)
    if match is None:
        return key
    path = match.group(1)
    for segment in _SEGMENT.findall(match.group(2)):
        path += f"[{segment}]" if segment.isdigit() or not segment else f".{segment}"
    return path


def error_fields(attributes: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """``error_attributes`` keyed by payload path; a comma-joined key counts for each part."""
    fields: dict[str, list[str]] = {}
    for key, messages in attributes.items():
        for part in key.split(","):
            if not part.strip():
                continue
            target = fields.setdefault(field_path(part), [])
            target.extend(message for message in messages if message not in target)
    return fields


def is_plan_restriction(error: str | None, description: str | None) -> bool:
    """Whether a 429 body says the request type is not available on the plan.

    The wording is not documented; this looks for the words "plan" or "subscription" (also
    inside snake_case codes such as ``plan_restriction``).
    """
    return any(text and _PLAN_WORDS.search(text) for text in (error, description))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), or None if absent or invalid."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
        return max(seconds, 0.0)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or None for anything else (HTML, empty, truncated, a list)."""
    try:
        body = json.loads(response.text, parse_float=Decimal)
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    return body if isinstance(body, dict) else None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _status_message(
    response: httpx.Response,
    error: str | None,
    description: str | None,
    attributes: dict[str, list[str]],
    *,
    is_json: bool,
) -> str:
    message = f"HTTP {response.status_code} {error or response.reason_phrase}".rstrip()
    if description:
        message += f": {description}"
    if not is_json:
        content_type = response.headers.get("content-type", "no content type")
        message += f" (body is not a JSON object: {content_type})"
    fields = error_fields(attributes)
    if fields:
        message += " [" + "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()) + "]"
    request_id = response.headers.get(HEADER_REQUEST_ID)
    if request_id:
        message += f" (request id {request_id})"
    return message


def _request_of(response: httpx.Response | None) -> httpx.Request | None:
    if response is None:
        return None
    try:
        return response.request
    except RuntimeError:  # a Response built without a request
        return None


class _WriteError(APIError):
    """What the two write errors share: ``operation`` and ``client_tag``; they pickle."""

    def __init__(self, message: str, *, operation: str, client_tag: str | None = None) -> None:
        super().__init__(message)
        self.operation = operation
        self.client_tag = client_tag

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_write_error, (type(self), self.message, self.operation, self.client_tag))


def _rebuild_write_error(
    cls: type[_WriteError], message: str, operation: str, client_tag: str | None
) -> _WriteError:
    return cls(message, operation=operation, client_tag=client_tag)


class WriteNotAppliedError(_WriteError):
    """A write failed before anything could reach the server (the connection was never made).

    Nothing was created or changed: it is safe to try again. ``operation`` names the write,
    ``client_tag`` is the tag of a create (else None); ``__cause__`` is the last failure.
    """


class WriteOutcomeUnknownError(_WriteError):
    """A write's outcome is unknown and reading the state could not tell: look before retrying.

    ``client_tag`` (for a create) is in the note of the SmartTrade, if one was created.
    """
