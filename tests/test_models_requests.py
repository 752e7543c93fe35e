"""Request models: the API shapes and cross-field rules; a JSON round trip that loses nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from threecommas_hedge.models import (
    FundsRequest,
    SetNoteRequest,
    SmartTradeCreate,
    SmartTradeUpdate,
)

EXAMPLES = Path(__file__).parent / "data" / "examples"
if not EXAMPLES.is_dir():  # the response-model tests ship the copies; fall back to the reference
    EXAMPLES = Path(__file__).parents[2] / "shared" / "reference" / "examples"


def article_body() -> dict[str, Any]:
    """The use case's hedge as the API's JSON: market short 0.5, isolated 1x, TP 55k, SL 61.8k."""
    return {
        "account_id": 32455218,
        "pair": "USDT_BTCUSDT",
        "instant": False,
        "skip_enter_step": False,
        "leverage": {"enabled": True, "type": "isolated", "value": 1},
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
        "take_profit": {
            "enabled": True,
            "steps": [
                {
                    "order_type": "limit",
                    "volume": "100",
                    "price": {"type": "last", "value": "55000"},
                }
            ],
        },
        "stop_loss": {
            "enabled": True,
            "order_type": "market",
            "conditional": {"price": {"type": "last", "value": "61800"}},
        },
    }


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return "\n".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
        for error in exc.value.errors()
    )


def test_article_hedge_round_trips_to_the_same_body() -> None:
    body = article_body()
    payload = SmartTradeCreate.model_validate(body)
    assert payload.model_dump(mode="json", exclude_none=True) == body
    assert payload.trade_type == "smart_cover"
    assert payload.position.units.value == Decimal("0.5")


def test_numbers_and_numeric_strings_are_accepted_and_sent_as_strings() -> None:
    body = article_body()
    body["position"]["units"]["value"] = 0.5
    body["take_profit"]["steps"][0]["volume"] = 100
    payload = SmartTradeCreate.model_validate(body)
    dumped = payload.model_dump(mode="json", exclude_none=True)
    assert dumped["position"]["units"]["value"] == "0.5"
    assert dumped["take_profit"]["steps"][0]["volume"] == "100"


def test_decimal_is_sent_in_plain_notation_never_exponent() -> None:
    body = article_body()
    body["position"]["units"]["value"] = "1E-8"
    dumped = SmartTradeCreate.model_validate(body).model_dump(mode="json", exclude_none=True)
    assert dumped["position"]["units"]["value"] == "0.00000001"


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda b: b.update(instant="true"), "instant: Input should be a valid boolean"),
        (lambda b: b["leverage"].update(value="12"), "leverage.value: Input should be a valid int"),
        (lambda b: b["leverage"].update(type="custom"), "leverage.type: Input should be 'cross'"),
        (lambda b: b.update(status="active"), "status: Extra inputs are not permitted"),
        (lambda b: b["position"].update(editable=True), "position.editable: Extra inputs"),
        (lambda b: b["position"].pop("units"), "position.units: Field required"),
        (lambda b: b["position"].update(type="short"), "position.type: Input should be 'buy'"),
        (lambda b: b["position"]["units"].update(value="0"), "greater than 0"),
        (lambda b: b["position"]["units"].update(value="NaN"), "not a finite decimal"),
        (lambda b: b["position"]["units"].update(value=True), "got a boolean"),
        (lambda b: b.update(note=""), "note: String should have at least 1 character"),
        (lambda b: b.update(note="x" * 301), "note: String should have at most 300 characters"),
        (
            lambda b: b["take_profit"]["steps"][0]["price"].update(percent="-8"),
            "exactly one of value or percent",
        ),
        (
            lambda b: b["take_profit"]["steps"][0]["price"].pop("value"),
            "exactly one of value or percent",
        ),
        (
            lambda b: b["take_profit"]["steps"][0].update(volume="90"),
            "volumes must add up to 100 (got 90)",
        ),
        (
            lambda b: b["take_profit"]["steps"][0].update(id=1225026814),
            "step ids only refer to existing steps",
        ),
        (
            lambda b: b["take_profit"]["steps"][0].update(units={"value": "34"}),
            "units: Extra inputs are not permitted",
        ),
        (lambda b: b["stop_loss"].update(breakeven=True), "breakeven needs at least 2"),
        (lambda b: b["stop_loss"].pop("order_type"), "stop_loss.order_type is required"),
        (lambda b: b["stop_loss"].pop("conditional"), "the trigger) is required"),
        (lambda b: b["stop_loss"].update(order_type="limit"), "stop_loss.price is required"),
        (
            lambda b: b["stop_loss"].update(timeout={"enabled": True}),
            "stop_loss.timeout.value (seconds) is required",
        ),
        (lambda b: b["leverage"].pop("type"), "type and value are required"),
        (lambda b: b["position"].update(price={"value": "60000"}), "not allowed for a market"),
        (lambda b: b["position"].update(order_type="limit"), "position.price is required"),
        (lambda b: b["position"].update(order_type="conditional"), "conditional is required"),
        (lambda b: b.update(instant=True), "instant trades (simple buy/sell) take no"),
    ],
)
def test_invalid_create_bodies_name_the_field_and_rule(mutate: Any, fragment: str) -> None:
    body = article_body()
    mutate(body)
    with pytest.raises(ValidationError) as exc:
        SmartTradeCreate.model_validate(body)
    assert fragment in errors_of(exc)


def test_trailing_only_on_last_tp_step_and_percent_required() -> None:
    body = article_body()
    body["take_profit"]["steps"] = [
        {
            "order_type": "market",
            "volume": "50",
            "price": {"value": "57000"},
            "trailing": {"enabled": True, "percent": "1"},
        },
        {"order_type": "market", "volume": "50", "price": {"value": "55000"}},
    ]
    with pytest.raises(ValidationError) as exc:
        SmartTradeCreate.model_validate(body)
    assert "take_profit.steps[0].trailing: only the last step may trail" in errors_of(exc)

    body["take_profit"]["steps"][0].pop("trailing")
    body["take_profit"]["steps"][1]["trailing"] = {"enabled": True}
    with pytest.raises(ValidationError) as exc:
        SmartTradeCreate.model_validate(body)
    assert "trailing.percent is required" in errors_of(exc)

    body["take_profit"]["steps"][1]["trailing"] = {"enabled": True, "percent": "0.5"}
    body["stop_loss"]["breakeven"] = True
    payload = SmartTradeCreate.model_validate(body)
    assert payload.take_profit is not None
    assert payload.take_profit.steps[1].trailing is not None
    assert payload.stop_loss is not None and payload.stop_loss.breakeven is True


def test_more_than_eight_steps_refused_and_volume_rule_switchable() -> None:
    body = article_body()
    body["take_profit"]["steps"] = [
        {"order_type": "limit", "volume": "10", "price": {"value": str(59000 - i * 100)}}
        for i in range(10)
    ]
    with pytest.raises(ValidationError) as exc:
        SmartTradeCreate.model_validate(body)
    assert "at most 8 steps" in errors_of(exc)
    relaxed = SmartTradeCreate.model_validate(body, context={"check_tp_volumes": False})
    assert relaxed.take_profit is not None and len(relaxed.take_profit.steps) == 10


def test_conditional_entry_rules() -> None:
    body = article_body()
    body["position"] = {
        "type": "sell",
        "order_type": "conditional",
        "units": {"value": "0.5"},
        "conditional": {
            "order_type": "limit",
            "price": {"type": "bid", "value": "59000"},
            "trailing": {"enabled": True, "percent": "1"},
        },
    }
    with pytest.raises(ValidationError) as exc:
        SmartTradeCreate.model_validate(body)
    text = errors_of(exc)
    assert "trailing entry needs order_type market" in text

    body["position"]["conditional"]["order_type"] = "market"
    payload = SmartTradeCreate.model_validate(body)
    assert payload.position.conditional is not None
    assert payload.position.conditional.price.value == Decimal("59000")


def test_models_are_frozen() -> None:
    payload = SmartTradeCreate.model_validate(article_body())
    with pytest.raises(ValidationError):
        payload.pair = "USDT_ETHUSDT"  # type: ignore[misc]


def test_update_allows_step_ids_and_needs_something_to_change() -> None:
    update = SmartTradeUpdate.model_validate(
        {
            "take_profit": {
                "enabled": True,
                "steps": [
                    {
                        "id": 1225026814,
                        "order_type": "limit",
                        "volume": "100",
                        "price": {"type": "last", "value": "0.00000508"},
                    }
                ],
            }
        }
    )
    assert update.take_profit is not None and update.take_profit.steps[0].id == 1225026814
    with pytest.raises(ValidationError) as exc:
        SmartTradeUpdate.model_validate({})
    assert "needs at least one of" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        SmartTradeUpdate.model_validate({"position": {"type": "buy", "units": {"value": "1"}}})
    assert "position.type: Extra inputs are not permitted" in errors_of(exc)


def test_funds_and_note_bodies() -> None:
    reduce = FundsRequest.model_validate(
        json.loads((EXAMPLES / "7_reduce_funds_for_smart_trade.request.json").read_text())
    )
    assert reduce.model_dump(mode="json", exclude_none=True) == {
        "order_type": "limit",
        "units": {"value": "0.04"},
        "price": {"value": "0.03711"},
    }
    with pytest.raises(ValidationError, match="price is required for a limit order"):
        FundsRequest.model_validate({"order_type": "limit", "units": {"value": "1"}})
    with pytest.raises(ValidationError, match="price is not allowed for a market order"):
        FundsRequest.model_validate(
            {"order_type": "market", "units": {"value": "1"}, "price": {"value": "2"}}
        )
    note = json.loads((EXAMPLES / "9_add_a_note_to_smart_trade.request.json").read_text())
    assert SetNoteRequest.model_validate(note).note == note["note"]


# The published request examples carry the quirks listed in section 14 of the reference. The strict
# models refuse each quirk by name; with the documented resolution applied, the example parses.
def test_published_create_example_quirks_are_refused_and_the_resolution_parses() -> None:
    body = json.loads((EXAMPLES / "1_create_smart_trade.request.json").read_text())
    with pytest.raises(ValidationError) as exc:
        SmartTradeCreate.model_validate(body)
    text = errors_of(exc)
    assert "instant: Input should be a valid boolean" in text
    assert "leverage.type: Input should be 'cross' or 'isolated'" in text
    assert "leverage.value: Input should be a valid integer" in text
    body["instant"] = True  # 14.7
    body["leverage"].update(type="isolated", value=12)  # 14.7, 14.8: custom is stored as isolated
    payload = SmartTradeCreate.model_validate(body)
    assert payload.trade_type == "simple_buy"


def test_published_edit_example_quirks_are_refused_and_the_resolution_parses() -> None:
    body = json.loads((EXAMPLES / "2_edit_smart_trade.request.json").read_text())
    with pytest.raises(ValidationError) as exc:
        SmartTradeUpdate.model_validate(body)
    text = errors_of(exc)
    assert "position.type: Extra inputs" in text
    assert "take_profit.steps.0.units: Extra inputs" in text
    assert "take_profit.steps.0.total: Extra inputs" in text
    body["position"].pop("type")  # 14.14: not sent on edit
    for step in body["take_profit"]["steps"]:
        step.pop("units")
        step.pop("total")
    update = SmartTradeUpdate.model_validate(body)
    assert update.stop_loss is not None and update.stop_loss.conditional is not None
    assert update.stop_loss.conditional.price.value == Decimal("0.00000280")


def test_published_add_funds_example_units_array_is_refused() -> None:
    body = json.loads((EXAMPLES / "5_add_funds_for_smart_trade.request.json").read_text())
    with pytest.raises(ValidationError) as exc:
        FundsRequest.model_validate(body)
    assert "units" in errors_of(exc)
    body["units"] = body["units"][0]  # 14.19: one object; a limit order also needs its price
    body["price"] = {"value": "0.5"}
    assert FundsRequest.model_validate(body).units.value == Decimal("14.60138226")


# Property tests: random valid shapes round-trip; random invalid shapes raise ValidationError.

decimals = st.decimals(
    min_value=Decimal("0.00000001"), max_value=Decimal("1000000"), places=8, allow_nan=False
)
price_types = st.sampled_from(["bid", "ask", "last"])


@st.composite
def trigger_prices(draw: st.DrawFn) -> dict[str, Any]:
    price: dict[str, Any] = {}
    if draw(st.booleans()):
        price["type"] = draw(price_types)
    if draw(st.booleans()):
        price["value"] = str(draw(decimals))
    else:
        price["percent"] = str(draw(st.decimals(min_value=-99, max_value=99, places=2)))
    return price


@st.composite
def volumes(draw: st.DrawFn, count: int) -> list[str]:
    cuts = sorted(draw(st.sets(st.integers(1, 99), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 100]
    return [str(bounds[i + 1] - bounds[i]) for i in range(count)]


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    side = draw(st.sampled_from(["buy", "sell"]))
    order_type = draw(st.sampled_from(["market", "limit", "conditional"]))
    position: dict[str, Any] = {
        "type": side,
        "order_type": order_type,
        "units": {"value": str(draw(decimals))},
    }
    if order_type == "limit":
        position["price"] = {"value": str(draw(decimals))}
    if order_type == "conditional":
        conditional_type = draw(st.sampled_from(["market", "limit"]))
        position["conditional"] = {
            "order_type": conditional_type,
            "price": {"type": draw(price_types), "value": str(draw(decimals))},
        }
        if conditional_type == "limit":
            position["price"] = {"value": str(draw(decimals))}
        elif draw(st.booleans()):
            position["conditional"]["trailing"] = {"enabled": True, "percent": "1.5"}
    body: dict[str, Any] = {
        "account_id": draw(st.integers(1, 2**31)),
        "pair": draw(st.sampled_from(["USDT_BTCUSDT", "USDT_BTC", "BNFCR_1INCHUSDT"])),
        "instant": False,
        "position": position,
    }
    if draw(st.booleans()):
        body["leverage"] = {
            "enabled": True,
            "type": draw(st.sampled_from(["cross", "isolated"])),
            "value": draw(st.integers(1, 125)),
        }
    count = draw(st.integers(1, 8))
    steps = [
        {
            "order_type": draw(st.sampled_from(["market", "limit"])),
            "volume": volume,
            "price": draw(trigger_prices()),
        }
        for volume in draw(volumes(count))
    ]
    if draw(st.booleans()):
        steps[-1]["trailing"] = {"enabled": True, "percent": "2"}
    body["take_profit"] = {"enabled": True, "steps": steps}
    stop: dict[str, Any] = {
        "enabled": True,
        "order_type": draw(st.sampled_from(["market", "limit"])),
        "conditional": {"price": draw(trigger_prices())},
    }
    if stop["order_type"] == "limit":
        stop["price"] = {"value": str(draw(decimals))}
    if count >= 2 and draw(st.booleans()):
        stop["breakeven"] = True
    if draw(st.booleans()):
        stop["timeout"] = {"enabled": True, "value": draw(st.integers(1, 3600))}
    body["stop_loss"] = stop
    if draw(st.booleans()):
        body["note"] = draw(st.text(min_size=1, max_size=300))
    return body


def _normalised(body: dict[str, Any]) -> dict[str, Any]:
    """What the model sends for a body: decimals in their canonical plain string form."""
    return json.loads(
        json.dumps(body),
        parse_float=Decimal,
        object_hook=lambda o: {
            k: (
                format(Decimal(v), "f")
                if k in {"value", "percent", "volume"} and isinstance(v, str)
                else v
            )
            for k, v in o.items()
        },
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bodies())
def test_valid_shapes_round_trip_through_json_unchanged(body: dict[str, Any]) -> None:
    payload = SmartTradeCreate.model_validate(body)
    wire = payload.model_dump_json(exclude_none=True)
    assert SmartTradeCreate.model_validate_json(wire) == payload
    assert json.loads(wire) == _normalised(body)


# Each path with values that break it: wrong JSON type, string boolean, bad enum, bad number.
_BREAKERS: dict[tuple[str, ...], list[Any]] = {
    ("account_id",): ["1", 0, -1, None, 1.5],
    ("pair",): [None, 42, ""],
    ("instant",): ["true", "false", 1],
    ("position", "type"): ["short", None, "SELL"],
    ("position", "order_type"): ["stop", None],
    ("position", "units", "value"): ["not-a-number", "Infinity", "-1", 0, None, True, []],
    ("take_profit", "enabled"): ["true", None, 1],
    ("take_profit", "steps"): [[], None, {}],
    ("stop_loss", "order_type"): ["conditional", None],
    ("stop_loss", "conditional"): [None, {}, "true"],
}


@st.composite
def breakages(draw: st.DrawFn) -> tuple[tuple[str, ...], Any]:
    path = draw(st.sampled_from(sorted(_BREAKERS)))
    return path, draw(st.sampled_from(_BREAKERS[path]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bodies(), breakages(), st.booleans())
def test_invalid_shapes_raise_validation_error_and_nothing_else(
    body: dict[str, Any], breakage: tuple[tuple[str, ...], Any], add_unknown: bool
) -> None:
    path, bad = breakage
    target = body
    for key in path[:-1]:
        target = target[key]
    if add_unknown:
        target["editable"] = True  # a response-only field
    else:
        target[path[-1]] = bad
    with pytest.raises(ValidationError):
        SmartTradeCreate.model_validate(body)
