"""``--liquidation-buffer``, ``--exchange`` and ``--mmr``: the builder's liquidation options on
``plan`` and ``create`` (shared flags)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D

import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli import session
from threecommas_hedge._cli.app import app
from threecommas_hedge.testing import FakeThreeCommas

SHORT = ["--spot-qty", "1", "--price", "60000", "--ratio", "0.5", "--leverage", "5"]
ENTRY, QTY, LEVERAGE = D(60000), D("0.5"), D(5)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "100"})
    return result.exit_code, result.stdout, result.stderr


def liquidation(*args: str) -> D:
    code, out, err = run("plan", *SHORT, *args, "--json")
    assert code == 0, err
    return D(json.loads(out)["liquidation"]["price"])


def cents(value: D) -> D:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_EVEN)


def test_mmr_makes_the_binance_estimate_exact() -> None:
    # isolated short, wallet = initial margin q*E/L: LP = (WB + q*E) / (q * (1 + MMR))
    wallet = QTY * ENTRY / LEVERAGE
    expected = (wallet + QTY * ENTRY) / (QTY * (1 + D("0.004")))
    assert liquidation("--mmr", "0.4") == cents(expected)
    conservative = (wallet + QTY * ENTRY) / (QTY * (1 + 1 / (2 * LEVERAGE)))
    assert liquidation() == cents(conservative)  # no --mmr: MMR 1/(2L)


def test_a_bracket_ladder_uses_the_tier_of_the_notional() -> None:
    # notional 30,000 sits in the first tier: the 1 % tier from 250,000 does not apply
    assert liquidation("--mmr", "0:0.4", "--mmr", "250000:1") == liquidation("--mmr", "0.4")


def test_exchange_bybit_uses_its_linear_formula() -> None:
    # Bybit isolated short: LP = E * (1 + 1/L - MMR)
    assert liquidation("--mmr", "0.4", "--exchange", "bybit") == ENTRY * (
        1 + 1 / LEVERAGE - D("0.004")
    )
    code, out, _ = run("plan", *SHORT, "--mmr", "0.4", "--exchange", "bybit")
    assert code == 0 and "~71,760 (+19.60% from entry; MMR from the leverage brackets given)" in out


def test_the_buffer_moves_the_stop_loss_limit() -> None:
    # conservative LP 65,454.55 at 5x; 1 % buffer: stop at most LP - 600; 5 %: LP - 3,000
    assert run("plan", *SHORT, "--sl", "62500")[0] == 0
    code, _, err = run("plan", *SHORT, "--sl", "62500", "--liquidation-buffer", "5")
    assert code == 2 and err.startswith("Error: --sl: the stop at 62500 is inside the liquidation")
    assert "the buffer is 5% of the entry (3000)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mmr", "abc"], "'abc' is not RATE or FLOOR:RATE"),
        (["--mmr", "100000:1"], "Error: --mmr: one rate per floor, and the lowest bracket starts"),
        (["--mmr", "0:1", "--mmr", "0:2"], "Error: --mmr: one rate per floor"),
        (["--mmr", "150"], "Error: --mmr=150: a rate in % from 0 to below 100"),
        (["--liquidation-buffer", "100"], "Error: --liquidation-buffer: a % of the entry"),
        (["--exchange", "kraken"], "'kraken' is not one of"),
    ],
)
def test_bad_liquidation_flags_are_one_line_exit_2(args: list[str], message: str) -> None:
    code, out, err = run("plan", *SHORT, *args)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_create_takes_the_same_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeThreeCommas()
    fake.add_account("futures", "paper")
    fake.set_price("USDT_BTCUSDT", ENTRY)
    monkeypatch.setattr(session, "fake_factory", lambda: fake)
    code, _, err = run("create", "--fake", *SHORT, "--sl", "62500", "--liquidation-buffer", "5")
    assert code == 2 and err.startswith("Error: --sl:")
    assert [r for r in fake.requests if r.method == "POST"] == []
    code, out, err = run("create", "--fake", *SHORT, "--mmr", "0.4", "--exchange", "bybit")
    assert code == 0, err
    assert "~71,760" in out
