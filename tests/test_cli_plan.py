"""``threecommas-hedge plan``: the review, ``--json`` for scripts, and one-line flag errors."""

from __future__ import annotations

import csv
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli.app import app
from threecommas_hedge.models import SmartTradeCreate

ARTICLE = ["--spot-qty", "1", "--price", "60000", "--ratio", "0.5", "--tp", "55000"]
ARTICLE += ["--sl", "61800"]
ANSI = re.compile(r"\x1b\[")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "THREECOMMAS_BASE_URL", "TERM"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80", **env})
    return result.exit_code, result.stdout, result.stderr


def test_plan_reviews_the_article_hedge() -> None:
    code, out, err = run("plan", *ARTICLE)
    assert code == 0, err
    assert "Short (Smart Short) on USDT_BTCUSDT" in out
    assert "Market at 60,000" in out
    assert "0.5 BTC short, 50.00% of the holding (notional 30,000)" in out
    assert "55,000 for 100% (-8.33%)" in out
    assert "61,800 (+3.00%)" in out
    # reward 0.5*(60000-55000)=2500, fees 0.5*60000*0.0005 + 0.5*55000*0.0005 = 28.75
    assert "hedge +2,500.00 (+2,471.25 after fees)" in out
    # risk 0.5*1800=900, fees 15 + 0.5*61800*0.0005=15.45
    assert "hedge -900.00 (-930.45 after fees)" in out
    assert "1 : 2.78 (2.66 after fees)" in out  # 2500/900, 2471.25/930.45
    # isolated 1x, WB = 30000, LP = (30000 + 0.5*60000) / (0.5*1.01)
    assert "~118,811.88" in out
    assert '"order_type": "market"' in out and '"value": "61800"' in out
    assert "Payoff at the close of the hedge" in out


def test_plan_scenario_rows_match_the_article() -> None:
    code, out, _ = run("plan", *ARTICLE)
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    # price, move, spot, hedge, net, net with costs
    assert rows["55,000"][2:5] == ["-5,000", "+2,500", "-2,500"]
    # funding 0.5*60000*0.0001*21 = 63; fees 28.75 -> -2500 - 28.75 + 63
    assert rows["55,000"][5] == "-2,466"
    assert rows["61,800"][2:5] == ["+1,800", "-900", "+900"]
    assert rows["66,000"][2:5] == ["+6,000", "-900", "+5,100"]


def test_plan_json_is_one_document_with_decimal_strings() -> None:
    code, out, _ = run("plan", *ARTICLE, "--json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {
        "payload",
        "summary",
        "scenarios",
        "liquidation",
        "breakeven",
        "risk_reward",
        "costs",
        "notes",
    }
    assert doc["payload"]["account_id"] is None  # no made-up id
    body = SmartTradeCreate.model_validate({**doc["payload"], "account_id": 1})
    assert body.trade_type == "smart_cover"
    assert body.position.units.value == Decimal("0.5")
    assert body.stop_loss is not None and body.stop_loss.conditional is not None
    assert body.stop_loss.conditional.price.value == Decimal(61800)
    summary = doc["summary"]
    assert summary["quantity"] == "0.5" and isinstance(summary["entry"], str)
    assert summary["account_id"] is None
    assert summary["take_profits"][0]["price"] == "55000.00"  # the column's two decimals
    assert any("pass --account-id" in note for note in doc["notes"])
    by_price = {Decimal(row["price"]): row for row in doc["scenarios"]}
    tp_row = by_price[Decimal(55000)]
    assert Decimal(tp_row["net"]) == Decimal(-2500)
    assert Decimal(tp_row["net_with_costs"]) == Decimal("-2465.75")
    assert tp_row["status"] == "take_profit" and tp_row["label"] == "TP1"
    for row in doc["scenarios"]:
        for key in ("price", "spot_pnl", "hedge_pnl", "net", "fees", "funding"):
            assert isinstance(row[key], str)
            Decimal(row[key])
    lp = Decimal(doc["liquidation"]["price"])
    assert lp == (Decimal(60000) / Decimal("0.505")).quantize(Decimal("0.01"))
    gross = doc["risk_reward"]["gross"]
    assert (Decimal(gross["reward"]), Decimal(gross["risk"])) == (Decimal(2500), Decimal(900))
    assert Decimal(doc["risk_reward"]["with_fees"]["risk"]) == Decimal("930.45")
    costs = doc["costs"]
    assert (costs["entry_fee_rate"], costs["funding_rate"]) == ("0.0005", "0.0001")
    assert Decimal(costs["funding_estimate"]) == Decimal(63)
    assert "estimate" in costs["funding_note"]
    assert Decimal(doc["breakeven"]["price_with_costs"]) < Decimal(60000)


