"""A PnL distribution over paths: mean, spread, quantiles, value at risk and expected shortfall.

Statistics are computed in float64 and handed out as ``Decimal`` rounded to 10 significant
digits (far finer than the Monte Carlo error of any run), so they can go in tables and JSON.

- ``quantile(q)``: of the PnL (signed), numpy's linear interpolation between order statistics.
- ``var(level)``: the loss not exceeded with probability ``level``: ``-quantile(1 - level)``.
- ``cvar(level)``: the mean loss in the worst ``1 - level`` of paths (expected shortfall), the
  paths at or below ``quantile(1 - level)``. Losses are positive numbers; a negative VaR means
  even the bad tail makes money.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import numpy as np

from .outcomes import FloatArray

__all__ = ["PnLDistribution", "to_decimal"]

DEFAULT_LEVEL = 0.95


def to_decimal(value: float) -> Decimal:
    """A float statistic as a ``Decimal`` of 10 significant digits (no float noise)."""
    if not math.isfinite(value):
        raise ValueError(f"statistic is not finite: {value}")
    result = Decimal(f"{value:.10g}")
    return result + 0 if result else Decimal(0)  # normalise -0


def _level(level: float | Decimal) -> float:
    value = float(level)
    if not 0 < value < 1:
        raise ValueError(f"level must be between 0 and 1 (0.95 = 95 %), got {level}")
    return value


def _quantile(ordered: FloatArray, q: float) -> float:
    """``np.quantile(ordered, q)`` of sorted data, bit for bit (the default "linear" method and
    its interpolation), without numpy's general path, which imports ``numpy.ma`` (~8 ms)."""
    index = (len(ordered) - 1) * q
    if index >= len(ordered) - 1 or math.isnan(ordered[-1]):  # NaN sorts last: NaN, as numpy
        return float(ordered[-1])
    low = math.floor(index)
    below, above = float(ordered[low]), float(ordered[low + 1])
    weight = index - low
    step = above - below
    return above - step * (1 - weight) if weight >= 0.5 else below + step * weight


@dataclass(frozen=True, eq=False)
class PnLDistribution:
    """PnL per path (``pnl``, in path order, in the quote currency) and its statistics."""

    pnl: FloatArray

    def __post_init__(self) -> None:
        if self.pnl.ndim != 1 or not len(self.pnl):
            raise ValueError("pnl must be a non-empty one-dimensional array")

    @cached_property
    def _sorted(self) -> FloatArray:
        ordered: FloatArray = np.sort(self.pnl)
        return ordered

    @property
    def mean(self) -> Decimal:
        """Average PnL."""
        return to_decimal(float(np.mean(self.pnl)))

    @property
    def stdev(self) -> Decimal:
        """Sample standard deviation of the PnL (0 for a single path)."""
        if len(self.pnl) < 2:
            return Decimal(0)
        return to_decimal(float(np.std(self.pnl, ddof=1)))

    def quantile(self, q: float | Decimal) -> Decimal:
        """The ``q`` quantile of the PnL (signed; 0.05 is the 5th percentile)."""
        value = float(q)
        if not 0 <= value <= 1:
            raise ValueError(f"q must be between 0 and 1, got {q}")
        return to_decimal(_quantile(self._sorted, value))

    def var(self, level: float | Decimal = DEFAULT_LEVEL) -> Decimal:
        """Value at risk at ``level``, as a positive loss."""
        return to_decimal(-_quantile(self._sorted, 1 - _level(level)))

    def cvar(self, level: float | Decimal = DEFAULT_LEVEL) -> Decimal:
        """Expected shortfall at ``level``: the mean loss beyond the VaR, as a positive number."""
        cut = _quantile(self._sorted, 1 - _level(level))
        tail = self._sorted[: int(np.searchsorted(self._sorted, cut, side="right"))]
        return to_decimal(-float(np.mean(tail)))

    def histogram(self, bins: int = 20) -> tuple[tuple[Decimal, Decimal, int], ...]:
        """``bins`` equal-width bins over the PnL range: ``(low, high, paths)`` each."""
        counts, edges = np.histogram(self.pnl, bins=bins)
        return tuple(
            (to_decimal(float(low)), to_decimal(float(high)), int(count))
            for low, high, count in zip(edges[:-1], edges[1:], counts, strict=True)
        )
