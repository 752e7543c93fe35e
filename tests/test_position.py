"""hedge.position: status, PnL of both legs, edit and funds bodies, wait conditions (pure)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from threecommas_hedge import HedgeValidationError, MarketRules, SmartTrade, SpotPosition
from threecommas_hedge._exceptions import ThreeCommasError
from threecommas_hedge.hedge._plan import live_target, lot_quantity
from threecommas_hedge.hedge.position import (
    HedgeTimeoutError,
    HedgeWaitError,
    ResizePlan,
    WaitCondition,
    check_close,
    check_reduce,
    edit_body,
    market_price,
    plan_resize,
    pnl_of,
    status_of,
)

D = Decimal
EXAMPLES = Path(__file__).parent / "data" / "examples"
SPOT = SpotPosition(asset="BTC", quantity=D("1"), price=D("60000"))


def tp_step(
    step_id: int,
    value: str,
    *,
    volume: str = "100",
    status: str = "order_placed",
    position: int | None = None,
    order_type: str = "limit",
    trailing: str | None = None,
) -> dict[str, Any]:
    return {
        "id": step_id,
        "order_type": order_type,
        "volume": volume,
        "price": {"type": "ask", "value": value, "percent": None},
        "trailing": {"enabled": trailing is not None, "percent": trailing},
        "status": {"basic_type": status},
        "position": position,
    }


def stop(value: str = "61800", *, status: str = "to_process", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "enabled": True,
        "order_type": "market",
        "conditional": {"price": {"type": "ask", "value": value}, "trailing": {"enabled": False}},
        "status": {"basic_type": status},
    }
    body.update(extra)
    return body


def short(
    *,
    status: str = "waiting_targets",
    entered: str | None = "0.5",
    closed: str = "0",
    entry: str | None = "60000",
    exit_price: str | None = None,
    market: str = "60000",
    commission: str | None = "0",
    steps: list[dict[str, Any]] | None = None,
    stop_loss: dict[str, Any] | None = None,
    position: dict[str, Any] | None = None,
    **data: Any,
) -> SmartTrade:
    """The article's hedge (Smart Short 0.5 BTC, TP 55000, SL 61800) in a given state."""
    open_states = ("waiting_position", "waiting_targets")
    body: dict[str, Any] = {
        "id": 77,
        "pair": "USDT_BTCUSDT",
        "status": {"basic_type": status, "title": status.title()},
        "position": {
            "type": "sell",
            "order_type": "market",
            "units": {"value": "0.5"},
            "price": {"value": entry, "value_without_commission": entry},
            "status": {"basic_type": "to_process" if entered == "0" else "finished"},
            **(position or {}),
        },
        "take_profit": {
            "enabled": True,
            "steps": [tp_step(11, "55000")] if steps is None else steps,
        },
        "stop_loss": stop() if stop_loss is None else stop_loss,
        "data": {
            "editable": status in open_states,
            "current_price": {"bid": market, "ask": market, "last": market},
            "entered_amount": entered,
            "closed_amount": closed,
            "average_enter_price_without_commission": entry if entered != "0" else None,
            "average_close_price_without_commission": exit_price,
            "commission": commission,
            "panic_sell_available": status == "waiting_targets",
            "add_funds_available": status in open_states,
            "reduce_funds_available": status == "waiting_targets",
            **data,
        },
    }
    return SmartTrade.model_validate(body)


def example(name: str) -> SmartTrade:
    return SmartTrade.model_validate(json.loads((EXAMPLES / name).read_text()))


def refused(call: Any, field: str, fragment: str) -> HedgeValidationError:
    with pytest.raises(HedgeValidationError) as caught:
        call()
    assert caught.value.field == field, str(caught.value)
    assert fragment in caught.value.rule, caught.value.rule
    return caught.value


# --- status -----------------------------------------------------------------------------------


