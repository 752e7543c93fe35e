"""Rate limits and IP bans as documented: 100 requests a minute, 40 smart-trade lists per 10 s.

A request over a limit gets 429 and restricts its scope for the documented period (300 s for the
whole API, 10 s for the list); requests sent while restricted get 429 again with the remaining
``Retry-After``, and the third one ignored in a row bans the caller: 418 for 120 s, doubling with
each ban up to 3 days.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

__all__ = ["Decision", "RateLimiter", "Window"]

BAN_AFTER_IGNORED = 3
FIRST_BAN_SECONDS = 120.0
MAX_BAN_SECONDS = 3 * 24 * 3600.0


@dataclass
class Window:
    """At most ``limit`` requests per ``seconds``; going over restricts for ``penalty`` seconds."""

    limit: int
    seconds: float
    penalty: float
    hits: deque[float] = field(default_factory=deque)
    restricted_until: float = 0.0
    ignored: int = 0


@dataclass(frozen=True)
class Decision:
    """``status`` 0 (go on), 429 (limited) or 418 (banned), with the seconds to wait."""

    status: int = 0
    retry_after: int = 0


ALLOW = Decision()


class RateLimiter:
    """The account-wide window, the smart-trade list window and the ban, on one clock."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.general = Window(limit=100, seconds=60.0, penalty=300.0)
        self.smart_trade_list = Window(limit=40, seconds=10.0, penalty=10.0)
        self.banned_until = 0.0
        self.bans = 0

    def ban(self, now: float, seconds: float) -> None:
        """Answer 418 to everything until ``now + seconds``."""
        self.banned_until = max(self.banned_until, now + seconds)

    def banned_for(self, now: float) -> int:
        """Seconds left of a ban (0 when not banned)."""
        return _seconds(self.banned_until - now) if now < self.banned_until else 0

    def check(self, now: float, *, is_list: bool) -> Decision:
        """Decide one request; a request that goes on is counted."""
        if now < self.banned_until:
            return Decision(418, _seconds(self.banned_until - now))
        if not self.enabled:
            return ALLOW
        windows = [self.general, self.smart_trade_list] if is_list else [self.general]
        for window in windows:
            if now < window.restricted_until:
                window.ignored += 1
                if window.ignored >= BAN_AFTER_IGNORED:
                    return self._escalate(now)
                return Decision(429, _seconds(window.restricted_until - now))
        for window in windows:
            while window.hits and window.hits[0] <= now - window.seconds:
                window.hits.popleft()
            if len(window.hits) >= window.limit:
                window.restricted_until = now + window.penalty
                window.ignored = 0
                return Decision(429, _seconds(window.penalty))
        for window in windows:
            window.hits.append(now)
        return ALLOW

    def _escalate(self, now: float) -> Decision:
        seconds = min(FIRST_BAN_SECONDS * 2**self.bans, MAX_BAN_SECONDS)
        self.bans += 1
        for window in (self.general, self.smart_trade_list):
            window.restricted_until = 0.0
            window.ignored = 0
            window.hits.clear()
        self.ban(now, seconds)
        return Decision(418, _seconds(seconds))


def _seconds(value: float) -> int:
    return max(1, math.ceil(value))
