"""The shared price-file reader: exact ``Decimal`` rows, one set of layout rules for replay and
the risk loader."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from threecommas_hedge.hedge._prices import PriceRow, read_price_rows


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(text)
    return path


def test_a_close_column_is_read_exactly(tmp_path: Path) -> None:
    rows = read_price_rows(
        write(tmp_path, "date,Close\n2024-05-01,0.1\n2024-05-02,0.30000000000000004\n")
    )
    assert [row.close for row in rows] == [D("0.1"), D("0.30000000000000004")]
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].time == 1714521600000 and rows[1].time == rows[0].time + 86_400_000


def test_binance_klines_without_header_close_is_the_fifth_column(tmp_path: Path) -> None:
    text = "1714521600000000,1,3.5,1,2.25,9\n1714521660000000,1,3,1,2.75,9\n"
    rows = read_price_rows(write(tmp_path, text))
    assert rows == [
        PriceRow(1, D("2.25"), 1714521600000, D("3.5"), D(1)),
        PriceRow(2, D("2.75"), 1714521660000, D(3), D(1)),
    ]


def test_one_or_two_columns_without_header(tmp_path: Path) -> None:
    assert [r.close for r in read_price_rows(write(tmp_path, "5\n6\n"))] == [D(5), D(6)]
    rows = read_price_rows(write(tmp_path, "1714521600,5\n1714521660,6\n"))
    assert [(r.time, r.close) for r in rows] == [(1714521600000, D(5)), (1714521660000, D(6))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("close\n1\nNaN\n", r"line 3: close must be a positive price, got 'NaN' \(column 1\)"),
        ("time,close\n2,1\n1,2\n", r"line 3: time 1 is not after the line before \(column 1\)"),
        ("close,high,low\n1,2,0.5\n3,2,1\n", r"line 3: close 3 is outside .* \(column 1\)"),
        ("time,close\n1\n2,3\n", r"line 2: expected at least 2 columns, found 1"),
    ],
)
def test_bad_lines_name_the_file_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=rf"prices\.csv {message}"):
        read_price_rows(write(tmp_path, text))


def test_the_risk_loader_reads_through_the_same_rows(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    from threecommas_hedge import risk

    path = write(tmp_path, "time,close,high,low\n1714521600,0.1,0.2,0.05\n1714521660,0.3,0.3,0.3\n")
    series = risk.load_closes(path)
    rows = read_price_rows(path)
    assert series.closes.tolist() == [float(row.close) for row in rows]
    assert series.times is not None and series.times.tolist() == [row.time for row in rows]
    assert series.highs is not None and series.highs.tolist() == [0.2, 0.3]
