"""``threecommas-hedge portfolio plan|open|status|close`` and ``demo --portfolio``."""

from __future__ import annotations

import json
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli import session
from threecommas_hedge._cli.app import app
from threecommas_hedge.testing import FakeThreeCommas


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


def test_unknown_action_and_missing_options_are_usage_errors(tmp_path: Path) -> None:
    code, out = invoke("portfolio", "rebalance")
    assert code == 2 and "unknown action" in out and "plan, open, status, close" in out
    code, out = invoke("portfolio", "open", "--fake", "--spot-account", "5")
    assert code == 2 and "--futures-account" in out
    code, out = invoke("portfolio", "plan", "--fake")
    assert code == 2 and "--spot-account" in out and "balances file" in out
    for action in ("status", "close"):
        code, out = invoke("portfolio", action, "--fake")
        assert code == 2 and "--tag" in out
    path = tmp_path / "b.csv"
    path.write_text("BTC,1\n")
    code, out = invoke("portfolio", "plan", str(path), "--price", "USDT_BTCUSDT")
    assert code == 2 and "--price" in out and "PAIR=PRICE" in out
    code, out = invoke("portfolio", "plan", str(path), "--price", "USDT_BTCUSDT=x")
    assert code == 2 and "--price" in out and "not a number" in out
    code, out = invoke("portfolio", "plan", str(path), "--sl-percent", "abc")
    assert code == 2 and "--sl-percent" in out and "not a number" in out
    code, out = invoke("portfolio", "plan", str(path), "--ratio", "2")
    assert code == 2 and "ratio" in out and "between 0 and 1" in out


World = tuple[FakeThreeCommas, str, str, str, str]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    """One fake shared by every ``--fake`` invocation: a paper and a real futures account, a spot
    account of each mode holding BTC, ETH, USDT and dust DOGE."""
    shared = FakeThreeCommas()
    for coin, price in {"BTC": "60000", "ETH": "3000", "DOGE": "0.2"}.items():
        shared.set_price(f"USDT_{coin}USDT", D(price))
    paper = shared.add_account("futures", "paper")
    real = shared.add_account("futures", "real")
    spot = shared.add_account("spot", "paper")
    real_spot = shared.add_account("spot", "real")
    for coin, amount in {"BTC": "1", "ETH": "10", "USDT": "500", "DOGE": "10"}.items():
        shared.set_balance(spot, coin, D(amount))
        shared.set_balance(real_spot, coin, D(amount))
    monkeypatch.setattr(session, "fake_factory", lambda: shared)
    return shared, str(paper), str(real), str(spot), str(real_spot)


def creates(fake: FakeThreeCommas) -> list[dict[str, object]]:
    return [r.json for r in fake.requests if r.method == "POST" and r.path == "/v2/smart_trades"]


def accounts_of(futures: str, spot: str) -> tuple[str, ...]:
    """Both accounts, and DOGE (2 USDT) left out as dust."""
    return ("--spot-account", spot, "--futures-account", futures, "--min-value", "50")


def test_plan_from_the_live_account(world: World) -> None:
    fake, paper, _, spot, _ = world
    code, out = invoke(
        "portfolio", "plan", "--fake", *accounts_of(paper, spot), "--ratio", "0.5",
    )  # fmt: skip
    assert code == 0, out
    assert "BTC" in out and "USDT_ETHUSDT" in out and "30000.00" in out  # 0.5 BTC x 60000
    assert "dust" in out and "stablecoin" in out
    assert not creates(fake)  # planning sends nothing


