"""The fake's clock: an injectable seconds source plus ``advance()``, and the matching UTC time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

__all__ = ["FakeClock", "iso"]


class FakeClock:
    """Seconds from ``source`` (default ``time.monotonic``) plus whatever `advance` added.

    ``utcnow()`` moves with it: it starts at the wall-clock time the clock was made (or ``start``).
    """

    def __init__(
        self, source: Callable[[], float] | None = None, *, start: datetime | None = None
    ) -> None:
        self._source = source or time.monotonic
        self._offset = 0.0
        self._origin = self._source()
        self._start = start or datetime.now(timezone.utc)

    def now(self) -> float:
        """Seconds on this clock (only differences matter)."""
        return self._source() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds

    def utcnow(self) -> datetime:
        """The current UTC time on this clock."""
        return self._start + timedelta(seconds=self.now() - self._origin)


def iso(moment: datetime) -> str:
    """``2024-08-12T16:24:38.360Z``: UTC, milliseconds, ``Z``, as the API writes times."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
