"""Drive the vectorized engine over paths in chunks, and over the bars of each path.

A chunk of paths is replayed a block of steps at a time: the block is copied step-major, so
each step reads one contiguous row whatever the memory order of the caller's array. With highs
and lows, each bar after the first is three prices in the order most adverse to the position
(short: the high, the low, then the close; long: the low, the high, the close), all at the bar's
time. Funding settles when a step's time reaches a multiple of the funding interval, counted
from the start of the path (a path starting at a settlement does not pay it at once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from ._plan import EnginePlan
from .engine import ChunkEngine, FloatArray, Outcomes

Progress = Callable[[int, int | None], None]
"""Called with the path-steps done so far and the total (``None`` when unknown)."""

DEFAULT_CHUNK_PATHS = 8192
"""Paths replayed together: large enough to amortise numpy's per-call cost, small enough to
keep the engine's state in cache."""
_BLOCK_STEPS = 64


def replay(
    plan: EnginePlan,
    chunks: Iterable[tuple[FloatArray, FloatArray | None, FloatArray | None]],
    *,
    step_seconds: float,
    last: int,
    total_paths: int | None,
    progress: Progress | None = None,
) -> Outcomes:
    """Replay ``(closes, highs, lows)`` chunks up to step ``last``; the outcomes in path order."""
    parts: list[Outcomes] = []
    done = 0
    total = None if total_paths is None else total_paths * (last + 1)
    for closes, highs, lows in chunks:
        outcome = _replay_chunk(
            plan,
            closes,
            highs,
            lows,
            step_seconds=step_seconds,
            last=last,
            report=None if progress is None else _offset(progress, done, total),
        )
        parts.append(outcome)
        done += len(closes) * (last + 1)
        if progress is not None:
            progress(done, total)
    if not parts:
        raise ValueError("paths: no paths to replay")
    return parts[0] if len(parts) == 1 else Outcomes.concatenate(parts)


def _offset(progress: Progress, done: int, total: int | None) -> Callable[[int], None]:
    return lambda steps: progress(done + steps, total)


def split(
    closes: FloatArray,
    highs: FloatArray | None,
    lows: FloatArray | None,
    size: int = DEFAULT_CHUNK_PATHS,
) -> Iterator[tuple[FloatArray, FloatArray | None, FloatArray | None]]:
    """Row blocks of at most ``size`` paths (views, no copy)."""
    for start in range(0, len(closes), size):
        rows = slice(start, start + size)
        yield (
            closes[rows],
            None if highs is None else highs[rows],
            None if lows is None else lows[rows],
        )


def _replay_chunk(
    plan: EnginePlan,
    closes: FloatArray,
    highs: FloatArray | None,
    lows: FloatArray | None,
    *,
    step_seconds: float,
    last: int,
    report: Callable[[int], None] | None,
) -> Outcomes:
    n = len(closes)
    engine = ChunkEngine(plan, np.ascontiguousarray(closes[:, 0]))
    interval = plan.funding_interval
    short = plan.side < 0
    for start in range(0, last + 1, _BLOCK_STEPS):
        stop = min(start + _BLOCK_STEPS, last + 1)
        block = np.ascontiguousarray(closes[:, start:stop].T)
        high = None if highs is None else np.ascontiguousarray(highs[:, start:stop].T)
        low = None if lows is None else np.ascontiguousarray(lows[:, start:stop].T)
        for offset in range(stop - start):
            index = start + offset
            now = index * step_seconds
            due = index > 0 and (now // interval) > ((now - step_seconds) // interval)
            if high is None or low is None or index == 0:
                prices = [block[offset]]
            elif short:
                prices = [high[offset], low[offset], block[offset]]
            else:
                prices = [low[offset], high[offset], block[offset]]
            for number, price in enumerate(prices):
                engine.step(
                    price,
                    index,
                    now,
                    placing=index == 0,
                    funding_due=due and number == len(prices) - 1,
                )
            if not engine.active:
                break
        if report is not None:
            report(n * stop)
        if not engine.active:
            break
    return engine.outcomes(np.ascontiguousarray(closes[:, last]))
