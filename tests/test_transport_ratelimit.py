"""Server-asked waits capped at the documented maximums; ``reset()``; the queue's ``max_wait``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from _sim_clock import SimClock
from threecommas_hedge import (
    AsyncThreeCommas,
    Budget,
    ConfigurationError,
    IPBannedError,
    RateLimiter,
    RateLimitError,
    RateLimits,
    ThreeCommas,
)

BASE = "https://api.3commas.io/public/api"
CREDS = {"api_key": "key", "api_secret": "secret"}
GENERAL_PENALTY = 300.0  # reference section 4: the whole API is restricted 300 s after a 429
LONGEST_BAN = 3 * 24 * 3600.0  # reference section 4: bans grow up to 3 days
DATE_2099 = "Thu, 01 Jan 2099 00:00:00 GMT"


def server(answers: list[httpx.Response], sent: list[httpx.Request]) -> httpx.MockTransport:
    """Answers in order, then 200 ``[]`` for ever."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answers.pop(0) if answers else httpx.Response(200, json=[])

    return httpx.MockTransport(handler)


def client_for(
    clock: SimClock, answers: list[httpx.Response], sent: list[httpx.Request], **options: Any
) -> ThreeCommas:
    return ThreeCommas(
        **CREDS,
        http_client=httpx.Client(transport=server(answers, sent)),
        mode_guard=False,
        _clock=clock,
        _sleep=clock.sleep,
        **options,
    )


@pytest.mark.parametrize("retry_after", ["1000000000", DATE_2099])
def test_a_huge_retry_after_restricts_no_longer_than_documented(retry_after: str) -> None:
    clock, sent = SimClock(), []
    client = client_for(clock, [httpx.Response(429, headers={"Retry-After": retry_after})], sent)
    with pytest.raises(RateLimitError) as first:
        client.request("GET", "/ver1/accounts")
    assert first.value.retry_after is not None and first.value.retry_after > LONGEST_BAN
    with pytest.raises(RateLimitError, match="local") as local:
        client.request("GET", "/ver1/accounts")
    assert local.value.retry_after is not None and local.value.retry_after <= GENERAL_PENALTY
    assert len(sent) == 1
    clock.now += GENERAL_PENALTY + 1
    assert client.request("GET", "/ver1/accounts") == []
    assert len(sent) == 2


@pytest.mark.parametrize("retry_after", ["1000000000", DATE_2099])
def test_a_huge_ban_lasts_no_longer_than_the_longest_documented_ban(retry_after: str) -> None:
    clock = SimClock()
    limiter = RateLimiter(clock=clock)
    request = httpx.Request("GET", BASE + "/ver1/accounts")
    response = httpx.Response(418, headers={"Retry-After": retry_after}, request=request)
    limiter.observe(request, "/ver1/accounts", response)
    assert limiter.banned_until is not None
    assert limiter.banned_until - clock.now == LONGEST_BAN


def test_reset_clears_restrictions_and_bans() -> None:
    clock, sent = SimClock(), []
    answers = [
        httpx.Response(429, headers={"Retry-After": "250"}),
        httpx.Response(418, headers={"Retry-After": "3600"}),
    ]
    client = client_for(clock, answers, sent, max_retries=0)
    with pytest.raises(RateLimitError):
        client.request("GET", "/ver1/accounts")
    with pytest.raises(RateLimitError, match="local"):
        client.request("GET", "/ver1/accounts")
    limiter = client.rate_limiter
    assert limiter is not None
    limiter.reset()
    with pytest.raises(IPBannedError):
        client.request("GET", "/ver1/accounts")  # the server's 418
    with pytest.raises(IPBannedError, match="local"):
        client.request("GET", "/ver1/accounts")
    limiter.reset()
    assert limiter.banned_until is None
    assert client.request("GET", "/ver1/accounts") == []
    assert len(sent) == 3 and clock.slept == []


def one_per_minute(clock: SimClock) -> RateLimiter:
    return RateLimiter(
        RateLimits(budgets=(Budget("api", limit=1, seconds=60.0, penalty=300.0),), margin=0.0),
        clock=clock,
    )


def test_max_wait_refuses_a_long_queue_instead_of_sleeping() -> None:
    clock, sent = SimClock(), []
    client = client_for(clock, [], sent, rate_limit=one_per_minute(clock), max_wait=5.0)
    client.request("GET", "/ver1/accounts")
    with pytest.raises(RateLimitError, match="queue") as caught:
        client.request("GET", "/ver1/accounts")
    assert caught.value.error == "client_side_limit"
    assert len(sent) == 1 and clock.slept == []
    clock.now += 56.0  # the slot is 4 s away now: within max_wait, so it waits
    client.request("GET", "/ver1/accounts")
    assert len(sent) == 2 and clock.slept == [pytest.approx(4.0)]


def test_without_max_wait_the_queue_is_slept_through() -> None:
    clock, sent = SimClock(), []
    client = client_for(clock, [], sent, rate_limit=one_per_minute(clock))
    client.request("GET", "/ver1/accounts")
    client.request("GET", "/ver1/accounts")
    assert len(sent) == 2 and clock.slept == [pytest.approx(60.0)]


def test_async_max_wait_refuses_a_long_queue() -> None:
    clock, sent = SimClock(), []

    async def run() -> None:
        async with AsyncThreeCommas(
            **CREDS,
            http_client=httpx.AsyncClient(transport=server([], sent)),
            mode_guard=False,
            rate_limit=one_per_minute(clock),
            max_wait=5.0,
            _clock=clock,
            _sleep=clock.asleep,
        ) as client:
            await client.request("GET", "/ver1/accounts")
            with pytest.raises(RateLimitError, match="queue"):
                await client.request("GET", "/ver1/accounts")

    asyncio.run(run())
    assert len(sent) == 1 and clock.slept == []


@pytest.mark.parametrize("bad", [-1, float("nan"), True, "5"])
def test_bad_max_wait_is_refused(bad: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ThreeCommas(**CREDS, max_wait=bad)
    assert caught.value.field == "max_wait"