def test_open_short_status() -> None:
    status = status_of(short())
    assert status.stage == "open"
    assert (status.entered_quantity, status.closed_quantity, status.open_quantity) == (
        D("0.5"),
        D("0"),
        D("0.5"),
    )
    assert status.average_entry == D("60000") and status.average_exit is None
    assert status.tp_steps == 1 and status.tp_steps_filled == ()
    assert status.take_profit_prices == (D("55000"),)
    assert status.stop_loss_price == D("61800")
    assert status.entered and not status.closed and status.closed_by is None
    assert status.code == "waiting_targets"


@pytest.mark.parametrize("code", ["created", "waiting_position"])
def test_entry_pending_until_something_fills(code: str) -> None:
    status = status_of(short(status=code, entered="0"))
    assert status.stage == "entry_pending"
    assert status.open_quantity == 0 and status.average_entry is None and not status.entered


def test_partially_closed_after_a_take_profit_step() -> None:
    steps = [
        tp_step(11, "57000", volume="50", status="finished", position=1),
        tp_step(12, "55000", volume="50", position=2),
    ]
    status = status_of(short(steps=steps, closed="0.25", exit_price="57000"))
    assert status.stage == "partially_closed"
    assert status.tp_steps_filled == (1,) and status.tp_steps == 2
    assert status.open_quantity == D("0.25") and status.average_exit == D("57000")


def test_steps_are_numbered_by_their_position_field() -> None:
    steps = [
        tp_step(12, "55000", volume="50", position=2),
        tp_step(11, "57000", volume="50", status="finished", position=1),
    ]
    status = status_of(short(steps=steps, closed="0.25", exit_price="57000"))
    assert status.take_profit_prices == (D("57000"), D("55000"))
    assert status.tp_steps_filled == (1,)


@pytest.mark.parametrize(
    ("overrides", "closed_by"),
    [
        ({"steps": [tp_step(11, "55000", status="finished")]}, "take_profit"),
        ({"stop_loss": stop(status="finished")}, "stop_loss"),
        (
            {
                "steps": [
                    tp_step(11, "57000", volume="50", status="finished"),
                    tp_step(12, "55000", volume="50", status="cancelled"),
                ],
                "stop_loss": stop(status="finished"),
            },
            "stop_loss",
        ),
        ({"market_close": {"id": 5, "status": {"basic_type": "finished"}}}, "market"),
        (
            {"reduce_funds": {"steps": [{"id": 3, "status": {"basic_type": "finished"}}]}},
            "reduce_funds",
        ),
        ({}, None),
    ],
)
def test_closed_by(overrides: dict[str, Any], closed_by: str | None) -> None:
    overrides = dict(overrides)
    steps = overrides.pop("steps", None)
    trade = short(status="finished", closed="0.5", exit_price="55000", steps=steps)
    raw = trade.model_dump(by_alias=True)
    raw.update(overrides)
    status = status_of(SmartTrade.model_validate(raw))
    assert status.stage == "closed" and status.closed
    assert status.closed_by == closed_by
    assert status.open_quantity == 0


@pytest.mark.parametrize("code", ["cancelled", "failed"])
def test_cancelled_and_failed_trades_are_closed(code: str) -> None:
    status = status_of(short(status=code))
    assert status.stage == "closed" and status.closed_by == code
    assert status.open_quantity == D("0.5")  # left on the exchange, no longer managed


@pytest.mark.parametrize(
    ("name", "stage", "entered", "open_quantity"),
    [
        ("0_smart_trade_entity.example.json", "entry_pending", "0", "0"),
        ("1_create_smart_trade.response.201.json", "entry_pending", "0", "0"),
        ("3_get_smart_trade.response.200.json", "closed", "14.91", "14.91"),
        ("8_close_smart_trade_at_market_price.response.201.json", "open", "7.8", "7.8"),
        ("7_reduce_funds_for_smart_trade.response.201.json", "open", "4", "4"),
        ("5_add_funds_for_smart_trade.response.201.json", "open", "43.736", "43.736"),
    ],
)
def test_official_examples_classify(
    name: str, stage: str, entered: str, open_quantity: str
) -> None:
    status = status_of(example(name))
    assert status.stage == stage
    assert status.entered_quantity == D(entered)
    assert status.open_quantity == D(open_quantity)


