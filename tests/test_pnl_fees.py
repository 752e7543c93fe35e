"""Live PnL counts each fill's fee from its prices with and without commission (issue 16): a
market entry pays taker and a limit take profit maker, as the fake (and 3Commas) charged."""

from __future__ import annotations

from decimal import Decimal as D

from _article import PAIR, SPOT, UNITS, article
from threecommas_hedge.hedge.pnl import HedgePnL, pnl_of
from threecommas_hedge.models import SmartTrade
from threecommas_hedge.testing import FakeThreeCommas

MAKER, TAKER = D("0.0002"), D("0.0005")  # the fake's default schedule, written out

# (path after the 60,000 entry, exit price, exit rate): a limit TP (maker) and a market stop (taker)
CASES = {
    "take_profit": (("55000",), D(55000), MAKER),
    "stop_loss": (("61000", "62000"), D(62000), TAKER),
}


def expected_fees(exit_price: D, exit_rate: D) -> D:
    return UNITS * D(60000) * TAKER + UNITS * exit_price * exit_rate  # market entry: taker


def check(pnl: HedgePnL, trade: SmartTrade, exit_price: D, exit_rate: D) -> None:
    fees = expected_fees(exit_price, exit_rate)
    gross = UNITS * (D(60000) - exit_price)
    assert pnl.fees == fees
    assert pnl.hedge_realized == gross
    assert pnl.fee_source == "trade"
    assert trade.profit is not None
    assert pnl.hedge_pnl == gross - fees == trade.profit.volume  # the fake's own profit
    assert pnl.net == SPOT.quantity * (exit_price - SPOT.price) + gross - fees


def test_the_articles_take_profit_counts_the_fees_charged() -> None:
    fake = FakeThreeCommas()
    account_id = fake.add_account()
    fake.set_price(PAIR, D(60000))
    with fake.client() as client:
        hedge = client.hedges.open(article(account_id))
        fake.set_price(PAIR, D(55000))
        hedge.refresh()
        pnl = hedge.pnl()
    assert pnl.fees == D("20.50")  # 15.00 taker entry + 5.50 maker take profit
    assert pnl.hedge_pnl == D("2479.50")


def test_sync_hedge_pnl_matches_the_fake() -> None:
    fake = FakeThreeCommas()
    account_id = fake.add_account()
    with fake.client() as client:
        for path, exit_price, exit_rate in CASES.values():
            fake.set_price(PAIR, D(60000))
            hedge = client.hedges.open(article(account_id))
            for price in path:
                fake.set_price(PAIR, D(price))
            hedge.refresh()
            check(hedge.pnl(spot_price=exit_price), hedge.trade, exit_price, exit_rate)


async def test_async_hedge_pnl_matches_the_fake() -> None:
    fake = FakeThreeCommas()
    account_id = fake.add_account()
    async with fake.async_client() as client:
        for path, exit_price, exit_rate in CASES.values():
            fake.set_price(PAIR, D(60000))
            hedge = await client.hedges.open(article(account_id))
            for price in path:
                fake.set_price(PAIR, D(price))
            await hedge.refresh()
            check(hedge.pnl(spot_price=exit_price), hedge.trade, exit_price, exit_rate)


def closed_trade() -> SmartTrade:
    fake = FakeThreeCommas()
    account_id = fake.add_account()
    fake.set_price(PAIR, D(60000))
    with fake.client() as client:
        trade = client.smart_trades.create(article(account_id).build())
        fake.set_price(PAIR, D(55000))
        return client.smart_trades.get(trade.id)


def without(trade: SmartTrade, **data: object) -> SmartTrade:
    return trade.model_copy(update={"data": trade.data.model_copy(update=data)})


def test_each_side_without_both_prices_falls_back_on_its_own() -> None:
    rate = D("0.001")  # a reported rate unlike either fill's, to tell the sources apart
    trade = without(closed_trade(), average_enter_price=None, commission=rate)
    # the entry at the reported rate, the take profit from its prices (maker)
    pnl = pnl_of(trade, SPOT, D(55000))
    assert pnl.fees == UNITS * D(60000) * rate + UNITS * D(55000) * MAKER
    trade = without(closed_trade(), average_close_price=None, commission=rate)
    # the entry from its prices (taker), the take profit at the reported rate
    pnl = pnl_of(trade, SPOT, D(55000))
    assert pnl.fees == UNITS * D(60000) * TAKER + UNITS * D(55000) * rate
    assert pnl.fee_source == "trade"


def test_no_prices_and_no_rate_use_the_callers_rate_else_nothing() -> None:
    trade = without(
        closed_trade(), average_enter_price=None, average_close_price=None, commission=None
    )
    trade = trade.model_copy(
        update={
            "position": trade.position.model_copy(
                update={"price": trade.position.price.model_copy(update={"value": None})}
            )
        }
    )
    pnl = pnl_of(trade, SPOT, D(55000), fee_rate=D("0.001"))
    assert (pnl.fees, pnl.fee_source) == (D("0.001") * (30000 + 27500), "fee_rate")
    pnl = pnl_of(trade, SPOT, D(55000))
    assert (pnl.fees, pnl.fee_source) == (0, "none")


def test_portfolio_status_counts_the_fees_charged() -> None:
    from threecommas_hedge.resources.portfolio import leg_status

    trade = closed_trade()
    pnl = leg_status("BTC", trade, SPOT).hedge_pnl
    assert pnl is not None and trade.profit is not None
    assert pnl.fees == expected_fees(D(55000), MAKER)
    assert pnl.hedge_pnl == trade.profit.volume
