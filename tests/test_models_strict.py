"""Response fields that drive a decision are read strictly; everything else stays lenient."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from threecommas_hedge.models import Account, ReduceFundsInfo, SmartTrade, Trade

EXAMPLES = Path(__file__).parent / "data" / "examples"


def entity() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "0_smart_trade_entity.example.json").read_text())
    return data


def test_the_example_entity_parses_and_is_not_terminal() -> None:
    trade = SmartTrade.model_validate(entity())
    assert trade.status.code is not None


@pytest.mark.parametrize("value", [True, False, 1.5, "x", -1, 0, 2**63])
def test_a_trade_id_that_is_not_a_positive_63_bit_integer_is_refused(value: Any) -> None:
    with pytest.raises(ValidationError, match="id"):
        SmartTrade.model_validate({**entity(), "id": value})
    with pytest.raises(ValidationError, match="id"):
        Trade.model_validate({"id": value})


@pytest.mark.parametrize(
    "path",
    [("account", "id"), ("take_profit", "steps", 0, "id")],
)
def test_nested_ids_are_strict_too(path: tuple[Any, ...]) -> None:
    data = entity()
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = True
    with pytest.raises(ValidationError, match=".".join(map(str, path))):
        SmartTrade.model_validate(data)


def test_an_account_id_of_true_is_refused() -> None:
    with pytest.raises(ValidationError, match="id"):
        Account.model_validate({"id": True})


def test_a_largest_63_bit_id_is_kept() -> None:
    assert SmartTrade.model_validate({**entity(), "id": 2**63 - 1}).id == 2**63 - 1


@pytest.mark.parametrize("status", ["finished", "cancelled", "successfully_finished"])
def test_a_trade_status_given_as_a_bare_string_is_refused(status: str) -> None:
    with pytest.raises(ValidationError, match="status"):
        SmartTrade.model_validate({**entity(), "status": status})


@pytest.mark.parametrize("status", [None, {}, {"title": "Finished"}])
def test_a_missing_or_empty_trade_status_is_refused(status: Any) -> None:
    data = entity()
    if status is None:
        del data["status"]
    else:
        data["status"] = status
    with pytest.raises(ValidationError, match="status"):
        SmartTrade.model_validate(data)


def test_a_step_status_given_as_a_bare_string_is_refused() -> None:
    data = entity()
    data["position"]["status"] = "finished"
    with pytest.raises(ValidationError, match=r"position\.status"):
        SmartTrade.model_validate(data)


@pytest.mark.parametrize(
    "path",
    [
        ("position", "units", "value"),
        ("position", "price", "value"),
        ("position", "total", "value"),
        ("take_profit", "steps", 0, "price", "value"),
        ("take_profit", "steps", 0, "volume"),
        ("data", "average_enter_price"),
        ("data", "entered_amount"),
        ("data", "current_price", "bid"),
        ("data", "liquidation_price"),
    ],
)
def test_negative_units_and_prices_are_refused(path: tuple[Any, ...]) -> None:
    data = entity()
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    node[path[-1]] = "-1"
    with pytest.raises(ValidationError, match=r"\.".join(map(str, path))):
        SmartTrade.model_validate(data)


@pytest.mark.parametrize(
    "field", ["initial_amount", "realised_amount", "order_price", "average_price", "trigger_price"]
)
def test_negative_trade_amounts_and_prices_are_refused(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Trade.model_validate({"id": 1, field: "-0.1"})


def test_negative_reduce_funds_amount_is_refused() -> None:
    with pytest.raises(ValidationError, match="max_reduce_funds_amount"):
        ReduceFundsInfo.model_validate({"max_reduce_funds_amount": "-1"})


def test_lenient_elsewhere_unknown_fields_kept_and_profit_may_be_negative() -> None:
    data = copy.deepcopy(entity())
    data["brand_new_field"] = {"x": [1, 2]}
    data["profit"] = {"volume": "-12.5", "percent": "-3"}
    data["take_profit"]["steps"][0]["price"]["percent"] = "-2"
    trade = SmartTrade.model_validate(data)
    assert trade.model_extra == {"brand_new_field": {"x": [1, 2]}}
    assert str(trade.profit.volume) == "-12.5"
