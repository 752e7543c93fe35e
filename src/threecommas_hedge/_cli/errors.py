"""One line for every error the library raises, and the exit code that goes with it."""

from __future__ import annotations

from threecommas_hedge._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    HedgeValidationError,
    RateLimitError,
    RequestValidationError,
    ThreeCommasError,
)

from .console import EXIT_FAILURE, EXIT_USAGE


def describe(error: ThreeCommasError) -> tuple[str, int]:
    """``(message, exit code)``: status, error, description, offending fields and request id
    for an API answer; what failed for a connection; the field and rule for a refused input."""
    if isinstance(error, HedgeValidationError):
        return f"{error.field}: {error.rule}", EXIT_USAGE
    if isinstance(error, RequestValidationError):
        return _request_line(error), EXIT_USAGE
    if isinstance(error, ValueError):  # any other input the library refused
        return " ".join(str(error).split()), EXIT_USAGE
    if isinstance(error, APIStatusError):
        return _status_line(error), EXIT_FAILURE
    if isinstance(error, APITimeoutError):
        return f"3Commas did not answer in time: {error.message}", EXIT_FAILURE
    if isinstance(error, APIConnectionError):
        return f"could not reach 3Commas: {error.message}", EXIT_FAILURE
    if isinstance(error, APIResponseValidationError):
        return f"unexpected answer from 3Commas: {error.message}", EXIT_FAILURE
    return str(error), EXIT_FAILURE


def _status_line(error: APIStatusError) -> str:
    line = f"3Commas answered HTTP {error.status_code}"
    if error.error:
        line += f" {error.error}"
    if error.error_description:
        line += f": {error.error_description}"
    fields = error.fields
    if fields:
        line += " [" + "; ".join(f"{key}: {', '.join(v)}" for key, v in fields.items()) + "]"
    if isinstance(error, RateLimitError):
        if error.plan_restricted:
            line += " (not available on your 3Commas plan)"
        elif error.retry_after is not None:
            line += f" (retry after {error.retry_after:g}s)"
    if error.request_id:
        line += f" (request id {error.request_id})"
    return line


def _request_line(error: RequestValidationError) -> str:
    parts = [
        f"{'.'.join(map(str, item.get('loc', ()))) or error.model}: {item.get('msg', '')}"
        for item in error.errors()
    ]
    return "; ".join(parts) if parts else " ".join(str(error).split())
