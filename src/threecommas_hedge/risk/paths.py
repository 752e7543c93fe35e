"""Price paths: geometric Brownian motion and a block bootstrap of historical returns.

Every function returns (or yields) a float64 array of shape ``(paths, steps + 1)``: one row per
path, column 0 the ``start`` price. Draws are made row after row from one generator seeded by
``seed``, so :func:`gbm_chunks` yields exactly the rows of :func:`gbm_paths` with the same
arguments, whatever the chunk size (and likewise for the bootstrap): a run of 100,000 paths can
be replayed chunk by chunk without holding them all.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from .outcomes import FloatArray

if TYPE_CHECKING:  # pragma: no cover
    from .loader import PriceSeries

__all__ = [
    "SECONDS_PER_YEAR",
    "bootstrap_chunks",
    "bootstrap_paths",
    "gbm_chunks",
    "gbm_paths",
]

SECONDS_PER_YEAR = 365 * 24 * 3600
"""Volatility and drift are annual, on a 365-day year (crypto trades every day)."""
DEFAULT_CHUNK = 10_000


def gbm_paths(
    *,
    start: Decimal | int,
    annual_volatility: float,
    drift: float = 0.0,
    steps: int,
    step_seconds: int | float = 60,
    paths: int,
    seed: int | None = None,
) -> FloatArray:
    """``paths`` geometric Brownian motions ``dS/S = drift dt + annual_volatility dW``.

    Sampled exactly (log-normal increments) every ``step_seconds`` for ``steps`` steps; shape
    ``(paths, steps + 1)``, column 0 is ``start``.
    """
    return _collect(
        gbm_chunks(
            start=start,
            annual_volatility=annual_volatility,
            drift=drift,
            steps=steps,
            step_seconds=step_seconds,
            paths=paths,
            seed=seed,
        ),
        paths,
        steps,
    )


def gbm_chunks(
    *,
    start: Decimal | int,
    annual_volatility: float,
    drift: float = 0.0,
    steps: int,
    step_seconds: int | float = 60,
    paths: int,
    seed: int | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> Iterator[FloatArray]:
    """The rows of :func:`gbm_paths` in arrays of at most ``chunk`` paths."""
    origin = _start(start)
    sigma = _number("annual_volatility", annual_volatility, minimum=0.0)
    mu = _number("drift", drift)
    _counts(steps=steps, paths=paths, chunk=chunk)
    dt = _number("step_seconds", step_seconds, minimum=0.0, strict=True) / SECONDS_PER_YEAR
    shift, scale = (mu - 0.5 * sigma * sigma) * dt, sigma * math.sqrt(dt)
    return _gbm(origin, shift, scale, steps, paths, seed, chunk)


def _gbm(
    origin: float, shift: float, scale: float, steps: int, paths: int, seed: int | None, chunk: int
) -> Iterator[FloatArray]:
    rng = np.random.default_rng(seed)
    for size in _sizes(paths, chunk):
        shocks = rng.standard_normal((size, steps))
        out = np.empty((size, steps + 1))
        out[:, 0] = 0.0
        np.multiply(shocks, scale, out=out[:, 1:])
        del shocks
        out[:, 1:] += shift
        np.cumsum(out[:, 1:], axis=1, out=out[:, 1:])
        np.exp(out, out=out)
        out *= origin
        yield out


def bootstrap_paths(
    closes: PriceSeries | Sequence[float | Decimal] | FloatArray | object,
    *,
    start: Decimal | int,
    steps: int,
    paths: int,
    block: int = 60,
    seed: int | None = None,
) -> FloatArray:
    """Paths made of blocks of ``block`` consecutive historical log returns (moving-block
    bootstrap), so volatility clusters and fat tails of the history carry over.

    ``closes`` is a :class:`PriceSeries` (:func:`load_closes`), a list or array of prices, or a
    pandas Series. A path's step lasts as long as one step of the history. Shape
    ``(paths, steps + 1)``, column 0 is ``start``.
    """
    return _collect(
        bootstrap_chunks(closes, start=start, steps=steps, paths=paths, block=block, seed=seed),
        paths,
        steps,
    )


def bootstrap_chunks(
    closes: PriceSeries | Sequence[float | Decimal] | FloatArray | object,
    *,
    start: Decimal | int,
    steps: int,
    paths: int,
    block: int = 60,
    seed: int | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> Iterator[FloatArray]:
    """The rows of :func:`bootstrap_paths` in arrays of at most ``chunk`` paths."""
    origin = _start(start)
    _counts(steps=steps, paths=paths, chunk=chunk)
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise ValueError(f"block must be a whole number of steps >= 1, got {block!r}")
    from .loader import as_closes  # the file loader only for a bootstrap (GBM needs none)

    prices = as_closes(closes).closes
    returns = np.diff(np.log(prices))
    if len(returns) < block:
        raise ValueError(
            f"block ({block} steps) is longer than the history's {len(returns)} returns: "
            "give more history or a shorter block"
        )
    return _bootstrap(returns, origin, steps, paths, block, seed, chunk)


def _bootstrap(
    returns: FloatArray,
    origin: float,
    steps: int,
    paths: int,
    block: int,
    seed: int | None,
    chunk: int,
) -> Iterator[FloatArray]:
    blocks = -(-steps // block)
    offsets = np.arange(block)
    rng = np.random.default_rng(seed)
    for size in _sizes(paths, chunk):
        starts = rng.integers(0, len(returns) - block + 1, size=(size, blocks))
        picked = (starts[:, :, None] + offsets).reshape(size, blocks * block)[:, :steps]
        out = np.empty((size, steps + 1))
        out[:, 0] = 0.0
        np.take(returns, picked, out=out[:, 1:])
        np.cumsum(out[:, 1:], axis=1, out=out[:, 1:])
        np.exp(out, out=out)
        out *= origin
        yield out


def _collect(chunks: Iterator[FloatArray], paths: int, steps: int) -> FloatArray:
    out = np.empty((paths, steps + 1))
    row = 0
    for part in chunks:
        out[row : row + len(part)] = part
        row += len(part)
    return out


def _sizes(paths: int, chunk: int) -> Iterator[int]:
    for first in range(0, paths, chunk):
        yield min(chunk, paths - first)


def _start(start: object) -> float:
    if isinstance(start, bool) or not isinstance(start, (Decimal, int)):
        raise TypeError(f"start must be a Decimal (a price), not {type(start).__name__}")
    if not Decimal(start).is_finite() or start <= 0:
        raise ValueError(f"start must be a positive price, got {start}")
    return float(start)


def _number(
    name: str, value: object, *, minimum: float | None = None, strict: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and (number <= minimum if strict else number < minimum):
        relation = "greater than" if strict else "at least"
        raise ValueError(f"{name} must be {relation} {minimum:g}, got {value}")
    return number


def _counts(**counts: int) -> None:
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
