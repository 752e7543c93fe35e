"""Loading closes: Binance kline CSVs (header or not, ms or µs), generic CSVs, lists, Series."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from threecommas_hedge import risk

# Binance USDT-M futures / spot 1m klines: open_time, open, high, low, close, volume, close_time,
# quote_volume, count, taker_buy_volume, taker_buy_quote_volume, ignore
KLINES_MS = """\
1714521600000,60672.00,60690.10,60600.01,60620.00,123.456,1714521659999,7490000.1,1234,60.1,3650000.2,0
1714521660000,60620.00,60650.00,60580.00,60641.50,98.100,1714521719999,5950000.0,1100,50.2,3040000.0,0
1714521720000,60641.50,60700.00,60640.00,60699.90,87.300,1714521779999,5300000.0,990,40.0,2430000.0,0
"""
HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
    "taker_buy_quote_volume,ignore\n"
)
KLINES_US = "\n".join(
    line.replace("1714521", "1735689", 1).replace("000,", "000000,", 1)
    for line in KLINES_MS.splitlines()
)


def write(tmp_path: Path, text: str, name: str = "BTCUSDT-1m-2024-05.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("header", [False, True])
def test_binance_klines_with_and_without_header(tmp_path: Path, header: bool) -> None:
    series = risk.load_closes(write(tmp_path, (HEADER if header else "") + KLINES_MS))
    assert series.closes.tolist() == [60620.0, 60641.5, 60699.9]
    assert series.highs is not None and series.lows is not None
    assert series.highs.tolist() == [60690.1, 60650.0, 60700.0]
    assert series.lows.tolist() == [60600.01, 60580.0, 60640.0]
    assert series.times is not None
    assert series.times.tolist() == [1714521600000, 1714521660000, 1714521720000]
    assert series.step_seconds == 60
    assert len(series) == 3


def test_binance_microsecond_timestamps_become_milliseconds(tmp_path: Path) -> None:
    assert KLINES_US.startswith("1735689600000000,")
    series = risk.load_closes(str(write(tmp_path, KLINES_US)))
    assert series.times is not None
    assert series.times.tolist() == [1735689600000, 1735689660000, 1735689720000]
    assert series.step_seconds == 60


def test_any_csv_with_a_close_column(tmp_path: Path) -> None:
    text = "Date,Open,Close,Volume\n2024-05-01T00:00:00Z,1,2.5,9\n2024-05-01T01:00:00Z,2.5,2.75,9\n"
    series = risk.load_closes(write(tmp_path, text, "prices.csv"))
    assert series.closes.tolist() == [2.5, 2.75]
    assert series.highs is None
    assert series.step_seconds == 3600
    bare = risk.load_closes(write(tmp_path, "close\n10\n11\n12\n", "bare.csv"))
    assert bare.closes.tolist() == [10, 11, 12]
    assert bare.times is None and bare.step_seconds is None
    one_column = risk.load_closes(write(tmp_path, "10\n11\n", "one.csv"))
    assert one_column.closes.tolist() == [10, 11]


def test_lists_arrays_and_pandas_series() -> None:
    pandas = pytest.importorskip("pandas")
    assert risk.load_closes([Decimal("1.5"), 2, 2.5]).closes.tolist() == [1.5, 2, 2.5]
    assert risk.load_closes(np.array([3.0, 4.0])).times is None
    index = pandas.date_range("2024-05-01", periods=3, freq="min", tz="UTC")
    series = risk.load_closes(pandas.Series([1.0, 2.0, 3.0], index=index))
    assert series.times is not None
    assert series.times.tolist() == [1714521600000, 1714521660000, 1714521720000]
    plain = risk.load_closes(pandas.Series([1.0, 2.0]))
    assert plain.times is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"BTCUSDT-1m-2024-05\.csv: the file is empty"),
        (
            KLINES_MS + "1714521780000,1,2,1,abc,1,1,1,1,1,1,0\n",
            r"line 4: close 'abc' is not a number \(column 5\)",
        ),
        (
            KLINES_MS + "1714521780000,1,2,1,-5,1,1,1,1,1,1,0\n",
            r"line 4: close must be a positive price, got '-5'",
        ),
        (KLINES_MS + "1714521780000,1,2\n", r"line 4: expected at least 5 columns, found 3"),
        (
            KLINES_MS + "1714521660000,1,2,1,1.5,1,1,1,1,1,1,0\n",
            r"line 4: time 1714521660000 is not after the line before",
        ),
        (
            KLINES_MS + "1714521780000,1,2,1,3,1,1,1,1,1,1,0\n",
            r"line 4: close 3 is outside the bar's low-high range \(column 5\)",
        ),
        (
            HEADER + KLINES_MS + "1714521780000,1,2,1,1.5,1,1,1,1,1,1,0\nx,1,2,1,1.5\n",
            r"line 6: time 'x' is not a timestamp or an ISO date \(column 1\)",
        ),
        ("a,b,c\n1,2,3\n", r"line 1: no close column in the header \(columns: a, b, c\)"),
        ("1,2,3\n4,5,6\n", r"line 1: no header and 3 columns"),
        ("close\n5\n", r"at least two price lines are needed, found 1"),
        ("time,close\nyesterday,5\ntoday,6\n", r"line 2: time 'yesterday' is not a timestamp"),
    ],
)
def test_bad_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        risk.load_closes(write(tmp_path, text))


def test_missing_file_and_bad_sequences(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read it"):
        risk.load_closes(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match=r"closes\[2\] must be a positive price"):
        risk.load_closes([1, 2, 0])
    with pytest.raises(ValueError, match="at least two prices"):
        risk.load_closes([1])
    with pytest.raises(TypeError, match="not int"):
        risk.load_closes(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="closes: could not convert"):
        risk.load_closes(["1", "x"])
