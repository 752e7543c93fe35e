"""Drive the vectorized engine over paths in chunks, and over the bars of each path.

A chunk of paths is replayed a block of steps at a time: the block is copied step-major, so
each step reads one contiguous row whatever the memory order of the caller's array. With highs
and lows, each bar after the first is three prices in the order most adverse to the position
(short: the high, the low, then the close; long: the low, the high, the close), all at the bar's
time. Funding settles at every positive multiple of the funding interval on the path's clock
(step ``i`` at ``i * step_seconds``; time 0 is just after a settlement), paid at the first price
of the step that reaches it, as the scalar engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from ._plan import EnginePlan
from .engine import ChunkEngine
from .outcomes import FloatArray, Outcomes

Progress = Callable[[int, int | None], None]
"""Called with the path-steps done so far and the total (``None`` when unknown)."""

DEFAULT_CHUNK_PATHS = 16384
"""Paths replayed together: large enough to amortise numpy's per-call cost, small enough to
keep the engine's state in cache."""
_BLOCK_STEPS = 64
_TILE_ROWS = 512


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
    """Row blocks of at most ``size`` paths, as even as can be (views, no copy)."""
    count = -(-len(closes) // size)
    size = -(-len(closes) // count) if count else size
    for start in range(0, len(closes), size):
        rows = slice(start, start + size)
        yield (
            closes[rows],
            None if highs is None else highs[rows],
            None if lows is None else lows[rows],
        )


def step_major(prices: FloatArray) -> FloatArray:
    """``prices.T`` as a C-ordered copy, one row per step, copied in tiles of
    :data:`_TILE_ROWS` paths (numpy's own transposed copy misses the cache on every element)."""
    if prices.flags.f_contiguous:
        return np.ascontiguousarray(prices.T)
    out = np.empty(prices.shape[::-1])
    for first in range(0, prices.shape[0], _TILE_ROWS):
        out[:, first : first + _TILE_ROWS] = prices[first : first + _TILE_ROWS].T
    return out


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
    base = 0  # the step of column 0 of ``closes`` (rows and columns drop as paths finish)
    for start in range(0, last + 1, _BLOCK_STEPS):
        stop = min(start + _BLOCK_STEPS, last + 1)
        columns = slice(start - base, stop - base)
        block = step_major(closes[:, columns])
        signed = block * plan.side
        high = None if highs is None else step_major(highs[:, columns])
        low = None if lows is None else step_major(lows[:, columns])
        for offset in range(stop - start):
            index = start + offset
            now = index * step_seconds
            due = int(now // interval) - int((now - step_seconds) // interval) if index else 0
            if high is None or low is None or index == 0:
                prices = [(block[offset], signed[offset])]
            else:
                adverse, favourable = (high, low) if short else (low, high)
                prices = [
                    (adverse[offset], adverse[offset] * plan.side),
                    (favourable[offset], favourable[offset] * plan.side),
                    (block[offset], signed[offset]),
                ]
            for number, (price, signed_price) in enumerate(prices):
                engine.step(
                    price,
                    signed_price,
                    index,
                    now,
                    placing=index == 0,
                    settlements=due if number == 0 else 0,
                )
            if not engine.active:
                break
        if report is not None:
            report(n * stop)
        if not engine.active or stop > last:
            break
        kept = engine.compact()
        if kept is not None:
            rest = slice(stop - base, None)
            closes = closes[kept, rest]
            highs = None if highs is None else highs[kept, rest]
            lows = None if lows is None else lows[kept, rest]
            base = stop
    return engine.outcomes(np.ascontiguousarray(closes[:, last - base]))
