"""Client-side rate limiting: the documented budgets, kept before the server has to say 429.

A :class:`RateLimiter` holds one sliding window per :class:`Budget` (the whole API, the SmartTrade
list, the deals endpoints) and answers, for each request about to go out, how many seconds to wait
first. It *reserves* the slot it hands out, so concurrent callers (threads of a sync client, tasks
of an async one) each get their own slot and just sleep the wait. A slot is taken at the earliest
time at which every window holding it stays within its limit, so a write is never queued behind a
list call that waits for the list window.

Server answers feed it: a 429 restricts the request's scopes for ``Retry-After`` seconds (or, when
the header is missing, for the documented mitigation period of the request's narrowest scope),
never longer than the longest documented period of those scopes (300 s by default); a 418 bans
every request until the ban ends (``Retry-After`` capped at the longest ban, 3 days), and until
then :meth:`RateLimiter.acquire` raises ``IPBannedError`` without anything being sent. A
restriction or a queue longer than ``max_wait`` raises ``RateLimitError`` at once instead of
sleeping through it; ``reset()`` clears restrictions and bans.

The clock is injectable (any monotonic seconds source), so tests run on simulated time.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from ._constants import HEADER_RETRY_AFTER, MAX_RETRY_AFTER
from ._exceptions import APITimeoutError, IPBannedError, RateLimitError
from ._response import error_from_response

__all__ = ["DEFAULT_BUDGETS", "Budget", "RateLimiter", "RateLimits"]

MAX_BAN_SECONDS = 3 * 24 * 3600.0
"""The longest ban the docs mention (bans grow from 2 minutes up to 3 days)."""

_EPSILON = 1e-6
"""Added to a computed slot so float rounding never puts it a hair inside a window."""


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` requests per ``seconds`` in one scope; a 429 restricts it ``penalty`` s.

    The scope is every request (no ``method``, no ``paths``) or the requests whose method is
    ``method`` and whose API path (without ``/public/api``) matches one of ``paths``; ``{id}``
    matches one path segment. Paths listed together share one window.
    """

    name: str
    limit: int
    seconds: float
    penalty: float
    method: str | None = None
    paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.limit < 1 or self.seconds <= 0 or self.penalty < 0:
            raise ValueError(f"budget {self.name!r}: limit >= 1, seconds > 0, penalty >= 0")

    def covers(self, method: str, path: str) -> bool:
        """Whether a ``method`` request to ``path`` counts against this budget."""
        if self.method is not None and method.upper() != self.method.upper():
            return False
        return not self.paths or any(_path_matches(pattern, path) for pattern in self.paths)


DEFAULT_BUDGETS = (
    Budget("api", limit=100, seconds=60.0, penalty=300.0),
    Budget(
        "smart_trade_list",
        limit=40,
        seconds=10.0,
        penalty=10.0,
        method="GET",
        paths=("/ver1/smart_trades", "/v2/smart_trades"),
    ),
    Budget("deals", limit=120, seconds=60.0, penalty=60.0, method="GET", paths=("/ver1/deals",)),
    Budget(
        "deal_show",
        limit=120,
        seconds=60.0,
        penalty=60.0,
        method="GET",
        paths=("/ver1/deals/{id}/show",),
    ),
)
"""The published limits (reference section 4). The v1 and v2 SmartTrade lists share one window."""


@dataclass(frozen=True)
class RateLimits:
    """Settings of a :class:`RateLimiter`.

    ``margin`` seconds are added to every window (latency between our clock and the server's
    count); a restriction wait longer than ``max_wait`` raises ``RateLimitError`` instead of
    sleeping; ``ban_seconds`` is the ban assumed after a 418 without ``Retry-After``, doubled for
    each further such 418 (the docs: from 2 minutes, growing up to 3 days).
    """

    budgets: tuple[Budget, ...] = DEFAULT_BUDGETS
    margin: float = 0.5
    max_wait: float = MAX_RETRY_AFTER
    ban_seconds: float = 120.0

    def __post_init__(self) -> None:
        if self.margin < 0 or self.max_wait < 0 or self.ban_seconds <= 0:
            raise ValueError("margin and max_wait must be >= 0 and ban_seconds > 0")


