"""Faults for retry and safety tests: one-shot failures, and replication lag.

A one-shot fault (a 5xx answer, a timeout or a reset connection) is taken by the first request
that matches its method and path filters. Before commit, the request never reaches the state;
after commit, it is applied and only the answer is lost.

:class:`Lag` makes writes show late, as a server whose reads come from a lagging replica: a
SmartTrade created or changed stays as it was before the write (absent, for a create) in lists,
gets and its trades until ``reads`` more GETs were answered or ``seconds`` passed on the fake's
clock, whichever comes first.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Dropped", "Fault", "FaultKind", "Faults", "Lag", "html_error_page"]

FaultKind = int | Literal["timeout", "reset"]
API_PREFIX = "/public/api"


@dataclass(frozen=True)
class Fault:
    """What goes wrong (``kind``), when (``after_commit``) and for which requests."""

    kind: FaultKind
    after_commit: bool = False
    method: str | None = None
    path: str | None = None
    json: Any = None

    def matches(self, method: str, path: str) -> bool:
        """``path`` filters by glob (``*``) on the path with or without ``/public/api``."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        short = path.removeprefix(API_PREFIX)
        return any(fnmatch.fnmatchcase(candidate, self.path) for candidate in (path, short))


@dataclass(frozen=True)
class Dropped:
    """No answer at all: the connection timed out (``"timeout"``) or was reset (``"reset"``)."""

    kind: Literal["timeout", "reset"]


class Faults:
    """A queue of pending faults; thread-safe."""

    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Queue ``fault`` after those already pending."""
        if isinstance(fault.kind, str):
            if fault.kind not in ("timeout", "reset"):
                raise ValueError("kind must be an HTTP status, 'timeout' or 'reset'")
        elif isinstance(fault.kind, bool) or not 400 <= fault.kind <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        with self._lock:
            self._pending.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """Remove and return the first pending fault matching this request, if any."""
        with self._lock:
            for index, fault in enumerate(self._pending):
                if fault.matches(method, path):
                    return self._pending.pop(index)
        return None


@dataclass
class _Stale:
    """What reads of one SmartTrade show until the lag is over (``entity`` None: not yet)."""

    entity: dict[str, Any] | None
    trades: list[dict[str, Any]] | None
    reads_left: int | None
    until: float | None


class Lag:
    """Replication lag: writes show in reads only after ``reads`` GETs or ``seconds``.

    The fake calls :meth:`wrote` after each applied write to a SmartTrade (with how it looked
    before) and :meth:`shown` with every GET answer it is about to send.
    """

    def __init__(self) -> None:
        self.reads: int | None = None
        self.seconds: float | None = None
        self._stale: dict[int, _Stale] = {}

    def set(self, reads: int | None, seconds: float | None) -> None:
        """Lag later writes (None: not by that measure; both None: no lag)."""
        if reads is not None and (isinstance(reads, bool) or reads < 0):
            raise ValueError("reads must be an int >= 0")
        if seconds is not None and not seconds >= 0:
            raise ValueError("seconds must be >= 0")
        self.reads, self.seconds = reads, seconds

    @property
    def active(self) -> bool:
        """Whether writes lag."""
        return self.reads is not None or self.seconds is not None

    def wrote(
        self,
        trade_id: int,
        before: dict[str, Any] | None,
        trades: list[dict[str, Any]] | None,
        now: float,
    ) -> None:
        """A write to ``trade_id`` was applied; it looked like ``before`` (None: it is new)."""
        stale = self._stale.get(trade_id)
        if stale is None:
            stale = self._stale[trade_id] = _Stale(before, trades, None, None)
        stale.reads_left = self.reads
        stale.until = None if self.seconds is None else now + self.seconds

    def shown(self, kind: str, trade_id: int | None, payload: Any, now: float) -> Any:
        """The GET answer as the lagging replica shows it; counts one read.

        ``kind``: ``list`` (a page of SmartTrades), ``trade`` (one, by ``trade_id``; None when
        it does not show yet), ``trades`` (its trades) or ``other``.
        """
        for key in [key for key, stale in self._stale.items() if _over(stale, now)]:
            del self._stale[key]
        shown = payload
        if kind == "list" and isinstance(payload, list):
            shown = [
                item for item in (self._entity(entity) for entity in payload) if item is not None
            ]
        elif kind == "trade" and trade_id in self._stale:
            shown = self._stale[trade_id].entity
        elif kind == "trades" and trade_id in self._stale:
            shown = self._stale[trade_id].trades
        for stale in self._stale.values():
            if stale.reads_left is not None:
                stale.reads_left -= 1
        return shown

    def _entity(self, entity: Any) -> Any:
        trade_id = entity.get("id") if isinstance(entity, dict) else None
        stale = self._stale.get(trade_id) if isinstance(trade_id, int) else None
        return entity if stale is None else stale.entity


def _over(stale: _Stale, now: float) -> bool:
    return (stale.reads_left is not None and stale.reads_left <= 0) or (
        stale.until is not None and now >= stale.until
    )


_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def html_error_page(status: int) -> str:
    """The kind of HTML page a proxy answers with (no JSON body)."""
    title = f"{status} {_REASONS.get(status, 'Error')}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
