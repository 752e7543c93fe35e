"""Path simulator: the article, 3Commas' trailing tables, every mechanic, operations, properties."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threecommas_hedge import LeverageBracket, SimulationResult, simulate
from threecommas_hedge.hedge.simulate import SimEvent, SmartTradeEngine
from threecommas_hedge.models import SmartTradeCreate, SmartTradeUpdate, StopLoss, TakeProfit

BRACKET = [LeverageBracket(D(0), D("0.004"))]


def payload(
    side: str = "sell",
    *,
    units: str = "0.5",
    entry: dict[str, Any] | None = None,
    take_profit: list[dict[str, Any]] | None = None,
    stop_loss: dict[str, Any] | None = None,
    leverage: int | None = None,
    **extra: Any,
) -> SmartTradeCreate:
    position: dict[str, Any] = {"type": side, "order_type": "market", "units": {"value": units}}
    position.update(entry or {})
    body: dict[str, Any] = {"account_id": 1, "pair": "USDT_BTC", "position": position, **extra}
    if take_profit is not None:
        body["take_profit"] = {"enabled": True, "steps": take_profit}
    if stop_loss is not None:
        body["stop_loss"] = {"enabled": True, "order_type": "market", **stop_loss}
    if leverage is not None:
        body["leverage"] = {"enabled": True, "type": "isolated", "value": leverage}
    return SmartTradeCreate.model_validate(body)


def tp(
    price: str | None = None, volume: str = "100", *, percent: str | None = None, **more: Any
) -> dict[str, Any]:
    level = {"value": price} if price is not None else {"percent": percent}
    return {"order_type": "limit", "volume": volume, "price": level, **more}


def sl(trigger: str | None = None, *, percent: str | None = None, **more: Any) -> dict[str, Any]:
    level = {"value": trigger} if trigger is not None else {"percent": percent}
    return {"conditional": {"price": level, **more.pop("conditional", {})}, **more}


def path(*prices: str | int) -> list[D]:
    return [D(str(price)) for price in prices]


def kinds(events: tuple[SimEvent, ...] | list[SimEvent]) -> list[str]:
    return [event.kind for event in events]


# -- the use case -------------------------------------------------------------------------------


def test_article_price_drops_to_55000() -> None:
    trade = payload(take_profit=[tp("55000")], stop_loss=sl("61800"), leverage=2)
    result = simulate(trade, path(60000, 57000, 55000), entry_price=D(60000))
    spot = 1 * (D(55000) - 60000)
    assert (spot, result.realized_pnl, spot + result.realized_pnl) == (-5000, 2500, -2500)
    assert result.closed
    assert result.exit_price == D(55000)
    assert isinstance(result, SimulationResult)


def test_article_price_rises_to_62000_stopped_at_61800() -> None:
    trade = payload(take_profit=[tp("55000")], stop_loss=sl("61800"), leverage=2)
    result = simulate(trade, path(60000, 61000, 61800, 62000), entry_price=D(60000))
    spot = 1 * (D(62000) - 60000)
    assert (spot, result.realized_pnl, spot + result.realized_pnl) == (2000, -900, 1100)
    assert result.exit_prices == (D(61800),)
    stop = next(event for event in result.events if event.kind == "stop_loss")
    assert (stop.index, stop.price, stop.fill_price) == (2, D(61800), D(61800))


def test_a_gap_through_a_market_stop_fills_at_the_path_price() -> None:
    trade = payload(stop_loss=sl(percent="3"))
    result = simulate(trade, path(60000, 61000, 62000))
    assert result.exit_prices == (D(62000),)
    assert result.realized_pnl == D("0.5") * (60000 - 62000)


# -- 3Commas' own tables (long side, as published) -------------------------------------------------


def test_trailing_take_profit_table() -> None:
    trade = payload(
        "buy",
        units="1",
        take_profit=[tp("105", order_type="market", trailing={"enabled": True, "percent": "1"})],
    )
    engine = SmartTradeEngine(trade, entry_price=D(100))
    prices = path(104.5, 105, 104.3, 105, 106, 107, 108, 107, 110, 109.24, 108)
    expected_lines = [
        None,
        "103.95",
        "103.95",
        "103.95",
        "104.94",
        "105.93",
        "106.92",
        "106.92",
        "108.90",
        "108.90",
    ]
    for index, (price, line) in enumerate(zip(prices, expected_lines, strict=False)):
        engine.step(price, index=index)
        assert engine.trailing_take_profit_price == (None if line is None else D(line)), price
        assert engine.status == "open"
    closing = engine.step(prices[-1], index=10)
    assert kinds(closing) == ["take_profit", "closed"]
    assert (closing[0].fill_price, closing[0].reason, closing[0].step) == (D(108), "trailing", 1)
    assert engine.realized_pnl == D(8)
    moves = [
        event for event in engine.events if event.kind in ("trailing_activated", "trailing_moved")
    ]
    assert [(event.index, event.level) for event in moves] == [
        (1, D("103.95")),
        (4, D("104.94")),
        (5, D("105.93")),
        (6, D("106.92")),
        (8, D("108.90")),
    ]


def test_trailing_stop_loss_table() -> None:
    trade = payload(
        "buy", units="1", stop_loss=sl(percent="-10", conditional={"trailing": {"enabled": True}})
    )
    engine = SmartTradeEngine(trade)
    prices = path(100, 102, 105, 101, 105, 108, 112, 108)
    expected = ["90", "91.80", "94.50", "94.50", "94.50", "97.20", "100.80", "100.80"]
    for index, (price, level) in enumerate(zip(prices, expected, strict=True)):
        engine.step(price, index=index)
        assert engine.stop_loss_price == D(level), price
    moved = [
        (event.index, event.level) for event in engine.events if event.kind == "stop_loss_moved"
    ]
    assert moved == [(1, D("91.8")), (2, D("94.5")), (5, D("97.2")), (6, D("100.8"))]
    assert engine.status == "open"
    # and it does fire, at the path price, once the market falls through the trailed level
    assert kinds(engine.step(D(100))) == ["stop_loss", "closed"]
    assert engine.realized_pnl == 0


def test_short_trailing_take_profit_mirrors_the_table() -> None:
    trade = payload(
        take_profit=[tp("55200", order_type="market", trailing={"enabled": True, "percent": "1"})]
    )
    result = simulate(trade, path(56000, 55200, 55500, 54000, 54500, 54540), entry_price=D(60000))
    lines = [event.level for event in result.events if event.kind.startswith("trailing")]
    assert lines == [D(55200) * D("1.01"), D(54000) * D("1.01")]
    assert result.exit_prices == (D(54540),)
    assert result.realized_pnl == D("0.5") * (60000 - 54540)


def test_short_trailing_stop_follows_the_minimum_and_never_moves_back() -> None:
    trade = payload(stop_loss=sl("61800", conditional={"trailing": {"enabled": True}}))
    engine = SmartTradeEngine(trade)
    levels = []
    for price in path(60000, 59000, 59500, 58000, 59700):
        engine.step(price)
        levels.append(engine.stop_loss_price)
    ratio = D(61800) / D(60000)
    assert levels == [D(61800), 59000 * ratio, 59000 * ratio, 58000 * ratio, 58000 * ratio]
    assert engine.status == "open"
    assert kinds(engine.step(58000 * ratio)) == ["stop_loss", "closed"]
    assert engine.realized_pnl == D("0.5") * (60000 - 58000 * ratio)


# -- take profits, breakeven, timeout, limit stops ------------------------------------------------


def test_multi_step_take_profit_by_volume() -> None:
    trade = payload(take_profit=[tp("57000", "30"), tp("55000", "30"), tp("53000", "40")])
    engine = SmartTradeEngine(trade)
    engine.step(D(60000))
    engine.step(D(56000))
    assert engine.filled_steps == (1,)
    assert engine.remaining_quantity == D("0.35")
    engine.step(D(52000))  # a gap through both remaining levels: each limit fills at its level
    assert engine.filled_steps == (1, 2, 3)
    assert engine.exit_prices == (D(57000), D(55000), D(53000))
    assert engine.closed_quantity == D("0.5")
    expected = D("0.15") * 3000 + D("0.15") * 5000 + D("0.2") * 7000
    assert engine.realized_pnl == expected
    assert engine.exit_price == (D("0.15") * 57000 + D("0.15") * 55000 + D("0.2") * 53000) / D(
        "0.5"
    )


def test_market_take_profit_fills_at_the_path_price() -> None:
    trade = payload(take_profit=[tp("55000", order_type="market")])
    assert simulate(trade, path(60000, 54000)).exit_prices == (D(54000),)
    assert simulate(payload(take_profit=[tp("55000")]), path(60000, 54000)).exit_prices == (
        D(55000),
    )


def test_move_to_breakeven_after_tp1() -> None:
    steps = [tp("57000", "50"), tp("54000", "50")]
    trade = payload(take_profit=steps, stop_loss=sl("61800", breakeven=True))
    result = simulate(trade, path(60000, 57000, 59000, 60000))
    moved = next(event for event in result.events if event.kind == "stop_loss_moved")
    assert (moved.index, moved.level, moved.reason) == (1, D(60000), "breakeven")
    assert result.exit_prices == (D(57000), D(60000))
    assert result.realized_pnl == D("0.25") * 3000


def test_breakeven_with_fees_covers_them() -> None:
    steps = [tp("57000", "50"), tp("54000", "50")]
    trade = payload(take_profit=steps, stop_loss=sl("61800", breakeven=True))
    engine = SmartTradeEngine(trade, taker_fee_rate=D("0.0005"), breakeven_with_fees=True)
    engine.step(D(60000))
    engine.step(D(57000))
    level = engine.stop_loss_price
    assert level == D(60000) * (1 - D("0.0005")) / (1 + D("0.0005"))
    assert level is not None
    # closing the rest there nets zero on that half after its entry and exit fees
    half = D("0.25")
    assert abs(
        half * (60000 - level) - half * 60000 * D("0.0005") - half * level * D("0.0005")
    ) < D("1e-20")


def test_stop_loss_timeout_waits_and_resets() -> None:
    trade = payload(stop_loss=sl("61800", timeout={"enabled": True, "value": 60}))
    result = simulate(trade, path(60000, 61900, 61700, 61900, 62000, 62100), step_seconds=30)
    assert kinds(result.events) == [
        "entered",
        "stop_loss_triggered",
        "stop_loss_timer_reset",
        "stop_loss_triggered",
        "stop_loss",
        "closed",
    ]
    assert [event.index for event in result.events[1:5]] == [1, 2, 3, 5]
    assert result.exit_prices == (D(62100),)


def test_stop_loss_timeout_needs_a_clock() -> None:
    trade = payload(stop_loss=sl("61800", timeout={"enabled": True, "value": 60}))
    with pytest.raises(ValueError, match="now_seconds or step_seconds"):
        simulate(trade, path(60000, 62000))
    engine = SmartTradeEngine(trade)
    engine.step(D(60000), now_seconds=0)
    engine.step(D(62000), now_seconds=10)
    assert not engine.closed
    engine.step(D(62000), now_seconds=70)
    assert engine.exit_prices == (D(62000),)


def test_limit_stop_places_its_order_then_fills_at_its_price() -> None:
    trade = payload(stop_loss=sl("61800", order_type="limit", price={"value": "61900"}))
    engine = SmartTradeEngine(trade)
    engine.step(D(60000))
    placed = engine.step(D(62000))
    assert kinds(placed) == ["stop_loss_triggered"]
    assert engine.stop_loss_order_price == D(61900)
    assert engine.step(D(61950)) == []
    assert kinds(engine.step(D(61850))) == ["stop_loss", "closed"]
    assert engine.exit_prices == (D(61900),)
    marketable = simulate(trade, path(60000, 61850))
    assert marketable.exit_prices == (D(61850),)


# -- liquidation --------------------------------------------------------------------------------


def test_liquidation_ends_an_isolated_short() -> None:
    trade = payload(leverage=10, stop_loss=sl("70000"))  # a stop beyond the LP never fires
    engine = SmartTradeEngine(trade, brackets=BRACKET)
    engine.step(D(60000))
    lp = engine.liquidation_price
    assert lp == (D(3000) + 30000) / (D("0.5") * D("1.004"))
    assert engine.step(lp - 1) == []
    events = engine.step(D(72000))
    assert kinds(events) == ["liquidated", "closed"]
    assert events[0].fill_price == D(66000)  # bankruptcy price: 60,000 + 3,000 / 0.5
    assert engine.realized_pnl == D(-3000)
    assert engine.status == "liquidated"
    assert engine.result().liquidated
    assert engine.step(D(50000)) == []


def test_bybit_formula_liquidates_an_isolated_short_later_than_binance() -> None:
    trade = payload(leverage=10, stop_loss=sl("70000"))
    bybit = SmartTradeEngine(trade, brackets=BRACKET, exchange="bybit")
    bybit.step(D(60000))
    # Bybit linear: LP = EP + (WB - Q*EP*MMR) / Q = 60,000 + (3,000 - 120) / 0.5
    assert bybit.liquidation_price == D(60000) + (D(3000) - D("0.5") * 60000 * D("0.004")) / D(
        "0.5"
    )
    binance_lp = (D(3000) + 30000) / (D("0.5") * D("1.004"))  # 65,737.05: below Bybit's 65,760
    assert bybit.step(D(65750)) == []
    assert simulate(trade, path(60000, 65750), brackets=BRACKET).liquidated
    assert D(65750) > binance_lp
    assert kinds(bybit.step(D(65760))) == ["liquidated", "closed"]
    with pytest.raises(ValueError, match="exchange must be one of binance, bybit"):
        SmartTradeEngine(trade, exchange="okx")  # type: ignore[arg-type]


def test_cross_margin_without_a_wallet_is_not_liquidated() -> None:
    body = payload().model_dump()
    body["leverage"] = {"enabled": True, "type": "cross", "value": 20}
    trade = SmartTradeCreate.model_validate(body)
    assert simulate(trade, path(60000, 200000)).status == "open"
    crossed = simulate(trade, path(60000, 200000), wallet_balance=D(10000))
    assert crossed.liquidated
    assert crossed.realized_pnl == D(-10000)


# -- entries ------------------------------------------------------------------------------------


def test_limit_entries_fill_at_their_price_when_reached() -> None:
    sell = payload(entry={"order_type": "limit", "price": {"value": "61000"}})
    engine = SmartTradeEngine(sell, maker_fee_rate=D("0.0002"), taker_fee_rate=D("0.0005"))
    assert engine.step(D(60000)) == []
    assert engine.status == "waiting_entry"
    entered = engine.step(D(61200))
    assert (entered[0].kind, entered[0].fill_price) == ("entered", D(61000))
    assert engine.fees == D("0.5") * 61000 * D("0.0002")  # a resting limit pays maker
    buy = payload("buy", entry={"order_type": "limit", "price": {"value": "59000"}})
    assert simulate(buy, path(60000, 59500, 58800)).entry_price == D(59000)


def test_conditional_market_entry_arms_from_the_side_of_the_first_price() -> None:
    entry = {
        "order_type": "conditional",
        "conditional": {"order_type": "market", "price": {"value": "59000"}},
    }
    trade = payload(entry=entry, take_profit=[tp(percent="-8")])
    from_above = simulate(trade, path(60000, 59500, 58900, 54000))
    assert kinds(from_above.events)[:2] == ["entry_armed", "entered"]
    assert from_above.entry_price == D(58900)
    assert from_above.exit_prices == (D(58900) * D("0.92"),)  # percent TP from the actual entry
    from_below = simulate(trade, path(58000, 58900, 59100))
    assert from_below.entry_price == D(59100)


def test_conditional_limit_entry() -> None:
    def entry(limit: str) -> dict[str, Any]:
        return {
            "order_type": "conditional",
            "price": {"value": limit},
            "conditional": {"order_type": "limit", "price": {"value": "59000"}},
        }

    resting = simulate(payload(entry=entry("59500")), path(60000, 58900, 59400, 59600))
    assert resting.entry_price == D(59500)
    assert [event.index for event in resting.events] == [1, 3]
    marketable = simulate(payload(entry=entry("58500")), path(60000, 58900))
    assert marketable.entry_price == D(58900)


def test_trailing_conditional_entry_follows_the_best_price() -> None:
    entry = {
        "order_type": "conditional",
        "conditional": {
            "order_type": "market",
            "price": {"value": "61000"},
            "trailing": {"enabled": True, "percent": "1"},
        },
    }
    result = simulate(payload(entry=entry), path(60000, 61000, 62000, 61500, 61380))
    assert result.entry_price == D(61380)  # 62,000 x 0.99
    buy = payload("buy", entry=entry)
    assert simulate(buy, path(62000, 61000, 60000, 60500, 60600)).entry_price == D(60600)


def test_held_and_instant_trades() -> None:
    held = payload(
        "buy", entry={"price": {"value": "100"}}, skip_enter_step=True, take_profit=[tp("110")]
    )
    result = simulate(held, path(105, 111))
    assert (result.entry_price, result.realized_pnl, result.fees) == (D(100), D("0.5") * 10, 0)
    instant = simulate(payload(instant=True), path(60000, 10))
    assert (instant.entry_price, instant.status) == (D(60000), "open")


def test_entry_price_only_for_market_or_held_entries() -> None:
    trade = payload(entry={"order_type": "limit", "price": {"value": "61000"}})
    with pytest.raises(ValueError, match="entry_price"):
        SmartTradeEngine(trade, entry_price=D(60000))


# -- operations ---------------------------------------------------------------------------------


def test_close_at_market_cancel_and_force_start() -> None:
    engine = SmartTradeEngine(payload(take_profit=[tp("55000")]))
    engine.step(D(60000))
    events = engine.close_at_market(D(59000))
    assert events[-1].reason == "market"
    assert engine.realized_pnl == 500
    assert engine.step(D(50000)) == []
    with pytest.raises(ValueError, match="closed"):
        engine.cancel()

    waiting = SmartTradeEngine(payload(entry={"order_type": "limit", "price": {"value": "65000"}}))
    waiting.step(D(60000))
    assert kinds(waiting.force_start(D(60100))) == ["entered"]
    assert waiting.entry_price == D(60100)
    with pytest.raises(ValueError, match="open"):
        waiting.force_start(D(60000))

    never = SmartTradeEngine(payload(entry={"order_type": "limit", "price": {"value": "65000"}}))
    assert kinds(never.close_at_market(D(60000))) == ["cancelled"]
    assert never.status == "cancelled"
    with pytest.raises(ValueError, match="cancelled"):
        never.replace_stop_loss(None)


def test_add_and_reduce_units() -> None:
    engine = SmartTradeEngine(payload(take_profit=[tp(percent="-10")]))
    engine.step(D(60000))
    engine.add_units(D("0.5"), D(62000))
    assert engine.entry_price == D(61000)
    assert engine.units == D(1)
    assert engine.take_profit_prices == (D(61000) * D("0.9"),)
    engine.reduce_units(D("0.4"), D(61500))
    assert engine.realized_pnl == D("0.4") * (61000 - 61500)
    assert engine.remaining_quantity == D("0.6")
    with pytest.raises(ValueError, match="quantity"):
        engine.reduce_units(D(1), D(61000))
    events = engine.reduce_units(D("0.6"), D(60000))
    assert kinds(events) == ["funds_reduced", "closed"]
    assert engine.closed_quantity == D(1)
    before = SmartTradeEngine(payload())
    before.add_units(D("0.5"), D(60000))
    before.step(D(60000))
    assert before.remaining_quantity == D(1)
    with pytest.raises(ValueError, match="positive"):
        before.add_units(D(0), D(60000))


def test_add_units_raises_the_isolated_margin() -> None:
    engine = SmartTradeEngine(payload(leverage=10))
    engine.step(D(60000))
    assert engine.wallet_balance == D(3000)
    engine.add_units(D("0.5"), D(60000))
    assert engine.wallet_balance == D(6000)
    # default MMR 1/(2L) = 5% at 10x: (WB + Q*EP) / (Q*(1 + MMR)) with WB 6,000, Q 1, EP 60,000
    assert engine.liquidation_price == (D(6000) + D(60000)) / D("1.05")


def test_edits_replace_take_profit_and_stop_loss() -> None:
    engine = SmartTradeEngine(payload(take_profit=[tp("57000", "50"), tp("54000", "50")]))
    engine.step(D(60000))
    engine.step(D(57000))
    new_plan = TakeProfit.model_validate({"enabled": True, "steps": [tp("56000")]})
    engine.replace_take_profit(new_plan)
    assert engine.filled_steps == ()
    assert engine.take_profit_prices == (D(56000),)
    engine.replace_stop_loss(
        StopLoss.model_validate({"enabled": True, "order_type": "market", **sl("58000")})
    )
    assert engine.stop_loss_price == D(58000)
    events = engine.step(D(58000))
    assert kinds(events) == ["stop_loss", "closed"]
    assert engine.realized_pnl == D("0.25") * 3000 + D("0.25") * 2000


def test_apply_update_before_and_after_the_entry() -> None:
    engine = SmartTradeEngine(
        payload(entry={"order_type": "limit", "price": {"value": "61000"}}, leverage=2)
    )
    update = SmartTradeUpdate.model_validate(
        {"position": {"units": {"value": "0.8"}, "price": {"value": "60500"}}}
    )
    engine.apply_update(update)
    engine.step(D(60400))  # placed below its price: it rests
    assert not engine.entered
    engine.step(D(60600))
    assert (engine.entry_price, engine.remaining_quantity) == (D(60500), D("0.8"))
    assert engine.wallet_balance == D("0.8") * 60500 / 2
    engine.apply_update(
        SmartTradeUpdate.model_validate(
            {
                "leverage": {"enabled": True, "type": "isolated", "value": 4},
                "take_profit": {"enabled": True, "steps": [tp("55000")]},
                "stop_loss": {"enabled": True, "order_type": "market", **sl(percent="5")},
            }
        )
    )
    assert engine.wallet_balance == D("0.8") * 60500 / 4
    assert engine.take_profit_prices == (D(55000),)
    assert engine.stop_loss_price == D(60500) * D("1.05")
    with pytest.raises(ValueError, match="before it fills"):
        engine.apply_update(update)


def test_step_refuses_a_non_positive_price() -> None:
    with pytest.raises(ValueError, match="positive"):
        SmartTradeEngine(payload()).step(D(0))


# -- properties ---------------------------------------------------------------------------------


@st.composite
def hedges(draw: st.DrawFn) -> SmartTradeCreate:
    count = draw(st.integers(min_value=1, max_value=4))
    cuts = sorted(
        draw(st.lists(st.integers(1, 99), min_size=count - 1, max_size=count - 1, unique=True))
    )
    volumes = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    steps = []
    for number, volume in enumerate(volumes, start=1):
        step = tp(percent=str(-2 * number), volume=str(volume))
        step["order_type"] = draw(st.sampled_from(["limit", "market"]))
        steps.append(step)
    if draw(st.booleans()):
        steps[-1].update(order_type="market", trailing={"enabled": True, "percent": "1"})
    stop: dict[str, Any] = sl(percent=draw(st.sampled_from(["2", "5", "15"])))
    stop["breakeven"] = count >= 2 and draw(st.booleans())
    stop["conditional"]["trailing"] = {"enabled": draw(st.booleans())}
    if draw(st.booleans()):
        stop.update(
            order_type="limit", price={"value": draw(st.sampled_from(["61000", "64000", "70000"]))}
        )
    return payload(
        take_profit=steps, stop_loss=stop, leverage=draw(st.sampled_from([1, 5, 20, 50]))
    )


price_paths = st.lists(
    st.integers(min_value=40000, max_value=90000).map(D), min_size=1, max_size=25
)


@settings(max_examples=200, deadline=None)
@given(trade=hedges(), prices=price_paths)
def test_never_closes_more_than_the_position_and_loses_at_most_the_margin(
    trade: SmartTradeCreate, prices: list[D]
) -> None:
    ladder = LeverageBracket.ladder(
        [(D(0), D("0.004")), (D(50000), D("0.005")), (D(250000), D("0.01"))]
    )
    result = simulate(trade, [D(60000), *prices], brackets=ladder)
    units = D("0.5")
    assert result.closed_quantity <= units
    assert result.remaining_quantity >= 0
    assert result.closed_quantity + result.remaining_quantity == units
    assert trade.leverage is not None
    assert trade.leverage.value is not None
    margin = units * 60000 / trade.leverage.value
    assert result.realized_pnl >= -margin
    if result.closed:
        assert result.remaining_quantity == 0


def test_state_accessors_and_edge_operations() -> None:
    trade = payload(
        take_profit=[tp("55000", order_type="market", trailing={"enabled": True, "percent": "1"})]
    )
    engine = SmartTradeEngine(trade)
    assert engine.unrealized_pnl(D(50000)) == 0
    assert (engine.units, engine.side, engine.entered) == (D("0.5"), "short", False)
    engine.step(D(60000))
    assert engine.unrealized_pnl(D(59000)) == 500
    assert not engine.trailing_active
    engine.step(D(55000))
    assert engine.trailing_active
    engine.close_at_market(D(56000))
    with pytest.raises(ValueError, match="closed"):
        engine.add_units(D(1), D(56000))
    assert engine.status == "closed"
    assert engine.exit_prices == (D(56000),)
    assert engine.trailing_take_profit_price is None
    long = SmartTradeEngine(payload("buy"))
    long.step(D(100))
    assert long.side == "long"
    assert long.unrealized_pnl(D(110)) == 5


def test_trailing_stop_percent_overrides_the_distance() -> None:
    trade = payload(
        stop_loss=sl("61800", conditional={"trailing": {"enabled": True, "percent": "1"}})
    )
    engine = SmartTradeEngine(trade)
    engine.step(D(60000))
    assert engine.stop_loss_price == D(61800)  # the first level stands until the price improves
    engine.step(D(59000))
    assert engine.stop_loss_price == D(59000) * D("1.01")


def test_edits_before_the_entry() -> None:
    entry = {
        "order_type": "conditional",
        "conditional": {"order_type": "market", "price": {"value": "59000"}},
    }
    engine = SmartTradeEngine(payload(entry=entry, leverage=2))
    engine.replace_take_profit(
        TakeProfit.model_validate({"enabled": True, "steps": [tp(percent="-5")]})
    )
    assert engine.take_profit_prices == (None,)  # a percent level waits for the entry
    engine.step(D(60000))
    moved = {"order_type": "market", "price": {"value": "60500"}}
    engine.apply_update(
        SmartTradeUpdate.model_validate(
            {
                "position": {"conditional": moved},
                "leverage": {"enabled": True, "type": "isolated", "value": 5},
            }
        )
    )
    engine.step(D(60400))
    assert not engine.entered
    engine.step(D(60600))
    assert engine.entry_price == D(60600)
    assert engine.wallet_balance == D("0.5") * 60600 / 5
    assert engine.take_profit_prices == (D(60600) * D("0.95"),)


def test_add_units_after_a_partial_take_profit_keeps_the_filled_step() -> None:
    engine = SmartTradeEngine(
        payload(take_profit=[tp("57000", "50"), tp(percent="-10", volume="50")])
    )
    engine.step(D(60000))
    engine.step(D(57000))
    engine.add_units(D("0.25"), D(58000))
    assert engine.entry_price == (D("0.25") * 60000 + D("0.25") * 58000) / D("0.5")
    assert engine.take_profit_prices == (D(57000), D(59000) * D("0.9"))
    assert engine.filled_steps == (1,)
    engine.step(D(53000))
    assert engine.remaining_quantity == 0
    assert engine.closed_quantity == D("0.75")


def test_from_payload_conditional_market_entry_uses_the_trigger() -> None:
    entry = {
        "order_type": "conditional",
        "conditional": {"order_type": "market", "price": {"value": "59000"}},
    }
    trade = payload(entry=entry, take_profit=[tp(percent="-8")])
    from threecommas_hedge import HedgeScenario

    class Spot:
        quantity = D(1)
        price = D(60000)

    scenario = HedgeScenario.from_payload(Spot(), trade)
    assert scenario.entry_price == D(59000)
    assert scenario.take_profits == ((D(59000) * D("0.92"), D(100)),)


def test_a_hedge_builder_payload_replays_the_article() -> None:
    from threecommas_hedge import HedgeBuilder, HedgeScenario, SpotPosition

    spot = SpotPosition(asset="BTC", quantity=D(1), price=D(60000))
    body = (
        HedgeBuilder(spot, account_id=1, pair="USDT_BTCUSDT")
        .hedge(ratio=D("0.5"))
        .leverage(2)
        .take_profit(percent=D("-8"))
        .stop_loss(percent=D("3"))
        .build()
    )
    scenario = HedgeScenario.from_payload(spot, body, entry_price=D(60000))
    assert (scenario.take_profits, scenario.stop_loss) == (((D(55200), D(100)),), D(61800))
    assert scenario.at(D(62000)).net == D(1100)
    down = simulate(body, path(60000, 58000, 55000), entry_price=D(60000))
    assert down.exit_prices == (D(55200),)
    assert down.realized_pnl == scenario.at(D(55000)).hedge_pnl == D(2400)
    up = simulate(body, path(60000, 61800, 62000), entry_price=D(60000))
    assert up.realized_pnl == scenario.at(D(62000)).hedge_pnl == D(-900)
