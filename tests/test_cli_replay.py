"""``threecommas-hedge replay``: a hedge replayed along a price file, exactly, with its events."""

from __future__ import annotations

import json
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli.app import app

HEDGE = ["--spot-qty", "1", "--ratio", "0.5", "--tp", "55000", "--sl", "61800"]
DROP = "time,close\n" + "".join(
    f"2024-05-01T0{hour}:00:00Z,{price}\n"
    for hour, price in enumerate(["60000", "58000", "56000", "54900", "56000"])
)
KLINE = "{ms},1,{high},{low},{close},1,1,1,1,1,1,0\n"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "THREECOMMAS_BASE_URL", "TERM"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "100"})
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, text: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def klines(*closes: str) -> str:
    start = 1714521600000
    return "".join(
        KLINE.format(ms=start + 60000 * i, high=D(c) + 100, low=D(c) - 100, close=c)
        for i, c in enumerate(closes)
    )


def test_a_drop_fills_the_take_profit_and_prints_events_and_result(tmp_path: Path) -> None:
    code, out, err = run("replay", str(write(tmp_path, DROP)), *HEDGE)
    assert code == 0, err
    assert "5 prices" in out and "Path 60,000 -> 56,000, low 54,900, high 60,000" in out
    lines = out.splitlines()
    entered = next(line for line in lines if "entered: 0.5 at 60,000" in line)
    assert entered.split()[0] == "2"  # the file line of the first price (after the header)
    tp = next(line for line in lines if "take profit 1: 0.5 at 55,000" in line)
    assert tp.split()[:2] == ["5", "54,900"]
    # spot 1 * (56000 - 60000); hedge 0.5 * (60000 - 55000); fees: market entry taker 0.05 %
    # 0.5*60000*0.0005 = 15, limit TP maker 0.02 % 0.5*55000*0.0002 = 5.5
    assert "Spot at 56,000  -4,000.00" in out
    assert "Hedge (gross)   +2,500.00" in out
    assert "Fees            -20.50" in out
    assert "Net             -1,520.50" in out


def test_headerless_binance_klines_read_the_fifth_column_and_stop_out(tmp_path: Path) -> None:
    path = write(tmp_path, klines("60000", "61000", "61900", "62000"), "BTCUSDT-1m.csv")
    code, out, err = run("replay", str(path), *HEDGE, "--json")
    assert code == 0, err
    document = json.loads(out)
    kinds = [(event["line"], event["kind"]) for event in document["events"]]
    assert kinds == [(1, "entered"), (3, "stop_loss"), (3, "closed")]
    result = document["result"]
    assert result["status"] == "closed" and result["exit_price"] == "61900"
    # a market stop closes at the price that reached it: 0.5 * (60000 - 61900) = -950
    assert D(result["hedge_realized"]) == D("-950")
    assert D(result["fees"]) == D("0.5") * (D(60000) + D(61900)) * D("0.0005")
    assert D(result["spot_pnl"]) == D(2000)


def test_prices_are_read_exactly(tmp_path: Path) -> None:
    text = "close\n60000.000000000000000001\n54999.999999999999999999\n"
    code, out, err = run("replay", str(write(tmp_path, text)), *HEDGE, "--json", "--maker-fee", "0")
    assert code == 0, err
    document = json.loads(out)
    assert document["first_price"] == "60000.000000000000000001"
    result = document["result"]
    assert D(result["spot_pnl"]) == D("54999.999999999999999999") - D("60000.000000000000000001")
    # the limit TP fills at its own level, the entry at the exact first price
    assert D(result["hedge_realized"]) == D("0.5") * (D("60000.000000000000000001") - 55000)


def test_given_price_values_the_spot_from_it(tmp_path: Path) -> None:
    path = write(tmp_path, DROP)
    code, out, err = run("replay", str(path), *HEDGE, "--price", "59000", "--json")
    assert code == 0, err
    assert D(json.loads(out)["result"]["spot_pnl"]) == D(56000 - 59000)


