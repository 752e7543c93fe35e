"""Response models: every official example parses, values are typed, parsing is tolerant."""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from threecommas_hedge.models._base import empty
from threecommas_hedge.models._types import parse_decimal
from threecommas_hedge.models.accounts import (
    Account,
    ActiveTradingEntities,
    Balance,
    LeverageType,
    PieChartSlice,
)
from threecommas_hedge.models.market import (
    CurrencyRates,
    CurrencyRatesWithLeverage,
    FormField,
    MarketInfo,
)
from threecommas_hedge.models.responses import (
    Amount,
    ApiErrorBody,
    ReduceFunds,
    ReduceFundsInfo,
    ReduceFundsStep,
    SmartTrade,
    SmartTradeData,
    Status,
    TakeProfit,
    TakeProfitStep,
    Trade,
    Trailing,
)
from threecommas_hedge.models.rules import MarketRules

EXAMPLES = Path(__file__).parent / "data" / "examples"
UTC = timezone.utc

SMART_TRADE_FILES = [
    "0_smart_trade_entity.example.json",
    "1_create_smart_trade.response.201.json",
    "2_edit_smart_trade.response.200.json",
    "3_get_smart_trade.response.200.json",
    "5_add_funds_for_smart_trade.response.201.json",
    "7_reduce_funds_for_smart_trade.response.201.json",
    "8_close_smart_trade_at_market_price.response.201.json",
    "9_add_a_note_to_smart_trade.response.201.json",
    "10_cancel_smart_trade.response.200.json",
    "11_force_start_smart_trade.response.201.json",
    "trades_2_closes_trade_by_market.response.201.json",
    "trades_3_cancel_trade.response.200.json",
]
ERROR_FILES = [
    "1_create_smart_trade.response.403.json",
    "1_create_smart_trade.response.422.json",
    "2_edit_smart_trade.response.400.json",
    "3_get_smart_trade.response.400.json",
    "5_add_funds_for_smart_trade.response.400.json",
    "5_add_funds_for_smart_trade.response.422.json",
    "6_available_reduce_funds.response.400.json",
    "6_available_reduce_funds.response.404.json",
    "7_reduce_funds_for_smart_trade.response.400.json",
    "7_reduce_funds_for_smart_trade.response.422.json",
    "8_close_smart_trade_at_market_price.response.404.json",
    "9_add_a_note_to_smart_trade.response.400.json",
    "9_add_a_note_to_smart_trade.response.401.json",
    "9_add_a_note_to_smart_trade.response.404.json",
    "10_cancel_smart_trade.response.400.json",
    "trades_1_get_trades_of_smart_trade.response.404.json",
    "errors_8_errors.example.json",
    "account_6_active_trading_entities.response.404.json",
    "account_6_active_trading_entities.response.422.json",
    "account_9_load_balances.response.422.json",
]
MODEL_BY_FILE: dict[str, Any] = {
    **dict.fromkeys(SMART_TRADE_FILES, SmartTrade),
    **dict.fromkeys(ERROR_FILES, ApiErrorBody),
    "4_get_the_list_of_smart_trades.response.200.json": list[SmartTrade],
    "6_available_reduce_funds.response.200.json": ReduceFundsInfo,
    "trades_0_trade_entity.example.json": Trade,
    "trades_1_get_trades_of_smart_trade.response.200.json": list[Trade],
    "account_0_account_entity.example.json": Account,
    "account_3_get_account_info.response.201.json": Account,
    "account_5_list_of_connected_exchanges_and_wallets.response.200.json": list[Account],
    "account_12_account_leverage_information.response.201.json": list[LeverageType],
    "account_6_active_trading_entities.response.200.json": dict[str, ActiveTradingEntities],
    "account_9_load_balances.response.201.json": Account,
    "account_16_pie_chart_data.response.201.json": list[PieChartSlice],
    "account_17_account_table_data.response.201.json": list[Balance],
    "market_0_supported_markets_list.response.200.json": list[MarketInfo],
    "market_1_all_market_pairs.response.200.json": list[str],
    "market_2_currency_rates_and_limits.response.200.json": CurrencyRates,
    "market_3_currency_rates_and_limits_with_leverage_data.response.200.json": (
        CurrencyRatesWithLeverage
    ),
}

NOT_FOUND = {"error": "Not found", "error_description": "Smart Trade not found"}
WRONG_STATUS = {
    "error": "Wrong param(s)",
    "error_description": "Reduce funds is not allowed in the current status",
}

