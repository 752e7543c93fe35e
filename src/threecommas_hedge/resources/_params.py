"""Checks and formats for path ids and query values, applied before anything is sent."""

from __future__ import annotations

from datetime import datetime, timezone

MAX_PER_PAGE = 100
"""The documented upper bound of ``per_page`` on every paginated endpoint."""


def check_id(value: int, name: str = "id") -> int:
    """A positive integer id for a path segment (a string could change the path)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def check_per_page(value: int) -> int:
    """``per_page`` within 1..100: a larger value the server caps would end paging too early."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be an int from 1 to {MAX_PER_PAGE}, got {value!r}")
    return value


def utc_iso(value: datetime | str | None, name: str) -> str | None:
    """A datetime as UTC ISO 8601 with milliseconds and ``Z``; a string passes through as is.

    A naive datetime is refused: it could be local time, and the API reads UTC.
    """
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime or an ISO 8601 string, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. tzinfo=timezone.utc): {value!r}")
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
