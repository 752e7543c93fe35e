"""Injected faults: 5xx answers, timeouts and resets, before and after the request is applied."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from threecommas_hedge._exceptions import APIConnectionError, APITimeoutError, InternalServerError
from threecommas_hedge._signing import HmacSigner, SignatureAuth
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"


@pytest.fixture
def fake() -> FakeThreeCommas:
    fake = FakeThreeCommas(rate_limits=False)
    fake.set_price(PAIR, Decimal("60000"))
    return fake


@pytest.fixture
def account_id(fake: FakeThreeCommas) -> int:
    return fake.add_account()


@pytest.fixture
def http(fake: FakeThreeCommas) -> Iterator[httpx.Client]:
    assert fake.api_secret is not None
    auth = SignatureAuth(fake.api_key, HmacSigner(fake.api_secret))
    with httpx.Client(
        transport=fake.transport, base_url="https://api.3commas.io/public/api", auth=auth
    ) as client:
        yield client


def body(account_id: int) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "pair": PAIR,
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
    }


@pytest.mark.parametrize("after_commit", [False, True])
def test_5xx_json_answer_before_and_after_commit(
    fake: FakeThreeCommas, account_id: int, http: httpx.Client, after_commit: bool
) -> None:
    fake.fail_next(503, after_commit=after_commit)
    answer = http.post("/v2/smart_trades", json=body(account_id))
    assert answer.status_code == 503
    assert answer.json()["error"] == "internal_error"
    assert len(fake.smart_trades()) == (1 if after_commit else 0)
    assert fake.requests[-1].status == 503
    assert (
        http.post("/v2/smart_trades", json=body(account_id)).status_code == 201
    )  # the fault is spent
    assert len(fake.smart_trades()) == (2 if after_commit else 1)


def test_502_answers_an_html_page(fake: FakeThreeCommas, http: httpx.Client) -> None:
    fake.fail_next(502)
    answer = http.get("/v2/smart_trades")
    assert answer.status_code == 502
    assert answer.headers["content-type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in answer.text
    fake.fail_next(500, json={"error": "boom"})
    assert http.get("/v2/smart_trades").json() == {"error": "boom"}


@pytest.mark.parametrize(
    ("kind", "error"), [("timeout", httpx.ReadTimeout), ("reset", httpx.RemoteProtocolError)]
)
@pytest.mark.parametrize("after_commit", [False, True])
def test_dropped_answers_raise_without_a_response(
    fake: FakeThreeCommas,
    account_id: int,
    http: httpx.Client,
    kind: str,
    error: type[Exception],
    after_commit: bool,
) -> None:
    fake.fail_next(kind, after_commit=after_commit)  # type: ignore[arg-type]
    with pytest.raises(error):
        http.post("/v2/smart_trades", json=body(account_id))
    assert len(fake.smart_trades()) == (1 if after_commit else 0)
    assert fake.requests[-1].status is None
    assert fake.requests[-1].json["pair"] == PAIR


def test_after_commit_actions_are_applied(
    fake: FakeThreeCommas, account_id: int, http: httpx.Client
) -> None:
    trade_id = http.post("/v2/smart_trades", json=body(account_id)).json()["id"]
    fake.fail_next("reset", after_commit=True, path="/v2/smart_trades/*/close_by_market")
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(f"/v2/smart_trades/{trade_id}/close_by_market")
    assert fake.smart_trade(trade_id)["status"]["basic_type"] == "finished"


def test_filters_pick_the_request_that_fails(
    fake: FakeThreeCommas, account_id: int, http: httpx.Client
) -> None:
    fake.fail_next(504, method="POST", path="/public/api/v2/smart_trades")
    assert http.get("/v2/smart_trades").status_code == 200
    assert http.get("/ver1/accounts").status_code == 200
    assert http.post("/v2/smart_trades", json=body(account_id)).status_code == 504
    assert http.post("/v2/smart_trades", json=body(account_id)).status_code == 201


def test_faults_queue_in_order(fake: FakeThreeCommas, http: httpx.Client) -> None:
    fake.fail_next(500)
    fake.fail_next(503)
    assert [http.get("/ver1/accounts").status_code for _ in range(3)] == [500, 503, 200]


@pytest.mark.parametrize("kind", [200, 399, 600, True, "boom"])
def test_bad_fault_kinds_are_refused(fake: FakeThreeCommas, kind: Any) -> None:
    with pytest.raises(ValueError, match=r"status|kind"):
        fake.fail_next(kind)


def test_the_client_retries_a_get_and_never_re_sends_a_post(
    fake: FakeThreeCommas, account_id: int
) -> None:
    with fake.client(_sleep=lambda seconds: None, mode_guard=False) as client:
        fake.fail_next(503, method="GET")
        fake.fail_next("reset", method="GET")
        assert client.request("GET", "/v2/smart_trades") == []
        gets = [r.status for r in fake.requests if r.method == "GET"]
        assert gets == [503, None, 200]

        fake.fail_next("timeout", after_commit=True, method="POST")
        with pytest.raises(APITimeoutError):
            client.request("POST", "/v2/smart_trades", json=body(account_id))
        fake.fail_next(503, method="POST")
        with pytest.raises(InternalServerError):
            client.request("POST", "/v2/smart_trades", json=body(account_id))
    posts = [r.status for r in fake.requests if r.method == "POST"]
    assert posts == [None, 503]  # sent once each: the first one did create the trade
    assert len(fake.smart_trades()) == 1


async def test_async_clients_see_the_same_faults(fake: FakeThreeCommas, account_id: int) -> None:
    fake.fail_next("reset", after_commit=True, method="POST")
    async with fake.async_client(mode_guard=False) as client:
        with pytest.raises(APIConnectionError):
            await client.request("POST", "/v2/smart_trades", json=body(account_id))
    assert len(fake.smart_trades()) == 1
