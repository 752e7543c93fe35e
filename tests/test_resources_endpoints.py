"""Resources on the wire: every endpoint through both clients, exact requests, typed results.

One table of cases runs through ``ThreeCommas`` and ``AsyncThreeCommas``. Each case names the
request expected on the wire (method, path, query, JSON body, signed or not) independently of the
library, and is answered with the official example body for that endpoint.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx
from pydantic import ValidationError

from threecommas_hedge import (
    APIResponseValidationError,
    APIStatusError,
    AsyncThreeCommas,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RequestValidationError,
    ThreeCommas,
    UnprocessableEntityError,
)
from threecommas_hedge._writes.client_tag import client_tag_of
from threecommas_hedge.models import (
    Account,
    CurrencyRates,
    CurrencyRatesWithLeverage,
    FundsRequest,
    LeverageType,
    MarketInfo,
    MarketRules,
    ReduceFundsInfo,
    SmartTrade,
    SmartTradeCreate,
    SmartTradeUpdate,
    Trade,
)
from threecommas_hedge.resources import AsyncPaginator, Paginator

EXAMPLES = Path(__file__).parent / "data" / "examples"
PREFIX = "/public/api"

Client = ThreeCommas | AsyncThreeCommas


def raw(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


def example_bytes(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


# Request bodies: the official examples with the reference's documented resolutions applied
# (section 14: items 7, 8, 14, 19), shaped exactly as the API's JSON.
CREATE_BODY: dict[str, Any] = {
    "account_id": 32455218,
    "pair": "USDT_BTC",
    "instant": True,
    "position": {"type": "buy", "units": {"value": "0.01"}, "order_type": "market"},
    "leverage": {"enabled": True, "type": "isolated", "value": 12},
}
EDIT_BODY: dict[str, Any] = {
    "position": {"units": {"value": "34.0"}, "price": {"value": "0.00000442"}},
    "take_profit": {
        "enabled": True,
        "steps": [
            {
                "id": 1225026814,
                "order_type": "limit",
                "price": {"type": "last", "value": "0.00000508"},
                "volume": "100.0",
                "trailing": {"enabled": False},
            }
        ],
    },
    "stop_loss": {
        "enabled": True,
        "order_type": "market",
        "conditional": {
            "price": {"type": "last", "value": "0.00000280"},
            "trailing": {"enabled": False},
        },
    },
}
ADD_FUNDS_BODY = {
    "order_type": "limit",
    "units": {"value": "14.60138226"},
    "price": {"value": "0.5"},
}
REDUCE_FUNDS_BODY = raw("7_reduce_funds_for_smart_trade.request.json")
NOTE = raw("9_add_a_note_to_smart_trade.request.json")["note"]


# --- both clients -------------------------------------------------------------------------------


@pytest.fixture
def creds(signature_vectors: dict[str, Any]) -> dict[str, str]:
    return {"api_key": signature_vectors["api_key"], "api_secret": signature_vectors["hmac_secret"]}


# Each case asserts the one request its endpoint sends: the mode guard's account reads before a
# write and the client-side rate limiter are tested with the client, so both are off here.
WIRE_ONLY: dict[str, Any] = {"mode_guard": False, "rate_limit": False}


async def _no_async_sleep(seconds: float) -> None:
    return None


@pytest.fixture(params=["sync", "async"])
async def client(request: pytest.FixtureRequest, creds: dict[str, str]) -> AsyncIterator[Client]:
    if request.param == "sync":
        with ThreeCommas(**creds, **WIRE_ONLY, _sleep=lambda seconds: None) as sync_client:
            yield sync_client
    else:
        async with AsyncThreeCommas(**creds, **WIRE_ONLY, _sleep=_no_async_sleep) as async_client:
            yield async_client


async def resolve(value: Any) -> Any:
    """The result of a resource call on either client (a paginator is drained into a list)."""
    if inspect.isawaitable(value):
        return await value
    if isinstance(value, Paginator):
        return list(value)
    if isinstance(value, AsyncPaginator):
        return [item async for item in value]
    return value


def query_of(request: httpx.Request) -> list[tuple[str, str]]:
    return sorted(parse_qsl(request.url.query.decode(), keep_blank_values=True))


# --- the table ----------------------------------------------------------------------------------


def smart_trade_like(result: Any, body: Any) -> None:
    assert isinstance(result, SmartTrade)  # a create answers the subclass with its client tag
    assert result.id == body["id"]
    assert result.pair == body["pair"]
    assert result.status.type == body["status"]["type"]
    assert result.position.units.value == Decimal(body["position"]["units"]["value"])


def trades_like(result: Any, body: Any) -> None:
    assert [type(item) for item in result] == [Trade] * len(body)
    assert [item.id for item in result] == [item["id"] for item in body]
    assert [item.initial_amount for item in result] == [
        Decimal(item["initial_amount"]) for item in body
    ]


def smart_trades_like(result: Any, body: Any) -> None:
    assert len(result) == len(body)
    for item, item_body in zip(result, body, strict=True):
        smart_trade_like(item, item_body)


def reduce_info_like(result: Any, body: Any) -> None:
    assert type(result) is ReduceFundsInfo
    assert result.max_reduce_funds_amount == Decimal("28.819532219570405727923627685")


def accounts_like(result: Any, body: Any) -> None:
    assert [type(item) for item in result] == [Account] * len(body)
    assert [(a.id, a.market_code) for a in result] == [(b["id"], b["market_code"]) for b in body]


def account_like(result: Any, body: Any) -> None:
    assert type(result) is Account
    assert (result.id, result.market_code) == (body["id"], body["market_code"])
    assert result.usd_amount == Decimal(body["usd_amount"])


def leverage_like(result: Any, body: Any) -> None:
    assert [type(item) for item in result] == [LeverageType] * 3
    assert [item.code for item in result] == ["none", "cross", "isolated"]
    assert result[1].valid.min == Decimal("1.0")
    assert result[1].valid.max is None


def markets_like(result: Any, body: Any) -> None:
    assert [type(item) for item in result] == [MarketInfo] * len(body)
    assert [item.market_code for item in result] == [item["market_code"] for item in body]


def pairs_like(result: Any, body: Any) -> None:
    assert result == body
    assert "USDT_BTC" in result


def rates_like(result: Any, body: Any) -> None:
    assert type(result) is CurrencyRates
    assert result.price_step == Decimal("0.01")
    assert result.min_total == Decimal("5.0")
    assert result.max_lot_size == Decimal("9000.0")


def leveraged_rates_like(result: Any, body: Any) -> None:
    assert type(result) is CurrencyRatesWithLeverage
    assert result.lot_step == Decimal("1.0")
    assert result.max_leverage == 25


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[Any], Any]
    method: str
    path: str
    response: str
    check: Callable[[Any, Any], None]
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    signed: bool = True


LIST_DEFAULTS = {
    "order_by": "created_at",
    "order_direction": "DESC",
    "per_page": "100",
    "page": "1",
}

CASES = [
    # the 14 SmartTrade endpoints
    Case(
        "create",
        lambda c: c.smart_trades.create(copy.deepcopy(CREATE_BODY)),
        "POST",
        "/v2/smart_trades",
        "1_create_smart_trade.response.201.json",
        smart_trade_like,
        body=CREATE_BODY,
    ),
    Case(
        "create_from_model",
        lambda c: c.smart_trades.create(SmartTradeCreate.model_validate(CREATE_BODY)),
        "POST",
        "/v2/smart_trades",
        "1_create_smart_trade.response.201.json",
        smart_trade_like,
        body=CREATE_BODY,
    ),
    Case(
        "list",
        lambda c: c.smart_trades.list(
            type="smart_trade",
            from_=datetime(2022, 1, 1, tzinfo=timezone.utc),
            to="2023-01-01T00:00:00.000Z",
        ),
        "GET",
        "/v2/smart_trades",
        "4_get_the_list_of_smart_trades.response.200.json",
        smart_trades_like,
        query={
            **LIST_DEFAULTS,
            "type": "smart_trade",
            "from": "2022-01-01T00:00:00.000Z",
            "to": "2023-01-01T00:00:00.000Z",
        },
    ),
    Case(
        "get",
        lambda c: c.smart_trades.get(30404547),
        "GET",
        "/v2/smart_trades/30404547",
        "3_get_smart_trade.response.200.json",
        smart_trade_like,
    ),
    Case(
        "update",
        lambda c: c.smart_trades.update(32037964, copy.deepcopy(EDIT_BODY)),
        "PATCH",
        "/v2/smart_trades/32037964",
        "2_edit_smart_trade.response.200.json",
        smart_trade_like,
        body=EDIT_BODY,
    ),
    Case(
        "cancel",
        lambda c: c.smart_trades.cancel(30404547),
        "DELETE",
        "/v2/smart_trades/30404547",
        "10_cancel_smart_trade.response.200.json",
        smart_trade_like,
    ),
    Case(
        "close_by_market",
        lambda c: c.smart_trades.close_by_market(12345678),
        "POST",
        "/v2/smart_trades/12345678/close_by_market",
        "8_close_smart_trade_at_market_price.response.201.json",
        smart_trade_like,
    ),
    Case(
        "add_funds",
        lambda c: c.smart_trades.add_funds(30415988, copy.deepcopy(ADD_FUNDS_BODY)),
        "POST",
        "/v2/smart_trades/30415988/add_funds",
        "5_add_funds_for_smart_trade.response.201.json",
        smart_trade_like,
        body=ADD_FUNDS_BODY,
    ),
    Case(
        "reduce_funds_info",
        lambda c: c.smart_trades.reduce_funds_info(30415988),
        "GET",
        "/v2/smart_trades/30415988/reduce_funds_info",
        "6_available_reduce_funds.response.200.json",
        reduce_info_like,
    ),
    Case(
        "reduce_funds",
        lambda c: c.smart_trades.reduce_funds(12345678, copy.deepcopy(REDUCE_FUNDS_BODY)),
        "POST",
        "/v2/smart_trades/12345678/reduce_funds",
        "7_reduce_funds_for_smart_trade.response.201.json",
        smart_trade_like,
        body=REDUCE_FUNDS_BODY,
    ),
    Case(
        "force_start",
        lambda c: c.smart_trades.force_start(31247949),
        "POST",
        "/v2/smart_trades/31247949/force_start",
        "11_force_start_smart_trade.response.201.json",
        smart_trade_like,
    ),
    Case(
        "set_note",
        lambda c: c.smart_trades.set_note(12345678, NOTE),
        "POST",
        "/v2/smart_trades/12345678/set_note",
        "9_add_a_note_to_smart_trade.response.201.json",
        smart_trade_like,
        body={"note": NOTE},
    ),
    Case(
        "trades.list",
        lambda c: c.smart_trades.trades.list(30404547),
        "GET",
        "/v2/smart_trades/30404547/trades",
        "trades_1_get_trades_of_smart_trade.response.200.json",
        trades_like,
    ),
    Case(
        "trades.close_by_market",
        lambda c: c.smart_trades.trades.close_by_market(12345678, 1006258056),
        "POST",
        "/v2/smart_trades/12345678/trades/1006258056/close_by_market",
        "trades_2_closes_trade_by_market.response.201.json",
        smart_trade_like,
    ),
    Case(
        "trades.cancel",
        lambda c: c.smart_trades.trades.cancel(30428625, 1006258056),
        "DELETE",
        "/v2/smart_trades/30428625/trades/1006258056",
        "trades_3_cancel_trade.response.200.json",
        smart_trade_like,
    ),
    # accounts
    Case(
        "accounts.list",
        lambda c: c.accounts.list(),
        "GET",
        "/ver1/accounts",
        "account_5_list_of_connected_exchanges_and_wallets.response.200.json",
        accounts_like,
        query={"page": "1", "per_page": "100"},
    ),
    Case(
        "accounts.get",
        lambda c: c.accounts.get(12345678),
        "GET",
        "/ver1/accounts/12345678",
        "account_3_get_account_info.response.201.json",
        account_like,
    ),
    Case(
        "accounts.leverage_data",
        lambda c: c.accounts.leverage_data(32833910, "USDC_DOGE"),
        "GET",
        "/ver1/accounts/32833910/leverage_data",
        "account_12_account_leverage_information.response.201.json",
        leverage_like,
        query={"pair": "USDC_DOGE"},
    ),
    # market data: unsigned
    Case(
        "market.list",
        lambda c: c.market.list(),
        "GET",
        "/ver1/accounts/market_list",
        "market_0_supported_markets_list.response.200.json",
        markets_like,
        signed=False,
    ),
    Case(
        "market.pairs",
        lambda c: c.market.pairs("binance"),
        "GET",
        "/ver1/accounts/market_pairs",
        "market_1_all_market_pairs.response.200.json",
        pairs_like,
        query={"market_code": "binance"},
        signed=False,
    ),
    Case(
        "market.currency_rates",
        lambda c: c.market.currency_rates("USDT_BTC", "binance"),
        "GET",
        "/ver1/accounts/currency_rates",
        "market_2_currency_rates_and_limits.response.200.json",
        rates_like,
        query={"pair": "USDT_BTC", "market_code": "binance", "limit_type": "smart_trade"},
        signed=False,
    ),
    Case(
        "market.currency_rates_bot",
        lambda c: c.market.currency_rates("USDT_BTC", "binance", limit_type="bot"),
        "GET",
        "/ver1/accounts/currency_rates",
        "market_2_currency_rates_and_limits.response.200.json",
        rates_like,
        query={"pair": "USDT_BTC", "market_code": "binance", "limit_type": "bot"},
        signed=False,
    ),
    Case(
        "market.currency_rates_with_leverage_data",
        lambda c: c.market.currency_rates_with_leverage_data("BNFCR_1INCHUSDT", "binance_futures"),
        "GET",
        "/ver1/accounts/currency_rates_with_leverage_data",
        "market_3_currency_rates_and_limits_with_leverage_data.response.200.json",
        leveraged_rates_like,
        query={"pair": "BNFCR_1INCHUSDT", "market_code": "binance_futures"},
        signed=False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_endpoint_request_and_typed_result(
    case: Case,
    client: Client,
    respx_mock: respx.MockRouter,
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    status = int(case.response.split(".")[-2])
    route = respx_mock.route(method=case.method, path=PREFIX + case.path).mock(
        return_value=httpx.Response(status, content=example_bytes(case.response))
    )
    # add/reduce funds read the trade's trades first, to tell later whether the write took effect
    funds_check = respx_mock.get(path__regex=r".*/v2/smart_trades/\d+/trades$").mock(
        return_value=httpx.Response(200, json=[])
    )
    result = await resolve(case.call(client))

    assert route.call_count == 1
    request = route.calls.last.request
    assert request.method == case.method
    assert request.url.path == PREFIX + case.path
    assert query_of(request) == sorted(case.query.items())
    if case.body is None:
        assert request.content == b""
        assert "Content-Type" not in request.headers
    else:
        sent = json.loads(request.content)
        if case.path == "/v2/smart_trades" and case.method == "POST":
            # a create carries the client tag in its note (the idempotency key, issue 11)
            tag = client_tag_of(sent.pop("note"))
            assert tag is not None
            assert len(tag) == 12
        assert sent == case.body
        assert request.headers["Content-Type"] == "application/json"
    expected_funds_checks = 1 if case.path.endswith(("/add_funds", "/reduce_funds")) else 0
    assert funds_check.call_count == expected_funds_checks
    assert request.headers["Forced-Mode"] == "paper"
    if case.signed:
        assert request.headers["Apikey"] == creds["api_key"]
        assert check_signature(request, secret=creds["api_secret"])
    else:
        assert "Apikey" not in request.headers
        assert "Signature" not in request.headers
    case.check(result, raw(case.response))


def test_every_smart_trade_endpoint_is_in_the_table() -> None:
    """The 14 SmartTrade endpoints of reference section 7, by method and path shape."""
    shapes = {
        (case.method, "/".join("{}" if part.isdigit() else part for part in case.path.split("/")))
        for case in CASES
        if case.path.startswith("/v2/")
    }
    assert shapes == {
        ("POST", "/v2/smart_trades"),
        ("GET", "/v2/smart_trades"),
        ("GET", "/v2/smart_trades/{}"),
        ("PATCH", "/v2/smart_trades/{}"),
        ("DELETE", "/v2/smart_trades/{}"),
        ("POST", "/v2/smart_trades/{}/close_by_market"),
        ("POST", "/v2/smart_trades/{}/add_funds"),
        ("GET", "/v2/smart_trades/{}/reduce_funds_info"),
        ("POST", "/v2/smart_trades/{}/reduce_funds"),
        ("POST", "/v2/smart_trades/{}/force_start"),
        ("POST", "/v2/smart_trades/{}/set_note"),
        ("GET", "/v2/smart_trades/{}/trades"),
        ("POST", "/v2/smart_trades/{}/trades/{}/close_by_market"),
        ("DELETE", "/v2/smart_trades/{}/trades/{}"),
    }


# --- payloads: validated before sending ---------------------------------------------------------


async def test_json_numbers_in_a_dict_are_sent_as_decimal_strings(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(
        return_value=httpx.Response(
            201, content=example_bytes("5_add_funds_for_smart_trade.response.201.json")
        )
    )
    payload = {"order_type": "limit", "units": {"value": 14.60138226}, "price": {"value": 1}}
    await resolve(client.smart_trades.add_funds(30415988, payload))
    sent = json.loads(route.calls.last.request.content)
    assert sent == {
        "order_type": "limit",
        "units": {"value": "14.60138226"},
        "price": {"value": "1"},
    }


def _long_note() -> str:
    return "n" * 301


BAD_CALLS = [
    ("create_missing_position", lambda c: c.smart_trades.create({"account_id": 1, "pair": "A_B"})),
    (
        "create_instant_as_string",
        lambda c: c.smart_trades.create({**CREATE_BODY, "instant": "true"}),
    ),
    (
        "create_response_only_field",
        lambda c: c.smart_trades.create({**CREATE_BODY, "status": "created"}),
    ),
    ("update_empty", lambda c: c.smart_trades.update(1, {})),
    (
        "add_funds_limit_without_price",
        lambda c: c.smart_trades.add_funds(1, {"order_type": "limit", "units": {"value": "1"}}),
    ),
    (
        "reduce_funds_units_array",
        lambda c: c.smart_trades.reduce_funds(
            1, {"order_type": "market", "units": [{"value": "1"}]}
        ),
    ),
    ("set_note_empty", lambda c: c.smart_trades.set_note(1, "")),
    ("set_note_too_long", lambda c: c.smart_trades.set_note(1, _long_note())),
]


@pytest.mark.parametrize("call", [c for _, c in BAD_CALLS], ids=[n for n, _ in BAD_CALLS])
async def test_bad_payload_raises_validation_error_and_sends_nothing(
    call: Callable[[Any], Any], client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(201, json={}))
    with pytest.raises(RequestValidationError) as info:
        await resolve(call(client))
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value.__cause__, ValidationError)
    assert info.value.errors() == info.value.__cause__.errors()
    assert route.call_count == 0


async def test_note_of_300_characters_is_sent(client: Client, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.route().mock(
        return_value=httpx.Response(
            201, content=example_bytes("9_add_a_note_to_smart_trade.response.201.json")
        )
    )
    await resolve(client.smart_trades.set_note(1, "é" * 300))
    assert json.loads(route.calls.last.request.content) == {"note": "é" * 300}


BAD_ARGUMENTS = [
    ("wrong_model", lambda c: c.smart_trades.create(SmartTradeUpdate.model_validate(EDIT_BODY))),
    ("list_payload", lambda c: c.smart_trades.add_funds(1, [("order_type", "market")])),
    ("funds_model_for_update", lambda c: c.smart_trades.update(1, FundsRequest.model_construct())),
    ("id_string", lambda c: c.smart_trades.get("7/../accounts")),
    ("id_zero", lambda c: c.smart_trades.cancel(0)),
    ("id_bool", lambda c: c.smart_trades.force_start(True)),
    ("trade_id_negative", lambda c: c.smart_trades.trades.cancel(1, -5)),
    ("account_id_float", lambda c: c.accounts.get(1.0)),
    ("leverage_pair_empty", lambda c: c.accounts.leverage_data(1, "")),
    ("market_code_empty", lambda c: c.market.pairs("")),
    ("per_page_zero", lambda c: c.smart_trades.list(per_page=0)),
    ("per_page_above_100", lambda c: c.accounts.list(per_page=101)),
    ("naive_datetime", lambda c: c.smart_trades.list(from_=datetime(2024, 1, 1))),
    ("account_filter_string", lambda c: c.smart_trades.list(account_id="1")),
]


@pytest.mark.parametrize("call", [c for _, c in BAD_ARGUMENTS], ids=[n for n, _ in BAD_ARGUMENTS])
async def test_bad_arguments_are_refused_before_sending(
    call: Callable[[Any], Any], client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(200, json=[]))
    with pytest.raises((TypeError, ValueError)):
        await resolve(call(client))
    assert route.call_count == 0


async def test_list_arguments_are_checked_when_list_is_called_not_when_iterated(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(200, json=[]))
    with pytest.raises(ValueError, match="per_page"):
        client.smart_trades.list(per_page=500)  # no iteration needed to get the error
    assert route.call_count == 0


async def test_list_filters_are_named_as_in_the_api(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(200, json=[]))
    eastern = timezone(timedelta(hours=-4))
    await resolve(
        client.smart_trades.list(
            account_id=32455218,
            pair="USDT_BTC",
            type="smart_cover",
            status="successfully_finish",
            order_by="updated_at",
            order_direction="ASC",
            from_=datetime(2024, 10, 1, 0, 0, 0, 123456, tzinfo=eastern),
            to=datetime(2024, 10, 2, tzinfo=timezone.utc),
            base="BTC",
            quote="USDT",
            per_page=25,
        )
    )
    assert query_of(route.calls.last.request) == sorted(
        {
            "account_id": "32455218",
            "pair": "USDT_BTC",
            "type": "smart_cover",
            "status": "successfully_finish",
            "order_by": "updated_at",
            "order_direction": "ASC",
            "from": "2024-10-01T04:00:00.123Z",
            "to": "2024-10-02T00:00:00.000Z",
            "base": "BTC",
            "quote": "USDT",
            "per_page": "25",
            "page": "1",
        }.items()
    )


async def test_list_order_can_be_left_to_the_server(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(200, json=[]))
    await resolve(client.smart_trades.list(order_by=None, order_direction=None))
    assert query_of(route.calls.last.request) == [("page", "1"), ("per_page", "100")]


# --- errors -------------------------------------------------------------------------------------


async def test_create_422_maps_error_attributes_to_payload_paths(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(
        return_value=httpx.Response(
            422, content=example_bytes("1_create_smart_trade.response.422.json")
        )
    )
    with pytest.raises(UnprocessableEntityError) as excinfo:
        await resolve(client.smart_trades.create(CREATE_BODY))
    error = excinfo.value
    assert route.call_count == 1  # a create is never re-sent
    assert error.status_code == 422
    assert error.error == "record_invalid"
    assert error.fields == {
        "position": ["is invalid"],
        "position.total": ["must be less than or equal to 9000000.0"],
        "position.units.value": ["must be less than or equal to 9000.0"],
    }


@pytest.mark.parametrize(
    ("status", "file", "error_type"),
    [
        (400, "3_get_smart_trade.response.400.json", NotFoundError),
        (404, "trades_1_get_trades_of_smart_trade.response.404.json", NotFoundError),
        (403, "1_create_smart_trade.response.403.json", PermissionDeniedError),
    ],
)
async def test_error_answers_raise_the_client_errors(
    status: int,
    file: str,
    error_type: type[Exception],
    client: Client,
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.route().mock(return_value=httpx.Response(status, content=example_bytes(file)))
    with pytest.raises(error_type):
        await resolve(client.smart_trades.trades.list(30404547))


MISFIT_BODIES = [
    ("get_without_id", lambda c: c.smart_trades.get(1), {"pair": "USDT_BTC"}, "SmartTrade"),
    ("get_empty_body", lambda c: c.smart_trades.get(1), None, "SmartTrade"),
    ("trades_not_a_list", lambda c: c.smart_trades.trades.list(1), {"id": 1}, "list[Trade]"),
    (
        "reduce_info_not_decimal",
        lambda c: c.smart_trades.reduce_funds_info(1),
        {"max_reduce_funds_amount": "lots"},
        "ReduceFundsInfo",
    ),
    ("list_page_of_junk", lambda c: c.smart_trades.list(), [{"id": "x"}], "list[SmartTrade]"),
    ("accounts_not_a_list", lambda c: c.accounts.list(), {"id": 1}, "list[Account]"),
    ("account_bad_id", lambda c: c.accounts.get(1), {"id": "abc"}, "Account"),
    ("pairs_of_numbers", lambda c: c.market.pairs("binance"), [1, 2], "list[str]"),
    ("rates_not_object", lambda c: c.market.currency_rates("A_B", "x"), [], "CurrencyRates"),
]


@pytest.mark.parametrize(
    ("call", "body", "model"),
    [(call, body, model) for _, call, body, model in MISFIT_BODIES],
    ids=[name for name, *_ in MISFIT_BODIES],
)
async def test_2xx_body_that_does_not_fit_raises_response_validation_error(
    call: Callable[[Any], Any],
    body: Any,
    model: str,
    client: Client,
    respx_mock: respx.MockRouter,
) -> None:
    content = b"" if body is None else json.dumps(body).encode()
    respx_mock.route().mock(return_value=httpx.Response(200, content=content))
    with pytest.raises(APIResponseValidationError) as excinfo:
        await resolve(call(client))
    assert type(excinfo.value) is APIResponseValidationError  # not a raw pydantic error
    assert isinstance(excinfo.value.__cause__, ValidationError)
    assert f"does not fit {model}" in str(excinfo.value)


# --- accounts: leverage data fallback ------------------------------------------------------------

LEVERAGE_FILE = "account_12_account_leverage_information.response.201.json"
LEVERAGE_PATH = PREFIX + "/ver1/accounts/32833910/leverage_data"


@pytest.mark.parametrize("first_status", [404, 405])
async def test_leverage_data_retries_once_as_post_with_the_same_query(
    first_status: int,
    client: Client,
    respx_mock: respx.MockRouter,
    creds: dict[str, str],
    check_signature: Callable[..., bool],
) -> None:
    get = respx_mock.get(path=LEVERAGE_PATH).mock(
        return_value=httpx.Response(first_status, json={"error": "Not allowed"})
    )
    post = respx_mock.post(path=LEVERAGE_PATH).mock(
        return_value=httpx.Response(201, content=example_bytes(LEVERAGE_FILE))
    )
    result = await resolve(client.accounts.leverage_data(32833910, "USDC_DOGE"))
    leverage_like(result, None)
    assert get.call_count == 1
    assert post.call_count == 1
    request = post.calls.last.request
    assert query_of(request) == [("pair", "USDC_DOGE")]
    assert request.content == b""
    assert check_signature(request, secret=creds["api_secret"])


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_leverage_data_other_errors_are_not_retried_as_post(
    status: int, client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(status, json={"error": "nope"}))
    with pytest.raises(APIStatusError) as excinfo:
        await resolve(client.accounts.leverage_data(32833910, "USDC_DOGE"))
    assert excinfo.value.status_code == status
    assert [call.request.method for call in route.calls] == ["GET"]


async def test_leverage_data_post_failure_is_raised_after_one_post(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(404, json={"error": "Not found"}))
    with pytest.raises(NotFoundError):
        await resolve(client.accounts.leverage_data(32833910, "USDC_DOGE"))
    assert [call.request.method for call in route.calls] == ["GET", "POST"]


# --- market rules ---------------------------------------------------------------------------------


async def test_rules_take_smart_trade_limits_and_the_leverage_cap(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    rates = respx_mock.get(path=PREFIX + "/ver1/accounts/currency_rates").mock(
        return_value=httpx.Response(
            200, content=example_bytes("market_2_currency_rates_and_limits.response.200.json")
        )
    )
    leverage = respx_mock.get(
        path=PREFIX + "/ver1/accounts/currency_rates_with_leverage_data"
    ).mock(
        return_value=httpx.Response(
            200,
            content=example_bytes(
                "market_3_currency_rates_and_limits_with_leverage_data.response.200.json"
            ),
        )
    )
    rules = await resolve(client.market.rules("USDT_BTC", "binance"))
    # tick, steps and minimums from currency_rates (market_2), the cap from leverage_data (25.0)
    assert rules == MarketRules(
        price_step=Decimal("0.01"),
        lot_step=Decimal("0.00001"),
        min_lot=Decimal("0.00001"),
        min_notional=Decimal("5.0"),
        max_leverage=25,
    )
    assert query_of(rates.calls.last.request) == [
        ("limit_type", "smart_trade"),
        ("market_code", "binance"),
        ("pair", "USDT_BTC"),
    ]
    assert query_of(leverage.calls.last.request) == [
        ("market_code", "binance"),
        ("pair", "USDT_BTC"),
    ]
    for route in (rates, leverage):
        assert "Signature" not in route.calls.last.request.headers


async def test_rules_without_leverage_make_one_request(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(
        return_value=httpx.Response(
            200, content=example_bytes("market_2_currency_rates_and_limits.response.200.json")
        )
    )
    rules = await resolve(client.market.rules("USDT_BTC", "binance", with_leverage=False))
    assert route.call_count == 1
    assert rules.max_leverage is None
    assert rules.price_step == Decimal("0.01")


async def test_rules_from_impossible_rates_raise_response_validation_error(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    respx_mock.route().mock(return_value=httpx.Response(200, json={"priceStep": "0"}))
    with pytest.raises(APIResponseValidationError, match="price_step"):
        await resolve(client.market.rules("USDT_BTC", "binance", with_leverage=False))


# --- resources are bound to their client ---------------------------------------------------------


async def test_resources_are_cached_and_rebuilt_for_copies(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    assert client.smart_trades is client.smart_trades
    assert client.smart_trades.trades is client.smart_trades.trades
    assert client.accounts is client.accounts
    assert client.market is client.market
    copy_ = client.with_options(max_retries=0)
    assert copy_.smart_trades is not client.smart_trades
    route = respx_mock.route().mock(return_value=httpx.Response(503))
    with pytest.raises(InternalServerError):
        await resolve(copy_.smart_trades.get(1))
    assert route.call_count == 1  # the copy's setting, through its own resource
    with pytest.raises(InternalServerError):
        await resolve(client.smart_trades.get(1))
    assert route.call_count == 1 + 1 + client.max_retries
