"""client.portfolio against the fake, sync and async: plan, open, re-open, faults, status, close."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from decimal import Decimal as D
from typing import Any

import httpx
import pytest

from threecommas_hedge import AsyncThreeCommas, HedgeValidationError, ThreeCommas
from threecommas_hedge._guard import ModeMismatchError
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


async def test_leverage_cap_read_per_pair_skips_the_coin_with_the_reason(
    client: Client, accounts: tuple[int, int], fake: FakeThreeCommas
) -> None:
    fake.set_rules("USDT_ETHUSDT", MarketRules(max_leverage=3))
    plan = await make_plan(client, accounts, leverage=5, stop_loss_percent=D("1"))
    assert [leg.asset for leg in plan.legs] == ["BTC"]
    assert plan.skipped["ETH"].startswith("leverage above the pair's maximum")
    assert "5x" in plan.skipped["ETH"] and "3x" in plan.skipped["ETH"]
    asked = {r.query.get("pair") for r in fake.requests if r.path.endswith("leverage_data")}
    assert {"USDT_BTCUSDT", "USDT_ETHUSDT"} <= asked
    within = await make_plan(client, accounts, leverage=3, stop_loss_percent=D("1"))
    assert [leg.asset for leg in within.legs] == ["BTC", "ETH"]


async def test_status_pnl_combines_spot_and_short_per_leg_and_in_total(
    client: Client, accounts: tuple[int, int], fake: FakeThreeCommas
) -> None:
    plan = await make_plan(client, accounts)
    await call(client.portfolio.open(plan))
    fake.set_price("USDT_BTCUSDT", D("57000"))  # inside the take profit (-8 %)
    fake.set_price("USDT_ETHUSDT", D("3060"))  # inside the stop loss (+3 %)
    spots = {leg.asset: leg.spot for leg in plan.legs}
    held = await call(client.portfolio.status(plan.tag, spot=spots))
    legs = {leg.asset: leg for leg in held.legs}

    def fee(asset: str) -> D:
        trade = legs[asset].trade
        return (
            (trade.data.commission or D(0))
            * legs[asset].status.entered_quantity
            * (legs[asset].status.average_entry or D(0))
        )

    # BTC: 1 held at 60000, 0.5 short from 60000, now 57000; ETH: 10 held, 3 short, 3000 -> 3060
    btc = D(1) * (57000 - 60000) + D("0.5") * (60000 - 57000) - fee("BTC")
    eth = D(10) * (3060 - 3000) + D(3) * (3000 - 3060) - fee("ETH")
    assert legs["BTC"].pnl == btc and legs["ETH"].pnl == eth
    assert held.pnl == btc + eth
    assert held.spot_pnl == D(-3000) + D(600)
    assert held.short_pnl == D(1500) - D(180) - fee("BTC") - fee("ETH")
    # a new process with only the tag: the spot leg is the hedged part, valued from the entry
    with fake.client(_sleep=lambda seconds: None) as other:
        tagged = other.portfolio.status(plan.tag)
    assert tagged.spot_pnl == D("0.5") * (57000 - 60000) + D(3) * (3060 - 3000)
    assert tagged.pnl == -fee("BTC") - fee("ETH")
    assert tagged.reported_pnl == sum((leg.trade.profit.usd or D(0) for leg in tagged.legs), D(0))


class Overlap(httpx.AsyncBaseTransport):
    """The fake behind a transport that hands control back before answering a create, counting
    how many creates are in flight at once."""

    def __init__(self, fake: FakeThreeCommas) -> None:
        self.inner = fake.transport
        self.in_flight = self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or request.url.path != "/public/api/v2/smart_trades":
            return await self.inner.handle_async_request(request)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            for _ in range(5):
                await asyncio.sleep(0)
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_async_open_sends_legs_concurrently_within_the_bound(
    fake: FakeThreeCommas, accounts: tuple[int, int], concurrency: int
) -> None:
    spot = accounts[0]
    for coin in ("LINK", "DOT", "AVAX"):
        fake.set_price(f"USDT_{coin}USDT", D("20"))
        fake.set_balance(spot, coin, D("100"))
    transport = Overlap(fake)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncThreeCommas(
            api_key=fake.api_key, api_secret=fake.api_secret, http_client=http, _sleep=_no_sleep
        ) as client,
    ):
        plan = await make_plan(client, accounts)
        assert len(plan.legs) == 5
        fake.fail_next(422, method="POST", path="/v2/smart_trades")  # one leg refused
        first = await client.portfolio.open(plan, concurrency=concurrency)
        assert len(first.opened) == 4 and len(first.failed) == 1
        assert transport.most == concurrency  # legs overlapped, never more than the bound
        again = await client.portfolio.open(plan, concurrency=concurrency)
        assert set(again.opened) == set(first.failed) and len(again.existing) == 4
        third = await client.portfolio.open(plan)
        assert not third.opened and not third.failed and len(third.existing) == 5
    assert all(count == 1 for count in trades_by_coin(fake).values())
    assert len(trades_by_coin(fake)) == 5


async def test_async_open_concurrent_legs_still_pass_the_mode_guard(
    fake: FakeThreeCommas, accounts: tuple[int, int]
) -> None:
    async with fake.async_client(_sleep=_no_sleep) as paper:
        plan = await make_plan(paper, accounts)
    async with fake.async_client(_sleep=_no_sleep, mode="real") as real:
        result = await real.portfolio.open(plan)
    assert set(result.failed) == {"BTC", "ETH"} and not result.opened
    assert all(isinstance(error, ModeMismatchError) for error in result.failed.values())
    assert not [r for r in fake.requests if r.method == "POST" and "smart_trades" in r.path]


async def test_async_concurrent_open_keeps_to_the_rate_budget_on_a_simulated_clock(
    fake: FakeThreeCommas, accounts: tuple[int, int]
) -> None:
    spot = accounts[0]
    for index in range(40):
        fake.set_price(f"USDT_X{index:02d}USDT", D("10"))
        fake.set_balance(spot, f"X{index:02d}", D("100"))
    now = [0.0]
    sent_at: list[float] = []

    async def sleep(seconds: float) -> None:  # concurrent waits overlap on the clock
        deadline = now[0] + seconds
        await asyncio.sleep(0)
        if deadline > now[0]:
            fake.advance(deadline - now[0])
            now[0] = deadline

    class Clocked(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent_at.append(now[0])
            return await fake.transport.handle_async_request(request)

    async with (
        httpx.AsyncClient(transport=Clocked()) as http,
        AsyncThreeCommas(
            api_key=fake.api_key, api_secret=fake.api_secret, http_client=http,
            _sleep=sleep, _clock=lambda: now[0],
        ) as client,
    ):  # fmt: skip
        plan = await make_plan(client, accounts)
        result = await client.portfolio.open(plan, concurrency=8)
    assert len(result.opened) == 42 and not result.failed  # 40 coins + BTC and ETH
    assert len(sent_at) > 120  # more than one budget window
    # the published budget: at most 100 requests in any 60 s
    assert all(sent_at[i + 100] - sent_at[i] >= 60 for i in range(len(sent_at) - 100))
    assert all(r.status != 429 for r in fake.requests)
