"""AsyncThreeCommas: the same wire, errors and retry behaviour as the sync client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

import threecommas_hedge as th
from threecommas_hedge import AsyncThreeCommas

BASE = "https://api.3commas.io/public/api"
TRADES = BASE + "/v2/smart_trades"
CHANGE_MODE = BASE + "/ver1/users/change_mode"
HTML_502 = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


# These tests pin the core's wire behaviour; the safety layer (mode guard, rate limiter) has its
# own tests and would add account look-ups and waits to every request here.
CORE_ONLY: dict[str, Any] = {"mode_guard": False, "rate_limit": False}


@pytest.fixture
def creds(signature_vectors: dict[str, Any]) -> dict[str, str]:
    return {"api_key": signature_vectors["api_key"], "api_secret": signature_vectors["hmac_secret"]}


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def fake_sleep(sleeps: list[float]) -> Callable[[float], Any]:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return sleep


@pytest.fixture
async def client(
    creds: dict[str, str], fake_sleep: Callable[[float], Any]
) -> AsyncIterator[AsyncThreeCommas]:
    async with AsyncThreeCommas(**creds, **CORE_ONLY, _sleep=fake_sleep) as c:
        yield c


@pytest.fixture
async def rsa_client(
    signature_vectors: dict[str, Any],
    rsa_private_key_pem: bytes,
    fake_sleep: Callable[[float], Any],
) -> AsyncIterator[AsyncThreeCommas]:
    async with AsyncThreeCommas(
        api_key=signature_vectors["api_key"],
        private_key=rsa_private_key_pem,
        _sleep=fake_sleep,
        **CORE_ONLY,
    ) as c:
        yield c


async def test_get_with_query_signed_and_decimal(
    client: AsyncThreeCommas,
    respx_mock: respx.MockRouter,
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    route = respx_mock.get(TRADES).mock(
        return_value=httpx.Response(200, content=b'[{"profit": 1.25}]')
    )
    result = await client.request(
        "GET", "/v2/smart_trades", params={"per_page": 10, "order_by": "created_at"}
    )
    assert result == [{"profit": Decimal("1.25")}]
    request = route.calls.last.request
    assert request.url.raw_path == b"/public/api/v2/smart_trades?order_by=created_at&per_page=10"
    assert request.headers["Forced-Mode"] == "paper"
    assert check_signature(request, secret=creds["api_secret"])


async def test_official_query_vectors(
    client: AsyncThreeCommas,
    rsa_client: AsyncThreeCommas,
    respx_mock: respx.MockRouter,
    signature_vectors: dict[str, Any],
) -> None:
    route = respx_mock.post(CHANGE_MODE).mock(return_value=httpx.Response(201, json={}))
    await client.request("POST", "/ver1/users/change_mode", params={"mode": "paper"})
    await rsa_client.request("POST", "/ver1/users/change_mode", params={"mode": "paper"})
    hmac_request, rsa_request = (call.request for call in route.calls)
    assert hmac_request.headers["Signature"] == signature_vectors["vectors"][0]["signature"]
    assert rsa_request.headers["Signature"] == signature_vectors["vectors"][2]["signature"]


async def test_post_json_body_hmac_and_rsa(
    client: AsyncThreeCommas,
    rsa_client: AsyncThreeCommas,
    respx_mock: respx.MockRouter,
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    route = respx_mock.post(TRADES + "/5/add_funds").mock(
        return_value=httpx.Response(201, json={"id": 5})
    )
    body = {"order_type": "market", "units": {"value": Decimal("0.0015")}}
    await client.request("POST", "/v2/smart_trades/5/add_funds", json=body)
    await rsa_client.request("POST", "/v2/smart_trades/5/add_funds", json=body)
    hmac_request, rsa_request = (call.request for call in route.calls)
    for request in (hmac_request, rsa_request):
        assert request.content == b'{"order_type":"market","units":{"value":"0.0015"}}'
        assert request.headers["Content-Type"] == "application/json"
    assert check_signature(hmac_request, secret=creds["api_secret"])
    assert check_signature(rsa_request)


async def test_unsigned_request_keeps_forced_mode(
    client: AsyncThreeCommas, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(BASE + "/ver1/accounts/currency_rates").mock(
        return_value=httpx.Response(200, json={})
    )
    await client.request(
        "GET", "/ver1/accounts/currency_rates", params={"pair": "USDT_BTC"}, auth=False
    )
    request = route.calls.last.request
    assert request.headers["Forced-Mode"] == "paper"
    assert "Signature" not in request.headers
    assert "Apikey" not in request.headers


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.Response(502, content=HTML_502),
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("dropped"),
        httpx.ReadError("reset"),
    ],
    ids=["500", "502-html", "read-timeout", "dropped", "reset"],
)
async def test_post_with_unknown_outcome_is_sent_once(
    client: AsyncThreeCommas,
    respx_mock: respx.MockRouter,
    sleeps: list[float],
    failure: httpx.Response | Exception,
) -> None:
    route = respx_mock.post(TRADES).mock(side_effect=[failure, httpx.Response(201, json={})])
    with pytest.raises(th.APIError):
        await client.request("POST", "/v2/smart_trades", json={"a": 1}, max_retries=5)
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(503), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped")],
    ids=["503", "read-timeout", "dropped"],
)
async def test_get_retries_with_backoff(
    client: AsyncThreeCommas,
    respx_mock: respx.MockRouter,
    sleeps: list[float],
    failure: httpx.Response | Exception,
) -> None:
    route = respx_mock.get(TRADES).mock(
        side_effect=[failure, failure, httpx.Response(200, json=[])]
    )
    assert await client.request("GET", "/v2/smart_trades") == []
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5


async def test_get_gives_up_with_the_right_error(
    client: AsyncThreeCommas, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(TRADES).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(th.APITimeoutError) as info:
        await client.request("GET", "/v2/smart_trades")
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert route.call_count == 3


async def test_post_retries_after_connect_error(
    client: AsyncThreeCommas, respx_mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = respx_mock.post(TRADES).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(201, json={"id": 2})]
    )
    assert await client.request("POST", "/v2/smart_trades", json={"a": 1}) == {"id": 2}
    assert route.call_count == 2
    assert len(sleeps) == 1


async def test_rate_limits_and_bans(
    client: AsyncThreeCommas, respx_mock: respx.MockRouter, sleeps: list[float]
) -> None:
    waits = respx_mock.get(TRADES + "/1").mock(
        side_effect=[
            httpx.Response(429, json={"error": "rate"}, headers={"Retry-After": "2"}),
            httpx.Response(200, json={"id": 1}),
        ]
    )
    assert await client.request("GET", "/v2/smart_trades/1") == {"id": 1}
    assert waits.call_count == 2
    assert sleeps == [2.0]

    plan = respx_mock.get(TRADES + "/2").mock(
        return_value=httpx.Response(
            429,
            json={"error": "denied", "error_description": "not available on your plan"},
            headers={"Retry-After": "1"},
        )
    )
    with pytest.raises(th.RateLimitError) as info:
        await client.request("GET", "/v2/smart_trades/2")
    assert info.value.plan_restricted
    assert plan.call_count == 1

    bare = respx_mock.get(TRADES + "/3").mock(return_value=httpx.Response(429, json={}))
    with pytest.raises(th.RateLimitError):
        await client.request("GET", "/v2/smart_trades/3")
    assert bare.call_count == 1

    banned = respx_mock.get(TRADES + "/4").mock(return_value=httpx.Response(418))
    with pytest.raises(th.IPBannedError):
        await client.request("GET", "/v2/smart_trades/4")
    assert banned.call_count == 1
    assert sleeps == [2.0]


async def test_error_bodies(client: AsyncThreeCommas, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(TRADES + "/1").mock(
        return_value=httpx.Response(400, json={"error": "Not found"})
    )
    respx_mock.get(TRADES + "/2").mock(return_value=httpx.Response(200, content=b'{"id": 2,'))
    respx_mock.get(TRADES + "/3").mock(
        return_value=httpx.Response(502, content=HTML_502, headers={"Content-Type": "text/html"})
    )
    with pytest.raises(th.NotFoundError) as not_found:
        await client.request("GET", "/v2/smart_trades/1")
    assert not_found.value.status_code == 400
    with pytest.raises(th.APIResponseValidationError):
        await client.request("GET", "/v2/smart_trades/2")
    with pytest.raises(th.InternalServerError) as server:
        await client.request("GET", "/v2/smart_trades/3", max_retries=0)
    assert server.value.status_code == 502


async def test_aclose_and_lent_clients(creds: dict[str, str]) -> None:
    own = AsyncThreeCommas(**creds, **CORE_ONLY)
    copy = own.with_options(max_retries=0, timeout=1)
    assert copy._http is own._http
    await copy.aclose()
    assert not own._http.is_closed
    await own.aclose()
    assert own._http.is_closed

    lent = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    async with AsyncThreeCommas(**creds, **CORE_ONLY, http_client=lent) as c:
        assert await c.request("GET", "/ver1/validate") is None
    assert not lent.is_closed
    await lent.aclose()


async def test_env_fallback_and_missing_credentials(
    monkeypatch: pytest.MonkeyPatch, creds: dict[str, str]
) -> None:
    with pytest.raises(th.ThreeCommasError, match="THREECOMMAS_API_SECRET"):
        AsyncThreeCommas(api_key="k")
    monkeypatch.setenv("THREECOMMAS_API_KEY", creds["api_key"])
    monkeypatch.setenv("THREECOMMAS_API_SECRET", creds["api_secret"])
    async with AsyncThreeCommas(mode="real") as c:
        assert repr(c) == (
            "AsyncThreeCommas(base_url='https://api.3commas.io/public/api', mode='real', "
            "auth='hmac')"
        )
        assert creds["api_secret"] not in repr(c)


def test_sync_http_client_is_refused(creds: dict[str, str]) -> None:
    sync = httpx.Client()
    with pytest.raises(TypeError, match="AsyncClient"):
        AsyncThreeCommas(**creds, **CORE_ONLY, http_client=sync)  # type: ignore[arg-type]
    sync.close()
