"""From a response to an error: :func:`error_from_response` and the parsing it relies on.

The error classes are in ``_exceptions`` (the tree only); everything read out of a response body or
its headers is read here, once.
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
from ._exceptions import (
    APIRedirectError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    IPBannedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)

if TYPE_CHECKING:  # pragma: no cover
    import httpx

__all__ = [
    "INTERNAL_FIELD_NAMES",
    "error_fields",
    "error_from_response",
    "field_path",
    "is_plan_restriction",
    "normalize_error_attributes",
    "parse_retry_after",
]


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
    parts: dict[str, Any] = {
        "response": response,
        "error": error,
        "error_description": description,
        "error_attributes": attributes,
        "fields": error_fields(attributes),
        "retry_after": parse_retry_after(response.headers.get(HEADER_RETRY_AFTER)),
    }
    if cls is RateLimitError:
        return RateLimitError(
            message, plan_restricted=is_plan_restriction(error, description), **parts
        )
    return cls(message, **parts)


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
