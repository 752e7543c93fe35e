"""Pydantic models: strict, frozen request bodies and tolerant response entities."""

from .accounts import Account, LeverageType
from .market import CurrencyRates, CurrencyRatesWithLeverage, MarketInfo
from .requests import (
    EntryTrigger,
    FundsRequest,
    Leverage,
    Position,
    PositionConditional,
    PositionUpdate,
    PriceValue,
    SetNoteRequest,
    SmartTradeCreate,
    SmartTradeUpdate,
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
from .responses import ApiErrorBody, ReduceFundsInfo, SmartTrade, Trade
from .rules import MarketRules

__all__ = [
    "Account",
    "ApiErrorBody",
    "CurrencyRates",
    "CurrencyRatesWithLeverage",
    "EntryTrigger",
    "FundsRequest",
    "Leverage",
    "LeverageType",
    "MarketInfo",
    "MarketRules",
    "Position",
    "PositionConditional",
    "PositionUpdate",
    "PriceValue",
    "ReduceFundsInfo",
    "SetNoteRequest",
    "SmartTrade",
    "SmartTradeCreate",
    "SmartTradeUpdate",
    "StopLoss",
    "StopLossConditional",
    "StopLossTimeout",
    "StopLossTrailing",
    "TakeProfit",
    "TakeProfitStep",
    "Trade",
    "Trailing",
    "TriggerPrice",
    "Units",
]
