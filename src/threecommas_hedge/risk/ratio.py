"""The minimum-variance hedge ratio: the OLS beta of spot returns on futures returns.

``ratio = Cov(r_spot, r_fut) / Var(r_fut)`` over simple returns between consecutive aligned
timestamps (an intercept is fitted), with the fit's R squared and the beta's standard error
``sqrt(SSR / (n - 2) / sum((r_fut - mean)^2))``. Series with times are aligned on the times both
have; series without times (lists, arrays) must have the same length and align by position.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .loader import PriceSeries, as_closes
from .outcomes import FloatArray

__all__ = ["HedgeRatio", "min_variance_ratio"]

_PLACES = Decimal("0.000001")
_MIN_RETURNS = 3


@dataclass(frozen=True)
class HedgeRatio:
    """An estimated hedge ratio (``HedgeBuilder.hedge(ratio=h.ratio)`` takes it as it is).

    ``n`` is the number of return pairs; ``r_squared`` the share of the spot's return variance
    the futures explain (the variance a ratio hedge at ``ratio`` removes, before costs);
    ``stderr`` the standard error of ``ratio``. Rounded to 6 decimal places.
    """

    ratio: Decimal
    r_squared: Decimal
    n: int
    stderr: Decimal


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(_PLACES)


def min_variance_ratio(
    spot_closes: PriceSeries | Sequence[float | Decimal] | FloatArray | object,
    futures_closes: PriceSeries | Sequence[float | Decimal] | FloatArray | object,
) -> HedgeRatio:
    """The minimum-variance ratio of a spot holding hedged with the futures (see the module)."""
    spot, futures = _aligned(as_closes(spot_closes), as_closes(futures_closes))
    y = np.diff(spot) / spot[:-1]
    x = np.diff(futures) / futures[:-1]
    n = len(x)
    if n < _MIN_RETURNS:
        raise ValueError(f"need at least {_MIN_RETURNS} aligned returns, got {n}")
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx == 0:
        raise ValueError("futures_closes do not move: the ratio is undefined")
    beta = float(dx @ dy) / sxx
    residuals = dy - beta * dx
    ssr = float(residuals @ residuals)
    r_squared = 1.0 - ssr / syy if syy > 0 else 0.0
    stderr = math.sqrt(ssr / (n - 2) / sxx)
    return HedgeRatio(
        ratio=_decimal(beta),
        r_squared=_decimal(max(0.0, min(1.0, r_squared))),
        n=n,
        stderr=_decimal(stderr),
    )


def _aligned(spot: PriceSeries, futures: PriceSeries) -> tuple[FloatArray, FloatArray]:
    if spot.times is not None and futures.times is not None:
        common, left, right = np.intersect1d(spot.times, futures.times, return_indices=True)
        if not len(common):
            raise ValueError("spot_closes and futures_closes share no timestamp")
        return spot.closes[left], futures.closes[right]
    if len(spot) != len(futures):
        raise ValueError(
            "spot_closes and futures_closes without times must have the same length "
            f"(got {len(spot)} and {len(futures)}); give timestamped series to align them"
        )
    return spot.closes, futures.closes