def test_cancelled_example_says_why() -> None:
    status = status_of(example("3_get_smart_trade.response.200.json"))
    assert status.closed_by == "cancelled" and status.average_entry == D("0.10559")


def test_entered_amount_missing_falls_back_to_the_filled_entry() -> None:
    status = status_of(short(entered=None))
    assert status.entered_quantity == D("0.5") and status.stage == "open"


def test_market_price_prefers_last() -> None:
    trade = short(current_price={"bid": "1", "ask": "2", "last": None})
    assert market_price(trade) == D("2")
    assert market_price(short(market="57000")) == D("57000")
    assert market_price(short(current_price={})) is None


# --- PnL --------------------------------------------------------------------------------------


def test_article_drop_to_55000_open_hedge() -> None:
    pnl = pnl_of(short(), SPOT, D("55000"))
    assert (pnl.spot_pnl, pnl.hedge_realized, pnl.hedge_unrealized) == (
        D("-5000"),
        D("0"),
        D("2500"),
    )
    assert pnl.fees == 0 and pnl.funding == 0
    assert pnl.net == D("-2500") and pnl.hedge_pnl == D("2500")


def test_article_rise_to_62000_stopped_at_61800() -> None:
    trade = short(
        status="finished", closed="0.5", exit_price="61800", stop_loss=stop(status="finished")
    )
    pnl = pnl_of(trade, SPOT, D("62000"))
    assert pnl.spot_pnl == D("2000")
    assert pnl.hedge_realized == D("-900") and pnl.hedge_unrealized == 0
    assert pnl.net == D("1100")


def test_fees_from_the_trade_commission_on_every_fill() -> None:
    trade = short(closed="0.2", exit_price="57000", commission="0.0005")
    pnl = pnl_of(trade, SPOT, D("57000"))
    # entry 0.5 x 60000 = 30000, exit 0.2 x 57000 = 11400, at 0.05 %
    assert pnl.fees == D("20.7")
    assert pnl.hedge_realized == D("600")  # 0.2 x 3000
    assert pnl.hedge_unrealized == D("900")  # 0.3 x 3000
    assert pnl.spot_pnl == D("-3000")
    assert pnl.net == D("-1520.7")
    assert pnl.fee_rate == D("0.0005") and pnl.open_quantity == D("0.3")


def test_fee_rate_and_funding_parameters() -> None:
    trade = short(commission=None)  # the API gave no commission: the rate given is used
    pnl = pnl_of(trade, SPOT, D("60000"), fee_rate=D("0.0002"), funding=D("3.5"))
    assert pnl.fees == D("6")  # 30000 x 0.02 %
    assert pnl.net == D("-2.5")
    assert pnl.hedge_pnl == D("-2.5")
    assert (pnl.fee_rate, pnl.fee_source) == (D("0.0002"), "fee_rate")


def test_the_fee_the_trade_reports_wins_over_a_given_rate() -> None:
    trade = short(commission="0.001")
    pnl = pnl_of(trade, SPOT, D("60000"), fee_rate=D("0.0002"))
    assert pnl.fees == D("30")  # 30000 x 0.1 %, as the trade reports
    assert (pnl.fee_rate, pnl.fee_source) == (D("0.001"), "trade")
    reported_zero = pnl_of(short(commission="0"), SPOT, D("60000"), fee_rate=D("0.0002"))
    assert (reported_zero.fees, reported_zero.fee_source) == (0, "trade")
    unknown = pnl_of(short(commission=None), SPOT, D("60000"))
    assert (unknown.fees, unknown.fee_source) == (0, "none")


