"""The client-side rate limiter: budgets on simulated time, 429/418 feedback, client wiring."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

import threecommas_hedge as th
from _sim_clock import SimClock
from threecommas_hedge import AsyncThreeCommas, ThreeCommas
from threecommas_hedge._ratelimit import DEFAULT_BUDGETS, Budget, RateLimiter, RateLimits

BASE = "https://api.3commas.io/public/api"
CREDS = {"api_key": "key-1234567890", "api_secret": "secret-abcdefghij"}
LIST = "/v2/smart_trades"


def req(method: str, path: str, **headers: str) -> httpx.Request:
    return httpx.Request(method, BASE + path, headers=headers)


def answer(status: int, *, retry_after: str | None = None, body: Any = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(status, headers=headers, json=body if body is not None else {})


def acquire(limiter: RateLimiter, method: str, path: str, **kwargs: Any) -> float:
    return limiter.acquire(req(method, path), path, **kwargs)


def max_in_window(times: list[float], seconds: float) -> int:
    """The most sends any half-open window (x - seconds, x] holds (brute force)."""
    return max(sum(1 for t in times if end - seconds < t <= end) for end in times)


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


# ---------------------------------------------------------------- budgets


def test_general_budget_then_waits_one_window_plus_margin(clock: SimClock) -> None:
    limiter = RateLimiter(RateLimits(margin=0.5), clock=clock)
    waits = [acquire(limiter, "POST", "/v2/smart_trades/1/set_note") for _ in range(100)]
    assert waits == [0.0] * 100
    assert acquire(limiter, "GET", "/ver1/accounts") == pytest.approx(60.5, abs=1e-3)
    assert acquire(limiter, "GET", "/ver1/accounts") == pytest.approx(60.5, abs=1e-3)


def test_sequential_caller_stays_within_every_window_in_minimum_time(clock: SimClock) -> None:
    limiter = RateLimiter(RateLimits(margin=0.25), clock=clock)
    sent: list[float] = []
    for i in range(250):
        path = LIST if i % 3 == 0 else f"/v2/smart_trades/{i}"
        clock.sleep(limiter.acquire(req("GET", path), path))
        sent.append(clock.now)
    lists = [t for i, t in enumerate(sent) if i % 3 == 0]
    assert max_in_window(sent, 60.0) == 100
    assert max_in_window(lists, 10.0) <= 40
    # 250 calls: 100 at once, 100 one window later, 50 two windows later
    assert sent[-1] - sent[0] == pytest.approx(2 * 60.25, abs=1e-3)


def test_list_window_applies_to_v1_and_v2_lists_together(clock: SimClock) -> None:
    limiter = RateLimiter(RateLimits(margin=0), clock=clock)
    for i in range(40):
        assert acquire(limiter, "GET", "/ver1/smart_trades" if i % 2 else LIST) == 0
    assert acquire(limiter, "GET", "/ver1/smart_trades") == pytest.approx(10.0, abs=1e-3)
    # a POST to the list path and a GET of one trade are outside the list window
    assert acquire(limiter, "POST", LIST) == 0
    assert acquire(limiter, "GET", "/v2/smart_trades/7") == 0


def test_a_write_is_not_queued_behind_a_list_call_that_waits(clock: SimClock) -> None:
    limiter = RateLimiter(RateLimits(margin=0), clock=clock)
    for _ in range(41):
        acquire(limiter, "GET", LIST)  # the 41st holds a slot 10 s ahead
    assert acquire(limiter, "POST", "/v2/smart_trades/1/close_by_market") == 0


def test_deal_endpoints_have_their_own_windows() -> None:
    budgets = {budget.name: budget for budget in DEFAULT_BUDGETS}
    assert budgets["deal_show"].covers("GET", "/ver1/deals/42/show")
    assert not budgets["deal_show"].covers("GET", "/ver1/deals/42")
    assert not budgets["deal_show"].covers("GET", "/ver1/deals//show")
    assert budgets["deals"].covers("get", "/ver1/deals")
    assert not budgets["deals"].covers("POST", "/ver1/deals")
    assert budgets["api"].covers("DELETE", "/anything/at/all")
    assert (budgets["api"].limit, budgets["api"].seconds, budgets["api"].penalty) == (100, 60, 300)
    smart = budgets["smart_trade_list"]
    assert (smart.limit, smart.seconds, smart.penalty) == (40, 10, 10)


def test_reservations_from_concurrent_callers_never_overlap(clock: SimClock) -> None:
    """Threads reserve at once on a clock that does not move: the slots still fit the window."""
    limiter = RateLimiter(RateLimits(budgets=(Budget("b", 5, 10.0, 10.0),), margin=0), clock=clock)
    slots: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            wait = acquire(limiter, "GET", "/x")
            with lock:
                slots.append(clock.now + wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slots) == 80
    assert max_in_window(sorted(slots), 10.0) == 5
    assert max(slots) - clock.now == pytest.approx(150.0, abs=1e-3)  # 80 = 16 bursts of 5


@settings(max_examples=120, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["list", "one", "write"]),
            st.floats(min_value=0, max_value=4, allow_nan=False),
            st.booleans(),  # wait for the slot (a sequential caller) or not (one more waiter)
        ),
        min_size=1,
        max_size=60,
    ),
    margin=st.sampled_from([0.0, 0.3]),
)
def test_slots_respect_every_window_and_are_the_earliest(
    steps: list[tuple[str, float, bool]], margin: float
) -> None:
    clock = SimClock()
    budgets = (
        Budget("api", 7, 6.0, 30.0),
        Budget("list", 3, 2.0, 2.0, method="GET", paths=(LIST,)),
    )
    limiter = RateLimiter(RateLimits(budgets=budgets, margin=margin), clock=clock)
    booked: list[tuple[str, float]] = []
    for kind, gap, waits in steps:
        clock.sleep(gap)
        method, path = {
            "list": ("GET", LIST),
            "one": ("GET", "/v2/smart_trades/5"),
            "write": ("POST", "/v2/smart_trades"),
        }[kind]
        wait = acquire(limiter, method, path)
        assert wait >= 0
        slot = clock.now + wait

        def fits(at: float, kind: str = kind) -> bool:
            everything = sorted([t for _, t in booked] + [at])
            lists = sorted([t for k, t in booked if k == "list"] + ([at] if kind == "list" else []))
            return max_in_window(everything, 6.0 + margin) <= 7 and (
                not lists or max_in_window(lists, 2.0 + margin) <= 3
            )

        assert fits(slot)
        if wait > 1e-3:  # nothing a little earlier would have fitted
            assert not fits(slot - 1e-3)
        booked.append((kind, slot))
        if waits:
            clock.sleep(wait)


# ---------------------------------------------------------------- server feedback


def test_429_with_retry_after_restricts_every_scope_of_the_request(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock)
    until = limiter.observe(req("GET", LIST), LIST, answer(429, retry_after="5"))
    assert until == clock.now + 5
    assert acquire(limiter, "GET", LIST) == pytest.approx(5)
    assert acquire(limiter, "POST", "/v2/smart_trades") == pytest.approx(5)
    # the request that got the 429 slept through it in its retry loop: no second wait
    assert acquire(limiter, "GET", LIST, waited_until=until) == 0


def test_429_without_retry_after_restricts_the_narrowest_scope(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock)
    limiter.observe(req("GET", LIST), LIST, answer(429))
    assert acquire(limiter, "GET", LIST) == pytest.approx(10)  # the list's mitigation period
    assert acquire(limiter, "POST", "/v2/smart_trades") == 0


def test_general_429_without_retry_after_refuses_locally_for_300_s(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock)
    limiter.observe(req("GET", "/ver1/accounts"), "/ver1/accounts", answer(429))
    with pytest.raises(th.RateLimitError) as info:
        acquire(limiter, "POST", "/v2/smart_trades")
    assert info.value.retry_after == 300
    assert "not sent" in str(info.value)
    clock.sleep(300)
    assert acquire(limiter, "POST", "/v2/smart_trades") == 0


def test_plan_restricted_429_is_no_rate_limit(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock)
    body = {"error": "access_denied", "error_description": "not available on your plan"}
    assert limiter.observe(req("GET", LIST), LIST, answer(429, body=body)) is None
    assert acquire(limiter, "GET", LIST) == 0


def test_other_statuses_change_nothing(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock)
    for status in (200, 201, 400, 500, 503):
        assert limiter.observe(req("GET", LIST), LIST, answer(status)) is None
    assert limiter.banned_until is None


def test_418_bans_until_retry_after_and_never_sends(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock)
    limiter.observe(req("GET", LIST), LIST, answer(418, retry_after="120"))
    assert limiter.banned_until == clock.now + 120
    signed = req("POST", "/v2/smart_trades", Apikey="key-1234567890", Signature="f00d" * 16)
    with pytest.raises(th.IPBannedError) as info:
        limiter.acquire(signed, "/v2/smart_trades")
    error = info.value
    assert error.status_code == 418 and error.retry_after == 120
    assert "Apikey" not in error.response.request.headers
    assert "Signature" not in error.response.request.headers
    assert "key-1234567890" not in str(error) and "f00d" not in str(error)
    clock.sleep(119.5)
    with pytest.raises(th.IPBannedError):
        acquire(limiter, "GET", "/ver1/accounts")
    clock.sleep(0.5)
    assert limiter.banned_until is None
    assert acquire(limiter, "GET", "/ver1/accounts") == 0


def test_418_without_retry_after_assumes_a_growing_ban(clock: SimClock) -> None:
    limiter = RateLimiter(RateLimits(ban_seconds=120), clock=clock)
    limiter.observe(req("GET", LIST), LIST, answer(418))
    assert limiter.banned_until == clock.now + 120
    clock.sleep(120)
    limiter.observe(req("GET", LIST), LIST, answer(418))
    assert limiter.banned_until == clock.now + 240


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="limit >= 1"):
        Budget("x", 0, 10.0, 1.0)
    with pytest.raises(ValueError, match="limit >= 1"):
        Budget("x", 1, 0.0, 1.0)
    with pytest.raises(ValueError, match="margin"):
        RateLimits(margin=-1)
    with pytest.raises(ValueError, match="ban_seconds"):
        RateLimits(ban_seconds=0)


# ---------------------------------------------------------------- wired into the clients


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float], clock: SimClock) -> Iterator[ThreeCommas]:
    limits = RateLimits(budgets=(Budget("tiny", 2, 10.0, 20.0),), margin=0)
    with ThreeCommas(
        **CREDS, rate_limit=limits, mode_guard=False, _sleep=sleeps.append, _clock=clock
    ) as c:
        yield c


def test_client_sleeps_the_limiter_wait(
    client: ThreeCommas, sleeps: list[float], respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(BASE + "/ver1/accounts").mock(return_value=httpx.Response(200, json=[]))
    for _ in range(3):
        client.request("GET", "/ver1/accounts")
    assert route.call_count == 3
    assert sleeps == [pytest.approx(10.0, abs=1e-3)]


def test_with_options_copies_share_the_limiter(
    client: ThreeCommas, sleeps: list[float], respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(BASE + "/ver1/accounts").mock(return_value=httpx.Response(200, json=[]))
    copy = client.with_options(max_retries=0)
    assert copy.rate_limiter is client.rate_limiter
    client.request("GET", "/ver1/accounts")
    copy.request("GET", "/ver1/accounts")
    client.request("GET", "/ver1/accounts")
    assert sleeps == [pytest.approx(10.0, abs=1e-3)]


def test_a_418_from_the_server_bans_every_later_request_locally(
    client: ThreeCommas, respx_mock: respx.MockRouter
) -> None:
    banned = respx_mock.get(BASE + LIST).mock(return_value=answer(418, retry_after="600"))
    other = respx_mock.post(BASE + "/v2/smart_trades").mock(return_value=answer(201))
    with pytest.raises(th.IPBannedError):
        client.request("GET", LIST)
    for _ in range(3):
        with pytest.raises(th.IPBannedError, match="not sent"):
            client.request("POST", "/v2/smart_trades", json={"pair": "USDT_BTC"})
    assert banned.call_count == 1
    assert other.call_count == 0


async def test_async_client_shares_a_limiter_given_by_the_caller(
    clock: SimClock, respx_mock: respx.MockRouter
) -> None:
    limiter = RateLimiter(RateLimits(budgets=(Budget("tiny", 1, 5.0, 5.0),), margin=0), clock=clock)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.sleep(seconds)

    route = respx_mock.get(BASE + LIST).mock(return_value=httpx.Response(200, json=[]))
    first = AsyncThreeCommas(**CREDS, rate_limit=limiter, mode_guard=False, _sleep=sleep)
    second = AsyncThreeCommas(**CREDS, rate_limit=limiter, mode_guard=False, _sleep=sleep)
    async with first, second:
        assert first.rate_limiter is second.rate_limiter is limiter
        await first.request("GET", LIST)
        await second.request("GET", LIST)
    assert route.call_count == 2
    assert slept == [pytest.approx(5.0, abs=1e-3)]


async def test_async_client_honours_a_ban(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(BASE + LIST).mock(return_value=answer(418, retry_after="60"))
    async with AsyncThreeCommas(**CREDS, mode_guard=False) as client:
        for _ in range(2):
            with pytest.raises(th.IPBannedError):
                await client.request("GET", LIST)
    assert route.call_count == 1


def test_rate_limit_option() -> None:
    with ThreeCommas(**CREDS) as on:
        assert isinstance(on.rate_limiter, RateLimiter)
        assert on.rate_limiter.limits == RateLimits()
    with ThreeCommas(**CREDS, rate_limit=False) as off:
        assert off.rate_limiter is None
    with pytest.raises(TypeError, match="rate_limit"):
        ThreeCommas(**CREDS, rate_limit="yes")  # type: ignore[arg-type]