# Concrete typed values per file, by dotted path (attribute, list index or dict key).
EXPECTED: dict[str, dict[str, Any]] = {
    "0_smart_trade_entity.example.json": {
        "id": 12345678,
        "version": None,
        "account.type": "binance_us",
        "position.price.value": Decimal("0.10664"),
        "take_profit.steps.0.id": 1006258048,
        "take_profit.steps.0.price.type": "last",
        "take_profit.steps.0.units.value": None,
        "stop_loss.conditional.price.value": Decimal("0.1013"),
        "stop_loss.timeout.enabled": False,
        "data.commission": Decimal("0.001"),
        "data.created_at": datetime(2024, 8, 12, 16, 24, 38, 360000, tzinfo=UTC),
        "note_text": "Place for your note.",
        "is_terminal": False,
        "is_short": False,
    },
    "1_create_smart_trade.response.201.json": {
        "version": 2,
        "instant": True,
        "status.basic_type": "created",
        "position.order_type": "market",
        "stop_loss.enabled": False,
        "stop_loss.order_type": None,
        "data.type": "simple_buy",
        "data.commission": Decimal("0.001"),
        "data.current_price.quote_volume": Decimal("3870508107.5406402"),
        "note_text": None,
    },
    "2_edit_smart_trade.response.200.json": {
        "account.type": "paper_trading",
        "account.market": "Binance Spot account simulator",
        "position.price.value": Decimal("0.00000442"),
        "stop_loss.units.value": None,
        "stop_loss.closed_at": None,
        "take_profit.steps.0.closed_at": None,
        "profit.usd": Decimal("-5.188117714065"),
        "data.entered_total": Decimal("0.00015043028"),
        "is_position_not_filled": False,
    },
    "3_get_smart_trade.response.200.json": {
        "status.code": "cancelled",
        "data.finished": False,
        "data.closed_at": datetime(2024, 8, 12, 14, 47, 43, 777000, tzinfo=UTC),
        "position.price.value_without_commission": Decimal("0.10559"),
        "is_terminal": True,
    },
    "4_get_the_list_of_smart_trades.response.200.json": {
        "0.status.error": "You need to pass KYC on the exchange to trade on this pair",
        "0.position.status.basic_type": "failed",
        "0.account.type": "kucoin",
        "0.data.current_price.quote_volume": Decimal("4062766.6804568596516"),
        "0.is_terminal": True,
    },
    "5_add_funds_for_smart_trade.response.201.json": {
        "position.total.value": Decimal("4.57371"),
        "position.total.value_without_commission": Decimal("4.54626774"),
        "take_profit.steps.0.price.value": Decimal("0.1098"),
        "take_profit.steps.0.price.percent": Decimal("5.0"),
        "take_profit.steps.0.total": Decimal("4.7214"),
        "stop_loss.status.basic_type": "to_process",
        "profit.volume": Decimal("-0.09787447584"),
    },
    "6_available_reduce_funds.response.200.json": {
        "max_reduce_funds_amount": Decimal("28.819532219570405727923627685"),
    },
    "7_reduce_funds_for_smart_trade.response.201.json": {
        "status.basic_type": "pending_reduce_funds",
        "reduce_funds.steps.0.id": 1224983548,
        "reduce_funds.steps.0.order_type": "market",
        "reduce_funds.steps.0.price.value_without_commission": Decimal("0.03702"),
        "reduce_funds.steps.0.total.value": Decimal("0.01478949"),
        "reduce_funds.steps.0.data.cancelable": False,
        "is_terminal": False,
    },
    "8_close_smart_trade_at_market_price.response.201.json": {
        "data.type": "smart_cover",
        "position.type": "sell",
        "position.order_type": "conditional",
        "position.conditional.order_type": "limit",
        "position.conditional.price.type": "bid",
        "position.conditional.price.value": Decimal("0.255"),
        "position.conditional.trailing.enabled": False,
        "status.title": "Closing at Market Price",
        "is_short": True,
    },
    "9_add_a_note_to_smart_trade.response.201.json": {
        "version": None,
        "note_raw": (
            "You can leave an important note to an existing SmartTrade. The note should not "
            "contain more than 300 characters. It allows the user to leave a note of any "
            "nature on SmartTrade."
        ),
        "data.updated_at": datetime(2024, 8, 12, 16, 37, 11, 480000, tzinfo=UTC),
    },
    "10_cancel_smart_trade.response.200.json": {
        "status.basic_type": "cancellation_pending",
        "take_profit.steps.0.total": Decimal("1.62778"),
        "is_terminal": False,
    },
    "11_force_start_smart_trade.response.201.json": {
        "position.status.basic_type": "panic_sell_pending",
        "position.status.title": "Panic closing",
        "data.force_start_available": False,
    },
    "trades_0_trade_entity.example.json": {
        "id": 1006258056,
        "trade_purpose": "stop_loss",
        "trigger_condition": "less_or_equal",
        "trigger_price": Decimal("0.1013"),
        "position_percentage": Decimal("100.0"),
        "trailing_last_price_updated_at": None,
        "created_at": datetime(2024, 8, 12, 16, 24, 38, 461000, tzinfo=UTC),
        "force_processable": True,
    },
    "trades_1_get_trades_of_smart_trade.response.200.json": {
        "0.average_price": Decimal("0.107068273092369477911646586345381526"),
        "0.realised_price": Decimal("0.10706"),
        "0.trade_purpose": "position",
        "0.order_side": "buy",
        "1.order_side": "sell",
        "1.trigger_type": "conditional",
    },
    "trades_2_closes_trade_by_market.response.201.json": {
        "take_profit.steps.1.position": 2,
        "take_profit.steps.2.status.basic_type": "panic_sell_pending",
        "take_profit.steps.2.data.panic_sell_available": False,
        "take_profit.steps.0.volume": Decimal("50.0"),
    },
    "trades_3_cancel_trade.response.200.json": {
        "data.type": "smart_sell",
        "skip_enter_step": True,
        "position.status.basic_type": "smart_sell",
        "position.price.value_without_commission": None,
        "take_profit.steps.1.volume": Decimal("35.0"),
    },
    "account_0_account_entity.example.json": {
        "market_code": "bybit_spot",
        "exchange_name": "Bybit Spot",
        "supported_market_types": ["spot"],
        "total_btc_profit": Decimal("-0.0000330980633289966"),
        "total_primary_display_currency_profit.amount": Decimal("-0.05357667685386205"),
        "last_auto_balance": None,
        "is_paper": False,
        "is_futures": False,
    },
    "account_3_get_account_info.response.201.json": {
        "usd_amount": Decimal("32.94603614574163795274108884401249103264815794282912"),
        "created_at": datetime(2024, 8, 29, 14, 16, 10, 830000, tzinfo=UTC),
        "api_keys_state": "ok",
        "primary_display_currency_amount.currency": "USD",
    },
    "account_5_list_of_connected_exchanges_and_wallets.response.200.json": {
        "0.exchange_name": "Binance US Spot",
        "0.total_primary_display_currency_profit.amount": Decimal("5.1572211544"),
        "1.api_key_invalid": True,
        "1.api_keys_state": "expired",
        "1.total_btc_profit": Decimal("0.0000016199672389633248"),
    },
    "account_6_active_trading_entities.response.200.json": {
        "data.active_bots_count": 5,
        "data.active_smart_trades_count": 3,
        "data.active_grid_bots_count": 0,
    },
    "account_6_active_trading_entities.response.404.json": {"error": "not_found"},
    "account_6_active_trading_entities.response.422.json": {"error": "invalid_api_key"},
    "account_9_load_balances.response.422.json": {"error": "invalid_api_key"},
    "account_9_load_balances.response.201.json": {"id": 12345678},
    "account_16_pie_chart_data.response.201.json": {
        "0.code": "BTC",
        "0.amount": Decimal("0.00031296"),
        "0.usd_value": Decimal("24.68"),
    },
    "account_17_account_table_data.response.201.json": {
        "0.currency_code": "ETH",
        "0.position": Decimal("0.0000952"),
        "0.position_type": 0,
    },
    "account_12_account_leverage_information.response.201.json": {
        "0.code": "none",
        "0.valid.min": None,
        "0.leverage_cap": None,
        "1.code": "cross",
        "1.valid.min": Decimal("1.0"),
        "2.can_set_leverage_value": True,
    },
    "market_0_supported_markets_list.response.200.json": {
        "0.market_code": "binance_futures_eea",
        "0.trusted_ips.31": "103.26.9.255",
        "1.form_fields.required.2.field": "passphrase",
        "1.available_connection_flows": ["fast_connect", "form"],
        "1.third_party_allowed": False,
    },
    "market_1_all_market_pairs.response.200.json": {"0": "BTC_ETH", "10": "USDT_BTC"},
    "market_2_currency_rates_and_limits.response.200.json": {
        "instrument_kind": "spot",
        "price_step": Decimal("0.01"),
        "lot_step": Decimal("0.00001"),
        "max_total": Decimal("9000000.0"),
        "ask_multiplier_down": Decimal("0.2"),
        "max_leverage": None,
    },
    "market_3_currency_rates_and_limits_with_leverage_data.response.200.json": {
        "instrument_kind": "linear_futures",
        "orderbook_price_currency": "BNFCR",
        "min_market_buy_amount": Decimal("1.0"),
        "max_total": None,
        "leverage_data.0.valid.min": Decimal(1),
        "leverage_data.0.valid.max": Decimal("25.0"),
        "max_leverage": 25,
    },
    "1_create_smart_trade.response.403.json": {
        "error": "Forbidden",
        "error_description": "Account not owned by current user.",
        "error_attributes": None,
    },
    "1_create_smart_trade.response.422.json": {
        "error": "record_invalid",
        "error_attributes": {
            "position": ["is invalid"],
            "position.total": ["must be less than or equal to 9000000.0"],
            "units_to_buy": ["must be less than or equal to 9000.0"],
        },
    },
    "2_edit_smart_trade.response.400.json": {
        "error_attributes": {
            "take_profit[steps][0][price][value],take_profit[steps][0][price][percent]": [
                "are mutually exclusive"
            ],
            "stop_loss[order_type]": ["is missing"],
        },
    },
    "3_get_smart_trade.response.400.json": NOT_FOUND,
    "5_add_funds_for_smart_trade.response.400.json": {
        "error_attributes": {
            "order_type": ["is missing", "does not have a valid value"],
            "units": ["is missing"],
            "units[value]": ["is missing"],
        },
    },
    "5_add_funds_for_smart_trade.response.422.json": {
        "error_attributes": {"total": ["must be greater than or equal to 1.125"]},
    },
    "6_available_reduce_funds.response.400.json": WRONG_STATUS,
    "6_available_reduce_funds.response.404.json": NOT_FOUND,
    "7_reduce_funds_for_smart_trade.response.400.json": WRONG_STATUS,
    "7_reduce_funds_for_smart_trade.response.422.json": {
        "error_attributes": {"entered_amount": ["Too small"]},
    },
    "8_close_smart_trade_at_market_price.response.404.json": NOT_FOUND,
    "9_add_a_note_to_smart_trade.response.400.json": {
        "error_description": "Invalid parameters",
        "error_attributes": {"note": ["too long. Max is 300 symbols"]},
    },
    "9_add_a_note_to_smart_trade.response.401.json": {
        "error": "signature_invalid",
        "error_description": "Provided signature is invalid",
    },
    "9_add_a_note_to_smart_trade.response.404.json": NOT_FOUND,
    "10_cancel_smart_trade.response.400.json": NOT_FOUND,
    "trades_1_get_trades_of_smart_trade.response.404.json": NOT_FOUND,
    "errors_8_errors.example.json": {
        "error": "record_invalid",
        "error_attributes.api_key": ["is too short (minimum is 5 characters)"],
        "error_attributes.name": ["is too short (minimum is 2 characters)"],
    },
}