def test_plan_json_carries_the_given_account_and_options() -> None:
    args = ["plan", "--spot-qty", "2", "--price", "3000", "--asset", "eth", "--hedge-qty", "1"]
    args += ["--tp-percent", "-5:50", "--tp-percent", "-10", "--sl-percent", "4", "--breakeven"]
    args += ["--leverage", "3", "--account-id", "77", "--entry-fee", "0", "--exit-fee", "0"]
    args += ["--funding-rate", "0", "--json"]
    code, out, err = run(*args)
    assert code == 0, err
    doc = json.loads(out)
    body = SmartTradeCreate.model_validate(doc["payload"])
    assert (body.account_id, body.pair) == (77, "USDT_ETHUSDT")
    assert body.leverage is not None and body.leverage.value == 3
    assert body.take_profit is not None
    assert [step.price.value for step in body.take_profit.steps] == [Decimal(2850), Decimal(2700)]
    assert [step.volume for step in body.take_profit.steps] == [Decimal(50), Decimal(50)]
    assert body.stop_loss is not None and body.stop_loss.breakeven is True
    assert all("--account-id" not in note for note in doc["notes"])
    assert doc["summary"]["account_id"] == 77
    # no costs: reward 0.5*150 + 0.5*300 = 225, risk 1*120 = 120
    gross = doc["risk_reward"]["gross"]
    assert (Decimal(gross["reward"]), Decimal(gross["risk"])) == (Decimal(225), Decimal(120))
    assert Decimal(doc["costs"]["funding_estimate"]) == 0


def test_plan_limit_entry_and_cross_margin() -> None:
    args = ["plan", "--spot-qty", "1", "--price", "60000", "--ratio", "1", "--entry", "limit"]
    args += ["--entry-price", "61000", "--margin", "cross", "--wallet-balance", "5000"]
    args += ["--leverage", "10", "--json"]
    code, out, err = run(*args)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["payload"]["position"] == {
        "type": "sell",
        "order_type": "limit",
        "units": {"value": "1"},
        "price": {"value": "61000"},
    }
    # cross with wallet 5000: LP = (5000 + 61000) / (1 * 1.01)
    exact = Decimal(66000) / Decimal("1.01")
    assert Decimal(doc["liquidation"]["price"]) == exact.quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("extra", "flag", "words"),
    [
        (["--sl", "59000"], "--sl:", "above the entry"),
        (["--tp", "61000"], "--tp=61000:", "below the entry"),
        (["--tp", "55000:50", "--tp", "54000:20"], "--tp/--tp-percent:", "add up to 100"),
        (["--tp-percent", "5"], "--tp-percent=5:", "must be negative"),
        (["--leverage", "20", "--sl", "64000"], "--sl:", "liquidation"),
        (["--sl", "62000", "--sl-percent", "3"], "--sl/--sl-percent:", "exactly one"),
        (["--entry", "limit"], "--entry-price:", "needed with --entry limit"),
        (["--entry-price", "59000"], "--entry-price:", "only with --entry limit"),
        (["--margin", "cross"], "--wallet-balance:", "cross margin"),
        (["--entry-fee", "-1"], "--entry-fee:", "fee rate"),
        (["--funding-hours", "0"], "--funding-hours:", "positive"),
        (["--days", "-1"], "--days:", "negative"),
        (["--trailing-sl"], "--trailing-sl:", "needs --sl"),
        (["--trailing-tp", "1"], "--trailing-tp:", "needs --tp"),
        (["--breakeven", "--tp", "55000", "--sl", "62000"], "--breakeven:", "2 take-profit"),
        (["--note", ""], "--note:", "1 to 281"),
        (["--pair", "x"], "--pair:", "3Commas pair"),
    ],
)
def test_bad_flags_fail_in_one_line_naming_the_flag(
    extra: list[str], flag: str, words: str
) -> None:
    code, out, err = run("plan", "--spot-qty", "1", "--price", "60000", "--ratio", "0.5", *extra)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"Error: {flag}")
    assert words in lines[0]


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--spot-qty", "1", "--price", "60000"], "--ratio/--hedge-qty"),
        (["--spot-qty", "1", "--price", "6e4", "--ratio", "1", "--hedge-qty", "1"], "--ratio"),
        (["--spot-qty", "1", "--price", "60000", "--ratio", "2"], "--ratio"),
        (["--spot-qty", "-1", "--price", "60000", "--ratio", "0.5"], "--spot-qty"),
        (["--spot-qty", "1", "--price", "0", "--ratio", "0.5"], "--price"),
        (["--spot-qty", "1", "--price", "1", "--hedge-qty", "0"], "--hedge-qty"),
        (["--spot-qty", "1", "--price", "1", "--hedge-qty", "1", "--asset", " "], "--asset"),
    ],
)
def test_size_and_spot_errors_name_their_flag(args: list[str], flag: str) -> None:
    code, _, err = run("plan", *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"Error: {flag}")


