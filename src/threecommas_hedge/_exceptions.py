"""The error tree: every error this library raises (the response parsing is in ``_response``).

```
ThreeCommasError
├── HedgeValidationError (also a ValueError): the builder refused a parameter
├── RequestValidationError (also a ValueError): a dict given as a request body does not fit it
├── ModeMismatchError: a write aimed at an account of the other mode (paper/real), not sent
├── ConfigurationError (also a ValueError): a client option broke a rule
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
    │   ├── InternalServerError 5xx
    │   └── APIRedirectError 3xx (never followed)
    ├── WriteNotAppliedError: a write failed before anything reached the server
    └── WriteOutcomeUnknownError: a write may have taken effect and the check did not see it
```

Error text is built from the status and the API's own error fields only: never from request headers,
so no API key or signature can appear in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._constants import HEADER_REQUEST_ID

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


class ModeMismatchError(ThreeCommasError):
    """A write was refused before sending: its account does not match the mode or the allow-list.

    ``account_id`` is the account concerned (None when the request does not say it clearly),
    ``mode`` the client's mode. Nothing of the write was sent.
    """

    def __init__(self, message: str, *, account_id: int | None, mode: str) -> None:
        super().__init__(message)
        self.account_id = account_id
        self.mode = mode

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_mode_error, (str(self), self.account_id, self.mode))


def _rebuild_mode_error(message: str, account_id: int | None, mode: str) -> ModeMismatchError:
    return ModeMismatchError(message, account_id=account_id, mode=mode)


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
    (see ``error_fields``). ``error_from_response`` (in ``_response``) parses all of these.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        error: str | None = None,
        error_description: str | None = None,
        error_attributes: Mapping[str, Sequence[str]] | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, request=_request_of(response))
        self.response = response
        self.status_code = response.status_code
        self.error = error
        self.error_description = error_description
        self.error_attributes = _lists(error_attributes)
        self.fields = _lists(self.error_attributes if fields is None else fields)
        """``error_attributes`` keyed by payload path, e.g. ``take_profit.steps[0].price.type``."""
        self.request_id = response.headers.get(HEADER_REQUEST_ID)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_status_error, (type(self), self.message, self.response, self.__dict__))


def _rebuild_status_error(
    cls: type[APIStatusError], message: str, response: httpx.Response, state: dict[str, Any]
) -> APIStatusError:
    error = cls(message, response=response)
    error.__dict__.update(state)
    return error


def _lists(mapping: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    return {key: list(value) for key, value in (mapping or {}).items()}


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

    def __init__(self, message: str, *, plan_restricted: bool = False, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.plan_restricted = plan_restricted


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
