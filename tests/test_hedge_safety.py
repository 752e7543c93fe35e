"""Issue 16 safety checks: conservative MMR, liquidation buffer, leverage limits, funding and
Bybit liquidation, TP order and per-step lot rules, limit stop slippage; altcoin-sized cases."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from threecommas_hedge import (
    HedgeBuilder,
    HedgeScenario,
    HedgeValidationError,
    MarketRules,
    SpotPosition,
)
from threecommas_hedge.hedge.liquidation import LeverageBracket, liquidation_price

ACCOUNT = 32455218


def btc(**spot: Any) -> HedgeBuilder:
    position = SpotPosition(asset="BTC", quantity=D(1), price=D(60000))
    return HedgeBuilder(position, account_id=ACCOUNT, pair="USDT_BTCUSDT").hedge(ratio=D("0.5"))


def doge(quantity: str = "1000000", price: str = "0.12") -> HedgeBuilder:
    """An altcoin hedge: 1,000,000 DOGE at 0.12 (120,000 USDT of spot), half hedged."""
    position = SpotPosition(asset="DOGE", quantity=D(quantity), price=D(price))
    return HedgeBuilder(position, account_id=ACCOUNT, pair="USDT_DOGEUSDT").hedge(ratio=D("0.5"))


def refused(call: Any, field: str, *fragments: str) -> HedgeValidationError:
    with pytest.raises(HedgeValidationError) as caught:
        call()
    assert caught.value.field == field, str(caught.value)
    for fragment in fragments:
        assert fragment in caught.value.rule, caught.value.rule
    return caught.value


def binance_short(q: D, e: D, wb: D, mmr: D, cum: D = D(0)) -> D:
    """Independent recomputation, hedge-math section 4: (WB + cum + Q*EP) / (Q*(1 + MMR))."""
    return (wb + cum + q * e) / (q * (1 + mmr))


# -- 1. conservative MMR without brackets -----------------------------------------------------


@pytest.mark.parametrize("leverage", [1, 10, 50, 100])
def test_without_brackets_mmr_is_one_over_twice_the_leverage(leverage: int) -> None:
    summary = btc().leverage(leverage).summary()
    mmr = D(1) / (2 * leverage)
    expected = binance_short(D("0.5"), D(60000), D("0.5") * 60000 / leverage, mmr)
    assert summary.liquidation_price == expected
    assert summary.maintenance_margin_rate == mmr


def test_use_case_10x_estimate_and_wording() -> None:
    builder = btc().leverage(10).take_profit(price=D(55000)).stop_loss(price=D(61800))
    builder.build()  # the use case still builds at 10x
    # WB 3,000, MMR 5%: (3,000 + 30,000) / (0.5 * 1.05) = 62,857.142857...
    assert builder.summary().liquidation_price == D(66000) / D("1.05")
    text = builder.explain()
    assert "~62857.14" in text
    assert "conservative estimate; pass the market's brackets for the exact price" in text


def test_scenario_without_brackets_uses_the_same_default_and_says_so() -> None:
    scenario = HedgeScenario(
        spot_quantity=D(1),
        spot_price=D(60000),
        hedge_quantity=D("0.5"),
        entry_price=D(60000),
        leverage=D(10),
    )
    assert scenario.liquidation_price() == D(66000) / D("1.05")
    assert any("conservative estimate" in warning for warning in scenario.warnings())


def test_brackets_still_give_the_exact_price() -> None:
    brackets = [LeverageBracket(D(0), D("0.004"))]
    summary = btc().leverage(10, brackets=brackets).summary()
    assert summary.liquidation_price == binance_short(D("0.5"), D(60000), D(3000), D("0.004"))
    assert "conservative" not in btc().leverage(10, brackets=brackets).explain()


def test_altcoin_100x_stop_refused_without_brackets() -> None:
    # 500,000 DOGE short at 0.12 (60,000 USDT notional), 100x: MMR 0.5%, WB 600
    builder = doge().leverage(100).stop_loss(price=D("0.1209"))
    lp = binance_short(D(500000), D("0.12"), D(600), D("0.005"))
    assert D("0.1205") < lp < D("0.1206")
    refused(builder.build, "stop_loss.price", "liquidation")


# -- 2. liquidation buffer --------------------------------------------------------------------


def test_stop_inside_the_buffer_is_refused_naming_both_prices_and_the_buffer() -> None:
    lp = D(66000) / D("1.05")  # 62,857.14 at 10x, buffer 1% of 60,000 = 600
    inside = btc().leverage(10).stop_loss(price=D(62300))
    refused(inside.build, "stop_loss.price", "62300", "62857.14", "buffer", "1%")
    assert lp - 600 > D(62250)
    btc().leverage(10).stop_loss(price=D(62250)).build()
    wider = btc().leverage(10, liquidation_buffer=D("0.05")).stop_loss(price=D(62250))
    refused(wider.build, "stop_loss.price", "5%")
    refused(
        lambda: btc().leverage(10, liquidation_buffer=D("-0.01")), "leverage.liquidation_buffer"
    )


def test_scenario_warns_for_a_stop_inside_the_buffer() -> None:
    scenario = HedgeScenario(
        spot_quantity=D(1),
        spot_price=D(60000),
        hedge_quantity=D("0.5"),
        entry_price=D(60000),
        leverage=D(10),
        stop_loss=D(62300),
    )
    assert any("buffer" in warning for warning in scenario.warnings())
    safe = scenario.model_copy(update={"stop_loss": D(62000)})
    assert not any("buffer" in warning for warning in safe.warnings())


# -- 3. leverage limits -----------------------------------------------------------------------


def test_leverage_at_or_above_one_over_mmr_of_the_bracket_is_refused() -> None:
    brackets = LeverageBracket.ladder([(D(0), D("0.01")), (D(50000), D("0.025"))])
    # 0.5 BTC x 60,000 = 30,000 notional: first bracket, 1/MMR = 100
    refused(btc().leverage(100, brackets=brackets).build, "leverage", "100x", "1%")
    btc().leverage(99, brackets=brackets).build()
    # 1 BTC = 60,000 notional: second bracket, 1/MMR = 40
    whole = btc().hedge(ratio=D(1))
    refused(whole.leverage(40, brackets=brackets).build, "leverage", "2.5%")
    whole.leverage(39, brackets=brackets).build()


# -- 4. funding moves the liquidation price ---------------------------------------------------


def paying(rate: str, days: str = "30", **extra: Any) -> HedgeScenario:
    return HedgeScenario(
        spot_quantity=D(1),
        spot_price=D(60000),
        hedge_quantity=D("0.5"),
        entry_price=D(60000),
        leverage=D(10),
        funding_rate=D(rate),
        holding_days=D(days),
        **extra,
    )


def test_liquidation_after_days_of_funding() -> None:
    scenario = paying("-0.0001")  # shorts pay 0.01% per 8 h
    # 30 days = 90 events x 30,000 x 0.0001 = 270 paid out of the 3,000 wallet
    assert scenario.liquidation_price() == D(66000) / D("1.05")
    assert scenario.liquidation_price(after_days=D(30)) == (D(2730) + 30000) / (
        D("0.5") * D("1.05")
    )
    received = paying("0.0001")
    assert received.liquidation_price(after_days=D(30)) == (D(3270) + 30000) / (
        D("0.5") * D("1.05")
    )


def test_warnings_use_the_worst_liquidation_over_the_holding_period() -> None:
    # worst LP after 30 days of paying: 32,730 / 0.525 = 62,342.86; SL 61,800 is 542.86 before it
    scenario = paying("-0.0001", stop_loss=D(61800))
    assert any("buffer" in warning for warning in scenario.warnings())
    assert not any("buffer" in w for w in paying("0.0001", stop_loss=D(61800)).warnings())


# -- 5. Bybit linear ---------------------------------------------------------------------------


def test_bybit_linear_short_and_long() -> None:
    bracket = [LeverageBracket(D(0), D("0.005"), D(0))]
    short = liquidation_price(
        side="short",
        quantity=D("0.5"),
        entry_price=D(60000),
        wallet_balance=D(3000),
        brackets=bracket,
        exchange="bybit",
    )
    # E + (WB - q*E*MMR)/q = 60,000 + (3,000 - 150)/0.5
    assert short == D(65700)
    long = liquidation_price(
        side="long",
        quantity=D("0.5"),
        entry_price=D(60000),
        wallet_balance=D(3000),
        brackets=bracket,
        exchange="bybit",
    )
    assert long == D(54300)
    with pytest.raises(ValueError, match="linear"):
        liquidation_price(
            side="short",
            quantity=D(10),
            entry_price=D(60000),
            wallet_balance=D(1),
            brackets=bracket,
            contract_size=D(100),
            exchange="bybit",
        )


def test_bybit_on_the_builder_and_the_scenario() -> None:
    summary = btc().leverage(10, exchange="bybit").summary()
    # MMR 5%: 60,000 + (3,000 - 1,500)/0.5 = 63,000
    assert summary.liquidation_price == D(63000)
    scenario = paying("0", exchange="bybit")
    assert scenario.liquidation_price() == D(63000)
    refused(lambda: btc().leverage(10, exchange="okx"), "leverage.exchange")  # type: ignore[arg-type]


def test_inverse_funding_moves_the_coin_wallet() -> None:
    # 300 x 100 USD short at 60,000, 10x: WB 0.05 BTC; MMR 5%; shorts pay 0.01%/8 h for 10 days
    scenario = HedgeScenario(
        spot_quantity=D(1),
        spot_price=D(60000),
        hedge_quantity=D(300),
        entry_price=D(60000),
        leverage=D(10),
        contract_size=D(100),
        funding_rate=D("-0.0001"),
        holding_days=D(10),
    )
    face = D(30000)
    paid = face / 60000 * D("0.0001") * 30  # 0.0015 BTC over 30 events
    wallet = face / 60000 / 10 - paid
    expected = face * (1 - D("0.05")) / (face / 60000 - wallet)
    assert scenario.liquidation_price(after_days=D(10)) == expected
    assert scenario.liquidation_price() == face * D("0.95") / (D("0.5") - D("0.05"))


# -- 6. take-profit steps nearest-first -------------------------------------------------------


def test_steps_in_any_order_are_sent_nearest_first_with_their_volumes() -> None:
    builder = (
        btc()
        .take_profit(price=D(50000), volume=D(20))
        .take_profit(price=D(58000), volume=D(50))
        .take_profit(price=D(55000), volume=D(30))
    )
    steps = builder.build().take_profit.steps  # type: ignore[union-attr]
    assert [(s.price.value, s.volume) for s in steps] == [
        (D(58000), D(50)),
        (D(55000), D(30)),
        (D(50000), D(20)),
    ]
    scenario = HedgeScenario.from_payload(builder.spot, builder.build(), entry_price=D(60000))
    assert scenario.take_profits == ((D(58000), D(50)), (D(55000), D(30)), (D(50000), D(20)))
    # at 56,000 only the 58,000 step (50%) has filled: 0.25 x 2,000 + 0.25 x 4,000 open
    assert scenario.at(D(56000)).hedge_pnl == D(500) + D(1000)


def test_a_trailing_step_that_is_not_the_farthest_is_refused() -> None:
    builder = btc().take_profit(price=D(50000)).take_profit(price=D(55000))
    refused(builder.trailing_take_profit(D(1)).build, "trailing_take_profit", "farthest")


# -- 7. per-step lot rules ----------------------------------------------------------------------


def test_each_step_must_reach_the_minimum_lot_and_notional() -> None:
    rules = MarketRules(lot_step=D("0.001"), min_lot=D("0.001"), min_notional=D(100))
    tiny = HedgeBuilder(
        SpotPosition(asset="BTC", quantity=D("0.01"), price=D(60000)),
        account_id=ACCOUNT,
        pair="USDT_BTCUSDT",
    ).hedge(ratio=D(1))
    # 0.01 x 5% = 0.0005, floors to 0 at the lot step 0.001
    split = tiny.rules(rules).take_profit(price=D(58000), volume=D(95))
    refused(
        split.take_profit(price=D(55000), volume=D(5)).build,
        "take_profit[1].volume",
        "take_profit[1] quantity",
        "0.0005",
        "rules.lot_step",
    )
    # 0.01 x 15% = 0.0015 -> 0.001 x 55,000 = 55 < 100 minimum notional
    notional = tiny.rules(rules).take_profit(price=D(58000), volume=D(85))
    refused(
        notional.take_profit(price=D(55000), volume=D(15)).build,
        "take_profit[1].volume",
        "55",
        "minimum notional 100",
    )
    ok = tiny.rules(rules).take_profit(price=D(58000), volume=D(70))
    ok.take_profit(price=D(55000), volume=D(30)).build()
    # without rules nothing is checked, and explain() says so
    unruled = tiny.take_profit(price=D(58000), volume=D(95)).take_profit(price=D(55000))
    unruled.build()
    assert "none given" in unruled.explain()
    assert "Market rules" not in ok.take_profit(price=D(55000), volume=D(30)).explain()


def test_altcoin_units_are_floored_to_the_lot_step() -> None:
    rules = MarketRules(lot_step=D(1), min_lot=D(1), min_notional=D(5))
    builder = doge(quantity="333333.7").hedge(ratio=D("0.5")).rules(rules)
    assert builder.build().position.units.value == D(166666)


# -- 8. limit stop loss slippage ------------------------------------------------------------------


def test_limit_stop_without_limit_price_rests_above_the_trigger() -> None:
    body = btc().stop_loss(price=D(61800), order_type="limit").build()
    assert body.stop_loss is not None and body.stop_loss.price is not None
    assert body.stop_loss.price.value == D(61800) * D("1.005")  # 62,109
    ticked = (
        btc()
        .rules(MarketRules(price_step=D(10)))
        .stop_loss(price=D(61805), order_type="limit", limit_slippage=D("0.001"))
    )
    # trigger floors to 61,800; 61,800 x 1.001 = 61,861.8 rounds up to 61,870
    stop = ticked.build().stop_loss
    assert stop is not None and stop.price is not None and stop.price.value == D(61870)
    refused(
        lambda: btc().stop_loss(price=D(61800), limit_slippage=D(2)), "stop_loss.limit_slippage"
    )


# -- 10. altcoin-sized cases -------------------------------------------------------------------


def test_altcoin_hedge_refused_then_fixed_with_brackets_and_lower_leverage() -> None:
    big = doge(quantity="2000000").hedge(ratio=D(1))  # 240,000 USDT notional
    brackets = LeverageBracket.ladder(
        [(D(0), D("0.005")), (D(50000), D("0.01")), (D(200000), D("0.02"))]
    )
    # 240,000 sits in the 2% bracket: 1/MMR = 50, so 50x is liquidated at entry
    refused(big.leverage(50, brackets=brackets).build, "leverage", "50x", "2%")
    # 20x: LP = (12,000 + cum + 240,000) / (2,000,000 x 1.02) = 0.1246323; with the 1% buffer
    # (0.0012) a stop 4% up at 0.1248 is refused, 0.1232 builds
    cum = D(50000) * D("0.005") + D(200000) * D("0.01")
    lp = (D(12000) + cum + 240000) / (D(2000000) * D("1.02"))
    assert D("0.124632") < lp < D("0.124633")
    leveraged = big.leverage(20, brackets=brackets)
    refused(leveraged.stop_loss(price=D("0.1248")).build, "stop_loss.price", "0.124632")
    summary = big.leverage(20, brackets=brackets).stop_loss(price=D("0.1232")).summary()
    assert summary.liquidation_price == lp
    assert summary.stop_loss is not None and summary.stop_loss.price < lp - D("0.0012")


def test_bybit_altcoin_100x_and_no_inverse_scenario() -> None:
    # 500,000 DOGE short at 0.12, 100x: WB 600, MMR 1/(2L) = 0.5% valued at the entry (300)
    summary = doge().leverage(100, exchange="bybit").summary()
    assert summary.liquidation_price == D("0.12") + (D(600) - D(300)) / D(500000)  # 0.1206
    with pytest.raises(ValueError, match="linear"):
        paying("0", exchange="bybit", contract_size=D(100))
