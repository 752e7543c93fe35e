"""The pure portfolio planner: legs, every skip reason, the tag, the scenario and properties."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threecommas_hedge import HedgeValidationError
from threecommas_hedge.hedge.portfolio import futures_pair, leg_note, plan_portfolio
from threecommas_hedge.models import MarketRules

PRICES = {
    "USDT_BTCUSDT": D("60000"),
    "USDT_ETHUSDT": D("3000"),
    "USDT_SOLUSDT": D("150"),
    "USDT_BNBUSDT": D("500"),
    "USDT_ADAUSDT": D("0.5"),
    "USDT_DOGEUSDT": D("0.2"),
    "USDT_AVAXUSDT": D("30"),
}
LISTED = tuple(PRICES)
BALANCES = {
    "BTC": D("1"),
    "ETH": D("10"),
    "SOL": D("0.001"),  # dust
    "USDT": D("500"),  # stablecoin / margin coin
    "BNB": D("2"),  # excluded
    "XRP": D("5"),  # no futures pair
    "ADA": D("100"),  # below the market minimum after rounding
    "DOGE": D("1000"),  # ratio 0
    "AVAX": D("10"),  # leverage above the pair's maximum
}
RULES = {
    "USDT_ADAUSDT": MarketRules(lot_step=D("1"), min_notional=D("100")),
    "USDT_AVAXUSDT": MarketRules(max_leverage=1),
}


def plan(**overrides: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = {
        "spot_account_id": 1,
        "futures_account_id": 2,
        "listed_pairs": LISTED,
        "prices": PRICES,
        "rules": RULES,
        "ratio": D("0.5"),
        "ratios": {"ETH": D("0.3"), "DOGE": D("0")},
        "take_profit_percent": D("-8"),
        "stop_loss_percent": D("3"),
        "leverage": 2,
        "exclude": ("BNB",),
        "min_value": D("50"),
    }
    options.update(overrides)
    return plan_portfolio(BALANCES, **options)  # type: ignore[arg-type]


def test_legs_and_every_skip_reason() -> None:
    result = plan()
    assert [leg.asset for leg in result.legs] == ["BTC", "ETH"]
    assert result.leg("BTC").quantity == D("0.5")
    assert result.leg("ETH").quantity == D("3")  # 10 x 0.3 override
    assert result.leg("ETH").payload.pair == "USDT_ETHUSDT"
    skipped = result.skipped
    assert set(skipped) == {"SOL", "USDT", "BNB", "XRP", "ADA", "DOGE", "AVAX"}
    assert skipped["SOL"].startswith("dust")
    assert skipped["USDT"].startswith("stablecoin")
    assert skipped["BNB"] == "excluded"
    assert skipped["XRP"].startswith("no futures pair")
    assert skipped["ADA"].startswith("below the market's minimum after rounding")
    assert "min_notional" in skipped["ADA"]
    assert skipped["DOGE"] == "ratio 0"
    assert skipped["AVAX"].startswith("leverage above the pair's maximum")
    assert "2x" in skipped["AVAX"] and "1x" in skipped["AVAX"]


def test_payload_is_the_single_hedge_payload_with_the_leg_note() -> None:
    result = plan()
    leg = result.leg("BTC")
    assert leg.payload == leg.builder.build()
    assert leg.payload.note == leg_note(result.tag, "BTC") == f"[tchp:{result.tag}:BTC]"
    assert leg.payload.account_id == 2
    # TP 8 % below and SL 3 % above the 60000 entry, computed independently
    body = leg.payload.model_dump(mode="json", exclude_none=True)
    assert body["take_profit"]["steps"][0]["price"]["value"] == "55200"
    assert body["stop_loss"]["conditional"]["price"]["value"] == "61800"


def test_tag_is_stable_and_depends_on_accounts_holdings_and_settings() -> None:
    assert plan().tag == plan().tag
    assert len(plan().tag) == 12
    assert plan().tag != plan(ratio=D("0.4")).tag
    assert plan().tag != plan(futures_account_id=3).tag


def test_scenario_rows_per_coin_and_a_total() -> None:
    rows = plan().scenario(moves=(D("-0.2"), D("0.1")))
    assert [row.asset for row in rows] == ["BTC", "ETH", "TOTAL", "BTC", "ETH", "TOTAL"]
    btc = rows[0]
    assert btc.spot_pnl == D("-12000.0")
    total = rows[2]
    assert total.spot_pnl == D("-18000")  # -0.2 x (60000 + 30000)
    assert total.hedge_pnl == sum(row.hedge_pnl for row in rows[:2])
    assert total.fees == sum(row.fees for row in rows[:2])
    assert total.net == total.spot_pnl + total.hedge_pnl


def test_scenario_stops_each_short_at_its_take_profit_and_stop_loss_after_fees() -> None:
    # By hand, default fees (taker 0.05 % market entry and stop, maker 0.02 % limit TP):
    # BTC short 0.5 from 60000, TP -8 % at 55200, SL +3 % at 61800; ETH short 3 from 3000.
    maker, taker = D("0.0002"), D("0.0005")
    drop, rise = (
        plan().scenario(moves=(D("-0.2"), D("0.1")))[0:2],
        plan().scenario(moves=(D("0.1"),))[0:2],
    )
    btc_tp = D("0.5") * (60000 - 55200) - taker * 30000 - maker * D("0.5") * 55200
    eth_tp = 3 * (3000 - 2760) - taker * 9000 - maker * 3 * 2760
    assert drop[0].hedge_pnl == btc_tp  # 2379.48, not the linear 6000
    assert drop[1].hedge_pnl == eth_tp
    assert drop[0].fees == taker * 30000 + maker * D("0.5") * 55200
    btc_sl = -D("0.5") * (61800 - 60000) - taker * 30000 - taker * D("0.5") * 61800
    eth_sl = -3 * (3090 - 3000) - taker * 9000 - taker * 3 * 3090
    assert rise[0].hedge_pnl == btc_sl  # -930.45, not the linear -3000
    assert rise[1].hedge_pnl == eth_sl
    assert rise[0].net == D("6000") + btc_sl


def test_scenario_takes_the_fee_schedule() -> None:
    from threecommas_hedge.hedge._costs import FeeSchedule

    free = plan().scenario(moves=(D("-0.2"),), fees=FeeSchedule(maker=D(0), taker=D(0)))
    assert free[0].fees == 0 and free[0].hedge_pnl == D("2400")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"ratio": D("1.5")}, "ratio"),
        ({"ratios": {"ETH": D("-0.1")}}, "ratios[ETH]"),
        ({"min_value": 0.5}, "min_value"),
        # the digit bounds every amount the builder accepts is held to
        ({"min_value": D("1e999999")}, "min_value"),
        ({"ratios": {"ETH": D("1e-999999")}}, "ratios[ETH]"),
    ],
)
def test_bad_settings_name_the_field(options: dict[str, object], field: str) -> None:
    with pytest.raises(HedgeValidationError) as caught:
        plan(**options)
    assert caught.value.field == field


def test_futures_pair_naming() -> None:
    assert futures_pair("BTC") == "USDT_BTCUSDT"
    assert futures_pair("BTC", "USD") == "USD_BTCUSD"


coins = st.dictionaries(
    st.sampled_from(["BTC", "ETH", "SOL", "ADA", "DOGE", "AVAX", "LINK", "DOT"]),
    st.decimals(min_value=D("0.001"), max_value=D("1000000"), places=3),
    min_size=1,
)


@settings(max_examples=60, deadline=None)
@given(
    balances=coins,
    ratio=st.decimals(min_value=D("0.01"), max_value=D("1"), places=2),
    price=st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2),
    lot=st.sampled_from([None, D("0.001"), D("0.1"), D("1")]),
)
def test_properties_no_leg_exceeds_quantity_x_ratio_and_total_is_sum(
    balances: dict[str, D], ratio: D, price: D, lot: D | None
) -> None:
    pairs = {futures_pair(asset): price for asset in balances}
    rules = {pair: MarketRules(lot_step=lot) for pair in pairs}
    result = plan_portfolio(
        balances,
        spot_account_id=1,
        futures_account_id=2,
        listed_pairs=pairs,
        prices=pairs,
        rules=rules,
        ratio=ratio,
    )
    assert {leg.asset for leg in result.legs} | set(result.skipped) == set(balances)
    for leg in result.legs:
        assert D(0) < leg.quantity <= balances[leg.asset] * ratio
        assert leg.value == leg.quantity * price
    assert result.hedged_value == sum((leg.quantity * price for leg in result.legs), D(0))