def _load(name: str, **json_kwargs: Any) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"), **json_kwargs)


def _dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)]
        elif isinstance(obj, dict):
            obj = obj[part]
        else:
            obj = getattr(obj, part)
    return obj


def _floats(obj: Any, path: str = "") -> list[str]:
    """Paths of every float left anywhere in a parsed value, extras included."""
    if isinstance(obj, float):
        return [path]
    items: Iterable[tuple[Any, Any]]
    if isinstance(obj, BaseModel):
        items = {**dict(obj), **(obj.model_extra or {})}.items()
    elif isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list):
        items = enumerate(obj)
    else:
        return []
    return [found for key, value in items for found in _floats(value, f"{path}.{key}")]


def _smart_trade(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = _load("0_smart_trade_entity.example.json")
    raw.update(overrides)
    return raw


# --- every example file ------------------------------------------------------------------------


def test_every_response_and_entity_example_is_mapped() -> None:
    files = {p.name for p in EXAMPLES.glob("*.json")}
    covered = {n for n in files if ".response." in n or n.endswith(".example.json")}
    assert covered == set(MODEL_BY_FILE)
    assert files - covered == {n for n in files if n.endswith(".request.json")}
    assert len(files) == 53


def test_every_mapped_example_has_concrete_expectations() -> None:
    assert set(EXPECTED) == set(MODEL_BY_FILE)
    assert all(EXPECTED.values())


@pytest.mark.parametrize("name", sorted(MODEL_BY_FILE))
def test_example_parses_into_its_typed_model(name: str) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(MODEL_BY_FILE[name])
    parsed = adapter.validate_python(_load(name))
    # The client decodes with parse_float=Decimal; plain json.loads output must give the same.
    assert adapter.validate_python(_load(name, parse_float=Decimal)) == parsed
    for path, expected in EXPECTED[name].items():
        actual = _dig(parsed, path)
        assert actual == expected, path
        assert type(actual) is type(expected), path
    assert _floats(parsed) == []


@pytest.mark.parametrize("name", sorted(MODEL_BY_FILE))
def test_example_survives_a_json_round_trip(name: str) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(MODEL_BY_FILE[name])
    parsed = adapter.validate_python(_load(name))
    assert adapter.validate_json(adapter.dump_json(parsed)) == parsed


def test_thirty_six_decimal_places_are_kept_exactly() -> None:
    trades = TypeAdapter(list[Trade]).validate_python(
        _load("trades_1_get_trades_of_smart_trade.response.200.json")
    )
    average = trades[0].average_price
    assert isinstance(average, Decimal)
    assert str(average) == "0.107068273092369477911646586345381526"
    assert average.as_tuple().exponent == -36


def test_every_datetime_of_an_example_is_utc() -> None:
    st_ = SmartTrade.model_validate(_load("3_get_smart_trade.response.200.json"))
    for value in (st_.data.created_at, st_.data.updated_at, st_.data.closed_at):
        assert isinstance(value, datetime)
        assert value.tzinfo is UTC


# --- unknown fields ----------------------------------------------------------------------------


def test_undeclared_fields_of_an_account_are_kept() -> None:
    account = Account.model_validate(_load("account_0_account_entity.example.json"))
    extra = account.model_extra or {}
    assert extra["auto_balance_period"] == 12
    assert extra["available_for_trading"] == {}
    assert "auto_balance_method" in extra
    assert "btc_amount" not in extra  # declared fields are not duplicated as extras


def test_unknown_fields_are_kept_at_every_level() -> None:
    raw = _smart_trade(new_top={"a": 1})
    raw["position"]["units"]["new_leaf"] = "x"
    raw["take_profit"]["steps"][0]["new_step_field"] = [1, 2]
    trade = SmartTrade.model_validate(raw)
    assert trade.model_extra == {"new_top": {"a": 1}}
    assert trade.position.units.model_extra == {"new_leaf": "x"}
    assert trade.take_profit.steps[0].model_extra == {"new_step_field": [1, 2]}


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
_EXTRA_KEYS = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=10).map(
    lambda s: f"x_{s}"  # no declared field starts with "x_"
)
_OBJECT_PATHS = [
    "",
    "account",
    "status",
    "leverage",
    "position",
    "position.units",
    "position.status",
    "take_profit",
    "take_profit.steps.0",
    "take_profit.steps.0.trailing",
    "stop_loss",
    "stop_loss.conditional.price",
    "stop_loss.timeout",
    "reduce_funds",
    "market_close",
    "data",
    "data.current_price",
    "profit",
    "margin",
]


