"""ThreeCommas (sync): exact wire requests, signatures recomputed, errors, retries, secrets."""

from __future__ import annotations

import functools
import inspect
import json
import logging
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

import threecommas_hedge as th
from threecommas_hedge import AsyncThreeCommas, ThreeCommas
from threecommas_hedge._base_client import _parsed_url
from threecommas_hedge._encoding import encode_body, json_body
from threecommas_hedge.models import (
    FundsRequest,
    SetNoteRequest,
    SmartTradeCreate,
    SmartTradeUpdate,
)

BASE = "https://api.3commas.io/public/api"
TRADES = BASE + "/v2/smart_trades"
CHANGE_MODE = BASE + "/ver1/users/change_mode"
HTML_502 = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
PLAN_429 = {
    "error": "access_denied",
    "error_description": "This request type is not available on your plan",
}


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
def client(creds: dict[str, str], sleeps: list[float]) -> Iterator[ThreeCommas]:
    with ThreeCommas(**creds, **CORE_ONLY, _sleep=sleeps.append) as c:
        yield c


@pytest.fixture
def rsa_client(
    signature_vectors: dict[str, Any], rsa_private_key_pem: bytes, sleeps: list[float]
) -> Iterator[ThreeCommas]:
    with ThreeCommas(
        api_key=signature_vectors["api_key"],
        private_key=rsa_private_key_pem,
        _sleep=sleeps.append,
        **CORE_ONLY,
    ) as c:
        yield c


@pytest.fixture
def secrets(signature_vectors: dict[str, Any], rsa_private_key_pem: bytes) -> list[str]:
    """Strings that must never show up in text produced by the library."""
    pem_lines = [line for line in rsa_private_key_pem.decode().splitlines() if "-----" not in line]
    return [signature_vectors["api_key"], signature_vectors["hmac_secret"], *pem_lines[:3]]


def assert_no_secret(text: str, secrets: list[str], *signatures: str) -> None:
    for secret in [*secrets, *signatures]:
        assert secret not in text


# ---------------------------------------------------------------- the wire