@dataclass
class _Window:
    budget: Budget
    hits: list[float] = field(default_factory=list)  # sorted; may hold future reservations
    restricted_until: float = -math.inf


class RateLimiter:
    """Sliding-window budgets shared by every request of a client (thread-safe).

    ``acquire`` before each attempt, ``observe`` each response. Pass one instance as
    ``rate_limit=`` to several clients to make them share the budget.
    """

    def __init__(
        self, limits: RateLimits | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._lock = threading.Lock()
        self._windows = [_Window(budget) for budget in self.limits.budgets]
        self._banned_until = -math.inf
        self._bans = 0

    @property
    def banned_until(self) -> float | None:
        """Clock time the current ban ends, or None when not banned."""
        with self._lock:
            return self._banned_until if self._banned_until > self._clock() else None

    def acquire(
        self,
        request: httpx.Request,
        path: str,
        *,
        waited_until: float | None = None,
        max_wait: float | None = None,
        time_left: float = math.inf,
    ) -> float:
        """Reserve a slot for ``request`` (API path ``path``) and return the seconds until it.

        Raises ``IPBannedError`` while banned, ``RateLimitError`` when it would wait longer than
        ``max_wait`` (for a restriction by default the settings' ``max_wait``; the queue is
        unbounded by default), ``APITimeoutError`` when longer than ``time_left`` (its caller's
        deadline); none of these sends anything or takes a slot. ``waited_until``: restrictions
        that end by then were already slept through (a 429's retry waits its ``Retry-After``).
        """
        restriction_limit = self.limits.max_wait if max_wait is None else max_wait
        queue_limit = math.inf if max_wait is None else max_wait
        method = request.method
        with self._lock:
            now = self._clock()
            if now < self._banned_until:
                raise _local_error(request, 418, self._banned_until - now, "the IP is banned")
            windows = [w for w in self._windows if w.budget.covers(method, path)]
            start = now
            for window in windows:
                covered = waited_until is not None and window.restricted_until <= waited_until
                if not covered:
                    start = max(start, window.restricted_until)
            if start - now > restriction_limit:
                raise _local_error(request, 429, start - now, "rate limit restriction in force")
            if start - now > time_left:
                raise _deadline_error(request, start - now, time_left)
            margin = self.limits.margin
            for window in windows:
                span = window.budget.seconds + margin
                del window.hits[: bisect.bisect_right(window.hits, now - span)]
            slot = _earliest_slot(windows, start, margin)
            if slot - now > queue_limit:
                why = f"the rate limit queue is longer than {queue_limit:g} s"
                raise _local_error(request, 429, slot - now, why)
            if slot - now > time_left:
                raise _deadline_error(request, slot - now, time_left)
            for window in windows:
                bisect.insort(window.hits, slot)
            return slot - now

    def observe(self, request: httpx.Request, path: str, response: httpx.Response) -> float | None:
        """Learn from a response: a 429 restricts, a 418 bans. Returns the restriction's end.

        A 429 whose body says the plan excludes the request (``plan_restricted``) is no rate
        limit and changes nothing.
        """
        status = response.status_code
        if status not in (418, 429):
            return None
        error = error_from_response(response)
        retry_after = error.retry_after
        with self._lock:
            now = self._clock()
            if status == 418:
                if retry_after is None:
                    retry_after = self.limits.ban_seconds * 2.0**self._bans
                retry_after = min(retry_after, MAX_BAN_SECONDS)  # the longest documented ban
                self._bans += 1
                self._banned_until = max(self._banned_until, now + retry_after)
                return self._banned_until
            if isinstance(error, RateLimitError) and error.plan_restricted:
                return None
            windows = [w for w in self._windows if w.budget.covers(request.method, path)]
            if not windows:
                return None
            if retry_after is None:
                # the narrowest scope: the one a 429 most likely comes from
                narrowest = min(windows, key=lambda w: w.budget.seconds)
                targets = [(narrowest, now + narrowest.budget.penalty)]
            else:
                # never longer than the longest documented restriction of these scopes
                longest = max(window.budget.penalty for window in windows)
                targets = [(window, now + min(retry_after, longest)) for window in windows]
            for window, until in targets:
                window.restricted_until = max(window.restricted_until, until)
            return max(until for _, until in targets)

    def reset(self) -> None:
        """Clear every local restriction and ban (e.g. once support lifted them); the requests
        already counted in the windows stay counted."""
        with self._lock:
            for window in self._windows:
                window.restricted_until = -math.inf
            self._banned_until = -math.inf
            self._bans = 0


def _earliest_slot(windows: list[_Window], start: float, margin: float) -> float:
    """The first time >= ``start`` that every window can take without breaking its limit."""
    if all(_fits(window, start, margin) for window in windows):
        return start  # the usual case, and the earliest candidate: no need to list the others
    candidates: set[float] = set()
    for window in windows:
        span = window.budget.seconds + margin
        candidates.update(hit + span + _EPSILON for hit in window.hits if hit + span > start)
    for slot in sorted(candidates):
        if all(_fits(window, slot, margin) for window in windows):
            return slot
    raise AssertionError("unreachable: the last candidate always fits")  # pragma: no cover


def _fits(window: _Window, slot: float, margin: float) -> bool:
    """Whether a hit at ``slot`` keeps every span of the window at most ``limit`` hits.

    The spans that hold ``slot`` end at ``slot`` or at a later (reserved) hit less than a span
    away; the count in each is largest right at one of those ends.
    """
    hits, limit = window.hits, window.budget.limit
    span = window.budget.seconds + margin
    ends = [slot, *hits[bisect.bisect_left(hits, slot) : bisect.bisect_left(hits, slot + span)]]
    for end in ends:
        inside = bisect.bisect_right(hits, end) - bisect.bisect_right(hits, end - span)
        if inside + 1 > limit:
            return False
    return True


def _path_matches(pattern: str, path: str) -> bool:
    wanted = pattern.strip("/").split("/")
    actual = path.strip("/").split("/")
    return len(wanted) == len(actual) and all(
        w == a or (w == "{id}" and a != "") for w, a in zip(wanted, actual, strict=True)
    )


def _deadline_error(request: httpx.Request, wait: float, time_left: float) -> APITimeoutError:
    """The error for a request whose rate-limit wait outlasts its call's deadline (not sent).

    Its cause, a ``PoolTimeout``, says that nothing was sent (as for waiting on the pool).
    """
    message = (
        f"Request timed out: the call deadline passes in {time_left:.1f} s, before its "
        f"rate limit slot ({wait:.1f} s); not sent ({request.method} {request.url.path})"
    )
    error = APITimeoutError(message, request=httpx.Request(request.method, request.url))
    error.__cause__ = httpx.PoolTimeout(message)
    return error


def _local_error(
    request: httpx.Request, status: int, seconds: float, why: str
) -> IPBannedError | RateLimitError:
    """The error for a request refused here, before sending: it carries a synthetic response.

    The response's request is a bare copy (method and URL): no credential header can ride along.
    """
    remaining = max(1, math.ceil(seconds))
    description = f"{why} for {remaining} more s; refused by the client, not sent"
    response = httpx.Response(
        status,
        headers={HEADER_RETRY_AFTER: str(remaining)},
        json={"error": "client_side_limit", "error_description": description},
        request=httpx.Request(request.method, request.url),
    )
    message = f"HTTP {status} (local): {description} ({request.method} {request.url.path})"
    cls = IPBannedError if status == 418 else RateLimitError
    return cls(
        message,
        response=response,
        error="client_side_limit",
        error_description=description,
        retry_after=float(remaining),
    )