@settings(max_examples=100, deadline=None)
@given(
    path=st.sampled_from(_OBJECT_PATHS),
    extras=st.dictionaries(_EXTRA_KEYS, _JSON, min_size=1, max_size=4),
)
def test_random_extra_keys_never_break_smart_trade_parsing(
    path: str, extras: dict[str, Any]
) -> None:
    baseline = SmartTrade.model_validate(_smart_trade()).model_dump()
    raw = _smart_trade()
    target = _dig(raw, path) if path else raw
    target.update(copy.deepcopy(extras))

    parsed = SmartTrade.model_validate(raw)

    node = _dig(parsed, path) if path else parsed
    assert node.model_extra == extras
    dumped = parsed.model_dump()
    dumped_node = _dig(dumped, path) if path else dumped
    for key in extras:
        del dumped_node[key]
    assert dumped == baseline


# --- lenient scalars -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("false", False), ("TRUE", True), ("False", False), (1, True), (0, False)],
)
def test_booleans_may_arrive_as_strings_or_numbers(raw: Any, expected: bool) -> None:
    data = SmartTradeData.model_validate({"cancel_available": raw, "finished": raw})
    assert data.cancel_available is expected
    assert data.finished is expected


def test_a_boolean_that_is_no_boolean_is_refused() -> None:
    with pytest.raises(ValidationError, match="cancel_available"):
        SmartTradeData.model_validate({"cancel_available": "maybe"})


