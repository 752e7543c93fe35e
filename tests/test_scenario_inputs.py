"""One input policy across hedge/: floats are refused and a bad value raises HedgeValidationError
naming the field and the rule, in HedgeScenario and the liquidation helpers as in the builder."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from threecommas_hedge import (
    HedgeBuilder,
    HedgeScenario,
    HedgeValidationError,
    LeverageBracket,
    SpotPosition,
    liquidation_price,
)

D = Decimal
SPOT = SpotPosition(asset="BTC", quantity=D(1), price=D(60000))


def article(**changes: Any) -> HedgeScenario:
    fields: dict[str, Any] = {
        "spot_quantity": D(1),
        "spot_price": D(60000),
        "hedge_quantity": D("0.5"),
        "entry_price": D(60000),
        "leverage": D(2),
    }
    fields.update(changes)
    return HedgeScenario(**fields)


def refused(call: Any) -> HedgeValidationError:
    """The HedgeValidationError ``call()`` raises (and not pydantic's error)."""
    with pytest.raises(HedgeValidationError) as caught:
        call()
    assert not isinstance(caught.value, ValidationError)
    return caught.value


@pytest.mark.parametrize(
    "field",
    [
        "spot_quantity",
        "spot_price",
        "hedge_quantity",
        "entry_price",
        "leverage",
        "wallet_balance",
        "maker_fee_rate",
        "taker_fee_rate",
        "entry_fee_rate",
        "exit_fee_rate",
        "funding_rate",
        "funding_interval_hours",
        "holding_days",
        "liquidation_buffer",
        "contract_size",
        "stop_loss",
    ],
)
def test_a_float_is_refused_naming_the_field(field: str) -> None:
    error = refused(lambda: article(**{field: 0.5}))
    assert error.field == field
    assert error.rule == "must be a Decimal, int or numeric string, not float"


def test_the_builder_and_the_scenario_refuse_a_float_alike() -> None:
    builder_error = refused(lambda: SpotPosition(asset="BTC", quantity=1.5, price=D(60000)))  # type: ignore[arg-type]
    scenario_error = refused(lambda: article(spot_quantity=1.5))
    assert builder_error.rule == scenario_error.rule


@pytest.mark.parametrize(
    ("pair", "field"),
    [((55000.0, D(100)), "take_profits[0].price"), ((D(55000), 100.0), "take_profits[0].volume")],
)
def test_a_float_in_a_take_profit_is_refused(pair: tuple[Any, Any], field: str) -> None:
    assert refused(lambda: article(take_profits=[pair])).field == field


@pytest.mark.parametrize("value", [True, "abc", "NaN", "Infinity"])
def test_what_is_not_a_finite_number_is_refused(value: object) -> None:
    assert refused(lambda: article(spot_price=value)).field == "spot_price"


def test_numeric_strings_and_ints_are_accepted() -> None:
    scenario = article(spot_quantity="1", spot_price=60000, take_profits=[("55000", 100)])
    assert scenario.spot_quantity == D(1) and scenario.take_profits == ((D(55000), D(100)),)


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"hedge_quantity": D(0)}, "hedge_quantity", "must be greater than 0 (got 0)"),
        ({"maker_fee_rate": D(-1)}, "maker_fee_rate", "must be at least 0 (got -1)"),
        ({"liquidation_buffer": D(1)}, "liquidation_buffer", "must be less than 1 (got 1)"),
        ({"unknown": 1}, "unknown", "is not a field of HedgeScenario"),
        ({"margin": "portfolio"}, "margin", "must be 'isolated' or 'cross' (got 'portfolio')"),
        ({"margin": "cross"}, "wallet_balance", "cross margin needs wallet_balance"),
        ({"stop_loss": D(59000)}, "stop_loss", "must be above the short's entry price"),
        ({"take_profits": [(D(61000), D(100))]}, "take_profits[0].price", "must be below"),
        ({"take_profits": [(D(55000), D(0))]}, "take_profits[0].volume", "must be in (0, 100]"),
        (
            {"take_profits": [(D(55000), D(60)), (D(50000), D(60))]},
            "take_profits",
            "add up to more than 100",
        ),
        ({"trailing_take_profit": True}, "trailing_take_profit", "needs take_profits"),
        (
            {"take_profits": [(D(55000), D(100))], "take_profit_order_types": ["limit", "market"]},
            "take_profit_order_types",
            "one order type per take profit step",
        ),
    ],
)
def test_a_broken_rule_names_its_field(changes: dict[str, Any], field: str, rule: str) -> None:
    error = refused(lambda: article(**changes))
    assert error.field == field
    assert rule in error.rule


