"""Interleaved A/B timing with medians, and the result records every benchmark returns.

A comparison runs the subject (the library) and the baseline (raw httpx, ...) in alternating
rounds, ABAB then BABA, so slow drift of the machine (frequency scaling, a noisy neighbour) hits
both sides alike. Each round times a batch of operations; a side's figure is the median over
rounds of seconds per operation, and the ratio is the median of the per-round ratios (each pairs
two adjacent batches). The CPU time this process spent per operation is kept too: it shows what
the library adds, less disturbed by other load on the machine than wall time. Every loop is
bounded: ``rounds`` at most, and no new round once ``budget_s`` has passed (after at least
``min_rounds``).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Batch = Callable[[int], None]
"""Run ``n`` operations."""
AsyncBatch = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Comparison:
    """Subject vs baseline: median seconds per operation of each and their ratio."""

    name: str
    subject: str
    baseline: str
    subject_s: float
    baseline_s: float
    round_ratios: tuple[float, ...]
    per_round: int
    subject_cpu_s: float = 0.0
    """CPU seconds of this process per operation (0: not measured)."""
    baseline_cpu_s: float = 0.0
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        """Median of the per-round subject/baseline ratios."""
        return statistics.median(self.round_ratios)

    @property
    def spread(self) -> tuple[float, float]:
        """Lowest and highest per-round ratio."""
        return min(self.round_ratios), max(self.round_ratios)

    @property
    def met(self) -> bool | None:
        """Whether the ratio is within the target (None without a target)."""
        return None if self.target is None else self.ratio <= self.target

    def lines(self) -> list[str]:
        """Human-readable report lines."""
        low, high = self.spread
        verdict = ""
        if self.target is not None:
            verdict = f"  target <= {self.target:.2f}x: {'MET' if self.met else 'MISSED'}"
        lines = [
            f"{self.name}: {self.ratio:.3f}x{verdict}",
            f"    {self.subject}: {_duration(self.subject_s)} per op (median"
            + (f"; CPU {_duration(self.subject_cpu_s)})" if self.subject_cpu_s else ")"),
            f"    {self.baseline}: {_duration(self.baseline_s)} per op (median"
            + (f"; CPU {_duration(self.baseline_cpu_s)})" if self.baseline_cpu_s else ")"),
            f"    added: {_duration(self.subject_s - self.baseline_s)} per op; "
            f"{len(self.round_ratios)} rounds x {self.per_round} ops, "
            f"round ratios {low:.3f}..{high:.3f}",
        ]
        if self.note:
            lines.append(f"    {self.note}")
        return lines


@dataclass(frozen=True)
class Figure:
    """A single measured figure (not a comparison), with details."""

    name: str
    value: float
    unit: str
    details: tuple[str, ...] = field(default=())
    target: str = ""
    met: bool | None = None

    def lines(self) -> list[str]:
        """Human-readable report lines."""
        verdict = ""
        if self.met is not None:
            verdict = f"  target {self.target}: {'MET' if self.met else 'MISSED'}"
        return [f"{self.name}: {self.value:,.4g} {self.unit}{verdict}"] + [
            f"    {detail}" for detail in self.details
        ]


def _duration(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds >= 1:
        return f"{sign}{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{sign}{seconds * 1e3:.3f} ms"
    return f"{sign}{seconds * 1e6:.1f} us"


Timing = tuple[float, float]
"""Wall and CPU seconds per operation of one batch."""


def _timed(batch: Batch, n: int) -> Timing:
    gc.collect()
    cpu, start = time.process_time(), time.perf_counter()
    batch(n)
    return (time.perf_counter() - start) / n, (time.process_time() - cpu) / n


async def _atimed(batch: AsyncBatch, n: int) -> Timing:
    gc.collect()
    cpu, start = time.process_time(), time.perf_counter()
    await batch(n)
    return (time.perf_counter() - start) / n, (time.process_time() - cpu) / n


def _summarise(
    name: str,
    labels: tuple[str, str],
    pairs: list[tuple[Timing, Timing]],
    per_round: int,
    target: float | None,
    note: str,
) -> Comparison:
    return Comparison(
        name=name,
        subject=labels[0],
        baseline=labels[1],
        subject_s=statistics.median(a[0] for a, _ in pairs),
        baseline_s=statistics.median(b[0] for _, b in pairs),
        round_ratios=tuple(a[0] / b[0] for a, b in pairs),
        per_round=per_round,
        subject_cpu_s=statistics.median(a[1] for a, _ in pairs),
        baseline_cpu_s=statistics.median(b[1] for _, b in pairs),
        target=target,
        note=note,
    )


def compare(
    name: str,
    subject: tuple[str, Batch],
    baseline: tuple[str, Batch],
    *,
    rounds: int,
    per_round: int,
    budget_s: float,
    warmup: int = 1,
    min_rounds: int = 3,
    target: float | None = None,
    note: str = "",
    before_round: Callable[[], object] | None = None,
    measure_cpu: bool = True,
) -> Comparison:
    """Time ``subject`` against ``baseline`` in interleaved rounds of ``per_round`` operations.

    ``before_round`` runs untimed before each round (and before the warm-up). ``measure_cpu``
    False: the work happens in other processes, this process's CPU time means nothing.
    """
    (label_a, a), (label_b, b) = subject, baseline
    for _ in range(warmup):
        if before_round is not None:
            before_round()
        a(per_round)
        b(per_round)
    pairs: list[tuple[Timing, Timing]] = []
    deadline = time.perf_counter() + budget_s
    for index in range(rounds):
        if index >= min_rounds and time.perf_counter() > deadline:
            break
        if before_round is not None:
            before_round()
        if index % 2 == 0:
            ta = _timed(a, per_round)
            tb = _timed(b, per_round)
        else:
            tb = _timed(b, per_round)
            ta = _timed(a, per_round)
        pairs.append((ta, tb) if measure_cpu else ((ta[0], 0.0), (tb[0], 0.0)))
    return _summarise(name, (label_a, label_b), pairs, per_round, target, note)


async def acompare(
    name: str,
    subject: tuple[str, AsyncBatch],
    baseline: tuple[str, AsyncBatch],
    *,
    rounds: int,
    per_round: int,
    budget_s: float,
    warmup: int = 1,
    min_rounds: int = 3,
    target: float | None = None,
    note: str = "",
    before_round: Callable[[], Awaitable[object]] | None = None,
) -> Comparison:
    """The async twin of :func:`compare` (both sides on the running event loop)."""
    (label_a, a), (label_b, b) = subject, baseline
    for _ in range(warmup):
        if before_round is not None:
            await before_round()
        await a(per_round)
        await b(per_round)
    pairs: list[tuple[Timing, Timing]] = []
    deadline = time.perf_counter() + budget_s
    for index in range(rounds):
        if index >= min_rounds and time.perf_counter() > deadline:
            break
        if before_round is not None:
            await before_round()
        if index % 2 == 0:
            ta = await _atimed(a, per_round)
            tb = await _atimed(b, per_round)
        else:
            tb = await _atimed(b, per_round)
            ta = await _atimed(a, per_round)
        pairs.append((ta, tb))
    return _summarise(name, (label_a, label_b), pairs, per_round, target, note)