def test_reported_fees_on_an_altcoin_short() -> None:
    trade = short(
        entered="250000",
        entry="0.1013",
        closed="100000",
        exit_price="0.0950",
        market="0.0990",
        commission="0.0004",
        position={"units": {"value": "250000"}},
    )
    pnl = pnl_of(trade, None, D("0.0990"))
    expected = D("0.0004") * (D("250000") * D("0.1013") + D("100000") * D("0.0950"))
    assert pnl.fees == expected
    assert pnl.hedge_realized == D("100000") * (D("0.1013") - D("0.0950"))
    assert pnl.fee_source == "trade"


def test_without_a_spot_holding_net_is_the_hedge_leg() -> None:
    pnl = pnl_of(short(commission="0.001"), None, D("55000"))
    assert pnl.spot_pnl == 0
    assert pnl.net == pnl.hedge_pnl == D("2500") - D("30")


def test_pnl_before_the_entry_is_the_spot_leg_only() -> None:
    pnl = pnl_of(short(status="waiting_position", entered="0"), SPOT, D("58000"))
    assert pnl.spot_pnl == D("-2000") and pnl.net == D("-2000")
    assert pnl.hedge_realized == pnl.hedge_unrealized == pnl.fees == 0


def test_pnl_refuses_bad_input_and_missing_prices() -> None:
    refused(lambda: pnl_of(short(), SPOT, D("0")), "price", "greater than 0")
    refused(lambda: pnl_of(short(), SPOT, D("1"), fee_rate=D("-0.1")), "fee_rate", "negative")
    no_entry = short(average_enter_price_without_commission=None, position={"price": {}})
    with pytest.raises(ValueError, match="no average entry price"):
        pnl_of(no_entry, SPOT, D("1"))
    no_exit = short(closed="0.1", exit_price=None)
    with pytest.raises(ValueError, match="no average exit price"):
        pnl_of(no_exit, SPOT, D("1"))


def test_exit_average_falls_back_to_closed_total() -> None:
    trade = short(closed="0.2", exit_price=None, closed_total="11400")
    assert status_of(trade).average_exit == D("57000")


# --- edits ------------------------------------------------------------------------------------