def test_a_missing_field_is_named() -> None:
    error = refused(lambda: HedgeScenario(spot_quantity=D(1)))  # type: ignore[call-arg]
    assert error.field == "spot_price" and error.rule == "is required"


def test_the_price_arguments_follow_the_policy_too() -> None:
    scenario = article()
    assert refused(lambda: scenario.at(59000.0)).field == "price"  # type: ignore[arg-type]
    assert refused(lambda: scenario.at(D(0))).field == "price"
    assert refused(lambda: scenario.table([D(59000), 58000.0])).field == "prices[1]"  # type: ignore[list-item]
    assert refused(lambda: scenario.liquidation_price(-1)).field == "after_days"  # type: ignore[arg-type]
    assert refused(lambda: scenario.liquidation_price(1.5)).field == "after_days"  # type: ignore[arg-type]
    assert refused(lambda: scenario.liquidation_distance(1.5)).field == "price"  # type: ignore[arg-type]


def test_from_payload_follows_the_policy() -> None:
    payload = HedgeBuilder(SPOT, account_id=1, pair="USDT_BTC").hedge(ratio=D("0.5")).build()
    error = refused(lambda: HedgeScenario.from_payload(SPOT, payload, entry_price=60000.0))  # type: ignore[arg-type]
    assert error.field == "entry_price"
    assert refused(lambda: HedgeScenario.from_payload(SPOT, payload)).field == "entry_price"
    error = refused(lambda: HedgeScenario.from_payload(SPOT, payload, entry_price=D(1), fees=1))
    assert error.field == "fees"


def test_leverage_brackets_refuse_floats_and_name_the_field() -> None:
    assert refused(lambda: LeverageBracket(0.0, D("0.004"))).field == "notional_floor"  # type: ignore[arg-type]
    assert refused(lambda: LeverageBracket(D(0), 0.004)).field == "maintenance_margin_rate"  # type: ignore[arg-type]
    assert refused(lambda: LeverageBracket(D(-1), D("0.004"))).field == "notional_floor"
    assert refused(lambda: LeverageBracket(D(0), D(1))).field == "maintenance_margin_rate"
    assert refused(lambda: LeverageBracket(D(0), D(0), D(-1))).field == "maintenance_amount"
    bracket = LeverageBracket(0, "0.004")  # type: ignore[arg-type]
    assert bracket.notional_floor == D(0) and bracket.maintenance_margin_rate == D("0.004")


def test_liquidation_price_refuses_floats_and_names_the_field() -> None:
    def call(**changes: Any) -> Decimal | None:
        fields: dict[str, Any] = {
            "side": "short",
            "quantity": D("0.5"),
            "entry_price": D(60000),
            "wallet_balance": D(15000),
            "brackets": (LeverageBracket(D(0), D("0.004")),),
        }
        fields.update(changes)
        return liquidation_price(**fields)

    assert call() is not None
    for field in ("quantity", "entry_price", "wallet_balance"):
        assert refused(lambda field=field: call(**{field: 1.5})).field == field
    assert refused(lambda: call(quantity=D(0))).field == "quantity"
    assert refused(lambda: call(wallet_balance=D(-1))).field == "wallet_balance"
    assert refused(lambda: call(side="flat")).field == "side"
