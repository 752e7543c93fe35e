"""Price files read exactly: the rows of a price CSV as ``Decimal`` prices (no numpy).

The one place for the layout rules, used by ``threecommas-hedge replay`` and by the risk engine's
loader. Binance's kline dumps (data.binance.vision) have no header in older files and a header in
newer futures files; their layout is ``open_time, open, high, low, close, volume, ...`` and their
times are milliseconds, or microseconds in spot files from 2025 on. Without a header, one column
is a close per line and two are ``time, close``. Any other CSV needs a header naming a ``close``
column (``high``, ``low`` and a time column, ``open_time``, ``time``, ``timestamp`` or ``date``,
are read when present). A bad line raises ``ValueError`` naming the file, the line, the column and
the rule.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

TIME_COLUMNS = ("open_time", "time", "timestamp", "date", "datetime", "open time")
CLOSE_COLUMNS = ("close", "close_price", "closing_price", "price")
_KLINE_OPEN_TIME, _KLINE_HIGH, _KLINE_LOW, _KLINE_CLOSE = 0, 2, 3, 4
_KLINE_MIN_COLUMNS = 5
_MICROSECONDS = 10**14
_MILLISECONDS = 10**11


@dataclass(frozen=True)
class PriceRow:
    """One line of a price file: its number, the close, and the time (ms since the epoch), high
    and low when the file has them."""

    line: int
    close: Decimal
    time: int | None = None
    high: Decimal | None = None
    low: Decimal | None = None


@dataclass(frozen=True)
class _Layout:
    close: int
    time: int | None = None
    high: int | None = None
    low: int | None = None

    @property
    def width(self) -> int:
        return 1 + max(c for c in (self.close, self.time, self.high, self.low) if c is not None)


def read_price_rows(path: str | Path) -> list[PriceRow]:
    """The price lines of the CSV file ``path`` (at least two), in file order, checked: positive
    prices, the close within the bar's low-high range, times strictly increasing."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ValueError(f"{path}: cannot read it ({error.strerror or error})") from None
    with handle:
        try:
            rows = [(number, row) for number, row in enumerate(csv.reader(handle), 1) if row]
        except (csv.Error, UnicodeDecodeError) as error:
            raise ValueError(f"{path}: not a readable CSV file ({error})") from None
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    first_number, first = rows[0]
    if _number(first[0]) is not None:
        layout, body = _headerless(path, first_number, first), rows
    else:
        layout, body = _from_header(path, first), rows[1:]
    if len(body) < 2:
        raise ValueError(f"{path}: at least two price lines are needed, found {len(body)}")
    parsed: list[PriceRow] = []
    for number, row in body:
        parsed.append(_row(f"{path} line {number}", number, row, layout, parsed))
    return parsed


def _headerless(path: Path, number: int, row: list[str]) -> _Layout:
    if len(row) >= _KLINE_MIN_COLUMNS:
        return _Layout(_KLINE_CLOSE, _KLINE_OPEN_TIME, _KLINE_HIGH, _KLINE_LOW)
    if len(row) == 1:
        return _Layout(0)
    if len(row) == 2:
        return _Layout(1, 0)
    raise ValueError(
        f"{path} line {number}: no header and {len(row)} columns; expected Binance's kline "
        "layout (open_time, open, high, low, close, ...), one close per line, or a header "
        "naming a close column"
    )


def _from_header(path: Path, header: list[str]) -> _Layout:
    names = [name.strip().lower() for name in header]

    def find(*candidates: str) -> int | None:
        return next((names.index(c) for c in candidates if c in names), None)

    close = find(*CLOSE_COLUMNS)
    if close is None:
        raise ValueError(
            f"{path} line 1: no close column in the header (columns: {', '.join(header)})"
        )
    return _Layout(close, find(*TIME_COLUMNS), find("high"), find("low"))


def _row(
    where: str, number: int, row: list[str], layout: _Layout, before: list[PriceRow]
) -> PriceRow:
    if len(row) < layout.width:
        raise ValueError(f"{where}: expected at least {layout.width} columns, found {len(row)}")
    close = _price(where, "close", row, layout.close)
    high = low = None
    if layout.high is not None and layout.low is not None:
        high = _price(where, "high", row, layout.high)
        low = _price(where, "low", row, layout.low)
        if not low <= close <= high:
            raise ValueError(
                f"{where}: close {close} is outside the bar's low-high range "
                f"(column {layout.close + 1})"
            )
    stamp = None
    if layout.time is not None:
        stamp = _time(where, row, layout.time)
        previous = before[-1].time if before else None
        if previous is not None and stamp <= previous:
            raise ValueError(
                f"{where}: time {row[layout.time].strip()} is not after the line before "
                f"(column {layout.time + 1})"
            )
    return PriceRow(number, close, stamp, high, low)


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def _price(where: str, name: str, row: list[str], column: int) -> Decimal:
    text = row[column].strip()
    value = _number(text)
    if value is None:
        raise ValueError(f"{where}: {name} {text!r} is not a number (column {column + 1})")
    if not value.is_finite() or value <= 0:
        raise ValueError(
            f"{where}: {name} must be a positive price, got {text!r} (column {column + 1})"
        )
    return value


def _time(where: str, row: list[str], column: int) -> int:
    """Milliseconds since the epoch from seconds, ms or µs (by magnitude) or an ISO date."""
    text = row[column].strip()
    value = _number(text)
    if value is not None and value.is_finite():
        number = int(value)
        if number >= _MICROSECONDS:  # microseconds (Binance spot files from 2025)
            return number // 1000
        if number >= _MILLISECONDS:
            return number
        return number * 1000  # seconds
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{where}: time {text!r} is not a timestamp or an ISO date (column {column + 1})"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)
