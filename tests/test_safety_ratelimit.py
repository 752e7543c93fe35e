"""Rate budget against the fake: bursts finish with zero 429s in close to the minimum time.

The fake enforces the documented limits (100 requests a minute, 40 SmartTrade lists per 10 s,
429 and then a ban for clients that keep going). The client and the fake share a simulated clock,
so a burst that needs four minutes of API time runs in well under a second; one short test uses
the real clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections.abc import Awaitable
from decimal import Decimal
from typing import Any

import pytest

import threecommas_hedge as th
from _sim_clock import SimClock
from threecommas_hedge._ratelimit import RateLimits
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"
API_LIMIT, API_WINDOW = 100, 60.0
MARGIN = RateLimits().margin
CALLS = 500


class VirtualTime(SimClock):
    """Simulated time for many tasks: sleepers wake in deadline order once every task waits."""

    def __init__(self) -> None:
        super().__init__(start=0.0)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def async_sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, *jobs: Awaitable[Any]) -> None:
        tasks = [asyncio.ensure_future(job) for job in jobs]
        idle_spins = 0
        while not all(task.done() for task in tasks):
            running = sum(1 for task in tasks if not task.done())
            if len(self._sleepers) == running:  # everyone waits: jump to the next deadline
                deadline, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, deadline)
                future.set_result(None)
                idle_spins = 0
            else:
                idle_spins += 1
                assert idle_spins < 10_000, "a task waits on something other than the clock"
            await asyncio.sleep(0)
        for task in tasks:
            task.result()


def minimum_seconds(requests: int) -> float:
    """The least time ``requests`` can take under 100 a minute, the binding limit here.

    Lists are at most a fifth of any burst of 100, i.e. 20 < 40 per 10 s: never binding.
    """
    return API_WINDOW * (math.ceil(requests / API_LIMIT) - 1)


def world(clock: SimClock) -> tuple[FakeThreeCommas, int, int]:
    """A fake with a paper account and one SmartTrade, its rate windows empty again."""
    fake = FakeThreeCommas(clock=clock)
    account_id = fake.add_account("spot", "paper")
    fake.set_price(PAIR, Decimal("60000"))
    with fake.client(rate_limit=False, _clock=clock) as client:
        body = {
            "account_id": account_id,
            "pair": PAIR,
            "position": {"type": "buy", "order_type": "market", "units": {"value": "0.01"}},
        }
        trade_id = int(client.request("POST", "/v2/smart_trades", json=body)["id"])
    clock.sleep(API_WINDOW)  # the set-up requests leave the fake's window
    fake.requests.clear()
    return fake, account_id, trade_id


def mixed_call(index: int, account_id: int, trade_id: int) -> tuple[str, str, dict[str, Any]]:
    """Call ``index`` of the burst: v2 and v1 lists, reads, account reads and writes, in turn."""
    kind = index % 5
    if kind == 0:
        return "GET", "/v2/smart_trades", {"params": {"account_id": account_id, "per_page": 10}}
    if kind == 1:
        return "GET", f"/v2/smart_trades/{trade_id}", {}
    if kind == 2:
        return "GET", f"/ver1/accounts/{account_id}", {}
    if kind == 3:
        return "GET", "/ver1/smart_trades", {}
    return "POST", f"/v2/smart_trades/{trade_id}/set_note", {"json": {"note": f"call {index}"}}


def check_burst(fake: FakeThreeCommas, elapsed: float) -> None:
    sent = len(fake.requests)
    assert fake.rate_limited_count == 0
    assert fake.banned_count == 0
    assert sent >= CALLS  # the burst, plus the mode guard's account reads
    windows = math.ceil(sent / API_LIMIT) - 1
    assert minimum_seconds(sent) <= elapsed <= minimum_seconds(sent) + windows * MARGIN + 1e-3


def test_sync_burst_of_500_calls_has_no_429_and_takes_the_minimum_time() -> None:
    clock = SimClock(start=0.0)
    fake, account_id, trade_id = world(clock)
    start = clock.now
    with fake.client(_clock=clock, _sleep=clock.sleep) as client:
        for index in range(CALLS):
            method, path, options = mixed_call(index, account_id, trade_id)
            client.request(method, path, **options)
    check_burst(fake, clock.now - start)
    assert sum(1 for r in fake.requests if r.method == "POST") == CALLS // 5
    assert fake.smart_trade(trade_id)["note"] == f"call {CALLS - 1}"


async def test_async_burst_from_20_tasks_has_no_429_and_takes_the_minimum_time() -> None:
    clock = VirtualTime()
    fake, account_id, trade_id = world(clock)
    start = clock.now
    async with fake.async_client(_clock=clock, _sleep=clock.async_sleep) as client:

        async def worker(first: int) -> None:
            for index in range(first, CALLS, 20):
                method, path, options = mixed_call(index, account_id, trade_id)
                await client.request(method, path, **options)

        await clock.run(*(worker(first) for first in range(20)))
    check_burst(fake, clock.now - start)
    assert sum(1 for r in fake.requests if r.method == "POST") == CALLS // 5


def test_real_clock_keeps_the_list_window() -> None:
    """45 list calls on the real clock: the 41st waits out the 10 s window, and no 429."""
    fake = FakeThreeCommas()
    account_id = fake.add_account("spot", "paper")
    started = time.monotonic()
    with fake.client() as client:
        for _ in range(45):
            client.request("GET", "/v2/smart_trades", params={"account_id": account_id})
    elapsed = time.monotonic() - started
    assert fake.rate_limited_count == 0
    assert len(fake.requests) == 45
    assert 10.0 <= elapsed < 10.0 + MARGIN + 2.0


def test_a_429_from_the_server_is_never_followed_by_another() -> None:
    """Someone else spent the account's budget: one 429, then the client refuses locally."""
    clock = SimClock(start=0.0)
    fake, account_id, _ = world(clock)
    with fake.client(rate_limit=False, _clock=clock) as other:
        for _ in range(100):
            other.request("GET", "/ver1/accounts")
    with fake.client(_clock=clock, _sleep=clock.sleep) as client:
        with pytest.raises(th.RateLimitError) as info:
            client.request("GET", f"/ver1/accounts/{account_id}")
        assert info.value.retry_after == 300
        for _ in range(5):
            with pytest.raises(th.RateLimitError, match="not sent"):
                client.request("POST", "/v2/smart_trades", json={"account_id": account_id})
        assert fake.rate_limited_count == 1
        assert fake.banned_count == 0
        clock.sleep(300)
        assert client.request("GET", f"/ver1/accounts/{account_id}")["id"] == account_id
    assert fake.rate_limited_count == 1


