"""The fake's raw body validation: the API's keys and messages, and the request models' rules."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from threecommas_hedge.models.requests import SmartTradeCreate, SmartTradeUpdate
from threecommas_hedge.testing._validation import (
    check_create,
    check_update,
    validate_create,
    validate_funds,
    validate_note,
    validate_update,
)

EXAMPLES = Path(__file__).parent / "data" / "examples"


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


def hedge() -> dict[str, Any]:
    return {
        "account_id": 1,
        "pair": "USDT_BTCUSDT",
        "leverage": {"enabled": True, "type": "isolated", "value": 1},
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
        "take_profit": {
            "enabled": True,
            "steps": [{"order_type": "limit", "volume": "100", "price": {"value": "55000"}}],
        },
        "stop_loss": {
            "enabled": True,
            "order_type": "market",
            "conditional": {"price": {"value": "61800", "type": "last"}},
        },
    }


def rich() -> dict[str, Any]:
    """A body that uses most groups: conditional trailing entry, 3 TP steps, SL with extras."""
    return {
        "account_id": 7,
        "pair": "USDT_ETH",
        "note": "hedge",
        "position": {
            "type": "buy",
            "order_type": "conditional",
            "units": {"value": "2"},
            "conditional": {
                "order_type": "market",
                "price": {"type": "ask", "value": "3000"},
                "trailing": {"enabled": True, "percent": "1"},
            },
        },
        "take_profit": {
            "enabled": True,
            "steps": [
                {"order_type": "limit", "volume": "50", "price": {"percent": "5"}},
                {"order_type": "market", "volume": "25", "price": {"percent": "8"}},
                {
                    "order_type": "market",
                    "volume": "25",
                    "price": {"percent": "10"},
                    "trailing": {"enabled": True, "percent": "1.5"},
                },
            ],
        },
        "stop_loss": {
            "enabled": True,
            "breakeven": True,
            "order_type": "limit",
            "price": {"value": "2790"},
            "conditional": {"price": {"percent": "-7"}, "trailing": {"enabled": True}},
            "timeout": {"enabled": True, "value": 30},
        },
    }


# --- keys and messages as the API writes them ----------------------------------------------


def test_valid_bodies_parse_into_the_request_model() -> None:
    for body in (hedge(), rich()):
        errors, parsed = validate_create(body)
        assert errors == {}
        assert parsed == SmartTradeCreate.model_validate(body)


def test_edit_example_400_is_reproduced_key_for_key() -> None:
    body = {
        "take_profit": {
            "enabled": True,
            "steps": [
                {
                    "order_type": "limit",
                    "volume": "100",
                    "price": {"value": "0.00000508", "percent": "5"},
                }
            ],
        },
        "stop_loss": {"enabled": True, "conditional": {"price": {"value": "0.0000028"}}},
    }
    errors, parsed = validate_update(body)
    assert parsed is None
    assert errors == example("2_edit_smart_trade.response.400.json")["error_attributes"]


def test_add_funds_example_400_is_reproduced_key_for_key() -> None:
    errors, parsed = validate_funds({})
    assert parsed is None
    assert errors == example("5_add_funds_for_smart_trade.response.400.json")["error_attributes"]


def test_note_too_long_matches_the_example() -> None:
    errors, _ = validate_note({"note": "x" * 301})
    assert errors == example("9_add_a_note_to_smart_trade.response.400.json")["error_attributes"]
    assert validate_note({"note": "x" * 300})[0] == {}
    assert validate_note({"note": ""})[0] == {"note": ["is empty"]}


def test_the_published_create_example_is_refused_for_its_string_booleans_and_custom() -> None:
    errors, _ = validate_create(example("1_create_smart_trade.request.json"))
    assert errors == {
        "instant": ["is invalid"],
        "leverage[type]": ["does not have a valid value"],
        "leverage[value]": ["is invalid"],
    }


def test_the_published_edit_example_is_refused_for_response_only_fields() -> None:
    errors, _ = validate_update(example("2_edit_smart_trade.request.json"))
    assert errors == {
        "position[type]": ["is not allowed"],
        "take_profit[steps][0][units]": ["is not allowed"],
        "take_profit[steps][0][total]": ["is not allowed"],
    }


def test_funds_examples() -> None:
    errors, _ = validate_funds(example("5_add_funds_for_smart_trade.request.json"))
    assert errors == {
        "units": ["is invalid"],
        "price": ["is missing"],
        "price[value]": ["is missing"],
    }
    errors, parsed = validate_funds(example("7_reduce_funds_for_smart_trade.request.json"))
    assert errors == {}
    assert parsed is not None
    assert parsed.price is not None
    assert parsed.price.value == Decimal("0.03711")
    errors, _ = validate_funds(
        {"order_type": "market", "units": {"value": "1"}, "price": {"value": "2"}}
    )
    assert errors == {"price": ["is not allowed for a market order"]}


def test_missing_required_object_reports_its_required_children() -> None:
    assert check_create({}) == {
        "account_id": ["is missing"],
        "pair": ["is missing"],
        "position": ["is missing"],
        "position[type]": ["is missing"],
        "position[order_type]": ["is missing"],
        "position[units]": ["is missing"],
    }


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda b: b["take_profit"]["steps"][0]["price"].update(percent="-8"),
            {
                "take_profit[steps][0][price][value],take_profit[steps][0][price][percent]": [
                    "are mutually exclusive"
                ]
            },
        ),
        (
            lambda b: b["take_profit"]["steps"][0].update(price={"type": "last"}),
            {
                "take_profit[steps][0][price][value],take_profit[steps][0][price][percent]": [
                    "are missing, exactly one parameter must be provided"
                ]
            },
        ),
        (lambda b: b["stop_loss"].pop("order_type"), {"stop_loss[order_type]": ["is missing"]}),
        (
            lambda b: b["stop_loss"].update(order_type="stop"),
            {"stop_loss[order_type]": ["does not have a valid value"]},
        ),
        (lambda b: b.update(instant="true"), {"instant": ["is invalid"]}),
        (lambda b: b["leverage"].update(value="1"), {"leverage[value]": ["is invalid"]}),
        (lambda b: b["leverage"].pop("type"), {"leverage[type]": ["is missing"]}),
        (
            lambda b: b["position"].update(price={"value": "60000"}),
            {"position[price]": ["is not allowed for a market entry"]},
        ),
        (
            lambda b: b["position"]["units"].update(value="0"),
            {"position[units][value]": ["must be greater than 0"]},
        ),
        (
            lambda b: b["position"]["units"].update(value="abc"),
            {"position[units][value]": ["is invalid"]},
        ),
        (
            lambda b: b["take_profit"]["steps"][0].update(volume="90"),
            {"take_profit[steps]": ["volumes must add up to 100 (got 90)"]},
        ),
        (
            lambda b: b["take_profit"]["steps"][0].update(id=5),
            {"take_profit[steps][0][id]": ["is not allowed"]},
        ),
        (lambda b: b.update(editable=True), {"editable": ["is not allowed"]}),
        (
            lambda b: b["stop_loss"].update(breakeven=True),
            {"stop_loss[breakeven]": ["needs at least 2 take profit steps"]},
        ),
        (
            lambda b: b["stop_loss"].update(timeout={"enabled": True}),
            {"stop_loss[timeout][value]": ["is missing"]},
        ),
        (
            lambda b: b["position"].update(order_type="limit"),
            {"position[price]": ["is missing"], "position[price][value]": ["is missing"]},
        ),
        (
            lambda b: b.update(instant=True),
            {
                "take_profit[enabled]": ["is not allowed for an instant trade"],
                "stop_loss[enabled]": ["is not allowed for an instant trade"],
            },
        ),
        (lambda b: b.update(note="n" * 301), {"note": ["too long. Max is 300 symbols"]}),
    ],
)
def test_each_rule_answers_with_its_key(mutate: Any, expected: dict[str, list[str]]) -> None:
    body = hedge()
    mutate(body)
    errors, parsed = validate_create(body)
    assert parsed is None
    assert errors == expected
    with pytest.raises(ValidationError):
        SmartTradeCreate.model_validate(body)


def test_edit_needs_a_group_and_allows_step_ids() -> None:
    assert check_update({}) == {
        "leverage,position,take_profit,stop_loss": [
            "are missing, at least one parameter must be provided"
        ]
    }
    body = {
        "take_profit": {
            "enabled": True,
            "steps": [{"id": 12, "order_type": "limit", "volume": "100", "price": {"value": "1"}}],
        }
    }
    errors, parsed = validate_update(body)
    assert errors == {}
    assert parsed is not None
    assert parsed.take_profit is not None
    assert parsed.take_profit.steps[0].id == 12


# --- same verdicts as the request models ----------------------------------------------------

_VALUES = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        1,
        -1,
        2.5,
        "1",
        "0",
        "-8",
        "abc",
        "",
        "true",
        {},
        [],
        "market",
        "limit",
        "conditional",
        "sell",
        "buy",
        "cross",
        "custom",
        "last",
        "bid",
        "100",
        "50",
        "x" * 301,
    ]
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            paths.append((*prefix, key))
            paths.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths.append((*prefix, index))
            paths.extend(_paths(value, (*prefix, index)))
    return paths


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(body)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = body
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(_VALUES)
    return body


def _model_accepts(model: Any, body: Any) -> bool:
    try:
        model.model_validate(body)
    except (ValidationError, TypeError):
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(st.one_of(mutated(hedge()), mutated(rich())))
def test_create_verdict_matches_the_model(body: dict[str, Any]) -> None:
    assert (check_create(body) == {}) == _model_accepts(SmartTradeCreate, body)


def _edit_base() -> dict[str, Any]:
    body = rich()
    return {
        "position": {"units": {"value": "3"}, "conditional": body["position"]["conditional"]},
        "take_profit": body["take_profit"],
        "stop_loss": body["stop_loss"],
        "leverage": {"enabled": False},
    }


@settings(max_examples=150, deadline=None)
@given(mutated(_edit_base()))
def test_edit_verdict_matches_the_model(body: dict[str, Any]) -> None:
    assert (check_update(body) == {}) == _model_accepts(SmartTradeUpdate, body)
