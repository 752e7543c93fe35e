"""client.portfolio against the fake, sync and async: plan, open, re-open, faults, status, close."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from decimal import Decimal as D
from typing import Any

import pytest

from threecommas_hedge import AsyncThreeCommas, HedgeValidationError, ThreeCommas
from threecommas_hedge.models import MarketRules
from threecommas_hedge.testing import FakeThreeCommas

Client = ThreeCommas | AsyncThreeCommas


async def _no_sleep(seconds: float) -> None:
    return None


async def call(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@pytest.fixture
def fake() -> FakeThreeCommas:
    fake = FakeThreeCommas()
    for pair, price in {
        "USDT_BTCUSDT": "60000",
        "USDT_ETHUSDT": "3000",
        "USDT_SOLUSDT": "150",
        "USDT_BNBUSDT": "500",
        "USDT_ADAUSDT": "0.5",
        "USDT_DOGEUSDT": "0.2",
    }.items():
        fake.set_price(pair, D(price))
    fake.set_rules("USDT_ADAUSDT", MarketRules(lot_step=D("1"), min_notional=D("100")))
    return fake


@pytest.fixture
def accounts(fake: FakeThreeCommas) -> tuple[int, int]:
    futures = fake.add_account("futures")
    spot = fake.add_account("spot")
    for code, amount in {
        "BTC": "1",
        "ETH": "10",
        "SOL": "5",
        "USDT": "1000",  # stablecoin
        "SHIB": "3",  # no futures pair
        "DOGE": "10",  # dust: 2 USDT
        "BNB": "2",  # excluded
        "ADA": "100",  # below the market minimum after rounding (25 < 100)
    }.items():
        fake.set_balance(spot, code, D(amount))
    return spot, futures


@pytest.fixture(params=["sync", "async"])
async def client(request: pytest.FixtureRequest, fake: FakeThreeCommas) -> AsyncIterator[Client]:
    if request.param == "sync":
        with fake.client(_sleep=lambda seconds: None) as sync_client:
            yield sync_client
    else:
        async with fake.async_client(_sleep=_no_sleep) as async_client:
            yield async_client


async def make_plan(client: Client, accounts: tuple[int, int], **options: Any) -> Any:
    settings: dict[str, Any] = {
        "ratio": D("0.5"),
        "ratios": {"ETH": D("0.3"), "SOL": D("0")},
        "take_profit_percent": D("-8"),
        "stop_loss_percent": D("3"),
        "exclude": ("BNB",),
        "min_value": D("50"),
    }
    settings.update(options)
    return await call(client.portfolio.plan(*accounts, **settings))


def trades_by_coin(fake: FakeThreeCommas) -> dict[str, int]:
    counts: dict[str, int] = {}
    for trade in fake.smart_trades():
        counts[trade["pair"]] = counts.get(trade["pair"], 0) + 1
    return counts


async def test_balances_from_the_fake_are_exact(client: Client, accounts: tuple[int, int]) -> None:
    rows = await call(client.accounts.balances(accounts[0]))
    by_code = {row.currency_code: row for row in rows}
    assert by_code["BTC"].position == D("1")
    assert by_code["BTC"].usd_value == D("60000")
    assert by_code["USDT"].current_price_usd == D("1")
    counts = await call(client.accounts.active_trading_entities(accounts[1]))
    assert counts.active_smart_trades_count == 0
    slices = await call(client.accounts.pie_chart(accounts[0]))
    assert {s.code for s in slices} == set(by_code)


async def test_plan_with_a_skip_of_every_kind(client: Client, accounts: tuple[int, int]) -> None:
    plan = await make_plan(client, accounts)
    assert [leg.asset for leg in plan.legs] == ["BTC", "ETH"]
    assert plan.leg("ETH").quantity == D("3")
    reasons = plan.skipped
    assert reasons["USDT"].startswith("stablecoin")
    assert reasons["SHIB"].startswith("no futures pair")
    assert reasons["DOGE"].startswith("dust")
    assert reasons["BNB"] == "excluded"
    assert reasons["ADA"].startswith("below the market's minimum")
    assert reasons["SOL"] == "ratio 0"
    refused = await make_plan(client, accounts, leverage=200, stop_loss_percent=D("5"))
    assert all(
        r.startswith("refused by a safety check")
        for a, r in refused.skipped.items()
        if a in ("BTC", "ETH")
    )


async def test_open_reopen_status_close(
    client: Client, accounts: tuple[int, int], fake: FakeThreeCommas
) -> None:
    plan = await make_plan(client, accounts)
    first = await call(client.portfolio.open(plan))
    assert set(first.opened) == {"BTC", "ETH"} and not first.existing and not first.failed
    again = await call(client.portfolio.open(plan))
    assert not again.opened and set(again.existing) == {"BTC", "ETH"}
    assert trades_by_coin(fake) == {"USDT_BTCUSDT": 1, "USDT_ETHUSDT": 1}
    status = await call(client.portfolio.status(plan.tag))
    assert {leg.asset for leg in status.legs} == {"BTC", "ETH"}
    closed = await call(client.portfolio.close(plan.tag))
    assert set(closed) == {"BTC", "ETH"}
    assert not await call(client.portfolio.close(plan.tag))  # nothing open is left


async def test_fault_after_commit_then_reopen_leaves_one_trade_per_coin(
    client: Client, accounts: tuple[int, int], fake: FakeThreeCommas
) -> None:
    plan = await make_plan(client, accounts)
    fake.fail_next("reset", after_commit=True, method="POST", path="/v2/smart_trades")
    fake.fail_next(422, method="POST", path="/v2/smart_trades")  # the second leg is refused
    first = await call(client.portfolio.open(plan))
    # the lost answer of BTC's create is found by its tag; ETH's refusal does not stop BTC
    assert set(first.opened) == {"BTC"} and set(first.failed) == {"ETH"}
    assert trades_by_coin(fake) == {"USDT_BTCUSDT": 1}
    second = await call(client.portfolio.open(plan))
    assert set(second.opened) == {"ETH"} and set(second.existing) == {"BTC"}
    assert trades_by_coin(fake) == {"USDT_BTCUSDT": 1, "USDT_ETHUSDT": 1}


async def test_status_and_close_from_a_new_client_with_only_the_tag(
    client: Client, accounts: tuple[int, int], fake: FakeThreeCommas
) -> None:
    plan = await make_plan(client, accounts)
    await call(client.portfolio.open(plan))
    with fake.client(_sleep=lambda seconds: None) as other:
        assert {leg.asset for leg in other.portfolio.status(plan.tag).legs} == {"BTC", "ETH"}
        assert set(other.portfolio.close(plan.tag)) == {"BTC", "ETH"}


async def test_refuses_a_futures_account_that_is_not_futures_or_another_exchange(
    client: Client, accounts: tuple[int, int], fake: FakeThreeCommas
) -> None:
    spot, _ = accounts
    with pytest.raises(HedgeValidationError, match="not a futures account"):
        await make_plan(client, (spot, spot))
    other = fake.add_account("futures", exchange_name="Bybit Futures account simulator")
    with pytest.raises(HedgeValidationError, match="different exchanges"):
        await make_plan(client, (spot, other))