def test_funding_settles_at_the_file_times(tmp_path: Path) -> None:
    rows = "".join(f"{1714521600 + 3600 * h},60000\n" for h in range(10))
    path = write(tmp_path, "time,close\n" + rows)
    code, out, err = run("replay", str(path), *HEDGE, "--funding-rate", "0.01", "--json")
    assert code == 0, err
    # settlements at 8 h: one within 0..9 h, 0.5 * 60000 * 0.0001 received by the short
    assert D(json.loads(out)["result"]["funding"]) == D("0.5") * 60000 * D("0.0001")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("close\n60000\nabc\n", "line 3: close 'abc' is not a number (column 1)"),
        (
            "time,close\n1,60000\n2,-1\n",
            "line 3: close must be a positive price, got '-1' (column 2)",
        ),
        ("a,b\n1,2\n3,4\n", "line 1: no close column in the header (columns: a, b)"),
        ("close\n60000\n", "at least two price lines are needed, found 1"),
        (
            klines("60000") + "1714521660000,1,2,1,abc,1\n",
            "line 2: close 'abc' is not a number (column 5)",
        ),
    ],
)
def test_bad_files_are_one_line_naming_file_line_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    code, out, err = run("replay", str(path), *HEDGE)
    assert code == 2 and out == ""
    assert err.startswith(f"Error: {path}") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_file_and_refused_flags(tmp_path: Path) -> None:
    code, _, err = run("replay", str(tmp_path / "none.csv"), *HEDGE)
    assert code == 2 and "none.csv: cannot read it" in err
    path = write(tmp_path, "close\n60000\n61000\n")
    code, _, err = run("replay", str(path), *HEDGE, "--funding-rate", "0.01")
    assert code == 2 and err.startswith("Error: --funding-rate:") and "no time column" in err
    code, _, err = run("replay", str(path), *HEDGE, "--entry-fee", "0.1")
    assert code == 2 and err.startswith("Error: --entry-fee: replay charges fees by fill type")
    code, _, err = run("replay", str(path), "--spot-qty", "1", "--ratio", "0.5", "--sl", "50000")
    assert code == 2 and err.startswith("Error: --sl:")


def test_plot_writes_the_path_chart(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "path.png"
    code, _, err = run("replay", str(write(tmp_path, DROP)), *HEDGE, "--plot", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    assert f"Price path chart written to {target}" in err


def test_plot_without_matplotlib_fails_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, _, err = run("replay", str(tmp_path / "x.csv"), *HEDGE, "--plot", "x.png")
    assert code == 2 and "--plot needs matplotlib" in err


def test_replay_help_lists_the_plan_flags() -> None:
    code, out, _ = run("replay", "--help")
    assert code == 0
    for flag in ("--spot-qty", "--ratio", "--tp", "--sl", "--maker-fee", "--leverage", "--plot"):
        assert flag in out


def test_leverage_and_mmr_liquidate_at_the_bracket_price(tmp_path: Path) -> None:
    path = write(tmp_path, "close\n60000\n68000\n72000\n")
    args = ["--spot-qty", "1", "--ratio", "0.5", "--leverage", "5", "--json"]
    code, out, err = run("replay", str(path), *args, "--mmr", "0.4")
    assert code == 0, err
    document = json.loads(out)
    result = document["result"]
    # isolated 5x short, wallet 6,000: LP = (6000 + 30000) / (0.5 * 1.004) = 71,713.15: line 4
    assert result["status"] == "liquidated"
    assert [e["line"] for e in document["events"] if e["kind"] == "liquidated"] == [4]
    # without --mmr, MMR 1/(2L) = 10 %: LP = 36000 / 0.55 = 65,454.55, passed on line 3
    code, out, err = run("replay", str(path), *args)
    events = json.loads(out)["events"]
    assert [e["line"] for e in events if e["kind"] == "liquidated"] == [3]
    assert D(result["hedge_realized"]) == D(-6000)  # the wallet behind the short, nothing more


def test_exchange_picks_the_liquidation_formula_of_the_replay(tmp_path: Path) -> None:
    path = write(tmp_path, "close\n60000\n68000\n71730\n71800\n")
    args = ["--spot-qty", "1", "--ratio", "0.5", "--leverage", "5", "--mmr", "0.4", "--json"]
    # isolated 5x short, wallet 6,000, MMR 0.4 %: Binance LP 71,713.15 (line 4), Bybit LP
    # 60,000 + (6,000 - 0.5 * 60,000 * 0.004) / 0.5 = 71,760 (line 5)
    for exchange, line in (("binance", 4), ("bybit", 5)):
        code, out, err = run("replay", str(path), *args, "--exchange", exchange)
        assert code == 0, err
        events = json.loads(out)["events"]
        assert [e["line"] for e in events if e["kind"] == "liquidated"] == [line], exchange