def body(update: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = update.model_dump(mode="json", exclude_none=True)
    return dumped


def test_move_the_stop_loss() -> None:
    update = edit_body(short(market="57000"), stop_loss=D("59000"))
    assert body(update) == {
        "stop_loss": {
            "enabled": True,
            "order_type": "market",
            "conditional": {"price": {"type": "ask", "value": "59000"}},
        }
    }


def test_stop_loss_below_the_price_is_refused() -> None:
    refused(
        lambda: edit_body(short(market="57000"), stop_loss=D("56000")),
        "stop_loss.price",
        "above 57000",
    )


def test_stop_loss_may_move_below_the_entry_to_lock_in_profit() -> None:
    update = edit_body(short(market="55000"), stop_loss=D("58000"))
    assert update.stop_loss is not None and update.stop_loss.conditional is not None
    assert update.stop_loss.conditional.price.value == D("58000")


def test_stop_loss_beyond_liquidation_is_refused() -> None:
    trade = short(liquidation_price="118811.88")
    refused(lambda: edit_body(trade, stop_loss=D("120000")), "stop_loss.price", "liquidation")


def test_a_live_stop_inside_the_liquidation_buffer_is_refused() -> None:
    # buffer 1% of the 60,000 entry = 600: a stop above 118,211.88 may not fire before liquidation
    trade = short(liquidation_price="118811.88")
    error = refused(lambda: edit_body(trade, stop_loss=D("118500")), "stop_loss.price", "buffer")
    assert "118811.88" in error.rule and "1%" in error.rule
    update = edit_body(trade, stop_loss=D("118200"))
    assert update.stop_loss is not None and update.stop_loss.conditional is not None
    assert update.stop_loss.conditional.price.value == D("118200")


def test_percents_are_from_the_average_entry_and_prices_round_down() -> None:
    trade = short(market="58000")
    update = edit_body(trade, stop_loss_percent=D("3"), take_profit_percent=D("-8"))
    assert body(update)["stop_loss"]["conditional"]["price"]["value"] == "61800"
    assert body(update)["take_profit"]["steps"][0]["price"]["value"] == "55200"
    rules = MarketRules(price_step=D("0.5"))
    update = edit_body(trade, stop_loss=D("59000.3"), take_profit=D("54999.7"), rules=rules)
    assert body(update)["stop_loss"]["conditional"]["price"]["value"] == "59000"
    assert body(update)["take_profit"]["steps"][0]["price"]["value"] == "54999.5"


def test_move_the_take_profit_keeps_the_step() -> None:
    update = edit_body(short(market="58000"), take_profit=D("54000"))
    assert body(update) == {
        "take_profit": {
            "enabled": True,
            "steps": [
                {
                    "id": 11,
                    "order_type": "limit",
                    "volume": "100",
                    "price": {"type": "ask", "value": "54000"},
                }
            ],
        }
    }


def test_take_profit_above_the_price_is_refused() -> None:
    refused(
        lambda: edit_body(short(market="56000"), take_profit=D("57000")),
        "take_profit.price",
        "below 56000",
    )


def test_several_working_steps_take_one_price_each() -> None:
    steps = [
        tp_step(11, "57000", volume="50", position=1),
        tp_step(12, "55000", volume="50", position=2, order_type="market", trailing="1"),
    ]
    trade = short(steps=steps, market="59000")
    update = edit_body(trade, take_profit=[D("57500"), D("54000")])
    sent = body(update)["take_profit"]["steps"]
    assert [(s["id"], s["volume"], s["price"]["value"]) for s in sent] == [
        (11, "50", "57500"),
        (12, "50", "54000"),
    ]
    assert sent[1]["order_type"] == "market"
    assert sent[1]["trailing"] == {"enabled": True, "percent": "1"}
    refused(lambda: edit_body(trade, take_profit=D("57500")), "take_profit", "one level per")
    refused(
        lambda: edit_body(trade, take_profit=[D("57500"), D("59500")]),
        "take_profit[1].price",
        "below 59000",
    )


def test_after_a_fill_the_last_working_step_closes_the_rest() -> None:
    steps = [
        tp_step(11, "57000", volume="50", status="finished", position=1),
        tp_step(12, "55000", volume="50", position=2),
    ]
    trade = short(steps=steps, closed="0.25", exit_price="57000", market="56000")
    sent = body(edit_body(trade, take_profit=D("54000")))["take_profit"]["steps"]
    assert sent == [
        {
            "id": 12,
            "order_type": "limit",
            "volume": "100",
            "price": {"type": "ask", "value": "54000"},
        }
    ]


def test_several_steps_left_after_a_fill_are_refused() -> None:
    steps = [
        tp_step(11, "58000", volume="34", status="finished", position=1),
        tp_step(12, "57000", volume="33", position=2),
        tp_step(13, "55000", volume="33", position=3),
    ]
    trade = short(steps=steps, closed="0.17", exit_price="58000", market="57500")
    refused(
        lambda: edit_body(trade, take_profit=[D("56000"), D("54000")]),
        "take_profit",
        "volumes",
    )


def test_no_take_profit_yet_adds_one_step() -> None:
    trade = short(steps=[], market="58000")
    sent = body(edit_body(trade, take_profit=D("55000")))["take_profit"]["steps"]
    assert sent == [
        {"order_type": "limit", "volume": "100", "price": {"type": "ask", "value": "55000"}}
    ]


def test_all_steps_done_leaves_nothing_to_move() -> None:
    steps = [tp_step(11, "57000", status="panic_sell_pending")]
    refused(lambda: edit_body(short(steps=steps), take_profit=D("55000")), "take_profit", "no take")


def test_existing_stop_settings_are_kept() -> None:
    current = stop(
        order_type="limit",
        breakeven=True,
        timeout={"enabled": True, "value": 30},
        price={"value": "61800"},
    )
    current["conditional"]["trailing"] = {"enabled": True, "percent": "2"}
    current["conditional"]["price"]["type"] = "last"
    update = edit_body(short(stop_loss=current), stop_loss=D("61000"))
    assert body(update)["stop_loss"] == {
        "enabled": True,
        "breakeven": True,
        "order_type": "limit",
        "price": {"value": "61000"},
        "conditional": {
            "price": {"type": "last", "value": "61000"},
            "trailing": {"enabled": True, "percent": "2"},
        },
        "timeout": {"enabled": True, "value": 30},
    }


def test_new_stop_loss_uses_the_builder_defaults() -> None:
    update = edit_body(short(stop_loss={"enabled": False}), stop_loss=D("61800"))
    assert body(update)["stop_loss"] == {
        "enabled": True,
        "order_type": "market",
        "conditional": {"price": {"type": "ask", "value": "61800"}},
    }


@pytest.mark.parametrize(
    "code", ["panic_sell_pending", "pending_reduce_funds", "finished", "created"]
)
def test_edits_only_while_waiting(code: str) -> None:
    refused(lambda: edit_body(short(status=code), stop_loss=D("61000")), "adjust", code)


def test_edit_argument_errors() -> None:
    refused(lambda: edit_body(short()), "adjust", "give a take_profit")
    refused(
        lambda: edit_body(short(), stop_loss=D("61000"), stop_loss_percent=D("2")),
        "stop_loss",
        "exactly one",
    )
    refused(
        lambda: edit_body(short(), take_profit=D("55000"), take_profit_percent=D("-8")),
        "take_profit",
        "not both",
    )
    refused(lambda: edit_body(short(), take_profit=[]), "take_profit", "at least one")
    refused(lambda: edit_body(short(), stop_loss=1.5), "stop_loss.price", "float")  # type: ignore[arg-type]
    long = short(position={"type": "buy"})
    refused(lambda: edit_body(long, stop_loss=D("61000")), "trade", "not a short")


def test_pending_limit_entry_measures_from_the_entry() -> None:
    trade = short(
        status="waiting_position",
        entered="0",
        position={"order_type": "limit", "price": {"value": "61000"}},
        market="60000",
    )
    update = edit_body(trade, take_profit=D("60500"), stop_loss_percent=D("2"))
    assert body(update)["take_profit"]["steps"][0]["price"]["value"] == "60500"
    assert body(update)["stop_loss"]["conditional"]["price"]["value"] == "62220"
    refused(lambda: edit_body(trade, stop_loss=D("60900")), "stop_loss.price", "above 61000")


def test_pending_trailing_entry_takes_percents_only() -> None:
    trade = short(
        status="waiting_position",
        entered="0",
        position={
            "order_type": "conditional",
            "price": {},
            "conditional": {
                "price": {"value": "62000"},
                "trailing": {"enabled": True, "percent": "1"},
            },
        },
    )
    refused(lambda: edit_body(trade, stop_loss=D("64000")), "stop_loss.price", "give a percent")
    update = edit_body(trade, stop_loss_percent=D("3"))
    assert body(update)["stop_loss"]["conditional"]["price"] == {"type": "ask", "percent": "3"}


def test_pending_market_entry_without_a_price_is_refused() -> None:
    trade = short(status="waiting_position", entered="0", current_price={}, position={"price": {}})
    refused(lambda: edit_body(trade, stop_loss=D("61000")), "adjust", "no entry or market price")


# --- the builder hooks ------------------------------------------------------------------------


def test_live_target_percent_at_or_below_zero() -> None:
    refused(
        lambda: live_target(
            "take_profit",
            "take_profit",
            percent=D("-100"),
            entry=D("60000"),
            reference=D("60000"),
            rules=MarketRules(),
        ),
        "take_profit.percent",
        "at or below zero",
    )


def test_lot_quantity_names_the_order() -> None:
    rules = MarketRules(lot_step=D("0.001"), min_lot=D("0.01"), min_notional=D("100"))
    assert lot_quantity(D("0.12345"), D("60000"), rules, asset="BTC", given="x") == D("0.123")
    error = refused(
        lambda: lot_quantity(
            D("0.0051"), D("60000"), rules, asset="BTC", given="x", label="the order"
        ),
        "rules.min_lot",
        "the order quantity 0.005",
    )
    assert "0.01" in error.rule
    refused(
        lambda: lot_quantity(D("0.0009"), D("60000"), rules, asset="BTC", given="resize.ratio"),
        "rules.lot_step",
        "resize.ratio gives 0.0009 BTC",
    )


# --- resize -----------------------------------------------------------------------------------


def test_resize_down_to_a_ratio_reduces_funds() -> None:
    plan = plan_resize(short(), SPOT, ratio=D("0.3"))
    assert plan == ResizePlan("reduce_funds", D("0.2"), D("0.5"), D("0.3"))
    assert body(plan.body()) == {"order_type": "market", "units": {"value": "0.2"}}


def test_resize_up_adds_funds() -> None:
    plan = plan_resize(short(), SPOT, quantity=D("0.8"))
    assert plan == ResizePlan("add_funds", D("0.3"), D("0.5"), D("0.8"))


def test_resize_counts_what_is_still_open() -> None:
    plan = plan_resize(short(closed="0.1", exit_price="57000"), SPOT, ratio=D("0.3"))
    assert plan is not None and (plan.action, plan.quantity) == ("reduce_funds", D("0.1"))


def test_resize_above_the_holding_needs_allow_over_hedge() -> None:
    refused(lambda: plan_resize(short(), SPOT, ratio=D("1.2")), "resize.ratio", "over-hedge")
    refused(lambda: plan_resize(short(), SPOT, quantity=D("1.5")), "resize.quantity", "over-hedge")
    plan = plan_resize(short(), SPOT, ratio=D("1.2"), allow_over_hedge=True)
    assert plan == ResizePlan("add_funds", D("0.7"), D("0.5"), D("1.2"))


def test_resize_argument_errors() -> None:
    refused(lambda: plan_resize(short(), SPOT), "resize", "exactly one")
    refused(
        lambda: plan_resize(short(), SPOT, ratio=D("0.3"), quantity=D("0.3")),
        "resize",
        "exactly one",
    )
    refused(lambda: plan_resize(short(), SPOT, ratio=D("0")), "resize.ratio", "greater than 0")


def test_resize_to_the_same_size_is_nothing_to_do() -> None:
    assert plan_resize(short(), SPOT, ratio=D("0.5")) is None
    rules = MarketRules(lot_step=D("0.01"))
    assert plan_resize(short(), SPOT, ratio=D("0.505"), rules=rules) is None


def test_resize_rounds_the_order_to_the_lot_step() -> None:
    rules = MarketRules(lot_step=D("0.01"))
    plan = plan_resize(short(), SPOT, ratio=D("0.333"), rules=rules)
    assert plan == ResizePlan("reduce_funds", D("0.16"), D("0.5"), D("0.34"))


def test_resize_minimums() -> None:
    rules = MarketRules(min_lot=D("0.05"))
    refused(
        lambda: plan_resize(short(), SPOT, ratio=D("0.51"), rules=rules),
        "rules.min_lot",
        "the add_funds order quantity 0.01",
    )
    refused(
        lambda: plan_resize(short(), SPOT, ratio=D("0.04"), rules=rules),
        "rules.min_lot",
        "close it instead",
    )
    notional = MarketRules(min_notional=D("1000"))
    refused(
        lambda: plan_resize(short(market="50000"), SPOT, ratio=D("0.51"), rules=notional),
        "rules.min_notional",
        "500",  # 0.01 x 50000
    )


def test_resize_where_the_api_refuses() -> None:
    refused(
        lambda: plan_resize(short(add_funds_available=False), SPOT, ratio=D("0.8")),
        "resize",
        "add funds is not available",
    )
    refused(
        lambda: plan_resize(short(status="pending_reduce_funds"), SPOT, ratio=D("0.3")),
        "resize",
        "reduce funds is not available",
    )
    refused(
        lambda: plan_resize(short(status="finished"), SPOT, ratio=D("0.3")), "resize", "finished"
    )
    pending = short(status="waiting_position", entered="0")
    refused(lambda: plan_resize(pending, SPOT, ratio=D("0.3")), "resize", "nothing to reduce")
    plan = plan_resize(pending, SPOT, ratio=D("0.6"))
    assert plan == ResizePlan("add_funds", D("0.1"), D("0.5"), D("0.6"))


def test_check_reduce_against_reduce_funds_info() -> None:
    plan = ResizePlan("reduce_funds", D("0.2"), D("0.5"), D("0.3"))
    check_reduce(plan, D("0.2"))
    refused(lambda: check_reduce(plan, D("0.15")), "resize", "more than the 0.15")
    check_reduce(ResizePlan("add_funds", D("0.2"), D("0.5"), D("0.7")), D("0"))


def test_check_close() -> None:
    check_close(short())
    refused(lambda: check_close(short(status="finished")), "close", "already finished")
    refused(lambda: check_close(short(status="waiting_position", entered="0")), "close", "cancel")
    refused(lambda: check_close(short(panic_sell_available=False)), "close", "not available")


# --- waiting ----------------------------------------------------------------------------------


def test_wait_conditions() -> None:
    pending = status_of(short(status="waiting_position", entered="0"))
    opened = status_of(short())
    tp_filled = status_of(
        short(
            status="finished",
            closed="0.5",
            exit_price="55000",
            steps=[tp_step(11, "55000", status="finished")],
        )
    )
    entered, closed, tp1 = (WaitCondition.parse(c) for c in ("entered", "closed", "tp1"))
    assert (entered.met(pending), entered.met(opened)) == (False, True)
    assert (closed.met(opened), closed.met(tp_filled)) == (False, True)
    assert (tp1.met(opened), tp1.met(tp_filled)) == (False, True)
    assert WaitCondition.parse("tp12").step == 12


@pytest.mark.parametrize("condition", ["open", "tp0", "TP1", "tp", "tp1x", ""])
def test_unknown_wait_condition(condition: str) -> None:
    refused(lambda: WaitCondition.parse(condition), "condition", "'closed', 'entered' or 'tpN'")


def test_wait_condition_that_can_no_longer_happen() -> None:
    stopped = status_of(
        short(
            status="finished", closed="0.5", exit_price="61800", stop_loss=stop(status="finished")
        )
    )
    with pytest.raises(HedgeWaitError, match="closed by stop_loss") as caught:
        WaitCondition.parse("tp1").met(stopped)
    assert caught.value.status is stopped
    cancelled = status_of(short(status="cancelled", entered="0"))
    with pytest.raises(HedgeWaitError, match="before entered"):
        WaitCondition.parse("entered").met(cancelled)
    with pytest.raises(HedgeWaitError, match="1 take-profit step"):
        WaitCondition.parse("tp2").met(status_of(short()))


def test_timeout_error_is_both_kinds() -> None:
    error = HedgeTimeoutError("late", status_of(short()))
    assert isinstance(error, TimeoutError)
    assert isinstance(error, HedgeWaitError)
    assert isinstance(error, ThreeCommasError)