def test_open_paper_reopen_status_and_close_by_tag(world: World) -> None:
    fake, paper, _, spot, _ = world
    args = ("portfolio", "open", "--fake", *accounts_of(paper, spot))
    code, out = invoke(*args, "--tp-percent", "-8", "--sl-percent", "3")
    assert code == 0, out
    assert re.search(r"Opened \(paper mode, [^)]*\): BTC \(#\d+\), ETH \(#\d+\)", out), out
    assert "Already open: none" in out
    tag = re.search(r"Plan tag: ([0-9a-f]{12})", out)
    assert tag is not None
    sent = creates(fake)
    assert [body["pair"] for body in sent] == ["USDT_BTCUSDT", "USDT_ETHUSDT"]
    stops = [D(body["stop_loss"]["conditional"]["price"]["value"]) for body in sent]  # type: ignore[index]
    assert stops == [60000 * D("1.03"), 3000 * D("1.03")]  # --sl-percent 3 above the entry

    code, out = invoke(*args, "--tp-percent", "-8", "--sl-percent", "3")
    assert code == 0, out
    assert "Opened (paper" in out and "): none" in out and "Already open: BTC" in out
    assert len(creates(fake)) == 2  # nothing opened twice

    fake.set_price("USDT_BTCUSDT", D("57000"))
    code, out = invoke("portfolio", "status", "--fake", "--tag", tag[1], "--json")
    assert code == 0, out
    data = json.loads(out)
    legs = {leg["asset"]: leg for leg in data["legs"]}
    assert set(legs) == {"BTC", "ETH"} and legs["BTC"]["stage"] == "open"
    # only the tag: the spot leg is the hedged 0.5 BTC (-1500), the short gains 1500 less its
    # entry fees at the rate the trade reports (ETH has not moved: its fee only)
    rate = {
        a: D(str(fake.smart_trade(leg["trade_id"])["data"]["commission"]))
        for a, leg in legs.items()
    }
    fees = {"BTC": rate["BTC"] * D("0.5") * 60000, "ETH": rate["ETH"] * 5 * 3000}
    assert {a: D(leg["fees"]) for a, leg in legs.items()} == fees
    assert D(data["spot_pnl"]) == D("0.5") * (57000 - 60000)
    assert D(data["short_pnl"]) == D("0.5") * (60000 - 57000) - sum(fees.values())
    assert D(data["pnl"]) == -sum(fees.values())
    code, out = invoke("portfolio", "status", "--fake", "--tag", tag[1])
    assert code == 0, out
    total = f"Combined PnL (spot + shorts): {-sum(fees.values()):.2f}"
    assert "TOTAL" in out and "-1500.00" in out and total in out

    code, out = invoke("portfolio", "close", "--fake", "--tag", tag[1])
    assert code == 0, out
    assert re.search(r"Closed \(paper mode, [^)]*\): BTC \(#\d+\), ETH \(#\d+\)", out)
    code, out = invoke("portfolio", "close", "--fake", "--tag", tag[1])
    assert code == 0 and "nothing was open" in out


def test_real_open_and_close_ask_first_unless_yes(world: World) -> None:
    fake, _, real, _, spot = world
    args = ("portfolio", "open", "--fake", "--real", *accounts_of(real, spot))
    declined = CliRunner().invoke(app, list(args), input="n\n", env={"COLUMNS": "120"})
    assert declined.exit_code == 1
    assert "REAL mode" in declined.output and "not confirmed: nothing was sent" in declined.output
    assert not creates(fake)
    code, out = invoke(*args, "--yes")
    assert code == 0, out
    assert "Opened (real mode" in out and len(creates(fake)) == 2
    tag = re.search(r"Plan tag: ([0-9a-f]{12})", out)
    assert tag is not None
    close = ("portfolio", "close", "--fake", "--real", "--tag", tag[1])
    declined = CliRunner().invoke(app, list(close), input="n\n", env={"COLUMNS": "120"})
    assert declined.exit_code == 1 and "not confirmed" in declined.output
    assert not [r for r in fake.requests if r.path.endswith("close_by_market")]
    code, out = invoke(*close, "--yes")
    assert code == 0 and "Closed (real mode" in out


def test_an_account_of_the_other_mode_is_named_and_a_failing_leg_exits_1(
    world: World,
) -> None:
    fake, paper, _, spot, _ = world
    code, out = invoke("portfolio", "open", "--fake", "--real", "--yes", *accounts_of(paper, spot))
    assert code == 2 and f"account {spot} is a paper account; drop --real" in out
    assert not creates(fake)
    fake.fail_next(422, method="POST", path="/v2/smart_trades")
    code, out = invoke("portfolio", "open", "--fake", *accounts_of(paper, spot))
    assert code == 1
    assert "Failed: BTC" in out and "ETH (#" in out and "re-run open" in out
    code, out = invoke("portfolio", "open", "--fake", *accounts_of(paper, spot))
    assert code == 0 and "BTC (#" in out and "Already open: ETH" in out
