"""Historical prices: Binance kline CSV files, any CSV with a close column, lists and Series.

Binance's public data dumps (data.binance.vision) have no header in older files and a header in
newer futures files; timestamps are milliseconds, or microseconds in spot files from 2025 on. The
layout is ``open_time, open, high, low, close, volume, close_time, ...``. Other CSVs need a header
naming a ``close`` column (``high``, ``low`` and a time column, ``open_time``, ``time``,
``timestamp`` or ``date``, are used when present). A bad line raises ``ValueError`` naming the
file, the line and the rule.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["PriceSeries", "as_closes", "load_closes"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TIME_COLUMNS = ("open_time", "time", "timestamp", "date", "datetime", "open time")
_KLINE_CLOSE, _KLINE_HIGH, _KLINE_LOW = 4, 2, 3
_KLINE_MIN_COLUMNS = 5


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
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ValueError(f"{path}: cannot read it ({error.strerror or error})") from None
    with handle:
        rows = [(number, row) for number, row in enumerate(csv.reader(handle), 1) if row]
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    first_number, first = rows[0]
    if _is_number(first[0]):
        layout = _headerless(path, first_number, first)
        body = rows
    else:
        layout = _from_header(path, first)
        body = rows[1:]
    if len(body) < 2:
        raise ValueError(f"{path}: at least two price lines are needed, found {len(body)}")
    return _parse(path, body, layout)


@dataclass(frozen=True)
class _Layout:
    close: int
    time: int | None
    high: int | None
    low: int | None

    @property
    def width(self) -> int:
        return 1 + max(c for c in (self.close, self.time, self.high, self.low) if c is not None)


def _headerless(path: Path, number: int, row: list[str]) -> _Layout:
    if len(row) >= _KLINE_MIN_COLUMNS:
        return _Layout(close=_KLINE_CLOSE, time=0, high=_KLINE_HIGH, low=_KLINE_LOW)
    if len(row) == 1:
        return _Layout(close=0, time=None, high=None, low=None)
    if len(row) == 2:
        return _Layout(close=1, time=0, high=None, low=None)
    raise ValueError(
        f"{path} line {number}: no header and {len(row)} columns; expected Binance's kline "
        "layout (open_time, open, high, low, close, ...), one close per line, or a header "
        "naming a close column"
    )


def _from_header(path: Path, header: list[str]) -> _Layout:
    names = [name.strip().lower() for name in header]

    def find(*candidates: str) -> int | None:
        for candidate in candidates:
            if candidate in names:
                return names.index(candidate)
        return None

    close = find("close", "close_price", "closing_price", "price")
    if close is None:
        raise ValueError(
            f"{path} line 1: no close column in the header (columns: {', '.join(header)})"
        )
    return _Layout(close=close, time=find(*TIME_COLUMNS), high=find("high"), low=find("low"))


def _parse(path: Path, rows: list[tuple[int, list[str]]], layout: _Layout) -> PriceSeries:
    closes: list[float] = []
    highs: list[float] = []
    lows: list[float] = []
    times: list[int] = []
    for number, row in rows:
        where = f"{path} line {number}"
        if len(row) < layout.width:
            raise ValueError(f"{where}: expected at least {layout.width} columns, found {len(row)}")
        close = _price(where, "close", row[layout.close])
        closes.append(close)
        if layout.high is not None and layout.low is not None:
            high = _price(where, "high", row[layout.high])
            low = _price(where, "low", row[layout.low])
            if not low <= close <= high:
                raise ValueError(f"{where}: close {close} is outside the bar's low-high range")
            highs.append(high)
            lows.append(low)
        if layout.time is not None:
            stamp = _time(where, row[layout.time])
            if times and stamp <= times[-1]:
                raise ValueError(f"{where}: time {row[layout.time]} is not after the line before")
            times.append(stamp)
    return PriceSeries(
        closes=np.asarray(closes, dtype=float),
        times=np.asarray(times, dtype=np.int64) if times else None,
        highs=np.asarray(highs, dtype=float) if highs else None,
        lows=np.asarray(lows, dtype=float) if lows else None,
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _price(where: str, name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: {name} {text.strip()!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{where}: {name} must be a positive price, got {text.strip()!r}")
    return value


def _time(where: str, text: str) -> int:
    """Milliseconds since the epoch from seconds, ms or µs (by magnitude) or an ISO date."""
    text = text.strip()
    try:
        number = int(float(text)) if _is_number(text) else None
    except (ValueError, OverflowError):
        number = None
    if number is not None:
        if number >= 10**14:  # microseconds (Binance spot files from 2025)
            return number // 1000
        if number >= 10**11:  # milliseconds
            return number
        return number * 1000  # seconds
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}: time {text!r} is not a timestamp or an ISO date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)