def test_over_hedge_needs_its_flag_and_says_so() -> None:
    code, _, err = run("plan", "--spot-qty", "1", "--price", "60000", "--ratio", "1.5")
    assert code == 2 and "pass --over-hedge" in err and "allow_over_hedge" not in err
    code, out, _ = run(
        "plan", "--spot-qty", "1", "--price", "60000", "--ratio", "1.5", "--over-hedge", "--json"
    )
    assert code == 0 and json.loads(out)["summary"]["quantity"] == "1.5"


@pytest.mark.parametrize(
    ("extra", "flag"),
    [
        (["--price", "abc"], "'--price'"),
        (["--price", "nan"], "'--price'"),
        (["--tp", "55000:x"], "'--tp'"),
        (["--tp", "55000:"], "'--tp'"),
        (["--leverage", "two"], "'--leverage'"),
        (["--leverage", "0"], "'--leverage'"),
        (["--entry", "stop"], "'--entry'"),
        (["--bogus"], "--bogus"),
    ],
)
def test_usage_errors_exit_2_in_one_line(extra: list[str], flag: str) -> None:
    code, out, err = run("plan", "--spot-qty", "1", "--price", "60000", "--ratio", "1", *extra)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("Error: ") and flag in err


def test_a_missing_required_flag_is_named() -> None:
    code, _, err = run("plan", "--price", "60000", "--ratio", "1")
    assert code == 2 and "--spot-qty" in err and err.count("\n") == 1


def test_plan_fits_80_columns() -> None:
    args = ["--tp-percent", "-3:25", "--tp-percent", "-6:25", "--tp-percent", "-9"]
    args += ["--sl-percent", "4", "--breakeven", "--leverage", "5"]
    for extra in ([], args):
        code, out, _ = run(
            "plan", "--spot-qty", "1.23456", "--price", "118811.8811", "--ratio", "0.333", *extra
        )
        assert code == 0
        assert max(len(line) for line in out.splitlines()) <= 80


def test_plan_respects_no_color() -> None:
    _, colored, _ = run("plan", *ARTICLE, FORCE_COLOR="1")
    assert ANSI.search(colored)  # the control: colours are on when forced
    code, plain, _ = run("plan", *ARTICLE, FORCE_COLOR="1", NO_COLOR="1")
    assert code == 0 and not ANSI.search(plain)
    assert "~118,811.88" in plain


