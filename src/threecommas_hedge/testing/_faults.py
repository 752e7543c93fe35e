"""One-shot faults for retry and safety tests: a 5xx answer, a timeout or a reset connection.

A fault is taken by the first request that matches its method and path filters. Before commit, the
request never reaches the state; after commit, it is applied and only the answer is lost.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Dropped", "Fault", "FaultKind", "Faults", "html_error_page"]

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
