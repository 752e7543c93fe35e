"""Huge, tiny, deep or mistyped values: a typed error naming the field, never a hang or a crash."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError

import threecommas_hedge as th
from threecommas_hedge import HedgeBuilder, SpotPosition, ThreeCommas
from threecommas_hedge.models import Account, SmartTrade, Trade, Units
from threecommas_hedge.models._types import MAX_DECIMAL_PLACES, MAX_INTEGER_DIGITS
from threecommas_hedge.testing import FakeThreeCommas

BASE = "https://api.3commas.io/public/api"
PAIR = "USDT_BTCUSDT"
HUGE = ["1e300000000", "1E+999999999", "1e-999999999", "-1e41", "1" * 41, "0." + "0" * 80 + "1"]
"""Beyond the bounds: a 300 MB body, a minute of formatting, 41 integer digits, 81 places."""
EDGE = ["9" * 40, "-" + "9" * 40, "0." + "0" * 79 + "1", "1E+39", "123.45"]
"""Amounts right at the bounds: accepted."""


def create_body(units: Any) -> dict[str, Any]:
    return {
        "account_id": 1,
        "pair": PAIR,
        "position": {"type": "sell", "order_type": "market", "units": {"value": units}},
    }


@pytest.fixture
def client() -> Iterator[ThreeCommas]:
    with ThreeCommas(api_key="k", api_secret="s", mode_guard=False, rate_limit=False) as c:
        yield c


def test_bounds_are_documented_constants() -> None:
    assert (MAX_INTEGER_DIGITS, MAX_DECIMAL_PLACES) == (40, 80)


# --- item: amounts sent --------------------------------------------------------------------------


@pytest.mark.parametrize("value", HUGE)
def test_a_request_decimal_beyond_the_bounds_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        Units(value=value)  # type: ignore[arg-type]
    (error,) = info.value.errors()
    assert error["loc"] == ("value",)
    assert "digits before the decimal point" in error["msg"] or "decimal places" in error["msg"]
    assert len(str(info.value)) < 2000  # the value is cut, never echoed whole


@pytest.mark.parametrize("value", [Decimal(v) for v in HUGE])
def test_a_huge_decimal_object_is_refused_too(value: Decimal) -> None:
    with pytest.raises(ValidationError, match="value"):
        Units(value=value)


@pytest.mark.parametrize("value", [v for v in EDGE if not v.startswith("-")])
def test_amounts_at_the_bounds_are_accepted_and_sent_in_plain_notation(value: str) -> None:
    units = Units(value=value)  # type: ignore[arg-type]
    text = units.model_dump(mode="json")["value"]
    assert Decimal(text) == Decimal(value)
    assert "E" not in text.upper() and len(text) <= MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES + 2


def test_a_very_long_numeric_string_is_refused_before_parsing() -> None:
    with pytest.raises(ValidationError, match="longer than"):
        Units(value="1" + "0" * 10_000_000)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", HUGE)
def test_the_client_sends_nothing_for_a_huge_amount(
    value: str, client: ThreeCommas, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(201, json={}))
    with pytest.raises(th.RequestValidationError) as info:
        client.smart_trades.create(create_body(value))
    assert info.value.errors()[0]["loc"] == ("position", "units", "value")
    assert route.call_count == 0


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("field", ["spot.quantity", "spot.price"])
def test_spot_position_refuses_huge_amounts_naming_the_field(field: str, value: str) -> None:
    kwargs: dict[str, Any] = {"asset": "BTC", "quantity": "1", "price": "60000"}
    kwargs[field.split(".")[1]] = value
    with pytest.raises(th.HedgeValidationError) as info:
        SpotPosition(**kwargs)
    assert info.value.field == field
    assert "decimal" in info.value.rule or "longer than" in info.value.rule


def test_spot_position_refuses_a_huge_int() -> None:
    with pytest.raises(th.HedgeValidationError, match=r"spot\.quantity: has more than 40 digits"):
        SpotPosition("BTC", 10**40, Decimal(60000))
    assert SpotPosition("BTC", 10**40 - 1, Decimal(60000)).quantity == 10**40 - 1


@pytest.mark.parametrize("value", HUGE)
def test_builder_settings_refuse_huge_amounts(value: str) -> None:
    builder = HedgeBuilder(SpotPosition("BTC", Decimal(1), Decimal(60000)), account_id=1, pair=PAIR)
    with pytest.raises(th.HedgeValidationError) as info:
        builder.stop_loss(price=value)
    assert info.value.field == "stop_loss.price"


# --- item: response decimals and nesting ---------------------------------------------------------


def trade_json(**position: Any) -> dict[str, Any]:
    return {"id": 1, "pair": PAIR, "status": {"basic_type": "created"}, "position": position}


@pytest.mark.parametrize("value", ["1e999999999", "-1e999999999", "1e-999999999", "1" * 41])
def test_a_huge_decimal_in_a_response_is_a_validation_error(value: str) -> None:
    with pytest.raises(ValidationError, match=r"position\.units\.value"):
        SmartTrade.model_validate(trade_json(units={"value": value}))
    with pytest.raises(ValidationError, match="realised_amount"):
        Trade.model_validate({"id": 1, "realised_amount": value})


def test_response_decimals_at_the_bounds_and_with_trailing_zeros_parse() -> None:
    long_places = "0." + "1" * MAX_DECIMAL_PLACES
    trade = SmartTrade.model_validate(
        trade_json(units={"value": "9" * 40}, price={"value": long_places + "0" * 30})
    )
    assert trade.position.units.value == Decimal("9" * 40)
    assert trade.position.price.value == Decimal(long_places)


def test_official_account_balances_with_56_places_parse() -> None:
    account = Account.model_validate(
        {"id": 1, "btc_amount": "-0.000001634722576662767703961411470169876729678396865648"}
    )
    assert account.btc_amount == Decimal(
        "-0.000001634722576662767703961411470169876729678396865648"
    )


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 200_000 + b"]" * 200_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    ],
)
def test_deeply_nested_json_is_a_response_validation_error(
    content: bytes, client: ThreeCommas, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(BASE + "/v2/smart_trades")
    route.mock(return_value=httpx.Response(200, content=content))
    with pytest.raises(th.APIResponseValidationError) as info:
        client.request("GET", "/v2/smart_trades")
    assert isinstance(info.value.__cause__, RecursionError)


def test_deeply_nested_json_in_an_error_body_is_still_a_status_error(
    client: ThreeCommas, respx_mock: respx.MockRouter
) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    respx_mock.get(BASE + "/v2/smart_trades").mock(return_value=httpx.Response(404, content=deep))
    with pytest.raises(th.NotFoundError):
        client.request("GET", "/v2/smart_trades")


def test_a_huge_number_in_a_trade_is_a_typed_error_from_the_client(
    client: ThreeCommas, respx_mock: respx.MockRouter
) -> None:
    body = (
        b'{"id": 5, "pair": "USDT_BTCUSDT", "status": {"basic_type": "created"},'
        b' "profit": {"volume": 1e999999999}}'
    )
    respx_mock.get(BASE + "/v2/smart_trades/5").mock(return_value=httpx.Response(200, content=body))
    with pytest.raises(th.APIResponseValidationError, match=r"profit\.volume"):
        client.smart_trades.get(5)


# --- item: a dict where a request model is expected ----------------------------------------------


def test_a_bad_dict_is_a_library_error_that_is_a_value_error_with_pydantic_details(
    client: ThreeCommas, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(201, json={}))
    with pytest.raises(th.RequestValidationError) as info:
        client.smart_trades.add_funds(1, {"order_type": "market", "units": {"value": "-1"}})
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, th.ThreeCommasError)
    assert isinstance(error.__cause__, ValidationError)
    assert error.model == "FundsRequest"
    assert [e["loc"] for e in error.errors()] == [("units", "value")]
    assert error.errors() == error.__cause__.errors()
    assert "units.value" in str(error)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (type(copy), copy.model, str(copy), copy.errors()) == (
        type(error),
        error.model,
        str(error),
        error.errors(),
    )
    assert route.call_count == 0


# --- item: the fake answers 422 to a huge amount and goes on -------------------------------------


@pytest.mark.parametrize("value", ["1e999999999", "1E+300000000", "1e-999999999", "1" * 60])
def test_the_fake_answers_422_to_a_huge_amount_and_keeps_working(value: str) -> None:
    fake = FakeThreeCommas(rate_limits=False)
    fake.set_price(PAIR, Decimal(60000))
    account_id = fake.add_account()
    body = create_body("0.5")
    body["account_id"] = account_id
    with fake.client() as client:
        bad = dict(body, position=dict(body["position"], units={"value": value}))
        with pytest.raises(th.UnprocessableEntityError):
            client.request("POST", "/v2/smart_trades", json=bad)
        created = client.request("POST", "/v2/smart_trades", json=body)
        assert Decimal(created["position"]["units"]["value"]) == Decimal("0.5")
        listed = client.request("GET", "/v2/smart_trades")
        assert [trade["id"] for trade in listed] == [created["id"]]


def test_the_fake_reads_a_deeply_nested_body_as_invalid_json() -> None:
    from threecommas_hedge.testing._fake import _INVALID_JSON, _decode_body

    deep = httpx.Request("POST", BASE + "/v2/smart_trades", content=b"[" * 200_000 + b"]" * 200_000)
    assert _decode_body(deep) is _INVALID_JSON


@pytest.mark.parametrize("action", ["add_funds", "reduce_funds"])
def test_the_fake_refuses_huge_funds_and_keeps_working(action: str) -> None:
    fake = FakeThreeCommas(rate_limits=False)
    fake.set_price(PAIR, Decimal(60000))
    body = create_body("0.5")
    body["account_id"] = fake.add_account()
    with fake.client() as client:
        trade_id = client.request("POST", "/v2/smart_trades", json=body)["id"]
        huge = {"order_type": "market", "units": {"value": "1e999999999"}}
        with pytest.raises(th.APIStatusError) as info:  # the fake answers funds with 400
            client.request("POST", f"/v2/smart_trades/{trade_id}/{action}", json=huge)
        assert info.value.status_code in {400, 422}
        assert "units.value" in str(info.value)
        assert client.request("GET", f"/v2/smart_trades/{trade_id}")["id"] == trade_id
        assert client.request("GET", "/v2/smart_trades")[0]["id"] == trade_id
