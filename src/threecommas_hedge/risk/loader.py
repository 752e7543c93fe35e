"""Historical prices: Binance kline CSV files, any CSV with a close column, lists and Series.

Files are read by :func:`threecommas_hedge.hedge._prices.read_price_rows`, which holds the layout
rules (Binance klines with or without their header, or a header naming a ``close`` column); a bad
line raises ``ValueError`` naming the file, the line, the column and the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt

from threecommas_hedge.hedge._prices import read_price_rows

__all__ = ["PriceSeries", "as_closes", "load_closes"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class PriceSeries:
    """Closing prices in time order, with their times (ms since the epoch) when known, and the
    bars' highs and lows when the source has them."""

    closes: FloatArray
    times: IntArray | None = None
    highs: FloatArray | None = None
    lows: FloatArray | None = None

    def __len__(self) -> int:
        return len(self.closes)

    @property
    def step_seconds(self) -> float | None:
        """The typical time between two prices (the median gap), ``None`` without times."""
        if self.times is None or len(self.times) < 2:
            return None
        return float(np.median(np.diff(self.times))) / 1000.0


def load_closes(
    source: str | Path | Sequence[float | Decimal] | FloatArray | object,
) -> PriceSeries:
    """Closing prices from a CSV file (a path), a list or array of prices, or a pandas Series
    (its DatetimeIndex, if any, gives the times)."""
    if isinstance(source, (str, Path)):
        return _read_csv(Path(source))
    return as_closes(source)


def as_closes(source: PriceSeries | Sequence[float | Decimal] | FloatArray | object) -> PriceSeries:
    """``source`` as a :class:`PriceSeries` (already one, a sequence, an array or a Series)."""
    if isinstance(source, PriceSeries):
        return source
    if isinstance(source, (str, Path)):
        raise TypeError("a file name: use load_closes(path) to read it")
    times: IntArray | None = None
    to_numpy = getattr(source, "to_numpy", None)
    if callable(to_numpy):  # a pandas Series
        values = np.asarray(to_numpy(dtype=float), dtype=float)
        times = _index_times(getattr(source, "index", None))
    else:
        try:
            values = np.asarray([float(value) for value in source], dtype=float)  # type: ignore[attr-defined]
        except TypeError:
            raise TypeError(
                f"closes must be a list or array of prices or a pandas Series, "
                f"not {type(source).__name__}"
            ) from None
        except ValueError as error:
            raise ValueError(f"closes: {error}") from None
    if values.ndim != 1:
        raise ValueError(f"closes must be one-dimensional, got shape {values.shape}")
    bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
    if len(bad):
        raise ValueError(f"closes[{bad[0]}] must be a positive price, got {values[bad[0]]}")
    if len(values) < 2:
        raise ValueError("closes: at least two prices are needed")
    return PriceSeries(values, times)


def _index_times(index: object) -> IntArray | None:
    """Milliseconds from a pandas DatetimeIndex (any unit, any time zone), else ``None``."""
    if getattr(index, "tz", None) is not None:
        index = index.tz_convert(None)  # type: ignore[attr-defined]  # UTC, naive
    to_numpy = getattr(index, "to_numpy", None)
    values = np.asarray(to_numpy() if callable(to_numpy) else ())
    if values.dtype.kind != "M":
        return None
    stamps: IntArray = values.astype("datetime64[ms]").astype(np.int64)
    return stamps


def _read_csv(path: Path) -> PriceSeries:
    """The file's rows, read exactly by the shared reader, as float arrays."""
    rows = read_price_rows(path)
    bars = rows[0].high is not None
    timed = rows[0].time is not None
    return PriceSeries(
        closes=np.asarray([float(row.close) for row in rows], dtype=float),
        times=np.asarray([row.time for row in rows], dtype=np.int64) if timed else None,
        highs=np.asarray([float(row.high or 0) for row in rows], dtype=float) if bars else None,
        lows=np.asarray([float(row.low or 0) for row in rows], dtype=float) if bars else None,
    )
