"""``threecommas-hedge demo``: the article end to end on the embedded fake, offline."""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli import demo as demo_module
from threecommas_hedge._cli.app import app
from threecommas_hedge.testing import FakeThreeCommas

ANSI = re.compile(r"\x1b\[")


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "THREECOMMAS_BASE_URL", "TERM"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["demo", *args], env={"COLUMNS": "80", **env})
    return result.exit_code, result.stdout, result.stderr


def table_rows(out: str, title: str) -> dict[str, list[str]]:
    """The Spot/Hedge/Fees/Funding/Net lines of the outcome table after ``title``."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if title in line)
    rows: dict[str, list[str]] = {}
    for line in lines[start + 1 :]:
        parts = line.split()
        if parts and parts[0] in ("Spot", "Hedge", "Fees", "Funding", "Net"):
            rows.setdefault(parts[0], parts[1:])
        if parts and parts[0] == "Net":
            break
    return rows


def test_demo_replays_the_article_offline() -> None:
    code, out, err = run()
    assert code == 0, err
    assert "Offline demo on a simulated exchange" in out
    assert "nothing was sent to 3Commas" in out
    # the review the article asks for before "Create trade"
    for text in (
        "Short (Smart Short) on USDT_BTCUSDT",
        "Market at 60,000",
        "0.5 BTC short",
        "55,000 for 100%",
        "61,800 (+3.00%)",
        "Risk/reward",
        "Liquidation  ~80,000",  # 1x, no brackets: MMR 50%, (30,000 + 30,000) / (0.5 x 1.5)
        '"type": "sell"',
    ):
        assert text in out
    assert "closed by the take profit at 55,000" in out
    assert "closed by the stop loss at 61,800" in out
    assert "Market: 60,000 -> 58,000 -> 56,000 -> 55,000" in out


def test_demo_numbers_match_the_article() -> None:
    _, out, _ = run()
    drop = table_rows(out, "Net effect at 55,000")
    assert drop["Spot"][0] == "-5,000.00"
    assert drop["Hedge"][0] == "+2,500.00"
    assert drop["Net"][0] == "-2,500.00"
    rise = table_rows(out, "Net effect at 62,000")
    assert rise["Spot"][0] == "+2,000.00"
    assert rise["Hedge"][0] == "-900.00"
    assert rise["Net"][0] == "+1,100.00"
    assert out.count("the replay matches it") == 2


def test_demo_costs_are_labelled_estimates() -> None:
    _, out, _ = run()
    # market entry pays taker 0.5*60000*0.0005 = 15; the limit TP maker 0.5*55000*0.0002 = 5.5;
    # no funding by default (shown both ways: 0.5*60000*0.0001 * (7*24/8) = 63)
    drop = table_rows(out, "Net effect at 55,000")
    assert drop["Fees"] == ["-20.50"]
    assert drop["Funding"] == ["+0.00"]
    assert drop["Net"][1] == f"{Decimal(-2500) - Decimal('20.5'):+,.2f}"
    rise = table_rows(out, "Net effect at 62,000")
    assert rise["Fees"] == ["-30.45"]  # 15 + the market stop 0.5*61800*0.0005
    assert rise["Net"][1] == "+1,069.55"
    assert "* Estimate" in out and "notional held at the entry price" in out
    flat = " ".join(out.split())
    assert "funding 0% every 8h for 7 days" in flat
    assert "With fees + 7 d funding*" in out
    assert "At +/-0.01% per 8h for 7 days the short would receive +63.00 / pay -63.00" in flat


def test_demo_creates_paper_trades_on_its_own_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes: list[FakeThreeCommas] = []

    def spy() -> FakeThreeCommas:
        fake = FakeThreeCommas()
        fakes.append(fake)
        return fake

    monkeypatch.setattr(demo_module, "FakeThreeCommas", spy)
    code, _, _ = run()
    assert code == 0
    (fake,) = fakes
    creates = [r for r in fake.requests if r.method == "POST" and r.path == "/v2/smart_trades"]
    assert len(creates) == 2
    assert all(r.mode == "paper" for r in creates)
    assert creates[0].json["position"]["units"]["value"] == "0.5"
    trades = fake.smart_trades()
    # net of the fake's default fees (taker 0.05 % market entry and stop, maker 0.02 % limit TP),
    # the schedule the demo's plan assumes
    taker, maker, units = Decimal("0.0005"), Decimal("0.0002"), Decimal("0.5")
    take_profit = Decimal(2500) - units * 60000 * taker - units * 55000 * maker
    stopped = Decimal(-900) - units * (60000 + 61800) * taker
    assert [Decimal(t["profit"]["usd"]) for t in trades] == [take_profit, stopped]
    assert [t["status"]["type"] for t in trades] == ["finished", "finished"]


def test_demo_fits_80_columns_and_honours_no_color() -> None:
    code, out, _ = run(FORCE_COLOR="1")
    assert code == 0 and ANSI.search(out)
    code, plain, _ = run(FORCE_COLOR="1", NO_COLOR="1")
    assert code == 0 and not ANSI.search(plain)
    assert max(len(line) for line in plain.splitlines()) <= 80


def test_demo_plot_writes_a_png(tmp_path: Path) -> None:
    target = tmp_path / "demo.png"
    code, out, err = run("--plot", str(target))
    assert code == 0, err
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Payoff chart written to {target}" in out


def test_demo_plot_without_matplotlib_fails_before_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out, err = run("--plot", str(tmp_path / "x.png"))
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "Error: --plot needs matplotlib: pip install 'threecommas-hedge[plot]'"
    ]
