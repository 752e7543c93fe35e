"""``threecommas-hedge portfolio plan`` and ``demo --portfolio`` (offline)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from threecommas_hedge._cli.app import app


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "120", "NO_COLOR": "1"})
    return result.exit_code, result.output


def test_demo_portfolio_prints_legs_skips_and_a_total_row() -> None:
    code, out = invoke("demo", "--portfolio")
    assert code == 0, out
    for text in ("BTC", "ETH", "SOL", "USDT", "stablecoin", "DOGE", "dust", "TOTAL", "-19200.00"):
        assert text in out
    assert "Opened (paper): BTC, ETH, SOL" in out


def test_portfolio_plan_from_json_and_csv_files(tmp_path: Path) -> None:
    rows = [
        {"currency_code": "BTC", "position": 2, "extra": 1},
        {"currency_code": "ETH", "position": 9.52e-05},
    ]
    as_json = tmp_path / "balances.json"
    as_json.write_text(json.dumps(rows))
    code, out = invoke(
        "portfolio", "plan", str(as_json), "--price", "USDT_BTCUSDT=60000",
        "--price", "USDT_ETHUSDT=3000",
    )  # fmt: skip
    assert code == 0, out
    assert "60000.00" in out  # 1 BTC of 2 at 60000
    assert "0.0000476" in out  # half of 9.52e-05 ETH, read exactly
    as_csv = tmp_path / "balances.csv"
    as_csv.write_text("coin,amount\nBTC,1\nXRP,10\n")
    code, out = invoke("portfolio", "plan", str(as_csv), "--price", "USDT_BTCUSDT=60000")
    assert code == 0, out
    assert "no futures pair" in out


def test_portfolio_other_actions_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("BTC,1\n")
    code, out = invoke("portfolio", "open", str(path), "--price", "USDT_BTCUSDT=1")
    assert code != 0
    assert "only 'plan'" in out