_AT = datetime(2024, 8, 12, 16, 24, 38, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1723479878, _AT),
        (1723479878123, _AT + timedelta(milliseconds=123)),
        (Decimal("1723479878.5"), _AT + timedelta(milliseconds=500)),
        ("1723479878", _AT),
        ("2024-08-12T16:24:38Z", _AT),
        ("2024-08-12T16:24:38.000Z", _AT),
        ("2024-08-12T20:24:38+04:00", _AT),
        ("2024-08-12T11:24:38-05:00", _AT),
        ("2024-08-12T16:24:38", _AT),  # naive: taken as UTC
    ],
)
def test_datetimes_accept_epoch_numbers_and_any_iso_offset(raw: Any, expected: datetime) -> None:
    trade = Trade.model_validate({"id": 1, "trailing_last_price_updated_at": raw})
    assert trade.trailing_last_price_updated_at == expected
    assert trade.trailing_last_price_updated_at is not None
    assert trade.trailing_last_price_updated_at.tzinfo is UTC


def test_a_datetime_that_is_no_datetime_is_refused() -> None:
    with pytest.raises(ValidationError, match="created_at"):
        Trade.model_validate({"id": 1, "created_at": "yesterday"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("-3.30980633289966e-05", Decimal("-0.0000330980633289966")),
        ("1E+2", Decimal(100)),
        (1e-07, Decimal("0.0000001")),
        (0.1, Decimal("0.1")),
        (0.001, Decimal("0.001")),
        (12, Decimal(12)),
        (" 0.5 ", Decimal("0.5")),
    ],
)
def test_decimals_accept_exponents_numbers_and_floats_without_binary_noise(
    raw: Any, expected: Decimal
) -> None:
    trade = Trade.model_validate({"id": 1, "trigger_price_percentage": raw})
    assert trade.trigger_price_percentage == expected
    assert isinstance(trade.trigger_price_percentage, Decimal)


def _by_hand(raw: Any) -> Decimal:
    """The reading of an API decimal, recomputed: a float via its shortest repr, text stripped."""
    value = (
        Decimal(repr(raw))
        if isinstance(raw, float)
        else Decimal(raw.strip() if isinstance(raw, str) else raw)
    )
    assert value.is_finite()
    return value


_DECIMAL_INPUTS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=36),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: f" {d:e} "),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**40), max_value=10**40),
)


@settings(max_examples=200, deadline=None)
@given(raw=_DECIMAL_INPUTS)
def test_a_response_decimal_is_exactly_the_decimal_of_its_text(raw: Any) -> None:
    """Same digits and exponent as ``Decimal(text)``, for every way the API sends a decimal."""
    assume(_within_bounds(_by_hand(raw)))
    parsed = Trade.model_validate({"id": 1, "realised_percentage": raw}).realised_percentage
    assert isinstance(parsed, Decimal)
    assert parsed.as_tuple() == _by_hand(raw).as_tuple()
    assert parsed.as_tuple() == parse_decimal(raw).as_tuple()  # the request models' reading


