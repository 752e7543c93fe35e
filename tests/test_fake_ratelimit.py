"""Rate limits and bans on the fake: documented windows, Retry-After, escalation, switches."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from _sim_clock import SimClock
from threecommas_hedge._exceptions import IPBannedError
from threecommas_hedge._signing import HmacSigner, SignatureAuth
from threecommas_hedge.testing import FakeThreeCommas


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def fake(clock: SimClock) -> FakeThreeCommas:
    return FakeThreeCommas(clock=clock)


def signed(fake: FakeThreeCommas) -> httpx.Client:
    assert fake.api_secret is not None
    return httpx.Client(
        transport=fake.transport,
        base_url="https://api.3commas.io/public/api",
        auth=SignatureAuth(fake.api_key, HmacSigner(fake.api_secret)),
    )


@pytest.fixture
def http(fake: FakeThreeCommas) -> Iterator[httpx.Client]:
    with signed(fake) as client:
        yield client


def statuses(http: httpx.Client, count: int, path: str = "/ver1/accounts") -> list[int]:
    return [http.get(path).status_code for _ in range(count)]


def test_100_a_minute_then_429_for_300_seconds(
    fake: FakeThreeCommas, http: httpx.Client, clock: SimClock
) -> None:
    assert set(statuses(http, 100)) == {200}
    answer = http.get("/ver1/accounts")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "300"
    assert fake.rate_limited_count == 1
    clock.now += 100
    answer = http.get("/ver1/accounts")
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "200")
    clock.now += 200
    assert http.get("/ver1/accounts").status_code == 200
    assert fake.rate_limited_count == 2


def test_the_window_slides(http: httpx.Client, clock: SimClock) -> None:
    assert set(statuses(http, 60)) == {200}
    clock.now += 30
    assert set(statuses(http, 40)) == {200}
    clock.now += 30.5  # the first 60 have left the window
    assert set(statuses(http, 60)) == {200}
    assert http.get("/ver1/accounts").status_code == 429


def test_ignoring_the_restriction_gets_banned_with_growing_bans(
    fake: FakeThreeCommas, http: httpx.Client, clock: SimClock
) -> None:
    statuses(http, 101)
    assert statuses(http, 2) == [429, 429]
    answer = http.get("/ver1/accounts")
    assert (answer.status_code, answer.headers["Retry-After"]) == (418, "120")
    assert fake.banned_count == 1
    clock.now += 119
    assert http.get("/ver1/accounts").status_code == 418
    clock.now += 1
    assert http.get("/ver1/accounts").status_code == 200
    statuses(http, 102)
    answer = http.get("/ver1/accounts")
    assert (answer.status_code, answer.headers["Retry-After"]) == (418, "240")


def test_smart_trade_list_has_its_own_window_on_both_paths(
    fake: FakeThreeCommas, http: httpx.Client, clock: SimClock
) -> None:
    assert set(
        statuses(http, 20, "/v2/smart_trades") + statuses(http, 20, "/ver1/smart_trades")
    ) == {200}
    answer = http.get("/v2/smart_trades")
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "10")
    assert http.get("/ver1/accounts").status_code == 200  # only the list is restricted
    assert http.get("/ver1/smart_trades").status_code == 429
    clock.now += 10
    assert http.get("/v2/smart_trades").status_code == 200
    assert fake.rate_limited_count == 2


def test_unsigned_requests_count_too(fake: FakeThreeCommas) -> None:
    with httpx.Client(transport=fake.transport) as http:
        url = "https://api.3commas.io/public/api/ver1/accounts/market_list"
        codes = [http.get(url).status_code for _ in range(101)]
    assert codes[-2:] == [200, 429]


def test_rate_limits_can_be_switched_off() -> None:
    fake = FakeThreeCommas(rate_limits=False)
    with signed(fake) as http:
        assert set(statuses(http, 150, "/v2/smart_trades")) == {200}
    assert fake.rate_limited_count == 0


def test_ban_answers_418_to_everything(
    fake: FakeThreeCommas, http: httpx.Client, clock: SimClock
) -> None:
    fake.ban(seconds=30)
    answer = http.get("/ver1/accounts")
    assert (answer.status_code, answer.headers["Retry-After"]) == (418, "30")
    with httpx.Client(transport=fake.transport) as anonymous:
        assert (
            anonymous.get("https://api.3commas.io/public/api/ver1/accounts/market_list").status_code
            == 418
        )
    fake.advance(30)
    assert http.get("/ver1/accounts").status_code == 200
    assert clock.now == 1000.0  # advance() moves the fake's clock, not the source


def test_the_client_sees_a_ban_as_ipbannederror() -> None:
    fake = FakeThreeCommas(rate_limits=False)
    fake.ban(seconds=60)
    with fake.client() as client, pytest.raises(IPBannedError) as caught:
        client.request("GET", "/ver1/accounts")
    assert caught.value.status_code == 418
    assert [r.status for r in fake.requests] == [418]  # never retried