def test_get_with_query_is_sorted_encoded_once_and_signed(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    route = respx_mock.get(TRADES).mock(
        return_value=httpx.Response(200, content=b'[{"id": 7, "price": 0.1, "n": 3}]')
    )
    result = client.request(
        "GET", "/v2/smart_trades", params={"per_page": 100, "page": 2, "pair": "USDT_BTC"}
    )
    assert result == [{"id": 7, "price": Decimal("0.1"), "n": 3}]
    assert isinstance(result[0]["price"], Decimal)
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url.raw_path == b"/public/api/v2/smart_trades?page=2&pair=USDT_BTC&per_page=100"
    assert request.content == b""
    assert "Content-Type" not in request.headers
    assert request.headers["Apikey"] == creds["api_key"]
    assert request.headers["Forced-Mode"] == "paper"
    assert request.headers["Accept"] == "application/json"
    assert check_signature(request, secret=creds["api_secret"])


def test_query_values_are_encoded_exactly_once(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    class Direction(str, Enum):
        DESC = "DESC"

    route = respx_mock.get(TRADES).mock(return_value=httpx.Response(200, json=[]))
    note = "a b&c=d/é+%20"
    client.request(
        "GET",
        "/v2/smart_trades",
        params={
            "note": note,
            "z": Decimal("1E+2"),
            "flag": True,
            "off": False,
            "order_direction": Direction.DESC,
            "skipped": None,
        },
    )
    request = route.calls.last.request
    expected_query = "&".join(
        [
            "flag=true",
            "note=" + quote(note, safe=""),
            "off=false",
            "order_direction=DESC",
            "z=100",
        ]
    )
    assert request.url.raw_path == f"/public/api/v2/smart_trades?{expected_query}".encode()
    assert "%2520" in expected_query  # the literal "%20" in the value was encoded, not kept
    assert request.url.params["note"] == note  # and decodes back to the value given
    assert check_signature(request, secret=creds["api_secret"])


def test_post_with_query_matches_official_vectors(
    client: ThreeCommas,
    rsa_client: ThreeCommas,
    respx_mock: respx.MockRouter,
    signature_vectors: dict[str, Any],
) -> None:
    """POST /ver1/users/change_mode?mode=paper: the exact documented signatures go out."""
    route = respx_mock.post(CHANGE_MODE).mock(return_value=httpx.Response(201, json={}))
    client.request("POST", "/ver1/users/change_mode", params={"mode": "paper"})
    rsa_client.request("POST", "/ver1/users/change_mode", params={"mode": "paper"})
    hmac_request, rsa_request = (call.request for call in route.calls)
    for request in (hmac_request, rsa_request):
        assert request.url.raw_path == b"/public/api/ver1/users/change_mode?mode=paper"
        assert request.content == b""
    assert hmac_request.headers["Signature"] == signature_vectors["vectors"][0]["signature"]
    assert rsa_request.headers["Signature"] == signature_vectors["vectors"][2]["signature"]


def test_post_with_json_body_signs_the_bytes_sent(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    route = respx_mock.post(TRADES).mock(return_value=httpx.Response(201, json={"id": 1}))
    payload = {
        "account_id": 123,
        "pair": "USDT_BTC",
        "instant": True,
        "position": {"type": "sell", "units": {"value": Decimal("0.00100000")}},
        "take_profit": {"steps": [{"price": {"value": Decimal("6.5E+4"), "type": "last"}}]},
        "note": "hedge é",
    }
    assert client.request("POST", "/v2/smart_trades", json=payload) == {"id": 1}
    request = route.calls.last.request
    assert request.url.raw_path == b"/public/api/v2/smart_trades"
    assert request.headers["Content-Type"] == "application/json"
    expected = json.dumps(
        {
            **payload,
            "position": {"type": "sell", "units": {"value": "0.00100000"}},
            "take_profit": {"steps": [{"price": {"value": "65000", "type": "last"}}]},
        },
        separators=(",", ":"),
    ).encode()
    assert request.content == expected
    assert b": " not in request.content and b", " not in request.content
    assert check_signature(request, secret=creds["api_secret"])


def test_rsa_get_and_post_verify_with_the_public_key(
    rsa_client: ThreeCommas,
    respx_mock: respx.MockRouter,
    check_signature: Callable[..., bool],
) -> None:
    get = respx_mock.get(TRADES).mock(return_value=httpx.Response(200, json=[]))
    post = respx_mock.post(TRADES + "/9/set_note").mock(return_value=httpx.Response(201))
    rsa_client.request("GET", "/v2/smart_trades", params={"page": 1, "per_page": 10})
    rsa_client.request("POST", "/v2/smart_trades/9/set_note", json={"note": "x y"})
    assert check_signature(get.calls.last.request)
    body_request = post.calls.last.request
    assert body_request.content == b'{"note":"x y"}'
    assert check_signature(body_request)
    # RSA puts no "?" between path and body; HMAC would: prove the difference is real
    assert not check_signature(body_request, secret="anything")


def test_path_without_params_signs_the_bare_path(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    route = respx_mock.delete(TRADES + "/42").mock(return_value=httpx.Response(200, json={}))
    client.request("DELETE", "/v2/smart_trades/42")
    request = route.calls.last.request
    assert request.url.raw_path == b"/public/api/v2/smart_trades/42"
    assert check_signature(request, secret=creds["api_secret"])


def test_mode_real_and_unsigned_requests(
    creds: dict[str, str], respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(BASE + "/ver1/accounts/market_list").mock(
        return_value=httpx.Response(200, json=[])
    )
    with ThreeCommas(**creds, **CORE_ONLY, mode="real") as real:
        real.request("GET", "/ver1/accounts/market_list")
        real.request("GET", "/ver1/accounts/market_list", auth=False)
    signed, unsigned = (call.request for call in route.calls)
    assert signed.headers["Forced-Mode"] == "real"
    assert "Signature" in signed.headers
    assert unsigned.headers["Forced-Mode"] == "real"
    assert "Signature" not in unsigned.headers
    assert "Apikey" not in unsigned.headers


def test_base_url_prefix_is_part_of_the_signed_path(
    creds: dict[str, str], respx_mock: respx.MockRouter, check_signature: Callable[..., bool]
) -> None:
    base = "http://localhost:8080/proxy/public/api/"
    route = respx_mock.get("http://localhost:8080/proxy/public/api/ver1/validate").mock(
        return_value=httpx.Response(200, json={"valid": True})
    )
    with ThreeCommas(**creds, **CORE_ONLY, base_url=base) as c:
        assert c.base_url == "http://localhost:8080/proxy/public/api"
        assert c.request("GET", "/ver1/validate") == {"valid": True}
    request = route.calls.last.request
    assert request.url.raw_path == b"/proxy/public/api/ver1/validate"
    assert check_signature(request, secret=creds["api_secret"])


def test_empty_success_body_is_none(client: ThreeCommas, respx_mock: respx.MockRouter) -> None:
    respx_mock.delete(TRADES + "/1").mock(return_value=httpx.Response(204))
    respx_mock.post(TRADES + "/1/force_start").mock(return_value=httpx.Response(201, content=b" "))
    assert client.request("DELETE", "/v2/smart_trades/1") is None
    assert client.request("POST", "/v2/smart_trades/1/force_start") is None


def test_timeouts_are_always_set(creds: dict[str, str], respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(TRADES).mock(return_value=httpx.Response(200, json=[]))
    with ThreeCommas(**creds, **CORE_ONLY) as c:
        c.request("GET", "/v2/smart_trades")
        c.request("GET", "/v2/smart_trades", timeout=3)
        c.with_options(timeout=httpx.Timeout(5.0, connect=2.0)).request("GET", "/v2/smart_trades")
    default, override, copied = (call.request.extensions["timeout"] for call in route.calls)
    assert default == {"connect": 10.0, "read": 10.0, "write": 10.0, "pool": 10.0}
    assert override == {"connect": 3.0, "read": 3.0, "write": 3.0, "pool": 3.0}
    assert copied == {"connect": 2.0, "read": 5.0, "write": 5.0, "pool": 5.0}


# ---------------------------------------------------------------- request models, encoded once

CREATE_BODY: dict[str, Any] = {
    "account_id": 32455218,
    "pair": "USDT_BTC",
    "skip_enter_step": False,
    "note": "hedge",
    "leverage": {"enabled": True, "type": "isolated", "value": 3},
    "position": {"type": "sell", "order_type": "market", "units": {"value": "1E+2"}},
    "take_profit": {
        "enabled": True,
        "steps": [
            {
                "order_type": "limit",
                "volume": "40.0",
                "price": {"type": "ask", "value": "3.30980633289966e-05"},
            },
            {
                "order_type": "limit",
                "volume": "60",
                "price": {"type": "last", "value": "0.000000000000000000000000000000000001"},
                "trailing": {"enabled": True, "percent": "0.5"},
            },
        ],
    },
    "stop_loss": {
        "enabled": True,
        "breakeven": True,
        "order_type": "market",
        "conditional": {"price": {"type": "ask", "percent": "-3.30980633289966e-05"}},
    },
}
MODEL_BODIES: list[tuple[type[Any], dict[str, Any]]] = [
    (SmartTradeCreate, CREATE_BODY),
    (SmartTradeUpdate, {"take_profit": CREATE_BODY["take_profit"]}),
    (FundsRequest, {"order_type": "limit", "units": {"value": "0.04"}, "price": {"value": 7}}),
    (SetNoteRequest, {"note": "é \u2028 \x7f \U0001f600"}),
]


def dict_path_bytes(model: Any) -> bytes:
    """What the client sent for a model before it encoded models directly."""
    return json.dumps(
        model.model_dump(mode="json", exclude_none=True), separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")


@pytest.mark.parametrize(("cls", "body"), MODEL_BODIES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_request_model_is_sent_as_the_bytes_of_its_dict(cls: type[Any], body: Any) -> None:
    model = cls.model_validate(body)
    assert encode_body(model) == dict_path_bytes(model)
    assert encode_body(model) == encode_body(model.model_dump(mode="json", exclude_none=True))


def test_model_decimals_are_sent_in_plain_notation() -> None:
    sent = json.loads(encode_body(SmartTradeCreate.model_validate(CREATE_BODY)))
    assert sent["position"]["units"] == {"value": "100"}
    first, second = sent["take_profit"]["steps"]
    assert first["volume"] == "40.0"
    assert first["price"]["value"] == "0.0000330980633289966"
    assert second["price"]["value"] == "0." + "0" * 35 + "1"
    assert sent["stop_loss"]["conditional"]["price"]["percent"] == "-0.0000330980633289966"
    assert "leverage" in sent and "instant" not in sent  # None fields are left out


def test_a_model_pydantic_cannot_serialise_is_sent_as_json_dumps_would() -> None:
    model = SetNoteRequest.model_construct(note="a lone surrogate \ud800")  # not validated
    assert encode_body(model) == b'{"note":"a lone surrogate \\ud800"}' == dict_path_bytes(model)


@settings(max_examples=150, deadline=None)
@given(note=st.text(min_size=1, max_size=300))
def test_any_note_is_sent_as_the_bytes_of_the_dict(note: str) -> None:
    """DEL, control and astral characters come out as json.dumps escapes them."""
    model = SetNoteRequest(note=note)
    assert encode_body(model) == dict_path_bytes(model)


@pytest.mark.parametrize("value", [{"account_id": 7, "pair": "x"}, [1], "text", None])
def test_json_body_keeps_what_the_guard_reads(value: Any) -> None:
    if value is None:
        body = json_body(SmartTradeCreate.model_validate(CREATE_BODY))
        assert dict(body.fields) == {"account_id": 32455218}
    else:
        body = json_body(value)
        assert body.fields == (value if isinstance(value, dict) else {})
    decoded = json.loads(body.content)
    for name, item in body.fields.items():
        assert decoded[name] == item
    assert json_body(FundsRequest.model_validate(MODEL_BODIES[2][1])).fields == {}


def test_a_model_as_json_is_sent_as_its_bytes_and_signed(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    route = respx_mock.post(TRADES).mock(return_value=httpx.Response(201, json={"id": 1}))
    model = SmartTradeCreate.model_validate(CREATE_BODY)
    assert client.request("POST", "/v2/smart_trades", json=model) == {"id": 1}
    request = route.calls.last.request
    assert request.content == dict_path_bytes(model)
    assert request.headers["Content-Type"] == "application/json"
    assert check_signature(request, secret=creds["api_secret"])


def test_each_distinct_url_is_parsed_once(client: ThreeCommas) -> None:
    _parsed_url.cache_clear()
    first = client.build_request("GET", "/v2/smart_trades/7", params={"a": "b c"})
    again = client.build_request("POST", "/v2/smart_trades/7", params={"a": "b c"})
    other = client.build_request("GET", "/v2/smart_trades/8")
    assert str(first.url) == str(again.url) == TRADES + "/7?a=b%20c"
    assert str(other.url) == TRADES + "/8"
    assert (_parsed_url.cache_info().hits, _parsed_url.cache_info().misses) == (1, 2)


# ---------------------------------------------------------------- errors from the wire


def test_html_502_is_internal_server_error(
    client: ThreeCommas, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(TRADES).mock(
        return_value=httpx.Response(502, content=HTML_502, headers={"Content-Type": "text/html"})
    )
    with pytest.raises(th.InternalServerError) as info:
        client.request("GET", "/v2/smart_trades", max_retries=0)
    assert info.value.status_code == 502
    assert info.value.error is None


@pytest.mark.parametrize(
    "content",
    [
        b'{"p": 0.10, "q": [1e-8]}',
        b'\xef\xbb\xbf{"p": 0.10, "q": [1e-8]}',
        '{"p": 0.10, "q": [1e-8]}'.encode("utf-16"),
        '{"p": 0.10, "q": [1e-8]}'.encode("utf-32-le"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-32-le"],
)
def test_a_2xx_body_is_decoded_in_any_json_encoding_with_exact_decimals(
    client: ThreeCommas, respx_mock: respx.MockRouter, content: bytes
) -> None:
    respx_mock.get(TRADES).mock(return_value=httpx.Response(200, content=content))
    data = client.request("GET", "/v2/smart_trades")
    assert data == {"p": Decimal("0.10"), "q": [Decimal("1e-8")]}
    assert str(data["p"]) == "0.10"  # as written, not through float


@pytest.mark.parametrize(
    "content",
    [b'[{"id": 1, "price": "0.1"', b"<!doctype html><html>maintenance</html>", b'{"x": NaN}'],
    ids=["truncated", "html", "nan"],
)
def test_bad_2xx_body_is_response_validation_error(
    client: ThreeCommas, respx_mock: respx.MockRouter, content: bytes
) -> None:
    route = respx_mock.get(TRADES).mock(
        return_value=httpx.Response(200, content=content, headers={"X-Request-Id": "r-9"})
    )
    with pytest.raises(th.APIResponseValidationError) as info:
        client.request("GET", "/v2/smart_trades")
    assert info.value.status_code == 200
    assert info.value.request_id == "r-9"
    assert isinstance(info.value.__cause__, ValueError)
    assert route.call_count == 1  # a 2xx is never retried


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (
            400,
            {"error": "Not found", "error_description": "Smart Trade not found"},
            th.NotFoundError,
        ),
        (401, {"error": "signature_invalid"}, th.AuthenticationError),
        (403, {"error": "Forbidden"}, th.PermissionDeniedError),
        (404, {"error": "Not found"}, th.NotFoundError),
        (400, {"error": "Wrong param(s)"}, th.BadRequestError),
    ],
)
def test_status_errors(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    status: int,
    body: dict[str, str],
    cls: type[th.APIStatusError],
) -> None:
    route = respx_mock.get(TRADES + "/5").mock(return_value=httpx.Response(status, json=body))
    with pytest.raises(cls) as info:
        client.request("GET", "/v2/smart_trades/5")
    assert info.value.status_code == status
    assert info.value.error == body["error"]
    assert route.call_count == 1


def test_422_carries_fields(client: ThreeCommas, respx_mock: respx.MockRouter) -> None:
    body = {
        "error": "record_invalid",
        "error_description": "Invalid parameters",
        "error_attributes": {"position.total": ["too big"], "units_to_buy": ["too many"]},
    }
    respx_mock.post(TRADES).mock(return_value=httpx.Response(422, json=body))
    with pytest.raises(th.UnprocessableEntityError) as info:
        client.request("POST", "/v2/smart_trades", json={"pair": "USDT_BTC"})
    assert info.value.fields == {
        "position.total": ["too big"],
        "position.units.value": ["too many"],
    }


TRANSPORT_FAILURES = [
    (httpx.RemoteProtocolError, th.APIConnectionError),
    (httpx.ReadError, th.APIConnectionError),
    (httpx.WriteError, th.APIConnectionError),
    (httpx.ConnectError, th.APIConnectionError),
    (httpx.ReadTimeout, th.APITimeoutError),
    (httpx.WriteTimeout, th.APITimeoutError),
    (httpx.ConnectTimeout, th.APITimeoutError),
    (httpx.PoolTimeout, th.APITimeoutError),
]


@pytest.mark.parametrize(("exc_type", "cls"), TRANSPORT_FAILURES)
def test_transport_failures_are_wrapped_once(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    exc_type: type[httpx.TransportError],
    cls: type[th.APIConnectionError],
    secrets: list[str],
) -> None:
    route = respx_mock.get(TRADES).mock(side_effect=exc_type("connection went away"))
    with pytest.raises(cls) as info:
        client.request("GET", "/v2/smart_trades", max_retries=0)
    error = info.value
    assert type(error) is cls
    assert not isinstance(error, httpx.HTTPError)
    assert isinstance(error.__cause__, exc_type)
    sent_signature = route.calls.last.request.headers["Signature"]
    # the error (and the httpx error it wraps) keep only a redacted copy of the request
    for request in (error.request, error.__cause__.request):
        assert request is not None
        assert request.headers["Signature"] == "[redacted]"
        assert request.headers["Apikey"] == "[redacted]"
    assert_no_secret(str(error) + repr(error), secrets, sent_signature)


def test_status_error_response_has_redacted_request(
    client: ThreeCommas, respx_mock: respx.MockRouter, secrets: list[str]
) -> None:
    route = respx_mock.post(TRADES).mock(
        return_value=httpx.Response(401, json={"error": "signature_invalid"})
    )
    with pytest.raises(th.AuthenticationError) as info:
        client.request("POST", "/v2/smart_trades", json={"a": 1})
    sent = route.calls.last.request
    assert sent.headers["Signature"] != "[redacted]"  # what went out was signed
    error = info.value
    assert error.request is not None
    assert error.request.headers["Signature"] == "[redacted]"
    assert error.response.request.headers["Apikey"] == "[redacted]"
    assert error.response.request.content == sent.content
    assert_no_secret(str(error) + repr(error), secrets, sent.headers["Signature"])


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"error": "oops"}),
        httpx.Response(502, content=HTML_502),
        httpx.Response(503),
        httpx.Response(504),
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset by peer"),
    ],
    ids=["500", "502-html", "503", "504", "read-timeout", "dropped", "reset"],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_write_with_unknown_outcome_is_sent_exactly_once(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    sleeps: list[float],
    failure: httpx.Response | Exception,
    method: str,
) -> None:
    route = respx_mock.route(method=method, url=TRADES).mock(
        side_effect=[failure, httpx.Response(201, json={"id": 1})]
    )
    with pytest.raises(th.APIError):
        client.request(method, "/v2/smart_trades", json={"pair": "USDT_BTC"}, max_retries=5)
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.Response(502, content=HTML_502),
        httpx.Response(408),
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("dropped"),
        httpx.ReadError("reset"),
    ],
    ids=["500", "502-html", "408", "read-timeout", "dropped", "reset"],
)
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_idempotent_requests_retry_then_succeed(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    sleeps: list[float],
    failure: httpx.Response | Exception,
    method: str,
) -> None:
    route = respx_mock.route(method=method, url=TRADES + "/3").mock(
        side_effect=[failure, failure, httpx.Response(200, json={"id": 3})]
    )
    assert client.request(method, "/v2/smart_trades/3") == {"id": 3}
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5
    assert 0.75 <= sleeps[1] <= 1.0


def test_get_gives_up_after_max_retries(
    client: ThreeCommas, respx_mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = respx_mock.get(TRADES).mock(return_value=httpx.Response(503))
    with pytest.raises(th.InternalServerError):
        client.request("GET", "/v2/smart_trades")
    assert route.call_count == 3  # the first attempt and max_retries=2
    assert len(sleeps) == 2


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout])
def test_post_retries_when_the_request_never_left(
    client: ThreeCommas,
    respx_mock: respx.MockRouter,
    sleeps: list[float],
    exc_type: type[httpx.TransportError],
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    route = respx_mock.post(TRADES).mock(
        side_effect=[exc_type("refused"), httpx.Response(201, json={"id": 11})]
    )
    assert client.request("POST", "/v2/smart_trades", json={"a": 1}) == {"id": 11}
    assert route.call_count == 2
    assert len(sleeps) == 1
    assert check_signature(route.calls.last.request, secret=creds["api_secret"])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_429_waits_retry_after_then_retries(
    client: ThreeCommas, respx_mock: respx.MockRouter, sleeps: list[float], method: str
) -> None:
    route = respx_mock.route(method=method, url=TRADES).mock(
        side_effect=[
            httpx.Response(429, json={"error": "rate"}, headers={"Retry-After": "3"}),
            httpx.Response(200, json=[]),
        ]
    )
    assert client.request(method, "/v2/smart_trades") == []
    assert route.call_count == 2
    assert sleeps == [3.0]


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "3600"}], ids=["no-header", "too-long"])
def test_429_without_usable_retry_after_raises_at_once(
    client: ThreeCommas, respx_mock: respx.MockRouter, sleeps: list[float], headers: dict[str, str]
) -> None:
    route = respx_mock.get(TRADES).mock(
        return_value=httpx.Response(429, json={"error": "rate"}, headers=headers)
    )
    with pytest.raises(th.RateLimitError) as info:
        client.request("GET", "/v2/smart_trades")
    assert route.call_count == 1
    assert sleeps == []
    assert info.value.retry_after == (3600.0 if headers else None)


def test_plan_restricted_429_is_never_retried(
    client: ThreeCommas, respx_mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = respx_mock.get(TRADES).mock(
        return_value=httpx.Response(429, json=PLAN_429, headers={"Retry-After": "1"})
    )
    with pytest.raises(th.RateLimitError) as info:
        client.request("GET", "/v2/smart_trades")
    assert info.value.plan_restricted
    assert route.call_count == 1
    assert sleeps == []


def test_418_is_never_retried(
    client: ThreeCommas, respx_mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = respx_mock.get(TRADES).mock(
        return_value=httpx.Response(418, json={"error": "banned"}, headers={"Retry-After": "1"})
    )
    with pytest.raises(th.IPBannedError):
        client.request("GET", "/v2/smart_trades")
    assert route.call_count == 1
    assert sleeps == []


def test_max_retries_per_request_and_per_copy(
    client: ThreeCommas, respx_mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = respx_mock.get(TRADES).mock(return_value=httpx.Response(500))
    with pytest.raises(th.InternalServerError):
        client.request("GET", "/v2/smart_trades", max_retries=0)
    assert route.call_count == 1
    with pytest.raises(th.InternalServerError):
        client.with_options(max_retries=4).request("GET", "/v2/smart_trades")
    assert route.call_count == 1 + 5
    assert client.max_retries == 2


def test_attempt_hooks(creds: dict[str, str], respx_mock: respx.MockRouter) -> None:
    """A subclass can wait before each attempt and see each response (rate limiter, hooks)."""
    events: list[str] = []

    class Paced(ThreeCommas):
        def _before_attempt(self, request: httpx.Request, *_: Any) -> float:
            events.append(f"before {request.method} {request.url.path}")
            return 1.5

        def _after_response(self, request: httpx.Request, response: httpx.Response) -> None:
            events.append(f"after {response.status_code}")

    route = respx_mock.get(TRADES).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=[])]
    )
    with Paced(**creds, _sleep=lambda s: events.append(f"sleep {s:.1f}")) as c:
        c.request("GET", "/v2/smart_trades")
    assert route.call_count == 2
    path = "/public/api/v2/smart_trades"
    assert events[:3] == [f"before GET {path}", "sleep 1.5", "after 503"]
    assert events[3].startswith("sleep 0.")  # the backoff
    assert events[4:] == [f"before GET {path}", "sleep 1.5", "after 200"]


# ---------------------------------------------------------------- construction


def test_env_fallback_hmac(
    monkeypatch: pytest.MonkeyPatch,
    creds: dict[str, str],
    respx_mock: respx.MockRouter,
    check_signature: Callable[..., bool],
) -> None:
    monkeypatch.setenv("THREECOMMAS_API_KEY", creds["api_key"])
    monkeypatch.setenv("THREECOMMAS_API_SECRET", creds["api_secret"])
    route = respx_mock.get(TRADES).mock(return_value=httpx.Response(200, json=[]))
    with ThreeCommas() as c:
        assert repr(c).endswith("auth='hmac')")
        c.request("GET", "/v2/smart_trades")
    assert route.calls.last.request.headers["Apikey"] == creds["api_key"]
    assert check_signature(route.calls.last.request, secret=creds["api_secret"])


def test_env_fallback_rsa_with_escaped_newlines(
    monkeypatch: pytest.MonkeyPatch,
    signature_vectors: dict[str, Any],
    rsa_private_key_pem: bytes,
    respx_mock: respx.MockRouter,
) -> None:
    monkeypatch.setenv("THREECOMMAS_API_KEY", signature_vectors["api_key"])
    escaped = rsa_private_key_pem.decode().strip().replace("\n", "\\n")
    monkeypatch.setenv("THREECOMMAS_PRIVATE_KEY", escaped)
    route = respx_mock.post(CHANGE_MODE).mock(return_value=httpx.Response(201, json={}))
    with ThreeCommas() as c:
        assert repr(c).endswith("auth='rsa')")
        c.request("POST", "/ver1/users/change_mode", params={"mode": "paper"})
    assert (
        route.calls.last.request.headers["Signature"]
        == signature_vectors["vectors"][2]["signature"]
    )


def test_explicit_arguments_win_over_env(
    monkeypatch: pytest.MonkeyPatch, creds: dict[str, str]
) -> None:
    monkeypatch.setenv("THREECOMMAS_API_KEY", "env-key")
    monkeypatch.setenv("THREECOMMAS_PRIVATE_KEY", "not a pem at all")
    with ThreeCommas(**creds, **CORE_ONLY) as c:  # the env private key is not even parsed
        assert c.signer.name == "hmac"


def test_missing_credentials_name_the_variables() -> None:
    with pytest.raises(th.ThreeCommasError) as info:
        ThreeCommas()
    text = str(info.value)
    for name in ("THREECOMMAS_API_KEY", "THREECOMMAS_API_SECRET", "THREECOMMAS_PRIVATE_KEY"):
        assert name in text
    with pytest.raises(th.ThreeCommasError, match="THREECOMMAS_API_KEY") as only_key:
        ThreeCommas(api_secret="s")
    assert "THREECOMMAS_API_SECRET" not in str(only_key.value)
    with pytest.raises(th.ThreeCommasError, match="THREECOMMAS_PRIVATE_KEY") as only_secret:
        ThreeCommas(api_key="k")
    assert "THREECOMMAS_API_KEY" not in str(only_secret.value)


def test_ambiguous_credentials_are_refused(
    monkeypatch: pytest.MonkeyPatch, rsa_private_key_pem: bytes
) -> None:
    with pytest.raises(th.ThreeCommasError, match="not both"):
        ThreeCommas(api_key="k", api_secret="s", private_key=rsa_private_key_pem)
    monkeypatch.setenv("THREECOMMAS_API_SECRET", "s")
    monkeypatch.setenv("THREECOMMAS_PRIVATE_KEY", rsa_private_key_pem.decode())
    with pytest.raises(th.ThreeCommasError, match="both THREECOMMAS_API_SECRET"):
        ThreeCommas(api_key="k")


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"mode": "live"}, ValueError),
        ({"timeout": None}, TypeError),
        ({"timeout": 0}, ValueError),
        ({"timeout": -1.0}, ValueError),
        ({"timeout": httpx.Timeout(None)}, ValueError),
        ({"timeout": httpx.Timeout(5.0, pool=None)}, ValueError),
        ({"max_retries": -1}, ValueError),
        ({"max_retries": True}, ValueError),
        ({"base_url": "ftp://api.3commas.io/public/api"}, ValueError),
        ({"base_url": "/public/api"}, ValueError),
        ({"base_url": "https://api.3commas.io/public/api?x=1"}, ValueError),
        ({"http_client": httpx.AsyncClient()}, TypeError),
    ],
)
def test_invalid_options(
    creds: dict[str, str], options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        ThreeCommas(**creds, **CORE_ONLY, **options)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ({"method": "GET", "path": "v2/smart_trades"}, ValueError),
        ({"method": "GET", "path": "/v2/smart_trades?page=1"}, ValueError),
        ({"method": "GET", "path": "/v2/smart_trades", "json": {"a": 1}}, ValueError),
        ({"method": "POST", "path": "/v2/x", "params": {"a": 1}, "json": {"b": 2}}, ValueError),
        ({"method": "POST", "path": "/v2/x", "json": {"price": 1.5}}, TypeError),
        ({"method": "POST", "path": "/v2/x", "json": {"p": Decimal("NaN")}}, ValueError),
        ({"method": "POST", "path": "/v2/x", "json": {1: "int key"}}, TypeError),
        ({"method": "POST", "path": "/v2/x", "json": {"when": object()}}, TypeError),
        ({"method": "GET", "path": "/v2/x", "params": {"price": 1.5}}, TypeError),
        ({"method": "GET", "path": "/v2/x", "params": {"ids": [1, 2]}}, TypeError),
        ({"method": "GET", "path": "/v2/x", "max_retries": -1}, ValueError),
    ],
)
def test_invalid_requests_are_refused_before_sending(
    client: ThreeCommas, respx_mock: respx.MockRouter, call: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        client.request(**call)
    assert not respx_mock.calls


def test_write_with_params_only_sends_a_query(
    client: ThreeCommas, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.post(TRADES + "/1/set_note").mock(return_value=httpx.Response(201))
    client.request("POST", "/v2/smart_trades/1/set_note", params={"note": "hi"}, json=None)
    request = route.calls.last.request
    assert request.url.query == b"note=hi"
    assert request.content == b""
    assert "Content-Type" not in request.headers


# ---------------------------------------------------------------- options, pool, close


def test_with_options_shares_the_pool_and_only_the_owner_closes_it(
    creds: dict[str, str],
) -> None:
    original = ThreeCommas(**creds, **CORE_ONLY, max_retries=1)
    copy = original.with_options(timeout=2, max_retries=5)
    assert copy._http is original._http
    assert copy.timeout == httpx.Timeout(2.0)
    assert copy.max_retries == 5
    assert original.timeout == httpx.Timeout(10.0)
    assert original.max_retries == 1
    assert copy.with_options().max_retries == 5
    with copy:
        pass
    assert not original._http.is_closed
    original.close()
    assert original._http.is_closed


def test_with_options_drops_cached_resources(creds: dict[str, str]) -> None:
    """Resources added later as cached properties must bind to the copy, not the original."""

    class WithResource(ThreeCommas):
        @functools.cached_property
        def owner(self) -> ThreeCommas:
            return self

    original = WithResource(**creds)
    assert original.owner is original
    copy = original.with_options(max_retries=0)
    assert copy.owner is copy
    assert original.owner is original
    original.close()


def test_a_lent_http_client_is_used_and_never_closed(
    creds: dict[str, str], check_signature: Callable[..., bool]
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    lent = httpx.Client(
        transport=httpx.MockTransport(handler),
        params={"leak": "1"},
        headers={"X-Default": "1"},
        auth=("user", "pass"),
    )
    with ThreeCommas(**creds, **CORE_ONLY, http_client=lent) as c:
        assert c.request("GET", "/v2/smart_trades", params={"page": 1}) == {"ok": True}
    assert not lent.is_closed
    request = seen[0]
    assert request.url.raw_path == b"/public/api/v2/smart_trades?page=1"  # no client params merged
    assert "Authorization" not in request.headers  # our signing replaces the client's auth
    assert check_signature(request, secret=creds["api_secret"])
    lent.close()


# ---------------------------------------------------------------- secrets and logs


def test_repr_and_config_hold_no_secrets(
    client: ThreeCommas, rsa_client: ThreeCommas, secrets: list[str]
) -> None:
    assert repr(client) == (
        "ThreeCommas(base_url='https://api.3commas.io/public/api', mode='paper', auth='hmac')"
    )
    assert repr(rsa_client).endswith("auth='rsa')")
    for c in (client, rsa_client):
        for text in (repr(c), str(c), repr(c._config), repr(c.signer), repr(c._config.auth)):
            assert_no_secret(text, secrets)


@pytest.fixture
def restore_logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("threecommas_hedge")
    level, handlers = log.level, list(log.handlers)
    yield log
    log.setLevel(level)
    log.handlers[:] = handlers


def test_debug_log_is_opt_in_and_holds_no_secret(
    monkeypatch: pytest.MonkeyPatch,
    restore_logger: logging.Logger,
    caplog: pytest.LogCaptureFixture,
    creds: dict[str, str],
    respx_mock: respx.MockRouter,
    secrets: list[str],
) -> None:
    ThreeCommas(**creds, **CORE_ONLY).close()
    assert restore_logger.level == logging.NOTSET  # nothing configured without the variable

    monkeypatch.setenv("THREECOMMAS_LOG", "debug")
    route = respx_mock.get(TRADES).mock(
        side_effect=[
            httpx.Response(503, headers={"X-Request-Id": "req-1"}),
            httpx.Response(200, json=[], headers={"X-Request-Id": "req-2"}),
        ]
    )
    post = respx_mock.post(TRADES).mock(return_value=httpx.Response(422, json={"error": "bad"}))
    caplog.set_level(logging.DEBUG, logger="threecommas_hedge")
    with ThreeCommas(**creds, **CORE_ONLY, _sleep=lambda s: None) as c:
        assert restore_logger.level == logging.DEBUG
        c.request("GET", "/v2/smart_trades", params={"page": 1})
        with pytest.raises(th.UnprocessableEntityError):
            c.request("POST", "/v2/smart_trades", json={"pair": "USDT_BTC"})
    lines = [record.getMessage() for record in caplog.records]
    text = "\n".join(lines)
    assert "GET /public/api/v2/smart_trades -> 503 (request id req-1)" in text
    assert "GET /public/api/v2/smart_trades -> 200 (request id req-2)" in text
    assert "retrying GET /public/api/v2/smart_trades" in text
    assert "(retry 1 of 2)" in text
    assert "POST /public/api/v2/smart_trades -> 422" in text
    signatures = [call.request.headers["Signature"] for call in [*route.calls, *post.calls]]
    assert_no_secret(text, secrets, *signatures)


_CLIENT_OPTIONS = {
    "api_key": None,
    "api_secret": None,
    "private_key": None,
    "base_url": None,
    "mode": "paper",
    "timeout": 10.0,
    "max_retries": 2,
    "http_client": None,
    "rate_limit": True,
    "allowed_account_ids": None,
    "mode_guard": True,
    "write_check_window": 10.0,
    "signer": None,
    "attempt_deadline": None,
    "call_deadline": None,
    "max_wait": None,
}


@pytest.mark.parametrize("client_class", [ThreeCommas, AsyncThreeCommas])
def test_both_clients_keep_the_documented_keyword_options(client_class: type) -> None:
    parameters = inspect.signature(client_class).parameters
    public = {
        name: parameter.default
        for name, parameter in parameters.items()
        if not name.startswith("_")
    }
    assert public == _CLIENT_OPTIONS
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())


@pytest.mark.parametrize(
    ("client_class", "wrong", "message"),
    [
        (ThreeCommas, httpx.AsyncClient, "httpx.Client (use AsyncThreeCommas for async)"),
        (AsyncThreeCommas, httpx.Client, "httpx.AsyncClient (use ThreeCommas for sync)"),
    ],
)
def test_the_shared_constructor_refuses_the_other_kind_of_httpx_client(
    client_class: type, wrong: type, message: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        client_class(api_key="k", api_secret="s", http_client=wrong())
