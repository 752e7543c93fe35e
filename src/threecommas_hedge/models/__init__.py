"""Pydantic models: strict, frozen request bodies and tolerant response entities.

One module per resource: ``smart_trades`` (entities), ``smart_trade_params`` (request bodies, their
parts named ``...Params``), ``accounts``, ``market``, ``rules``. ``requests`` and ``responses`` are
the old module paths. Names load on first use, so importing one module does not build the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "Account": "accounts",
    "ApiErrorBody": "smart_trades",
    "CurrencyRates": "market",
    "CurrencyRatesWithLeverage": "market",
    "EntryTrigger": "requests",
    "EntryTriggerParams": "smart_trade_params",
    "FundsRequest": "smart_trade_params",
    "Leverage": "requests",
    "LeverageParams": "smart_trade_params",
    "LeverageType": "accounts",
    "MarketInfo": "market",
    "MarketRules": "rules",
    "Position": "requests",
    "PositionConditional": "requests",
    "PositionConditionalParams": "smart_trade_params",
    "PositionParams": "smart_trade_params",
    "PositionUpdate": "requests",
    "PositionUpdateParams": "smart_trade_params",
    "PriceValue": "requests",
    "PriceValueParams": "smart_trade_params",
    "ReduceFundsInfo": "smart_trades",
    "SetNoteRequest": "smart_trade_params",
    "SmartTrade": "smart_trades",
    "SmartTradeCreate": "smart_trade_params",
    "SmartTradeUpdate": "smart_trade_params",
    "StopLoss": "requests",
    "StopLossConditional": "requests",
    "StopLossConditionalParams": "smart_trade_params",
    "StopLossParams": "smart_trade_params",
    "StopLossTimeout": "requests",
    "StopLossTimeoutParams": "smart_trade_params",
    "StopLossTrailing": "requests",
    "StopLossTrailingParams": "smart_trade_params",
    "TakeProfit": "requests",
    "TakeProfitParams": "smart_trade_params",
    "TakeProfitStep": "requests",
    "TakeProfitStepParams": "smart_trade_params",
    "Trade": "smart_trades",
    "Trailing": "requests",
    "TrailingParams": "smart_trade_params",
    "TriggerPrice": "requests",
    "TriggerPriceParams": "smart_trade_params",
    "Units": "requests",
    "UnitsParams": "smart_trade_params",
}
"""Each public name and the module under ``models`` that defines it (old names: ``requests``)."""

__all__ = [
    "Account",
    "ApiErrorBody",
    "CurrencyRates",
    "CurrencyRatesWithLeverage",
    "EntryTrigger",
    "EntryTriggerParams",
    "FundsRequest",
    "Leverage",
    "LeverageParams",
    "LeverageType",
    "MarketInfo",
    "MarketRules",
    "Position",
    "PositionConditional",
    "PositionConditionalParams",
    "PositionParams",
    "PositionUpdate",
    "PositionUpdateParams",
    "PriceValue",
    "PriceValueParams",
    "ReduceFundsInfo",
    "SetNoteRequest",
    "SmartTrade",
    "SmartTradeCreate",
    "SmartTradeUpdate",
    "StopLoss",
    "StopLossConditional",
    "StopLossConditionalParams",
    "StopLossParams",
    "StopLossTimeout",
    "StopLossTimeoutParams",
    "StopLossTrailing",
    "StopLossTrailingParams",
    "TakeProfit",
    "TakeProfitParams",
    "TakeProfitStep",
    "TakeProfitStepParams",
    "Trade",
    "Trailing",
    "TrailingParams",
    "TriggerPrice",
    "TriggerPriceParams",
    "Units",
    "UnitsParams",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .accounts import (
        Account,
        LeverageType,
    )
    from .market import (
        CurrencyRates,
        CurrencyRatesWithLeverage,
        MarketInfo,
    )
    from .requests import (
        EntryTrigger,
        Leverage,
        Position,
        PositionConditional,
        PositionUpdate,
        PriceValue,
        StopLoss,
        StopLossConditional,
        StopLossTimeout,
        StopLossTrailing,
        TakeProfit,
        TakeProfitStep,
        Trailing,
        TriggerPrice,
        Units,
    )
    from .rules import (
        MarketRules,
    )
    from .smart_trade_params import (
        EntryTriggerParams,
        FundsRequest,
        LeverageParams,
        PositionConditionalParams,
        PositionParams,
        PositionUpdateParams,
        PriceValueParams,
        SetNoteRequest,
        SmartTradeCreate,
        SmartTradeUpdate,
        StopLossConditionalParams,
        StopLossParams,
        StopLossTimeoutParams,
        StopLossTrailingParams,
        TakeProfitParams,
        TakeProfitStepParams,
        TrailingParams,
        TriggerPriceParams,
        UnitsParams,
    )
    from .smart_trades import (
        ApiErrorBody,
        ReduceFundsInfo,
        SmartTrade,
        Trade,
    )


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
