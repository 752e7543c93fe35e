"""The simulator engine's parts (hedge/engine/) on their own: each keeps its state and reports
through the event log. Figures are worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

from threecommas_hedge.hedge.engine.entry import EntryOrder
from threecommas_hedge.hedge.engine.events import EventLog
from threecommas_hedge.hedge.engine.ledger import Ledger
from threecommas_hedge.hedge.engine.stops import Stop
from threecommas_hedge.hedge.engine.targets import Targets
from threecommas_hedge.hedge.liquidation import LeverageBracket
from threecommas_hedge.models.requests import Leverage, Position, StopLoss, TakeProfit

D = Decimal
SHORT = D(-1)
NO_FEES = {"maker_fee_rate": D(0), "taker_fee_rate": D(0)}
FEES = {"maker_fee_rate": D("0.0002"), "taker_fee_rate": D("0.0005")}


def stop(percent: str, **more: object) -> StopLoss:
    body = {"enabled": True, "order_type": "market", "conditional": {"price": {"percent": percent}}}
    return StopLoss.model_validate({**body, **more})


def test_a_stop_never_moves_back() -> None:
    log = EventLog()
    part = Stop(stop("2"), log, side=SHORT, **NO_FEES)
    part.resolve(D(60000), None)
    assert part.level == D(61200)  # 2 % above the entry of a short
    part.move(D(61500), 3, D(60100), "trailing")  # up is back for a short: ignored
    assert part.level == D(61200) and log.all() == ()
    part.move(D(60500), 4, D(59000), "trailing")
    assert part.level == D(60500)
    assert [(e.kind, e.level, e.reason) for e in log.all()] == [
        ("stop_loss_moved", D(60500), "trailing")
    ]


def test_a_limit_stop_places_its_order_then_fills_at_its_price() -> None:
    log = EventLog()
    limit = stop("2", order_type="limit", price={"value": "61250"})
    part = Stop(limit, log, side=SHORT, **FEES)
    part.resolve(D(60000), None)
    assert part.check(D(61000), 1, None) is None  # below the trigger 61,200
    # a buy at 61,250 is not marketable at 61,300: the order rests, the take profits wait
    assert part.check(D(61300), 2, None) == "placed"
    assert part.order == D(61250)
    assert part.check(D(61400), 3, None) is None
    assert part.check(D(61240), 4, None) == (D(61250), D("0.0002"))  # rested: maker


def test_targets_fill_nearest_first_and_read_what_is_left_each_time() -> None:
    steps = [
        {"order_type": "limit", "volume": "50", "price": {"value": "50000"}},
        {"order_type": "market", "volume": "50", "price": {"value": "55000"}},
    ]
    part = Targets(
        TakeProfit.model_validate({"enabled": True, "steps": steps}),
        EventLog(),
        side=SHORT,
        **FEES,
    )
    part.resolve(D(60000))
    left = [D(1)]
    reached = part.reached(D(49000), 7, lambda: left[0])
    assert next(reached) == (1, D(49000), D("0.0005"))  # 55,000 first: market, at the price
    left[0] = D(0)  # the caller's fill closed everything: the other step is not looked at
    assert list(reached) == []
    assert part.take(1, D(1), D(1)) == D("0.5")  # 50 % of 1 unit, the other step still open
    assert part.filled_steps == (2,)
    assert part.first_fill() is True and part.first_fill() is False


def test_the_ledger_keeps_isolated_margin_and_loses_it_on_liquidation() -> None:
    ledger = Ledger(
        SHORT,
        EventLog(),
        leverage=Leverage(enabled=True, type="isolated", value=2),
        brackets=(LeverageBracket(D(0), D("0.004")),),
        wallet_balance=None,
        funding_rate=D(0),
        funding_interval_hours=8,
    )
    ledger.open(D(60000), D("0.5"), D(0))
    assert ledger.wallet == D(15000)  # 0.5 * 60,000 / 2
    ledger.exit(D("0.25"), D(55000), D(0))
    assert ledger.realized == D(1250)  # (60,000 - 55,000) * 0.25
    assert ledger.wallet == D(7500)  # released pro rata
    assert ledger.liquidation is not None
    assert ledger.liquidated_at(ledger.liquidation)
    quantity, bankruptcy, _ = ledger.liquidate()
    assert (quantity, bankruptcy) == (D("0.25"), D(90000))  # 60,000 + 7,500 / 0.25
    assert ledger.realized == D(1250) - D(7500)
    assert ledger.remaining == 0 and ledger.wallet is None and ledger.liquidation is None
    assert ledger.exit_prices == (D(55000), D(90000))


def sell_limit(price: str) -> EntryOrder:
    body = {
        "type": "sell",
        "order_type": "limit",
        "units": {"value": "1"},
        "price": {"value": price},
    }
    position = Position.model_validate(body)
    return EntryOrder(position, EventLog(), side=SHORT, held=False, entry_price=None, **FEES)


def test_a_limit_entry_marketable_when_placed_fills_at_the_market() -> None:
    position = Position.model_validate(
        {
            "type": "sell",
            "order_type": "limit",
            "units": {"value": "1"},
            "price": {"value": "59000"},
        }
    )
    order = EntryOrder(position, EventLog(), side=SHORT, held=False, entry_price=None, **FEES)
    assert order.fill(D(60000), 0) == (D(60000), D("0.0005"))  # sell limit below the price: taker


def test_a_resting_limit_entry_fills_at_its_own_price() -> None:
    position = Position.model_validate(
        {
            "type": "sell",
            "order_type": "limit",
            "units": {"value": "1"},
            "price": {"value": "61000"},
        }
    )
    order = EntryOrder(position, EventLog(), side=SHORT, held=False, entry_price=None, **FEES)
    assert order.fill(D(60000), 0) is None  # rests above the market
    assert order.fill(D(61500), 1) == (D(61000), D("0.0002"))  # gapped through: its price, maker
