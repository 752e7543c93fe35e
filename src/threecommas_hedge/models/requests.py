"""The request models under their old module path (they live in ``smart_trade_params``).

The old names of the parts (``Position``, ``TakeProfit``...) are aliases of the ``...Params``
classes, kept so that code written against them keeps working.
"""

from __future__ import annotations

from .smart_trade_params import (
    CLIENT_TAG_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_TP_STEPS,
    MAX_USER_NOTE_LENGTH,
    EntryOrderType,
    EntryTriggerParams,
    FundsRequest,
    LeverageParams,
    MarginType,
    Note,
    OrderType,
    PositionConditionalParams,
    PositionParams,
    PositionUpdateParams,
    PositiveDecimal,
    PriceType,
    PriceValueParams,
    RequestModel,
    SetNoteRequest,
    Side,
    SmartTradeCreate,
    SmartTradeUpdate,
    StopLossConditionalParams,
    StopLossParams,
    StopLossTimeoutParams,
    StopLossTrailingParams,
    TakeProfitParams,
    TakeProfitStepParams,
    TrailingParams,
    TrailingPercent,
    TriggerPriceParams,
    UnitsParams,
)

Units = UnitsParams
PriceValue = PriceValueParams
TriggerPrice = TriggerPriceParams
Trailing = TrailingParams
StopLossTrailing = StopLossTrailingParams
EntryTrigger = EntryTriggerParams
PositionConditional = PositionConditionalParams
Position = PositionParams
Leverage = LeverageParams
TakeProfitStep = TakeProfitStepParams
TakeProfit = TakeProfitParams
StopLossConditional = StopLossConditionalParams
StopLossTimeout = StopLossTimeoutParams
StopLoss = StopLossParams
PositionUpdate = PositionUpdateParams

__all__ = [
    "CLIENT_TAG_LENGTH",
    "MAX_NOTE_LENGTH",
    "MAX_TP_STEPS",
    "MAX_USER_NOTE_LENGTH",
    "EntryOrderType",
    "EntryTrigger",
    "EntryTriggerParams",
    "FundsRequest",
    "Leverage",
    "LeverageParams",
    "MarginType",
    "Note",
    "OrderType",
    "Position",
    "PositionConditional",
    "PositionConditionalParams",
    "PositionParams",
    "PositionUpdate",
    "PositionUpdateParams",
    "PositiveDecimal",
    "PriceType",
    "PriceValue",
    "PriceValueParams",
    "RequestModel",
    "SetNoteRequest",
    "Side",
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
    "Trailing",
    "TrailingParams",
    "TrailingPercent",
    "TriggerPrice",
    "TriggerPriceParams",
    "Units",
    "UnitsParams",
]