def test_plot_writes_a_png(tmp_path: Path) -> None:
    target = tmp_path / "payoff.png"
    code, _, err = run("plan", *ARTICLE, "--plot", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    assert str(target) in err


def test_plot_without_matplotlib_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    target = tmp_path / "payoff.png"
    code, out, err = run("plan", *ARTICLE, "--plot", str(target))
    assert code == 2 and out == ""
    assert err == "Error: --plot needs matplotlib: pip install 'threecommas-hedge[plot]'\n"
    assert not target.exists()


def test_plot_to_an_unwritable_place_fails_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "payoff.png"
    code, _, err = run("plan", *ARTICLE, "--plot", str(target))
    assert code == 2 and err.startswith("Error: --plot: cannot write") and "Traceback" not in err


def test_help_lists_every_command() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in ("demo", "plan", "create", "list", "show", "edit", "close", "cancel"):
        assert command in out
    assert "accounts" in out and "fake-server" in out
    code, out, _ = run("plan", "--help")
    assert code == 0 and "--tp-percent" in out and "--funding-rate" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_no_arguments_shows_help_and_exits_2() -> None:
    code, out, err = run()
    assert code == 2 and "Usage" in out + err


def test_plan_text_shows_no_made_up_account_id() -> None:
    code, out, err = run("plan", *ARTICLE)
    assert code == 0, err
    assert '"account_id": null' in out
    assert '"account_id": 1' not in out
    assert "pass --account-id" in out
    code, out, err = run("plan", *ARTICLE, "--account-id", "32000001")
    assert code == 0, err
    assert '"account_id": 32000001' in out
    assert "pass --account-id" not in out


def test_plan_json_rounds_each_column_alike_and_never_prints_long_decimals() -> None:
    code, out, err = run("plan", *ARTICLE, "--json")
    assert code == 0, err
    doc = json.loads(out)
    for row in doc["scenarios"]:
        for key in ("price", "spot_pnl", "hedge_pnl", "net", "fees", "funding", "net_with_costs"):
            assert len(row[key].partition(".")[2]) == 2, (key, row[key])
        assert len(row["move_percent"].partition(".")[2]) == 2
    texts = json.dumps({k: v for k, v in doc.items() if k != "payload"})
    assert max(len(t) for t in re.findall(r"[0-9.]+", texts)) <= 12


def test_plan_json_of_an_altcoin_keeps_significant_digits() -> None:
    args = ["plan", "--spot-qty", "50000", "--price", "0.123456", "--asset", "DOGE"]
    args += ["--ratio", "0.5", "--tp-percent", "-8", "--sl-percent", "3", "--json"]
    code, out, err = run(*args)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["summary"]["entry"] == "0.123456"
    assert doc["summary"]["stop_loss"]["price"] == "0.127160"  # 0.123456 x 1.03, ticked up
    assert {len(row["price"].partition(".")[2]) for row in doc["scenarios"]} == {6}


def test_plan_csv_writes_the_scenario_table(tmp_path: Path) -> None:
    target = tmp_path / "scenarios.csv"
    code, out, err = run("plan", *ARTICLE, "--csv", str(target))
    assert code == 0, err
    assert f"Scenario table written to {target}" in err
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    code, out, _ = run("plan", *ARTICLE, "--json")
    assert rows == json.loads(out)["scenarios"]  # the same rows as --json, as text
    tp = next(row for row in rows if Decimal(row["price"]) == 55000)
    assert tp["net"] == "-2500.00" and tp["status"] == "take_profit"


def test_plan_csv_to_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    code, _, err = run("plan", *ARTICLE, "--csv", str(tmp_path / "missing" / "x.csv"))
    assert code == 2 and err.startswith("Error: --csv: cannot write") and err.count("\n") == 1


def test_one_breakeven_labelled_alike_in_text_and_json() -> None:
    code, out, _ = run("plan", *ARTICLE, "--json")
    assert code == 0
    doc = json.loads(out)
    fees_only = Decimal(doc["breakeven"]["price_with_fees"])
    with_costs = Decimal(doc["breakeven"]["price_with_costs"])
    # recompute the fees-only root: spot q_s(P-60000) + hedge q_h(60000-P) - fees = 0, where the
    # fees are 0.05 % of the entry notional and of the exit at P (the hedge is still open there)
    q_s, q_h, f = Decimal(1), Decimal("0.5"), Decimal("0.0005")
    root = (q_s * 60000 - q_h * 60000 + q_h * 60000 * f) / (q_s - q_h - q_h * f)
    assert fees_only == root.quantize(Decimal("0.01"))
    assert with_costs < fees_only  # the short receives funding at +0.01 % per 8 h
    code, text, _ = run("plan", *ARTICLE)
    assert code == 0
    assert f"{fees_only:,} with fees; {with_costs:,} with fees and 7 days of funding" in text
    code, text, _ = run("plan", *ARTICLE, "--funding-rate", "0")
    assert code == 0
    assert f"Net zero at  {fees_only:,} with fees (spot + hedge)" in text


def test_review_shows_the_margin_and_what_the_wallet_keeps_free() -> None:
    code, out, err = run("plan", *ARTICLE, "--leverage", "3")
    assert code == 0, err
    assert "Margin       10,000.00 initial margin (notional / 3x)" in out  # 0.5 x 60,000 / 3
    args = ["--leverage", "4", "--margin", "cross", "--wallet-balance", "20000"]
    code, out, err = run("plan", *ARTICLE, *args)
    assert code == 0, err
    flat = " ".join(out.split())
    assert "7,500.00 initial margin (notional / 4x); leaves 12,500.00 of 20,000.00 free" in flat