def _within_bounds(value: Decimal) -> bool:
    """At most 40 digits before the point and 80 after it, as written (recomputed by hand)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    return exponent >= -80 and len(digits) + exponent <= 40


_OUT_OF_BOUNDS = st.builds(
    lambda sign, digits, exponent, as_text: (str if as_text else Decimal)(
        f"{sign}{digits}E{exponent}"
    ),
    st.sampled_from(["", "-"]),
    st.integers(min_value=1, max_value=10**60),
    st.one_of(st.integers(-(10**9), -81), st.integers(1, 10**9)),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(raw=_OUT_OF_BOUNDS)
def test_a_response_decimal_beyond_the_bounds_is_refused(raw: Any) -> None:
    """Trailing zeros aside, a decimal past the bounds is a validation error naming the field."""
    value = _by_hand(raw)
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    while len(digits) > 1 and digits[-1] == 0:  # trailing zeros do not count
        digits, exponent = digits[:-1], exponent + 1
    stripped = Decimal((sign, digits, exponent))
    assume(not _within_bounds(stripped))
    with pytest.raises(ValidationError, match="realised_percentage"):
        Trade.model_validate({"id": 1, "realised_percentage": raw})
    with pytest.raises(ValueError, match=r"decimal|longer"):
        parse_decimal(raw)


@pytest.mark.parametrize(
    "raw",
    ["abc", "NaN", "Infinity", "-inf", Decimal("NaN"), float("inf"), True, False, [1], {}],
)
def test_a_decimal_that_is_no_decimal_is_refused(raw: Any) -> None:
    with pytest.raises(ValidationError, match="trigger_price"):
        Trade.model_validate({"id": 1, "trigger_price": raw})


def test_required_identity_fields_are_enforced() -> None:
    with pytest.raises(ValidationError, match="id"):
        SmartTrade.model_validate({"pair": "USDT_BTC"})
    with pytest.raises(ValidationError, match="pair"):
        SmartTrade.model_validate({"id": 1})
    with pytest.raises(ValidationError, match="id"):
        Trade.model_validate({})
    with pytest.raises(ValidationError, match="max_reduce_funds_amount"):
        ReduceFundsInfo.model_validate({})


def test_a_declared_nested_field_is_validated() -> None:
    raw = _smart_trade()
    raw["take_profit"]["steps"][0]["price"]["value"] = "twelve"
    with pytest.raises(ValidationError, match=r"take_profit\.steps\.0\.price\.value"):
        SmartTrade.model_validate(raw)


# --- documented variants of shapes (reference section 14) ---------------------------------------


def test_codes_are_case_insensitive_and_open() -> None:
    trade = Trade.model_validate(
        {"id": 1, "order_side": "Buy", "order_type": "Limit", "trade_purpose": "market_close"}
    )
    assert (trade.order_side, trade.order_type) == ("buy", "limit")
    assert trade.trade_purpose == "market_close"  # an undocumented value still parses
    assert Status.model_validate({"basic_type": "brand_new_state"}).code == "brand_new_state"


def test_a_total_given_as_a_number_is_read_as_its_value() -> None:
    trade = SmartTrade.model_validate(_smart_trade(position={"type": "sell", "total": "1.5996"}))
    assert trade.position.total == Amount(value=Decimal("1.5996"))
    assert trade.is_short


def test_reduce_funds_may_be_a_bare_array_and_steps_may_say_order_type() -> None:
    funds = ReduceFunds.model_validate(
        [{"id": 7, "order_type": "limit"}, {"id": 8, "type": "market"}]
    )
    assert [(s.id, s.order_type) for s in funds.steps] == [(7, "limit"), (8, "market")]


def test_trailing_flag_may_be_spelled_editable() -> None:
    assert Trailing.model_validate({"editable": 1, "percent": "2"}).enabled is True
    assert Trailing.model_validate({"enabled": "false"}).enabled is False


def test_misspelled_doc_keys_are_accepted() -> None:
    data = SmartTradeData.model_validate({"editale": True, "create_at": "2024-01-02T03:04:05Z"})
    assert data.editable is True
    assert data.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_missing_funds_to_close_may_be_a_decimal_or_a_boolean() -> None:
    assert SmartTradeData.model_validate(
        {"missing_funds_to_close": "0.0"}
    ).missing_funds_to_close == (Decimal("0.0"))
    flag = SmartTradeData.model_validate({"missing_funds_to_close": False}).missing_funds_to_close
    assert flag is False


def test_null_objects_read_as_empty_but_a_status_string_is_refused() -> None:
    trade = SmartTrade.model_validate(_smart_trade(stop_loss=None, market_close=None))
    assert trade.stop_loss.enabled is None
    assert trade.market_close.id is None
    with pytest.raises(ValidationError, match="not a bare string"):
        SmartTrade.model_validate(_smart_trade(status="cancelled"))


def test_null_reads_as_empty_for_models_that_take_another_shape() -> None:
    raw = _smart_trade(reduce_funds=None, position={"type": "Sell", "total": None, "status": None})
    trade = SmartTrade.model_validate(raw)
    assert trade.position.status == Status() and trade.reduce_funds == ReduceFunds()
    assert trade.position.total == Amount() and trade.position.type == "sell"
    with pytest.raises(ValidationError, match="status needs a type or basic_type"):
        SmartTrade.model_validate(_smart_trade(status=None))


def test_a_code_that_is_no_string_is_refused_naming_its_field() -> None:
    with pytest.raises(ValidationError) as info:
        SmartTrade.model_validate(_smart_trade(position={"type": ["sell"]}))
    locs = {".".join(map(str, error["loc"])) for error in info.value.errors()}
    assert locs == {"position.type.literal['buy','sell']", "position.type.str"}


def test_timeout_enabled_may_be_numeric() -> None:
    raw = _smart_trade()
    raw["stop_loss"]["timeout"] = {"enabled": 1, "value": "30"}
    timeout = SmartTrade.model_validate(raw).stop_loss.timeout
    assert (timeout.enabled, timeout.value) == (True, 30)


def test_leverage_type_accepts_value_object_and_boolean_values_list() -> None:
    entry = LeverageType.model_validate(
        {"code": "Isolated", "value": {"min": 1, "max": "50"}, "available_leverage_values": False}
    )
    assert entry.code == "isolated"
    assert entry.valid.max == Decimal(50)
    assert entry.available_leverage_values == []
    assert entry.leverage_cap == Decimal(50)


def test_error_attributes_tolerate_a_string_and_single_messages() -> None:
    as_text = ApiErrorBody.model_validate({"error": "x", "error_attributes": "bad things"})
    assert as_text.error_attributes == "bad things"
    single = ApiErrorBody.model_validate({"error": "x", "error_attributes": {"note": "too long"}})
    assert single.error_attributes == {"note": ["too long"]}
    with pytest.raises(ValidationError, match="error"):
        ApiErrorBody.model_validate({"error_description": "no code"})


# --- SmartTrade helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("basic_type", "closed_at", "expected"),
    [
        ("created", None, False),
        ("waiting_position", None, False),
        ("waiting_targets", None, False),
        ("pending_reduce_funds", None, False),
        ("panic_sell_pending", None, False),
        ("cancellation_pending", None, False),
        ("cancelled", None, True),
        ("failed", None, True),
        ("finished", None, True),
        ("successfully_finish", None, True),
        ("successfully_finished", None, True),
        ("waiting_targets", "2024-08-12T14:47:43.777Z", True),
    ],
)
def test_is_terminal_truth_table(
    basic_type: str | None, closed_at: str | None, expected: bool
) -> None:
    raw = _smart_trade(status={"basic_type": basic_type, "title": "t"})
    raw["data"]["closed_at"] = closed_at
    raw["data"]["finished"] = False  # never trusted on its own
    assert SmartTrade.model_validate(raw).is_terminal is expected


def test_is_terminal_falls_back_to_status_type() -> None:
    assert SmartTrade.model_validate(_smart_trade(status={"type": "failed"})).is_terminal


@pytest.mark.parametrize(("side", "expected"), [("sell", True), ("SELL", True), ("buy", False)])
def test_is_short_follows_the_position_side(side: str, expected: bool) -> None:
    raw = _smart_trade()
    raw["position"]["type"] = side
    assert SmartTrade.model_validate(raw).is_short is expected


@pytest.mark.parametrize(
    ("note", "note_raw", "expected"),
    [("", None, None), ("shown", None, "shown"), ("<b>x</b>", "x", "x"), (None, "", None)],
)
def test_note_text_prefers_the_raw_note(
    note: str | None, note_raw: str | None, expected: str | None
) -> None:
    assert (
        SmartTrade.model_validate(_smart_trade(note=note, note_raw=note_raw)).note_text == expected
    )


# --- market rules --------------------------------------------------------------------------------


def test_currency_rates_give_market_rules() -> None:
    rates = CurrencyRates.model_validate(
        _load("market_2_currency_rates_and_limits.response.200.json")
    )
    expected = MarketRules(
        price_step=Decimal("0.01"),
        lot_step=Decimal("0.00001"),
        min_lot=Decimal("0.00001"),
        min_notional=Decimal("5.0"),
    )
    assert rates.to_market_rules() == expected
    assert rates.to_market_rules(max_leverage=10) == expected.model_copy(
        update={"max_leverage": 10}
    )


def test_currency_rates_with_leverage_take_the_cap_from_leverage_data() -> None:
    rates = CurrencyRatesWithLeverage.model_validate(
        _load("market_3_currency_rates_and_limits_with_leverage_data.response.200.json")
    )
    rules = rates.to_market_rules()
    assert rules == MarketRules(
        price_step=Decimal("0.0001"),
        lot_step=Decimal("1.0"),
        min_lot=Decimal("1.0"),
        min_notional=Decimal("5.0"),
        max_leverage=25,
    )
    assert type(rules.max_leverage) is int
    assert rates.to_market_rules(max_leverage=5).max_leverage == 5  # the caller's value wins


@pytest.mark.parametrize(
    ("leverage_data", "expected"),
    [
        ([], None),
        ([{"code": "none", "valid": {}, "max_leverage": "100"}], None),
        ([{"code": "cross", "valid": {"min": "1.0", "max": None}, "max_leverage": None}], None),
        (
            [
                {"code": "cross", "max_leverage": "20"},
                {"code": "isolated", "valid": {"max": "50.0"}},
            ],
            50,
        ),
        ([{"code": "isolated", "valid": {"max": "12.9"}}], 12),
        ([{"code": "cross", "valid": {"max": "10"}, "max_leverage": "20"}], 20),
        ([{"code": "cross", "valid": {"max": "0.5"}}], None),
    ],
)
def test_max_leverage_is_the_largest_margin_cap(
    leverage_data: list[dict[str, Any]], expected: int | None
) -> None:
    rates = CurrencyRatesWithLeverage.model_validate({"leverage_data": leverage_data})
    assert rates.max_leverage == expected
    assert rates.to_market_rules().max_leverage == expected


def test_currency_rates_accept_snake_case_and_dump_camel_case() -> None:
    rates = CurrencyRates.model_validate({"price_step": "0.5", "minTotal": 10})
    assert (rates.price_step, rates.min_total) == (Decimal("0.5"), Decimal(10))
    dumped = rates.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped == {"priceStep": "0.5", "minTotal": "10"}


# --- account kind --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "account_0_account_entity.example.json",
        "account_3_get_account_info.response.201.json",
        "account_5_list_of_connected_exchanges_and_wallets.response.200.json",
    ],
)
def test_example_accounts_are_real_spot_accounts(name: str) -> None:
    raw = _load(name)
    accounts = TypeAdapter(list[Account]).validate_python(raw if isinstance(raw, list) else [raw])
    assert [(a.is_paper, a.is_futures) for a in accounts] == [(False, False)] * len(accounts)


_ACCOUNT = {"id": 1, "name": "main", "exchange_name": "Binance Spot", "market_code": "binance"}


@pytest.mark.parametrize(
    ("overrides", "paper", "futures"),
    [
        ({}, False, False),
        ({"market_code": "paper_trading"}, True, False),
        ({"exchange_name": "Binance Spot account simulator"}, True, False),
        ({"exchange_name": "Paper Futures"}, True, False),  # futures only from type or code
        ({"market_code": "paper_trading", "supported_market_types": ["futures"]}, True, True),
        ({"name": "my paper simulator test"}, False, False),  # the user's label never counts
        ({"pretty_display_type": "PaperTrading"}, False, False),
        ({"supported_market_types": ["spot", "futures"]}, False, True),
        ({"supported_market_types": ["linear_futures"]}, False, True),
        ({"market_code": "binance_futures_eea"}, False, True),
        ({"market_code": None, "exchange_name": None}, False, False),
    ],
)
def test_is_paper_and_is_futures_rules(
    overrides: dict[str, Any], paper: bool, futures: bool
) -> None:
    account = Account.model_validate({**_ACCOUNT, **overrides})
    assert (account.is_paper, account.is_futures) == (paper, futures)


def test_response_models_are_frozen_and_their_empty_defaults_cannot_be_changed() -> None:
    """An absent sub-object is one shared empty default: safe only because nothing can change it."""
    first = SmartTrade.model_validate({"id": 1, "pair": "USDT_BTC", "status": {"type": "created"}})
    second = SmartTrade.model_validate({"id": 2, "pair": "USDT_BTC", "status": {"type": "created"}})
    with pytest.raises(ValidationError, match="frozen"):
        first.note = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        first.stop_loss.enabled = True  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        first.stop_loss.price.value = Decimal(1)  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        first.data.extra_field = 1
    assert second.stop_loss.enabled is None
    assert second.stop_loss.price.value is None
    assert second.model_extra == {} and second.data.model_extra == {}
    changed = first.model_copy(update={"note": "x"})
    assert (changed.note, first.note, second.note) == ("x", None, None)


def test_an_absent_sub_object_with_a_list_is_never_shared() -> None:
    """A frozen model still holds a mutable list: appending to one answer's default steps (or a
    market's form fields) must not show in the next answer."""
    bare = {"pair": "USDT_BTC", "status": {"type": "created"}}
    first = SmartTrade.model_validate({"id": 1, **bare})
    first.take_profit.steps.append(TakeProfitStep(id=9))
    first.reduce_funds.steps.append(ReduceFundsStep(id=9))
    second = SmartTrade.model_validate({"id": 2, **bare})
    assert second.take_profit.steps == [] and second.reduce_funds.steps == []
    market = MarketInfo.model_validate({"market_name": "Binance"})
    market.form_fields.required.append(FormField())
    assert MarketInfo.model_validate({"market_name": "Binance"}).form_fields.required == []
    with pytest.raises(TypeError, match=r"TakeProfit\.steps is a list or dict"):
        empty(TakeProfit)
    assert empty(Amount) is empty(Amount)  # one shared empty per model, not per field
    assert first.position.units is second.stop_loss.units


