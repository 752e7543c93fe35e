"""Waiting on a live hedge: the conditions, the deadline and the errors of ``wait_until``.

``wait_until(condition, timeout=, poll=)`` GETs the trade every ``poll`` seconds (at least
:data:`MIN_POLL_SECONDS`, to stay inside the rate budget). It stops rather than sleep past
``timeout`` seconds on the client's clock (or slept, whichever is more) or poll more than
``max_polls`` times (:class:`HedgeTimeoutError`, a ``TimeoutError``), and as soon as the trade ends
without meeting the condition (:class:`HedgeWaitError`). Pure: the polls and pauses are a flow
(``threecommas_hedge.live.flows.poll``) the client's loop runs with its own sleep.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from threecommas_hedge._exceptions import HedgeValidationError, ThreeCommasError
from threecommas_hedge.hedge.status import HedgeStatus

__all__ = [
    "MIN_POLL_SECONDS",
    "HedgeTimeoutError",
    "HedgeWaitError",
    "Wait",
    "WaitCondition",
]

MIN_POLL_SECONDS = 1.0
"""Shortest ``poll`` of ``wait_until``: one GET a second stays well inside 100 requests a minute."""

_TP_CONDITION = re.compile(r"tp([1-9][0-9]*)")


class HedgeWaitError(ThreeCommasError):
    """``wait_until`` cannot succeed: the trade ended without reaching the condition.

    ``status`` is the last :class:`HedgeStatus` seen.
    """

    def __init__(self, message: str, status: HedgeStatus) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.status))


class HedgeTimeoutError(HedgeWaitError, TimeoutError):
    """``wait_until`` ran out of time (also a ``TimeoutError``)."""


@dataclass(frozen=True)
class WaitCondition:
    """``closed``, ``entered`` or ``tpN`` (take-profit step N filled, 1-based)."""

    name: str
    step: int | None = None

    @classmethod
    def parse(cls, condition: str) -> WaitCondition:
        """Read a condition; anything else raises :class:`HedgeValidationError`."""
        if condition in ("closed", "entered"):
            return cls(condition)
        match = _TP_CONDITION.fullmatch(condition) if isinstance(condition, str) else None
        if match is None:
            raise HedgeValidationError(
                "condition", f"must be 'closed', 'entered' or 'tpN' such as 'tp1' ({condition!r})"
            )
        return cls(condition, int(match.group(1)))

    def met(self, status: HedgeStatus) -> bool:
        """Whether ``status`` satisfies the condition; raises :class:`HedgeWaitError` when it
        never can (the trade ended, or has no such take-profit step)."""
        if self.name == "closed":
            return status.closed
        if self.name == "entered":
            reached = status.entered
        else:
            assert self.step is not None
            reached = self.step in status.tp_steps_filled
            if not reached and self.step > status.tp_steps:
                raise HedgeWaitError(
                    f"the trade has {status.tp_steps} take-profit step(s): no {self.name}", status
                )
        if not reached and status.closed:
            raise HedgeWaitError(
                f"the trade ended ({status.code}, closed by {status.closed_by}) before {self.name}",
                status,
            )
        return reached


class Wait:
    """One ``wait_until``: the condition, and when to stop (``timeout`` seconds on ``clock``, or
    slept if more, or ``max_polls``). Bad arguments raise before any request."""

    def __init__(
        self,
        condition: str,
        *,
        timeout: float,
        poll: float,
        max_polls: int | None,
        clock: Callable[[], float],
    ) -> None:
        self.wanted = WaitCondition.parse(condition)
        if not poll >= MIN_POLL_SECONDS:
            raise HedgeValidationError(
                "poll", f"must be at least {MIN_POLL_SECONDS} s to stay inside the rate limit"
            )
        if not timeout >= 0:
            raise HedgeValidationError("timeout", "must be 0 or more seconds")
        if max_polls is not None and max_polls < 1:
            raise HedgeValidationError("max_polls", "must be at least 1")
        self.timeout, self.poll, self.max_polls, self.clock = timeout, poll, max_polls, clock
        self.start, self.slept, self.polls = clock(), 0.0, 0

    def done(self, status: HedgeStatus) -> bool:
        """Count a poll; whether ``status`` meets the condition (raises when it never will or
        when the next poll would be past the deadline)."""
        self.polls += 1
        if self.wanted.met(status):
            return True
        elapsed = max(self.clock() - self.start, self.slept)
        if elapsed + self.poll > self.timeout:
            reason = f"within {self.timeout:g} s"
        elif self.max_polls is not None and self.polls >= self.max_polls:
            reason = f"in {self.polls} polls"
        else:
            self.slept += self.poll
            return False
        raise HedgeTimeoutError(
            f"{self.wanted.name} not reached {reason} (the trade is {status.code})", status
        )
