"""The keeper against the fake, sync and async, tick by tick: open at the ratio, the band,
resizes, re-arming after TP and SL, closing a sold coin, and restarts that never double a hedge."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from threecommas_hedge._writes.client_tag import client_tag_of
from threecommas_hedge.keeper import (
    AsyncKeeper,
    Holding,
    Keeper,
    KeeperPolicy,
    SqliteJournal,
    TickReport,
)
from threecommas_hedge.models import MarketRules
from threecommas_hedge.testing import FakeThreeCommas

D = Decimal
PRICES = {"BTC": D("60000"), "ETH": D("3000")}


def pair(asset: str) -> str:
    return f"USDT_{asset}USDT"


async def _no_sleep(seconds: float) -> None:
    return None  # the write checks' waits cost no time (the window counts what was slept)


@dataclass
class World:
    """A fake, a spot bag, a keeper clock and a keeper (sync or async) on one journal."""

    fake: FakeThreeCommas
    mode: str
    journal_path: Path
    stack: AsyncExitStack
    bag: dict[str, D] = field(default_factory=lambda: {"BTC": D("1"), "ETH": D("10")})
    now: float = 1_000_000.0
    keeper: Any = None
    policy: KeeperPolicy | None = None

    async def start(self, **settings: Any) -> None:
        """A new keeper (a restart) on the same journal, with ``settings`` over the defaults."""
        spot = self.fake_spot
        options: dict[str, Any] = {
            "spot_account_id": spot,
            "futures_account_id": self.futures,
            "ratio": D("0.5"),
            "ratios": {"ETH": D("0.3")},
            "band": D("0.1"),
            "take_profit_percent": D("-8"),
            "stop_loss_percent": D("3"),
            "rearm": "cooldown",
            "cooldown_seconds": 3600,
            "min_value": D("50"),
        }
        options.update(settings)
        self.policy = KeeperPolicy(**options)
        journal = SqliteJournal(self.journal_path)
        if self.mode == "sync":
            client = self.stack.enter_context(self.fake.client(_sleep=lambda seconds: None))
            self.keeper = Keeper(
                client, self.policy, journal=journal, clock=self.clock, balances=self.holdings
            )
        else:
            aclient = await self.stack.enter_async_context(self.fake.async_client(_sleep=_no_sleep))
            self.keeper = AsyncKeeper(
                aclient, self.policy, journal=journal, clock=self.clock, balances=self.holdings
            )

    fake_spot: int = 0
    futures: int = 0

    def clock(self) -> float:
        return self.now

    def holdings(self, account_id: int) -> dict[str, Holding]:
        assert account_id == self.fake_spot
        return {a: Holding(q, self.fake.price(pair(a)) or D(0)) for a, q in self.bag.items()}

    async def tick(self) -> TickReport:
        self.fake.advance(5)
        if self.mode == "sync":
            report: TickReport = self.keeper.run_once()
        else:
            report = await self.keeper.run_once()
        return report

    def active(self, asset: str) -> list[dict[str, Any]]:
        return [
            t
            for t in self.fake.smart_trades()
            if t["pair"] == pair(asset) and t["status"]["type"] not in FINAL
        ]

    def short(self, asset: str) -> D:
        (trade,) = self.active(asset)
        return D(str(trade["position"]["units"]["value"]))

    def writes(self) -> int:
        return sum(1 for r in self.fake.requests if r.method != "GET")


FINAL = {"finished", "cancelled", "failed", "panic_sold", "successfully_finish"}


@pytest.fixture(params=["sync", "async"])
async def world(request: Any, tmp_path: Path) -> AsyncIterator[World]:
    fake = FakeThreeCommas()
    for asset, price in PRICES.items():
        fake.set_price(pair(asset), price)
    async with AsyncExitStack() as stack:
        w = World(fake, request.param, tmp_path / "keeper.sqlite", stack)
        w.fake_spot = fake.add_account("spot")
        w.futures = fake.add_account()
        await w.start()
        yield w


def kinds(report: TickReport) -> dict[str, str]:
    return {a.asset: a.kind for a in report.actions}


async def test_opens_at_the_ratio_then_leaves_it_within_the_band(world: World) -> None:
    report = await world.tick()
    assert kinds(report) == {"BTC": "open", "ETH": "open"}
    assert report.outcomes == ("ok", "ok")
    assert world.short("BTC") == D("1") * D("0.5")
    assert world.short("ETH") == D("10") * D("0.3")
    searches = [r for r in world.fake.requests if r.query.get("status") == "all"]
    assert searches == []  # fresh tags: no look for an earlier attempt before each open
    writes = world.writes()
    world.bag["BTC"] = D("1.09")  # target 0.545: 0.045 off, within 10 % of it
    world.bag["ETH"] = D("9.1")  # target 2.73: 0.27 off, within 0.273
    report = await world.tick()
    assert kinds(report) == {"BTC": "skip", "ETH": "skip"}
    assert {a.detail for a in report.actions} == {"within band"}
    assert world.writes() == writes


async def test_resizes_when_the_bag_grows_or_shrinks_past_the_band(world: World) -> None:
    await world.tick()
    (first,) = world.active("BTC")
    world.bag["BTC"] = D("2")
    report = await world.tick()
    assert kinds(report)["BTC"] == "resize" and report.outcomes[0] == "ok"
    world.fake.advance(5)
    assert world.short("BTC") == D("1.0")
    world.bag["BTC"] = D("1.2")
    report = await world.tick()
    assert kinds(report)["BTC"] == "resize" and report.outcomes[0] == "ok"
    world.fake.advance(5)
    assert world.short("BTC") == D("0.6")
    (still,) = world.active("BTC")
    assert still["id"] == first["id"]  # resized, never a second short
    adds = [r for r in world.fake.requests if r.path.endswith("/add_funds")]
    reduces = [r for r in world.fake.requests if r.path.endswith("/reduce_funds")]
    assert len(adds) == 1 and len(reduces) == 1


async def test_closes_the_hedge_of_a_coin_sold_below_min_value(world: World) -> None:
    await world.tick()
    world.bag["ETH"] = D("0.01")  # worth 30 < 50
    report = await world.tick()
    assert kinds(report)["ETH"] == "close" and report.outcomes[1] == "ok"
    world.fake.advance(5)
    assert world.active("ETH") == []
    report = await world.tick()
    assert kinds(report)["ETH"] == "skip"
    assert report.actions[1].detail.startswith("dust: worth 30")  # the planner's reason
    assert world.keeper.journal.exits() == {}  # a close by the keeper is no TP/SL exit


async def test_cooldown_after_a_take_profit_counts_from_when_the_exit_was_seen(
    world: World,
) -> None:
    await world.tick()
    world.fake.set_price(pair("BTC"), D("55000"))  # -8.3 %: the TP at -8 % fills
    world.now += 100
    seen_at = world.now
    report = await world.tick()
    btc = report.actions[0]
    assert btc.kind == "wait" and "take profit" in btc.detail
    assert world.keeper.journal.exits()["BTC"].seen_at == seen_at
    world.now = seen_at + 3599
    assert kinds(await world.tick())["BTC"] == "wait"
    await world.start(rearm="cooldown")  # a restart does not restart the cooldown
    world.now = seen_at + 3600
    report = await world.tick()
    assert kinds(report)["BTC"] == "open" and report.outcomes[0] == "ok"
    assert len(world.active("BTC")) == 1
    assert world.keeper.journal.exits() == {}


async def test_never_rearms_after_a_stop_loss_even_after_a_restart(world: World) -> None:
    await world.start(rearm="never")
    await world.tick()
    world.fake.set_price(pair("ETH"), D("3100"))  # +3.3 %: the SL at +3 % fires
    world.fake.advance(60)
    report = await world.tick()
    eth = report.actions[1]
    assert eth.kind == "wait" and "stop loss" in eth.detail and "never" in eth.detail
    await world.start(rearm="never")
    world.now += 10 * 86400
    report = await world.tick()
    assert kinds(report)["ETH"] == "wait" and world.active("ETH") == []


async def test_rearms_immediately_in_the_tick_that_sees_the_exit(world: World) -> None:
    await world.start(rearm="immediately")
    await world.tick()
    world.fake.set_price(pair("BTC"), D("55000"))
    report = await world.tick()
    assert kinds(report)["BTC"] == "open"
    world.fake.advance(5)
    (trade,) = world.active("BTC")
    assert D(str(trade["position"]["units"]["value"])) == D("0.5")
    assert len(world.fake.smart_trades()) == 3  # BTC's first, ETH's, BTC's second


async def test_a_fault_after_commit_then_a_new_keeper_leaves_exactly_one_hedge(
    world: World,
) -> None:
    world.bag = {"BTC": D("1")}
    world.fake.lag(seconds=60)  # longer than the write check window
    world.fake.fail_next("timeout", after_commit=True, method="POST", path="/ver1/smart_trades")
    world.fake.fail_next("timeout", after_commit=True, method="POST", path="/v2/smart_trades")
    report = await world.tick()
    assert report.outcomes == ("unknown",)
    assert len(world.fake.smart_trades()) == 1
    (row,) = world.keeper.journal.unsettled()
    assert row.client_tag == client_tag_of(world.fake.smart_trades()[0]["note"])
    world.fake.lag()
    world.fake.advance(61)
    await world.start()  # a new keeper on the same journal
    report = await world.tick()
    assert kinds(report) == {"BTC": "skip"}  # found by its tag, within band
    assert world.keeper.journal.unsettled() == ()
    assert len(world.fake.smart_trades()) == 1 and len(world.active("BTC")) == 1


class Killed(BaseException):
    """A kill -9 right after a request went out: nothing after it runs."""


async def test_a_kill_after_the_open_went_out_never_doubles_it(world: World) -> None:
    world.bag = {"BTC": D("1")}
    keeper = world.keeper
    client = keeper._client
    send = client._send

    def created(prepared: Any) -> bool:
        request = prepared.request
        return bool(request.method == "POST" and request.url.path.endswith("/v2/smart_trades"))

    # the process dies once the create's answer is in: the tick never journals the outcome
    def killed(prepared: Any) -> Any:
        answer = send(prepared)
        if created(prepared):
            raise Killed
        return answer

    async def akilled(prepared: Any) -> Any:
        answer = await send(prepared)
        if created(prepared):
            raise Killed
        return answer

    client._send = killed if world.mode == "sync" else akilled
    with pytest.raises(Killed):
        await world.tick()
    (row,) = keeper.journal.unsettled()
    assert row.outcome == "pending" and row.kind == "open"
    await world.start()
    report = await world.tick()
    assert kinds(report) == {"BTC": "skip"}
    assert len(world.fake.smart_trades()) == 1


async def default_keeper(
    stack: AsyncExitStack, fake: FakeThreeCommas, mode: str, policy: KeeperPolicy
) -> Callable[[], Awaitable[TickReport]]:
    """A keeper (sync or async) on the default paths (holdings from the API, no journal file);
    returns its tick, run five seconds after the last."""
    if mode == "sync":
        client = stack.enter_context(fake.client(_sleep=lambda seconds: None))
        keeper: Any = Keeper(client, policy)
    else:
        aclient = await stack.enter_async_context(fake.async_client(_sleep=_no_sleep))
        keeper = AsyncKeeper(aclient, policy)

    async def tick() -> TickReport:
        fake.advance(5)
        report = keeper.run_once()
        return (await report) if mode == "async" else report

    return tick


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_reads_the_spot_bag_and_the_market_rules_from_the_api(mode: str) -> None:
    """The default holdings path (``client.accounts.balances``), the listed-pair check and the
    market's lot step, as the portfolio planner does; rules and the market code read once."""
    fake = FakeThreeCommas()
    for asset, price in PRICES.items():
        fake.set_price(pair(asset), price)
    fake.set_rules(pair("BTC"), MarketRules(lot_step=D("0.01")))
    spot, futures = fake.add_account("spot"), fake.add_account()
    fake.set_balance(spot, "BTC", "1.0375")  # 0.51875 at 0.5 -> 0.51 on the lot step
    fake.set_balance(spot, "ETH", "10")
    fake.set_balance(spot, "DOGE", "100000", usd_price="0.1")  # no futures pair on the fake
    fake.set_balance(spot, "USDT", "500")
    policy = KeeperPolicy(spot_account_id=spot, futures_account_id=futures, min_value=D("50"))
    async with AsyncExitStack() as stack:
        tick = await default_keeper(stack, fake, mode, policy)

        report = await tick()
        actions = {a.asset: a for a in report.actions}
        assert {a: x.kind for a, x in actions.items()} == {
            "BTC": "open",
            "DOGE": "skip",
            "ETH": "open",
            "USDT": "skip",
        }
        assert actions["BTC"].quantity == D("0.51")
        assert actions["DOGE"].detail.startswith("no futures pair: USDT_DOGEUSDT is not listed")
        assert actions["USDT"].detail == "stablecoin / margin coin: not hedged"
        units = {t["pair"]: D(str(t["position"]["units"]["value"])) for t in fake.smart_trades()}
        assert units == {pair("BTC"): D("0.51"), pair("ETH"): D("5")}
        first = len(fake.requests)
        report = await tick()
        assert {a.kind for a in report.actions} == {"skip"}
        quiet = [f"{r.method} {r.path}" for r in fake.requests[first:]]
        assert sorted(quiet) == sorted(
            [
                f"POST /ver1/accounts/{spot}/account_table_data",
                "GET /ver1/accounts/market_pairs",
                "GET /v2/smart_trades",
            ]
        )


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_unreadable_market_rules_skip_the_coin_this_tick_only(mode: str) -> None:
    fake = FakeThreeCommas()
    for asset, price in PRICES.items():
        fake.set_price(pair(asset), price)
    spot, futures = fake.add_account("spot"), fake.add_account()
    fake.set_balance(spot, "BTC", "1")
    fake.set_balance(spot, "ETH", "10")
    fake.fail_next(404, method="GET", path="/ver1/accounts/currency_rates")  # BTC's, read first
    policy = KeeperPolicy(spot_account_id=spot, futures_account_id=futures)
    async with AsyncExitStack() as stack:
        tick = await default_keeper(stack, fake, mode, policy)

        first = await tick()
        btc, eth = first.actions
        assert btc.kind == "skip" and btc.detail.startswith("market rules of USDT_BTCUSDT not read")
        assert eth.kind == "open" and first.outcomes[1] == "ok"
        second = await tick()
        assert [a.kind for a in second.actions] == ["open", "skip"]
        assert len(fake.smart_trades()) == 2
