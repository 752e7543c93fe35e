"""Scenario math: the article's outcomes, the reference vectors, risk figures and properties."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from threecommas_hedge import HedgeScenario, HedgeValidationError, LeverageBracket, ScenarioRow
from threecommas_hedge.hedge._costs import (
    FUNDING_NOTE,
    FundingEvent,
    funding_between,
    funding_payment,
    trade_fee,
)
from threecommas_hedge.models import SmartTradeCreate

CENT = D("0.01")
BRACKET = [LeverageBracket(notional_floor=D(0), maintenance_margin_rate=D("0.004"))]


def article(**changes: Any) -> HedgeScenario:
    """1 BTC spot at 60,000 hedged by a 0.5 BTC short entered at 60,000."""
    fields: dict[str, Any] = {
        "spot_quantity": D(1),
        "spot_price": D(60000),
        "hedge_quantity": D("0.5"),
        "entry_price": D(60000),
        "leverage": D(2),
        "brackets": BRACKET,
    }
    fields.update(changes)
    return HedgeScenario(**fields)


def cents(value: D) -> D:
    return value.quantize(CENT)


# -- the use case's two outcomes ------------------------------------------------------------


def test_price_drops_to_55000() -> None:
    for scenario in (article(), article(take_profits=[(D(55000), D(100))])):
        row = scenario.at(D(55000))
        assert (row.spot_pnl, row.hedge_pnl, row.net) == (D(-5000), D(2500), D(-2500))
        assert row.fees == 0
        assert row.funding == 0


def test_price_rises_to_62000_with_the_short_stopped_at_61800() -> None:
    row = article(stop_loss=D(61800)).at(D(62000))
    assert (row.spot_pnl, row.hedge_pnl, row.net) == (D(2000), D(-900), D(1100))
    assert row.status == "stopped"
    # the raw leg, without the stop, would have lost 0.5 x 2,000
    assert row.hedge_pnl_linear == D(-1000)
    assert row.net_linear == D(1000)
    assert row.hedge_cost == D(900)  # the insurance premium paid for the protection


# -- reference vectors: PnL, fees, funding --------------------------------------------------


def test_inverse_short_vectors() -> None:
    scenario = article(hedge_quantity=D(300), contract_size=D(100), leverage=D(1))
    assert scenario.hedge_ratio == D("0.5")
    assert scenario.protected_value == D(30000)
    down = scenario.at(D(55000))
    coin = D(300) * 100 * (1 / D(55000) - 1 / D(60000))
    assert abs(coin - D("0.0454545454545")) < D("1e-12")
    assert cents(down.hedge_pnl) == D("2500.00")
    up = scenario.at(D(65000))
    assert cents(up.hedge_pnl) == D("-2500.00")


def test_fee_vectors() -> None:
    assert trade_fee(D(1), D(10104), D("0.0005")) == D("5.052")
    assert trade_fee(D(1), D(11104), D("0.0002")) == D("2.2208")
    inverse = trade_fee(D(10), D(10104), D("0.0005"), contract_size=D(100))
    assert abs(D(1000) / D(10104) - D("0.09897")) < D("0.000001")
    assert inverse.quantize(D("1e-9")) == D("0.000049485")


def test_funding_vectors() -> None:
    midnight = datetime(2024, 1, 1, 0, tzinfo=timezone.utc)
    eight = datetime(2024, 1, 1, 8, tzinfo=timezone.utc)
    events = [
        FundingEvent(midnight, D("2.77"), D("-0.000008")),
        FundingEvent(eight, D("2.77"), D("-0.000003")),
    ]

    def paid(quantity: D, opened: datetime, closed: datetime) -> D:
        return funding_between("short", quantity, events, opened_at=opened, closed_at=closed)

    assert paid(D(30), midnight, eight) == D("-0.0009141")
    assert paid(D(30), datetime(2024, 1, 1, 1, tzinfo=timezone.utc), eight) == D("-0.0002493")
    assert paid(D(30), midnight, datetime(2024, 1, 1, 7, tzinfo=timezone.utc)) == D("-0.0006648")
    assert paid(D(50), midnight, eight) == D("-0.0015235")
    # longs get the other side of every payment
    assert funding_payment("long", D(30), D("2.77"), D("-0.000008")) == D("0.0006648")


def test_funding_estimate_holds_the_entry_notional() -> None:
    scenario = article(funding_rate=D("0.0001"), funding_interval_hours=8, holding_days=D(7))
    expected = D("0.5") * 60000 * D("0.0001") * 7 * 24 / 8  # 21 settlements
    assert expected == D(63)
    assert scenario.funding_estimate == expected
    for price in (D(40000), D(60000), D(80000)):
        row = scenario.at(price)
        assert row.funding == expected
        assert row.funding_note == FUNDING_NOTE
    assert "entry price" in scenario.funding_note
    assert FUNDING_NOTE in scenario.warnings()


def test_net_with_costs_matches_the_reference_formula() -> None:
    f_in, f_out, rate = D("0.0005"), D("0.0002"), D("0.0001")
    scenario = article(
        spot_price=D(61000),
        entry_fee_rate=f_in,
        exit_fee_rate=f_out,
        funding_rate=rate,
        holding_days=D(3),
    )
    funding = D("0.5") * 60000 * rate * 3 * 3
    for price in (D(50000), D(58000), D(60000), D(64000)):
        expected = (
            1 * (price - 61000)
            + D("0.5") * (60000 - price)
            - D("0.5") * 60000 * f_in
            - D("0.5") * price * f_out
            + funding
        )
        row = scenario.at(price)
        assert row.net_linear == expected
        assert row.net == expected  # no SL/TP, far from liquidation: both views agree
        assert row.fees == D("0.5") * 60000 * f_in + D("0.5") * price * f_out
        assert row.net == row.spot_pnl - row.hedge_cost


def test_breakeven_matches_the_closed_form() -> None:
    f_in, f_out, rate = D("0.0005"), D("0.0005"), D("-0.0002")
    scenario = article(
        entry_fee_rate=f_in, exit_fee_rate=f_out, funding_rate=rate, holding_days=D(2)
    )
    funding = D("0.5") * 60000 * rate * 6
    expected = (60000 - D("0.5") * 60000 + D("0.5") * 60000 * f_in - funding) / (
        1 - D("0.5") - D("0.5") * f_out
    )
    for linear in (True, False):
        result = scenario.breakeven_price(linear=linear)
        assert result is not None
        assert abs(result - expected) < D("1e-12")
    assert abs(scenario.at(expected).net) < D("1e-12")
    # no costs, entered at the spot price: breakeven is the spot price itself
    assert article().breakeven_price() == D(60000)


def test_full_hedge_without_costs_has_no_breakeven() -> None:
    assert article(hedge_quantity=D(1)).breakeven_price(linear=True) is None


def test_breakeven_on_the_capped_view_uses_the_stop() -> None:
    # a 90% hedge entered below the spot price: the stopped hedge breaks even above the stop
    scenario = article(hedge_quantity=D("0.9"), entry_price=D(59000), stop_loss=D(59500))
    capped = scenario.breakeven_price()
    linear = scenario.breakeven_price(linear=True)
    # linear: (60000 - 0.9*59000) / 0.1 = 69000; capped: spot gain pays the 450 stop loss at 60,450
    assert linear == D(69000)
    assert capped == D(60450)
    assert scenario.at(D(60450)).net == 0


# -- liquidation ----------------------------------------------------------------------------


def test_isolated_wallet_defaults_to_the_initial_margin() -> None:
    scenario = article()
    assert scenario.position_wallet_balance == D("0.5") * 60000 / 2
    lp = scenario.liquidation_price()
    assert lp == (D(15000) + D("0.5") * 60000) / (D("0.5") * (1 + D("0.004")))
    distance = scenario.liquidation_distance()
    assert distance == (lp - 60000) / 60000


def test_beyond_the_liquidation_price_the_margin_is_lost() -> None:
    scenario = article(entry_fee_rate=D("0.0005"))
    lp = scenario.liquidation_price()
    assert lp is not None
    row = scenario.at(lp + 1)
    assert row.status == "liquidated"
    assert row.hedge_pnl == D(-15000)
    assert row.fees == D("0.5") * 60000 * D("0.0005")  # entry fee only
    below = scenario.at(lp - 1)
    assert below.status == "open"
    assert below.hedge_pnl == D("0.5") * (60000 - (lp - 1))


def test_cross_margin_needs_and_uses_the_wallet() -> None:
    with pytest.raises(HedgeValidationError, match="cross margin"):
        article(margin="cross")
    scenario = article(margin="cross", wallet_balance=D(100000))
    assert scenario.liquidation_price() == (D(100000) + 30000) / (D("0.5") * D("1.004"))


def test_without_brackets_the_builders_conservative_mmr_is_assumed() -> None:
    scenario = article(brackets=())
    # short LP = (WB + cum + Q*EP) / (Q*(1 + MMR)) with WB 15,000, Q 0.5, EP 60,000, and at 2x
    # MMR = 1/(2L) = 25%
    assert scenario.liquidation_price() == (D(15000) + D(30000)) / (D("0.5") * D("1.25"))
    assert scenario.liquidation_price() == D(72000)
    assert any("maintenance margin rate of 25" in warning for warning in scenario.warnings())


def test_a_stop_beyond_the_liquidation_price_is_reported_and_never_fires() -> None:
    scenario = article(leverage=D(20), stop_loss=D(64000))
    lp = scenario.liquidation_price()
    assert lp is not None
    assert lp < 64000
    assert any("liquidated before" in warning for warning in scenario.warnings())
    assert scenario.at(D(65000)).status == "liquidated"


def test_inverse_short_backed_by_the_coin_is_never_liquidated() -> None:
    scenario = article(hedge_quantity=D(300), contract_size=D(100), leverage=D(1))
    assert scenario.liquidation_price() is None
    assert scenario.at(D(600000)).status == "open"


# -- take profits and the risk figures ------------------------------------------------------


def test_single_take_profit_caps_the_gain() -> None:
    scenario = article(take_profits=[(D(55200), D(100))])
    row = scenario.at(D(50000))
    assert row.hedge_pnl == D("0.5") * (60000 - 55200)
    assert row.status == "take_profit"
    assert row.hedge_pnl_linear == D(5000)


def test_multi_step_take_profit_along_a_monotone_fall() -> None:
    targets = [(D(54000), D(50)), (D(57000), D(50))]  # given out of order on purpose
    scenario = article(take_profits=targets)
    partly = scenario.at(D(55000))
    assert partly.status == "partly_closed"
    assert partly.hedge_pnl == D("0.25") * 3000 + D("0.25") * 5000
    done = scenario.at(D(50000))
    assert done.status == "take_profit"
    assert done.hedge_pnl == D("0.25") * 3000 + D("0.25") * 6000
    trailing = article(take_profits=targets, trailing_take_profit=True).at(D(50000))
    assert trailing.status == "trailing"
    assert trailing.hedge_pnl == D("0.25") * 3000 + D("0.25") * 10000
    # volumes short of 100: the rest stays open and is valued at the price
    leftover = article(take_profits=[(D(57000), D(40))]).at(D(50000))
    assert leftover.hedge_pnl == D("0.2") * 3000 + D("0.3") * 10000


def test_risk_reward_is_multi_step_aware() -> None:
    f_in, f_out = D("0.0005"), D("0.0002")
    scenario = article(
        take_profits=[(D(57000), D(50)), (D(54000), D(50))],
        stop_loss=D(61800),
        entry_fee_rate=f_in,
        exit_fee_rate=f_out,
    )
    figures = scenario.risk_reward()
    gross = D("0.25") * 3000 + D("0.25") * 6000
    fees = D("0.5") * 60000 * f_in + D("0.25") * 57000 * f_out + D("0.25") * 54000 * f_out
    assert [target.gross for target in figures.targets] == [D(750), D(1500)]
    assert figures.reward == gross - fees
    risk = D("0.5") * 1800 + D("0.5") * 60000 * f_in + D("0.5") * 61800 * f_out
    assert figures.risk == risk
    assert figures.ratio == (gross - fees) / risk
    empty = article().risk_reward()
    assert (empty.targets, empty.reward, empty.risk, empty.ratio) == ((), None, None, None)


def test_table_default_grid_holds_the_key_levels() -> None:
    scenario = article(take_profits=[(D(55200), D(100))], stop_loss=D(61800))
    rows = scenario.table()
    prices = [row.price for row in rows]
    assert prices == sorted(prices)
    lp = scenario.liquidation_price()
    for level in (D(55200), D(61800), D(60000), lp, D(54000), D(66000)):
        assert level in prices
    labels = {row.label for row in rows}
    assert {"TP1", "SL", "liquidation", "spot, entry, breakeven"} <= labels
    assert all(isinstance(row, ScenarioRow) for row in rows)
    chosen = scenario.table([D(62000), D(55000)])
    assert [row.price for row in chosen] == [D(62000), D(55000)]
    assert chosen[0].net == D(1100)


# -- from a payload -------------------------------------------------------------------------


@dataclass(frozen=True)
class Spot:
    quantity: D
    price: D


def smart_short(**changes: Any) -> SmartTradeCreate:
    body: dict[str, Any] = {
        "account_id": 1,
        "pair": "USDT_BTC",
        "leverage": {"enabled": True, "type": "isolated", "value": 2},
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
        "take_profit": {
            "enabled": True,
            "steps": [{"order_type": "limit", "volume": "100", "price": {"percent": "-8"}}],
        },
        "stop_loss": {
            "enabled": True,
            "order_type": "market",
            "conditional": {"price": {"percent": "3"}},
        },
    }
    body.update(changes)
    return SmartTradeCreate.model_validate(body)


def test_from_payload_reads_percent_levels_as_signed_moves() -> None:
    scenario = HedgeScenario.from_payload(
        Spot(D(1), D(60000)), smart_short(), entry_price=D(60000), brackets=BRACKET
    )
    assert scenario.take_profits == ((D(55200), D(100)),)
    assert scenario.stop_loss == D(61800)
    assert (scenario.leverage, scenario.margin, scenario.hedge_quantity) == (
        D(2),
        "isolated",
        D("0.5"),
    )
    assert scenario.at(D(62000)).net == D(1100)


def test_from_payload_limit_entry_and_trailing_last_step() -> None:
    payload = smart_short(
        position={
            "type": "sell",
            "order_type": "limit",
            "units": {"value": "0.5"},
            "price": {"value": "61000"},
        },
        take_profit={
            "enabled": True,
            "steps": [
                {"order_type": "limit", "volume": "50", "price": {"value": "58000"}},
                {
                    "order_type": "market",
                    "volume": "50",
                    "price": {"value": "56000"},
                    "trailing": {"enabled": True, "percent": "1"},
                },
            ],
        },
        stop_loss=None,
        leverage=None,
    )
    scenario = HedgeScenario.from_payload(Spot(D(1), D(60000)), payload)
    assert scenario.entry_price == D(61000)
    assert scenario.trailing_take_profit is True
    assert scenario.stop_loss is None
    assert scenario.leverage == 1


def test_from_payload_refuses_what_is_not_a_smart_short() -> None:
    spot = Spot(D(1), D(60000))
    with pytest.raises(ValueError, match="entry_price"):
        HedgeScenario.from_payload(spot, smart_short())
    long = smart_short(
        position={"type": "buy", "order_type": "market", "units": {"value": "0.5"}},
        take_profit=None,
        stop_loss=None,
    )
    with pytest.raises(ValueError, match="Smart Short"):
        HedgeScenario.from_payload(spot, long, entry_price=D(60000))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"take_profits": [(D(61000), D(100))]}, "below the short's entry"),
        ({"take_profits": [(D(55000), D(0))]}, "volume"),
        ({"take_profits": [(D(55000), D(60)), (D(50000), D(60))]}, "more than 100"),
        ({"stop_loss": D(59000)}, "above the short's entry"),
        ({"trailing_take_profit": True}, "needs take_profits"),
        ({"hedge_quantity": D(0)}, "greater than 0"),
        ({"unknown": 1}, "not a field of HedgeScenario"),
    ],
)
def test_bad_scenarios_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(HedgeValidationError, match=message):
        article(**changes)


def test_at_refuses_a_non_positive_price() -> None:
    with pytest.raises(HedgeValidationError, match="price: must be greater than 0"):
        article().at(D(0))


def test_over_hedge_is_warned() -> None:
    assert any("over-hedges" in warning for warning in article(hedge_quantity=D(2)).warnings())


# -- properties -----------------------------------------------------------------------------

prices = st.integers(min_value=1000, max_value=200000).map(D)
rates = st.sampled_from([D(0), D("0.0002"), D("0.0005")])


@st.composite
def scenarios(draw: st.DrawFn) -> HedgeScenario:
    entry = draw(st.integers(min_value=20000, max_value=100000).map(D))
    with_tp = draw(st.booleans())
    first = draw(st.integers(min_value=1, max_value=99).map(D))
    targets = [(entry * D("0.95"), first), (entry * D("0.9"), 100 - first)] if with_tp else []
    return HedgeScenario(
        spot_quantity=D(1),
        spot_price=draw(st.integers(min_value=20000, max_value=100000).map(D)),
        hedge_quantity=draw(st.sampled_from([D("0.1"), D("0.5"), D("0.8")])),
        entry_price=entry,
        leverage=draw(st.sampled_from([D(1), D(3), D(10)])),
        entry_fee_rate=draw(rates),
        exit_fee_rate=draw(rates),
        funding_rate=draw(st.sampled_from([D(0), D("0.0001"), D("-0.0001")])),
        holding_days=D(7),
        brackets=BRACKET,
        take_profits=targets,
        trailing_take_profit=with_tp and draw(st.booleans()),
        stop_loss=entry * D("1.03") if draw(st.booleans()) else None,
    )


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios(), low=prices, high=prices)
def test_net_is_linear_between_events(scenario: HedgeScenario, low: D, high: D) -> None:
    low, high = sorted((low, high))
    assume(high - low > 2)
    events = [scenario.entry_price, *(price for price, _ in scenario.take_profits)]
    for level in (scenario.stop_loss, scenario.liquidation_price()):
        if level is not None:
            events.append(level)
    assume(not any(low <= event <= high for event in events))
    middle = (low + high) / 2
    for view in ("net", "net_linear"):
        left, right = getattr(scenario.at(low), view), getattr(scenario.at(high), view)
        assert abs(getattr(scenario.at(middle), view) - (left + right) / 2) < D("1e-12")


@settings(max_examples=100, deadline=None)
@given(
    quantity=st.integers(min_value=1, max_value=50).map(lambda n: D(n) / 10),
    spot_price=prices,
    entry=prices,
    price=prices,
)
def test_a_full_hedge_without_costs_has_the_same_net_everywhere(
    quantity: D, spot_price: D, entry: D, price: D
) -> None:
    scenario = HedgeScenario(
        spot_quantity=quantity,
        spot_price=spot_price,
        hedge_quantity=quantity,
        entry_price=entry,
        margin="cross",
        wallet_balance=D(10) ** 9,  # no liquidation in range
    )
    assert scenario.hedge_ratio == 1
    constant = quantity * (entry - spot_price)
    assert scenario.at(price).net == constant
    assert scenario.at(price).net_linear == constant
