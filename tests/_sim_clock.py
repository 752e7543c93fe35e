"""Simulated monotonic time for the client, its rate limiter and the fake: only ``sleep`` (or a
test setting ``now``) moves it, and every sleep is recorded."""

from __future__ import annotations


class SimClock:
    """A clock that moves only when told to; ``sleep``/``asleep`` move it and record the wait."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
