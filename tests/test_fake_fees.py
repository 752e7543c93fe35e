"""One default fee schedule: the fake charges it by fill type (maker for resting limits, taker for
market fills) and ``plan`` assumes it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from typer.testing import CliRunner

from _article import PAIR, UNITS, article
from threecommas_hedge._cli.app import app
from threecommas_hedge.models import SmartTrade
from threecommas_hedge.testing import DEFAULT_FEES, FakeThreeCommas, FeeSchedule


def profit_at_take_profit(fake: FakeThreeCommas, account_id: int) -> D:
    fake.set_price(PAIR, D(60000))
    with fake.client() as client:
        trade = client.smart_trades.create(article(account_id).build())
        fake.set_price(PAIR, D(55000))
        trade = client.smart_trades.get(trade.id)
    assert trade.status.basic_type == "finished"
    assert trade.profit is not None and trade.profit.volume is not None
    return trade.profit.volume


def test_the_default_schedule_is_binance_default_tier() -> None:
    assert (DEFAULT_FEES.maker, DEFAULT_FEES.taker) == (D("0.0002"), D("0.0005"))


def test_a_market_entry_pays_taker_and_a_limit_take_profit_maker_by_default() -> None:
    fake = FakeThreeCommas()
    profit = profit_at_take_profit(fake, fake.add_account())
    gross = UNITS * (60000 - 55000)
    entry_fee = UNITS * 60000 * D("0.0005")  # market entry: taker
    tp_fee = UNITS * 55000 * D("0.0002")  # resting limit take profit: maker
    assert profit == gross - entry_fee - tp_fee == D("2479.5")


def test_a_custom_schedule_and_a_flat_commission() -> None:
    fake = FakeThreeCommas()
    custom = fake.add_account(fees=FeeSchedule(maker=D("0.001"), taker=D("0.002")))
    assert profit_at_take_profit(fake, custom) == D(2500) - D(60) - D("27.5")
    flat = fake.add_account(commission="0.001")  # one rate on every fill
    assert profit_at_take_profit(fake, flat) == D(2500) - D(30) - D("27.5")
    free = fake.add_account(commission="0")
    assert profit_at_take_profit(fake, free) == D(2500)


def test_a_market_stop_pays_taker_and_the_trade_reports_the_taker_rate() -> None:
    fake = FakeThreeCommas()
    account_id = fake.add_account()
    fake.set_price(PAIR, D(60000))
    with fake.client() as client:
        trade = client.smart_trades.create(article(account_id).build())
        for price in ("61000", "62000"):
            fake.set_price(PAIR, D(price))
        trade = client.smart_trades.get(trade.id)
    assert trade.profit is not None
    # the stop is a market order: it fills at 62,000 (the price that reached it), as a taker
    assert trade.profit.volume == UNITS * (60000 - 62000) - UNITS * (60000 + 62000) * D("0.0005")
    assert trade.data.commission == D("0.0005")


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ValueError, match="maker: a fee rate from 0 to below 1"):
        FeeSchedule(maker=D(-1), taker=D(0))
    with pytest.raises(ValueError, match="not both"):
        FakeThreeCommas().add_account(commission="0.001", fees=DEFAULT_FEES)


def test_plan_assumes_the_fakes_schedule_and_shows_it() -> None:
    args = ["plan", "--spot-qty", "1", "--price", "60000", "--ratio", "0.5", "--tp", "55000"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    assert "Fees         maker 0.02%, taker 0.05% (the default schedule)" in result.stdout
    # the plan's after-fees reward is what the fake charges: 2,500 - 15 - 5.50
    assert "(+2,479.50 after fees)" in result.stdout
    result = CliRunner().invoke(app, [*args, "--maker-fee", "0.01"], env={"COLUMNS": "100"})
    assert "Fees         maker 0.01%, taker 0.05%" in result.stdout
    assert "default schedule" not in result.stdout


# --- per-fill prices with and without commission (issue 16) -------------------------------------
# The short sells at the entry (the price after fees is lower) and buys to close (higher).
TAKER, MAKER = D("0.0005"), D("0.0002")


def run_to(fake: FakeThreeCommas, account_id: int, *prices: str) -> SmartTrade:
    fake.set_price(PAIR, D(60000))
    with fake.client() as client:
        trade = client.smart_trades.create(article(account_id).build())
        for price in prices:
            fake.set_price(PAIR, D(price))
        return client.smart_trades.get(trade.id)


def test_a_limit_take_profit_reports_its_maker_rate_in_the_close_prices() -> None:
    fake = FakeThreeCommas()
    trade = run_to(fake, fake.add_account(), "55000")
    data = trade.data
    assert data.average_enter_price_without_commission == D(60000)
    assert data.average_enter_price == D(60000) * (1 - TAKER) == D(59970)  # market entry: taker
    assert trade.position.price.value == D(59970)
    assert trade.position.price.value_without_commission == D(60000)
    assert data.average_close_price_without_commission == D(55000)
    assert data.average_close_price == D(55000) * (1 + MAKER) == D(55011)  # limit TP: maker
    assert data.commission == TAKER  # the one documented rate stays the taker rate


def test_a_stop_loss_reports_the_taker_rate_in_the_close_prices() -> None:
    fake = FakeThreeCommas()
    trade = run_to(fake, fake.add_account(), "61000", "62000")
    assert trade.data.average_close_price_without_commission == D(62000)
    assert trade.data.average_close_price == D(62000) * (1 + TAKER)


def test_a_limit_reduce_is_maker_and_a_market_close_taker_per_fill() -> None:
    fake = FakeThreeCommas()
    account_id = fake.add_account()
    fake.set_price(PAIR, D(60000))
    with fake.client() as client:
        trade = client.smart_trades.create(article(account_id).build())
        fake.set_price(PAIR, D(59000))
        body = {"order_type": "limit", "units": {"value": "0.1"}, "price": {"value": "58000"}}
        client.smart_trades.reduce_funds(trade.id, body)
        fake.set_price(PAIR, D(57500))  # the resting buy at 58,000 fills: maker
        client.smart_trades.close_by_market(trade.id)  # at 57,500, a market order: taker
        trade = client.smart_trades.get(trade.id)
    (reduce,) = trade.reduce_funds.steps
    assert reduce.price.value_without_commission == D(58000)
    assert reduce.price.value == D(58000) * (1 + MAKER)
    assert trade.market_close.price.value_without_commission == D(57500)
    assert trade.market_close.price.value == D(57500) * (1 + TAKER)
    # the average close with fees weighs both fills at their own rates
    fees = D("0.1") * D(58000) * MAKER + D("0.4") * D(57500) * TAKER
    closed_total = D("0.1") * D(58000) + D("0.4") * D(57500)
    assert trade.data.average_close_price == (closed_total + fees) / D("0.5")


def test_a_flat_commission_is_the_rate_of_every_fill() -> None:
    fake = FakeThreeCommas()
    trade = run_to(fake, fake.add_account(commission="0.001"), "55000")
    assert trade.data.commission == D("0.001")
    assert trade.data.average_enter_price == D(60000) * D("0.999")
    assert trade.data.average_close_price == D(55000) * D("1.001")