def test_a_sent_sub_object_is_its_own_and_an_absent_one_is_empty() -> None:
    trade = SmartTrade.model_validate(
        {
            "id": 1,
            "pair": "USDT_BTC",
            "status": {"type": "created"},
            "stop_loss": {"enabled": True, "price": {"value": "5"}},
        }
    )
    plain = SmartTrade.model_validate({"id": 2, "pair": "USDT_BTC", "status": {"type": "created"}})
    assert trade.stop_loss.enabled is True and trade.stop_loss.price.value == Decimal(5)
    assert plain.stop_loss.enabled is None and plain.stop_loss.price.value is None
    assert trade.stop_loss.units.model_dump() == plain.stop_loss.units.model_dump()
    assert "stop_loss" not in plain.model_fields_set


@pytest.mark.parametrize(
    "raw",
    [
        "0E-999999999",
        Decimal("0E-999999999"),
        "0." + "0" * 81,
        "0." + "0" * 80 + "1",  # 83 characters: parsed, 81 places
        "1E-81",
        " 1.5e-80 ",
        Decimal("1E-999999999"),
        1e-300,
        "1E+40",
        "-" + "9" * 41,
        type("Text", (str,), {})("1e-999999999"),  # a str subclass is checked too
    ],
)
def test_a_response_decimal_past_either_bound_is_refused_whatever_its_form(raw: Any) -> None:
    """A zero keeps its written exponent: ``0E-999999999`` would format as a gigabyte of zeros."""
    with pytest.raises(ValidationError, match="realised_percentage"):
        Trade.model_validate({"id": 1, "realised_percentage": raw})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0." + "0" * 79 + "1", Decimal("1E-80")),  # 82 characters, 80 places
        ("1E-80", Decimal("1E-80")),
        ("0." + "1" * 78, Decimal("0." + "1" * 78)),  # 80 characters: not parsed twice
        ("1." + "0" * 200, Decimal(1)),  # trailing zeros of a non-zero value do not count
        (Decimal("1.50E-79"), Decimal("1.5E-79")),
        ("0E-80", Decimal(0)),
        ("-" + "9" * 40, Decimal("-" + "9" * 40)),
    ],
)
def test_a_response_decimal_at_the_bounds_parses_whatever_its_form(
    raw: Any, expected: Decimal
) -> None:
    parsed = Trade.model_validate({"id": 1, "realised_percentage": raw}).realised_percentage
    assert parsed == expected
