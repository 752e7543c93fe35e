"""client.hedges on the fake: the article's hedge opened, moved, adjusted, resized and closed.

Each step's state and PnL are checked three ways: literal figures worked out by hand, the
``SmartTradeEngine`` (the stateful core of ``simulate``) fed the same path and the same operations,
and ``HedgeScenario`` where the move is monotone from the entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from _article import PAIR, SPOT, article
from threecommas_hedge import (
    HedgeBuilder,
    HedgeScenario,
    HedgeValidationError,
    MarketRules,
    SmartTradeUpdate,
    ThreeCommas,
    simulate,
)
from threecommas_hedge.hedge.position import HedgePnL, HedgeTimeoutError, HedgeWaitError
from threecommas_hedge.hedge.simulate import SmartTradeEngine
from threecommas_hedge.resources.hedges import AsyncHedge, Hedge
from threecommas_hedge.testing import FakeThreeCommas, RecordedRequest

D = Decimal
FEE = D("0.0005")


@pytest.fixture
def fake(threecommas_fake: FakeThreeCommas) -> FakeThreeCommas:
    threecommas_fake.set_price(PAIR, D("60000"))
    return threecommas_fake


STOP_AT_59000 = {
    "stop_loss": {
        "enabled": True,
        "order_type": "market",
        "conditional": {"price": {"type": "ask", "value": "59000"}},
    }
}


def last_write(fake: FakeThreeCommas) -> RecordedRequest:
    return next(r for r in reversed(fake.requests) if r.method != "GET")


def engine_for(builder: HedgeBuilder, fee: Decimal = FEE) -> SmartTradeEngine:
    return SmartTradeEngine(builder.build(), maker_fee_rate=fee, taker_fee_rate=fee)


def assert_matches_engine(pnl: HedgePnL, engine: SmartTradeEngine, price: Decimal) -> None:
    assert pnl.hedge_realized == engine.realized_pnl
    assert pnl.hedge_unrealized == engine.unrealized_pnl(price)
    assert pnl.fees == engine.fees
    assert pnl.net == SPOT.quantity * (price - SPOT.price) + engine.realized_pnl + (
        engine.unrealized_pnl(price) - engine.fees
    )


# --- the whole flow, sync ---------------------------------------------------------------------


def test_open_move_adjust_resize_close(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account(commission=FEE)
    builder = article(account_id)
    engine = engine_for(builder)
    scenario = HedgeScenario.from_payload(
        SPOT, builder.build(), entry_price=D("60000"), entry_fee_rate=FEE, exit_fee_rate=FEE
    )
    with fake.client() as client:
        hedge = client.hedges.open(builder)
        assert isinstance(hedge, Hedge)
        assert hedge.spot == SPOT and hedge.trade.is_short
        assert hedge.status.stage == "entry_pending"

        # the market entry fills at 60,000
        hedge.refresh()
        engine.step(D("60000"))
        status = hedge.status
        assert status.stage == "open" and status.code == "waiting_targets"
        assert status.entered_quantity == engine.units == D("0.5")
        assert status.average_entry == engine.entry_price == D("60000")
        assert status.take_profit_prices == (D("55000"),)
        assert status.stop_loss_price == engine.stop_loss_price == D("61800")
        pnl = hedge.pnl(spot_price=D("60000"))
        assert pnl.fees == D("15")  # 0.5 x 60,000 x 0.05 %
        assert_matches_engine(pnl, engine, D("60000"))

        # price drops to 57,000: still open, the hedge offsets half of the spot loss
        fake.set_price(PAIR, D("57000"))
        engine.step(D("57000"))
        hedge.refresh()
        assert hedge.status.stage == "open"
        pnl = hedge.pnl(spot_price=D("57000"))
        assert (pnl.spot_pnl, pnl.hedge_unrealized, pnl.hedge_realized) == (
            D("-3000"),
            D("1500"),
            D("0"),
        )
        assert_matches_engine(pnl, engine, D("57000"))
        row = scenario.at(D("57000"))
        assert row.hedge_pnl == pnl.hedge_realized + pnl.hedge_unrealized
        closing_fee = pnl.open_quantity * D("57000") * FEE  # the scenario closes the rest at P
        assert row.net == pnl.net - closing_fee
        assert row.status == "open"

        # the stop loss follows the market down to 59,000
        hedge.adjust(stop_loss=D("59000"))
        engine.apply_update(SmartTradeUpdate.model_validate(STOP_AT_59000))
        assert last_write(fake).method == "PATCH"
        assert last_write(fake).json == STOP_AT_59000
        assert hedge.status.stop_loss_price == engine.stop_loss_price == D("59000")

        # resize to a 0.3 hedge: reduce 0.2 at market (57,000), checked against the info first
        sent = len(fake.requests)
        hedge.resize(ratio=D("0.3"))
        calls = [(r.method, r.path) for r in fake.requests[sent:]]
        info = ("GET", f"/v2/smart_trades/{hedge.id}/reduce_funds_info")
        reduce = ("POST", f"/v2/smart_trades/{hedge.id}/reduce_funds")
        assert calls.count(reduce) == 1 and calls.index(info) < calls.index(reduce)
        assert last_write(fake).json == {"order_type": "market", "units": {"value": "0.2"}}
        engine.reduce_units(D("0.2"), D("57000"))
        hedge.refresh()
        status = hedge.status
        assert status.stage == "partially_closed"
        assert (status.closed_quantity, status.open_quantity) == (D("0.2"), D("0.3"))
        assert status.open_quantity == engine.remaining_quantity
        assert status.average_exit == engine.exit_price == D("57000")
        pnl = hedge.pnl(spot_price=D("57000"))
        assert pnl.hedge_realized == D("600")  # 0.2 x 3,000
        assert pnl.hedge_unrealized == D("900")  # 0.3 x 3,000
        assert pnl.fees == D("20.7")  # 15 + 0.2 x 57,000 x 0.05 %
        assert_matches_engine(pnl, engine, D("57000"))

        # price back up to 58,000 (below the new stop): close the rest by hand
        fake.set_price(PAIR, D("58000"))
        engine.step(D("58000"))
        hedge.close()
        assert last_write(fake).path == f"/v2/smart_trades/{hedge.id}/close_by_market"
        engine.close_at_market(D("58000"))
        hedge.refresh()
        status = hedge.status
        assert status.stage == "closed" and status.closed_by == "market"
        assert status.open_quantity == 0 and status.closed_quantity == D("0.5")
        pnl = hedge.pnl(spot_price=D("58000"))
        assert pnl.hedge_realized == D("1200")  # 600 + 0.3 x 2,000
        assert pnl.hedge_unrealized == 0
        assert pnl.fees == D("29.4")  # 20.7 + 0.3 x 58,000 x 0.05 %
        assert pnl.net == D("-829.4")  # -2,000 + 1,200 - 29.4
        assert_matches_engine(pnl, engine, D("58000"))
        assert engine.status == "closed"


@pytest.mark.parametrize(
    ("path", "price", "closed_by", "spot", "hedge_leg", "net"),
    [
        (["55000"], "55000", "take_profit", "-5000", "2500", "-2500"),
        (["61800", "62000"], "62000", "stop_loss", "2000", "-900", "1100"),
    ],
)
def test_the_article_outcomes_through_wait_until(
    fake: FakeThreeCommas,
    path: list[str],
    price: str,
    closed_by: str,
    spot: str,
    hedge_leg: str,
    net: str,
) -> None:
    account_id = fake.add_account(commission="0")  # the article's figures, before fees
    builder = article(account_id)
    moves: Iterator[str] = iter(path)
    sleeps: list[float] = []

    def next_price(hedge: Hedge) -> None:
        move = next(moves, None)
        if move is not None:
            fake.set_price(PAIR, D(move))

    with fake.client(_sleep=sleeps.append) as client:
        hedge = client.hedges.open(builder)
        status = hedge.wait_until("closed", timeout=60, poll=2, on_poll=next_price)
        pnl = hedge.pnl(spot_price=D(price))
    assert status.closed and status.closed_by == closed_by
    assert sleeps == [2.0]  # the first move closes the short, seen by the second GET
    assert (pnl.spot_pnl, pnl.hedge_realized, pnl.net) == (D(spot), D(hedge_leg), D(net))
    result = simulate(builder.build(), [D("60000"), *(D(p) for p in path)])
    assert result.realized_pnl == pnl.hedge_realized
    row = HedgeScenario.from_payload(SPOT, builder.build(), entry_price=D("60000")).at(D(price))
    assert (row.spot_pnl, row.hedge_pnl, row.net) == (pnl.spot_pnl, pnl.hedge_realized, pnl.net)


def test_wait_until_entered_and_tp1(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    builder = (
        HedgeBuilder(SPOT, account_id=account_id, pair=PAIR)
        .hedge(ratio=D("0.5"))
        .take_profit(price=D("57000"), volume=D("50"))
        .take_profit(price=D("55000"), volume=D("50"))
        .stop_loss(price=D("61800"))
    )
    with fake.client(_sleep=lambda seconds: None) as client:
        hedge = client.hedges.open(builder)
        assert hedge.wait_until("entered", poll=1).entered
        fake.set_price(PAIR, D("56500"))
        status = hedge.wait_until("tp1", poll=1)
    assert status.tp_steps_filled == (1,) and status.stage == "partially_closed"
    assert status.closed_quantity == D("0.25") and status.average_exit == D("57000")


def test_wait_until_times_out_without_sleeping(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    sleeps: list[float] = []
    polls: list[str] = []
    with fake.client(_sleep=sleeps.append) as client:
        hedge = client.hedges.open(article(account_id))
        with pytest.raises(HedgeTimeoutError) as caught:
            hedge.wait_until(
                "closed", timeout=10, poll=5, on_poll=lambda h: polls.append(h.status.stage)
            )
    assert isinstance(caught.value, TimeoutError)
    assert sleeps == [5.0, 5.0]
    assert polls == ["open", "open", "open"]
    assert caught.value.status.code == "waiting_targets"
    assert "closed not reached within 10" in str(caught.value)


def test_wait_until_stops_after_max_polls(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    sleeps: list[float] = []
    with fake.client(_sleep=sleeps.append) as client:
        hedge = client.hedges.open(article(account_id))
        sent = len(fake.requests)
        with pytest.raises(HedgeTimeoutError, match="in 3 polls"):
            hedge.wait_until("closed", timeout=float("inf"), poll=1, max_polls=3)
        assert [r.method for r in fake.requests[sent:]] == ["GET"] * 3
    assert sleeps == [1.0, 1.0]


def test_wait_until_gives_up_when_the_trade_ends_otherwise(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client(_sleep=lambda seconds: None) as client:
        hedge = client.hedges.open(article(account_id))
        fake.set_price(PAIR, D("61800"))
        with pytest.raises(HedgeWaitError, match="closed by stop_loss") as caught:
            hedge.wait_until("tp1", poll=1)
    assert caught.value.status.closed_by == "stop_loss"


def test_wait_until_refuses_a_fast_poll_before_any_request(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client() as client:
        hedge = client.hedges.open(article(account_id))
        sent = len(fake.requests)
        with pytest.raises(HedgeValidationError) as caught:
            hedge.wait_until("closed", poll=0.1)
        assert caught.value.field == "poll"
        with pytest.raises(HedgeValidationError) as caught:
            hedge.wait_until("filled")
        assert caught.value.field == "condition"
        with pytest.raises(HedgeValidationError) as caught:
            hedge.wait_until("closed", timeout=-1)
        assert caught.value.field == "timeout"
        with pytest.raises(HedgeValidationError) as caught:
            hedge.wait_until("closed", max_polls=0)
        assert caught.value.field == "max_polls"
        assert len(fake.requests) == sent


# --- refusals leave no request ----------------------------------------------------------------


def opened(fake: FakeThreeCommas, client: ThreeCommas) -> Hedge:
    hedge = client.hedges.open(article(fake.add_account(commission="0")))
    fake.set_price(PAIR, D("57000"))
    return hedge.refresh()


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (lambda h: h.adjust(stop_loss=D("56000")), "stop_loss.price"),  # below the price
        (lambda h: h.adjust(stop_loss=D("57000")), "stop_loss.price"),  # at the price
        (lambda h: h.adjust(take_profit=D("58000")), "take_profit.price"),  # above the price
        (lambda h: h.adjust(stop_loss=D("130000")), "stop_loss.price"),  # beyond liquidation
        (lambda h: h.adjust(), "adjust"),
        (lambda h: h.resize(ratio=D("1.2")), "resize.ratio"),  # above the spot holding
        (lambda h: h.resize(quantity=D("2")), "resize.quantity"),
        (lambda h: h.resize(ratio=D("0")), "resize.ratio"),
    ],
)
def test_invalid_actions_send_nothing(fake: FakeThreeCommas, action: object, field: str) -> None:
    with fake.client() as client:
        hedge = opened(fake, client)
        before = hedge.trade
        sent = len(fake.requests)
        with pytest.raises(HedgeValidationError) as caught:
            action(hedge)  # type: ignore[operator]
        assert caught.value.field == field
        assert len(fake.requests) == sent
        assert hedge.trade is before


def test_edit_body_checks_without_sending(fake: FakeThreeCommas) -> None:
    with fake.client() as client:
        hedge = opened(fake, client)
        sent = len(fake.requests)
        body = hedge.edit_body(stop_loss=D("59000"))
        assert body.model_dump(mode="json", exclude_none=True) == STOP_AT_59000
        with pytest.raises(HedgeValidationError):
            hedge.edit_body(stop_loss=D("56000"))
        assert len(fake.requests) == sent


def test_market_rules_from_the_builder_are_enforced(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    rules = MarketRules(price_step=D("0.5"), lot_step=D("0.01"), min_lot=D("0.05"))
    with fake.client() as client:
        hedge = client.hedges.open(article(account_id).rules(rules))
        hedge.refresh()
        assert hedge.rules == rules
        sent = len(fake.requests)
        with pytest.raises(HedgeValidationError) as caught:
            hedge.resize(ratio=D("0.52"))  # an add of 0.02 is below the minimum lot
        assert caught.value.field == "rules.min_lot"
        assert len(fake.requests) == sent
        hedge.adjust(stop_loss=D("61234.9"))
        assert last_write(fake).json["stop_loss"]["conditional"]["price"]["value"] == "61234.5"
        hedge.resize(ratio=D("0.555"))  # adds 0.05 (0.055 floored to the lot step)
        assert last_write(fake).json == {"order_type": "market", "units": {"value": "0.05"}}
        assert hedge.refresh().status.entered_quantity == D("0.55")


def test_resize_up_adds_funds_and_resize_to_the_same_size_sends_nothing(
    fake: FakeThreeCommas,
) -> None:
    with fake.client() as client:
        hedge = opened(fake, client)
        sent = len(fake.requests)
        hedge.resize(ratio=D("0.5"))
        assert len(fake.requests) == sent
        hedge.resize(quantity=D("0.8"))
        assert last_write(fake).path == f"/v2/smart_trades/{hedge.id}/add_funds"
        assert last_write(fake).json == {"order_type": "market", "units": {"value": "0.3"}}
        status = hedge.refresh().status
    assert status.entered_quantity == D("0.8") and status.open_quantity == D("0.8")
    # averaged entry: (0.5 x 60,000 + 0.3 x 57,000) / 0.8
    assert status.average_entry == D("58875")


def test_reduce_above_reduce_funds_info_is_refused_before_the_post(fake: FakeThreeCommas) -> None:
    with fake.client() as client:
        hedge = opened(fake, client)
        # another client takes 0.3 out meanwhile: this hedge still thinks 0.5 is open
        client.smart_trades.reduce_funds(
            hedge.id, {"order_type": "market", "units": {"value": "0.3"}}
        )
        sent = len(fake.requests)
        with pytest.raises(HedgeValidationError, match=r"more than the 0\.2") as caught:
            hedge.resize(ratio=D("0.1"))
        assert caught.value.field == "resize"
        assert [r.path for r in fake.requests[sent:]] == [
            f"/v2/smart_trades/{hedge.id}/reduce_funds_info"
        ]


def test_closed_hedge_refuses_everything(fake: FakeThreeCommas) -> None:
    with fake.client() as client:
        hedge = opened(fake, client)
        hedge.close().refresh()
        assert hedge.status.closed
        sent = len(fake.requests)
        for action, field in (
            (hedge.close, "close"),
            (lambda: hedge.adjust(stop_loss=D("59000")), "adjust"),
            (lambda: hedge.resize(ratio=D("0.3")), "resize"),
        ):
            with pytest.raises(HedgeValidationError) as caught:
                action()
            assert caught.value.field == field
        assert len(fake.requests) == sent


def test_get_picks_up_an_existing_short(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account(commission=D("0.001"))
    with fake.client() as client:
        trade_id = client.hedges.open(article(account_id)).id
        fake.set_price(PAIR, D("55000"))
        hedge = client.hedges.get(trade_id, spot=SPOT, fee_rate=D("0.0002"))  # reported wins
        assert fake.requests[-1].method == "GET"
    assert hedge.status.closed_by == "take_profit"
    pnl = hedge.pnl()  # at the trade's own price, 55,000
    assert pnl.price == D("55000")
    assert pnl.fees == D("0.001") * (D("30000") + D("27500"))
    assert pnl.fee_source == "trade"
    assert pnl.net == D("-2500") - pnl.fees
    assert repr(hedge) == f"<Hedge #{trade_id} 0 short on {PAIR} for 1 BTC: closed>"


def test_get_without_a_spot_holding(fake: FakeThreeCommas) -> None:
    with fake.client() as client:
        trade_id = opened(fake, client).id
        hedge = client.hedges.get(trade_id)
        assert hedge.spot is None
        pnl = hedge.pnl()
        assert (pnl.spot_pnl, pnl.hedge_unrealized, pnl.net) == (0, D("1500"), D("1500"))
        sent = len(fake.requests)
        with pytest.raises(HedgeValidationError) as caught:
            hedge.resize(quantity=D("0.3"))
        assert caught.value.field == "spot"
        assert len(fake.requests) == sent
        hedge.adjust(stop_loss=D("59000")).close()
    assert repr(hedge) == f"<Hedge #{trade_id} 0.5 short on {PAIR}: open>"


def test_get_refuses_a_long(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    long = {
        "account_id": account_id,
        "pair": PAIR,
        "position": {"type": "buy", "order_type": "market", "units": {"value": "0.1"}},
    }
    with fake.client() as client:
        trade_id = client.smart_trades.create(long).id
        with pytest.raises(HedgeValidationError, match="not a short") as caught:
            client.hedges.get(trade_id, spot=SPOT)
    assert caught.value.field == "smart_trade_id"


def test_the_client_keeps_one_hedges_resource(fake: FakeThreeCommas) -> None:
    with fake.client() as client:
        assert client.hedges is client.hedges


# --- async ------------------------------------------------------------------------------------


async def test_async_flow(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account(commission=FEE)
    builder = article(account_id)
    engine = engine_for(builder)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with fake.async_client(_sleep=sleep) as client:
        hedge = await client.hedges.open(builder)
        assert isinstance(hedge, AsyncHedge)
        await hedge.refresh()
        engine.step(D("60000"))
        fake.set_price(PAIR, D("57000"))
        engine.step(D("57000"))
        await hedge.refresh()
        assert_matches_engine(hedge.pnl(spot_price=D("57000")), engine, D("57000"))

        await hedge.adjust(stop_loss=D("59000"))
        engine.apply_update(SmartTradeUpdate.model_validate(STOP_AT_59000))
        assert last_write(fake).json == STOP_AT_59000
        assert hedge.status.stop_loss_price == D("59000")
        sent = len(fake.requests)
        with pytest.raises(HedgeValidationError):
            await hedge.adjust(stop_loss=D("56000"))
        with pytest.raises(HedgeValidationError):
            await hedge.resize(ratio=D("1.2"))
        assert len(fake.requests) == sent

        await hedge.resize(quantity=D("0.6"))
        engine.add_units(D("0.1"), D("57000"))
        await hedge.refresh()
        assert hedge.status.open_quantity == engine.remaining_quantity == D("0.6")
        assert hedge.status.average_entry == engine.entry_price == D("59500")

        await hedge.resize(ratio=D("0.3"))
        engine.reduce_units(D("0.3"), D("57000"))
        await hedge.refresh()
        assert hedge.status.stage == "partially_closed"
        assert hedge.status.open_quantity == D("0.3")
        assert_matches_engine(hedge.pnl(spot_price=D("57000")), engine, D("57000"))

        async def rise(h: AsyncHedge) -> None:
            fake.set_price(PAIR, D("59000"))  # the moved stop fires

        status = await hedge.wait_until("closed", poll=3, on_poll=rise)
        engine.step(D("59000"))
        assert status.closed_by == "stop_loss"
        assert sleeps == [3.0]
        assert engine.status == "closed"
        pnl = hedge.pnl(spot_price=D("59000"))
        assert_matches_engine(pnl, engine, D("59000"))
        assert pnl.hedge_realized == D("900")  # 0.3 x (59,500 - 57,000) + 0.3 x (59,500 - 59,000)
        with pytest.raises(HedgeValidationError):
            await hedge.close()

        again = await client.hedges.get(hedge.id, spot=SPOT)
        assert again.status == hedge.status