def test_a_list_429_is_waited_out_once_then_the_call_succeeds() -> None:
    clock = SimClock(start=0.0)
    fake, account_id, trade_id = world(clock)
    with fake.client(rate_limit=False, _clock=clock) as other:
        for _ in range(40):
            other.request("GET", "/v2/smart_trades")
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.sleep(seconds)

    with fake.client(_clock=clock, _sleep=sleep) as client:
        listed = client.request("GET", "/v2/smart_trades", params={"account_id": account_id})
    assert [trade["id"] for trade in listed] == [trade_id]
    assert fake.rate_limited_count == 1
    assert slept == [10.0]  # the fake's Retry-After, once: the limiter adds no second wait


def test_a_ban_stops_every_request_locally_until_it_ends() -> None:
    clock = SimClock(start=0.0)
    fake, account_id, trade_id = world(clock)
    with fake.client(_clock=clock, _sleep=clock.sleep) as client:
        fake.ban(seconds=600)
        with pytest.raises(th.IPBannedError):
            client.request("GET", "/ver1/accounts")
        for _ in range(3):
            with pytest.raises(th.IPBannedError, match="not sent"):
                client.smart_trades.close_by_market(trade_id)
        assert fake.banned_count == 1
        clock.sleep(600)
        assert client.request("GET", f"/ver1/accounts/{account_id}")["id"] == account_id
    assert len(fake.requests) == 2


async def test_async_client_honours_a_ban_from_the_fake() -> None:
    clock = SimClock(start=0.0)
    fake, _, _ = world(clock)

    async def sleep(seconds: float) -> None:
        clock.sleep(seconds)

    async with fake.async_client(_clock=clock, _sleep=sleep) as client:
        fake.ban(seconds=120)
        for _ in range(3):
            with pytest.raises(th.IPBannedError):
                await client.request("GET", "/ver1/accounts")
    assert fake.banned_count == 1
    assert len(fake.requests) == 1
