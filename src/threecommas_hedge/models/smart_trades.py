"""Response entities of the SmartTrade v2 API: tolerant models that keep what they do not know.

Every inbound model keeps unknown fields (``extra="allow"``, read them from ``model_extra``) and
validates every field it declares. Decimals are ``Decimal`` (strings, numbers or exponent notation;
a float from plain ``json.loads`` goes through its shortest repr, never through binary arithmetic).
Datetimes accept any ISO 8601 offset or an epoch number and are normalised to UTC (a naive value is
taken as UTC). Booleans accept ``"true"``/``"false"`` and ``0``/``1``. An object sent as ``null`` is
read as ``{}``. Fields that drive a decision are strict: ids are JSON integers (1 to 2**63-1, no
booleans), a trade's ``status`` is a documented object with a code, and units, prices and volumes
are never negative. Codes (statuses, order types, sides...) are plain ``str`` folded to lower case:
the ``Literal`` in each alias lists the documented values, and a new value still parses.

Where the official docs and examples disagree on a shape, the models follow the examples and accept
the documented variant where that is cheap (reference section 14, items 20, 22-28 and 33).
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, field_validator, model_validator

from ._base import (
    TERMINAL_STATUSES,
    ApiDatetime,
    LeverageKind,
    OrderType,
    PriceKind,
    PriceMode,
    ResponseModel,
    Side,
    SmartTradeType,
    StatusCode,
    TradePurpose,
    TriggerCondition,
    empty,
)
from ._types import ApiId, NonNegativeDecimal, ResponseDecimal

__all__ = [
    "Amount",
    "ApiErrorBody",
    "Conditional",
    "CurrentPrice",
    "Leverage",
    "Margin",
    "MarketClose",
    "Position",
    "PriceTarget",
    "Profit",
    "ReduceFunds",
    "ReduceFundsInfo",
    "ReduceFundsStep",
    "SmartTrade",
    "SmartTradeAccount",
    "SmartTradeData",
    "Status",
    "StepData",
    "StopLoss",
    "StopLossTimeout",
    "TakeProfit",
    "TakeProfitStep",
    "Trade",
    "Trailing",
]


class Status(ResponseModel):
    """``{type, basic_type, title, error?}``, as documented; a bare string is refused.

    A status decides whether a trade or step is done, so a shape the API does not document is an
    error, not a guess (``"finished"`` alone is not read as finished).
    """

    type: StatusCode | None = None
    basic_type: StatusCode | None = None
    title: str | None = None
    error: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if data is None:
            return {}
        if isinstance(data, str):
            raise ValueError("a status is an object {type, basic_type, title}, not a bare string")
        return data

    @property
    def code(self) -> str | None:
        """``basic_type``, falling back to ``type``."""
        return self.basic_type or self.type


class Amount(ResponseModel):
    """The ``{value}`` wrapper used for units, prices and totals; a bare number is read as value."""

    value: NonNegativeDecimal | None = None
    value_without_commission: NonNegativeDecimal | None = None
    editable: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if data is None:
            return {}
        return data if isinstance(data, dict) else {"value": data}


class PriceTarget(ResponseModel):
    """A target or trigger price: ``type`` (bid/ask/last), an absolute ``value`` or ``percent``."""

    type: PriceKind | None = None
    value: NonNegativeDecimal | None = None
    percent: ResponseDecimal | None = None


class Trailing(ResponseModel):
    """Trailing settings; the docs' ``editable`` spelling of the flag is accepted too."""

    enabled: bool | None = Field(default=None, validation_alias=AliasChoices("enabled", "editable"))
    percent: ResponseDecimal | None = None


class StepData(ResponseModel):
    """What can be done with one step now."""

    cancelable: bool | None = None
    panic_sell_available: bool | None = None


class Conditional(ResponseModel):
    """Conditional trigger of an entry (``position.conditional``) or of a stop loss."""

    editable: bool | None = None
    order_type: OrderType | None = None
    price: PriceTarget = Field(default_factory=empty(PriceTarget))
    trailing: Trailing = Field(default_factory=empty(Trailing))


# --- SmartTrade ---------------------------------------------------------------------------------


class SmartTradeAccount(ResponseModel):
    """The account a SmartTrade runs on; ``type`` is the exchange code (e.g. ``paper_trading``)."""

    id: ApiId | None = None
    type: str | None = None
    name: str | None = None
    market: str | None = None
    link: str | None = None


class Leverage(ResponseModel):
    """Leverage of the trade; only ``{enabled: false}`` on spot."""

    enabled: bool | None = None
    type: LeverageKind | None = None
    value: ResponseDecimal | None = None
    type_editable: bool | None = None


class Position(ResponseModel):
    """The entry: side, size, price (with and without commission), total and its status."""

    type: Side | None = None
    editable: bool | None = None
    units: Amount = Field(default_factory=empty(Amount))
    price: Amount = Field(default_factory=empty(Amount))
    total: Amount = Field(default_factory=empty(Amount))
    order_type: OrderType | None = None
    status: Status = Field(default_factory=empty(Status))
    conditional: Conditional | None = None


class TakeProfitStep(ResponseModel):
    """One take-profit step; its ``id`` is also the Trade id."""

    id: ApiId | None = None
    order_type: OrderType | None = None
    editable: bool | None = None
    units: Amount = Field(default_factory=empty(Amount))
    price: PriceTarget = Field(default_factory=empty(PriceTarget))
    volume: NonNegativeDecimal | None = None
    total: NonNegativeDecimal | None = None
    trailing: Trailing = Field(default_factory=empty(Trailing))
    status: Status = Field(default_factory=empty(Status))
    closed_at: ApiDatetime | None = None
    data: StepData = Field(default_factory=empty(StepData))
    position: int | None = None


class TakeProfit(ResponseModel):
    """Take-profit group; step volumes need not add up to 100 after a step was cancelled."""

    enabled: bool | None = None
    price_type: PriceMode | None = None
    steps: list[TakeProfitStep] = Field(default_factory=list)


class StopLossTimeout(ResponseModel):
    """Delay before a triggered stop loss executes, in seconds."""

    enabled: bool | None = None
    value: int | None = None


class StopLoss(ResponseModel):
    """Stop-loss group; only ``{enabled: false}`` when off."""

    enabled: bool | None = None
    price_type: PriceMode | None = None
    breakeven: bool | None = None
    order_type: OrderType | None = None
    editable: bool | None = None
    price: PriceTarget = Field(default_factory=empty(PriceTarget))
    units: Amount = Field(default_factory=empty(Amount))
    total: Amount = Field(default_factory=empty(Amount))
    closed_at: ApiDatetime | None = None
    conditional: Conditional = Field(default_factory=empty(Conditional))
    timeout: StopLossTimeout = Field(default_factory=empty(StopLossTimeout))
    status: Status = Field(default_factory=empty(Status))


class ReduceFundsStep(ResponseModel):
    """One partial exit; the order type arrives as ``type`` (examples) or ``order_type`` (docs)."""

    id: ApiId | None = None
    order_type: OrderType | None = Field(
        default=None, validation_alias=AliasChoices("order_type", "type")
    )
    status: Status = Field(default_factory=empty(Status))
    units: Amount = Field(default_factory=empty(Amount))
    price: Amount = Field(default_factory=empty(Amount))
    total: Amount = Field(default_factory=empty(Amount))
    closed_at: ApiDatetime | None = None
    data: StepData = Field(default_factory=empty(StepData))


class ReduceFunds(ResponseModel):
    """``{steps: [...]}``; the documented bare array is accepted too."""

    steps: list[ReduceFundsStep] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if data is None:
            return {}
        return {"steps": data} if isinstance(data, list) else data


class MarketClose(ResponseModel):
    """The close-at-market order, once there is one (``{}`` before)."""

    id: ApiId | None = None
    type: OrderType | None = None
    status: Status = Field(default_factory=empty(Status))
    units: Amount = Field(default_factory=empty(Amount))
    price: Amount = Field(default_factory=empty(Amount))
    total: Amount = Field(default_factory=empty(Amount))


class CurrentPrice(ResponseModel):
    """Live ticker of the pair."""

    bid: NonNegativeDecimal | None = None
    ask: NonNegativeDecimal | None = None
    last: NonNegativeDecimal | None = None
    quote_volume: ResponseDecimal | None = None
    day_change_percent: ResponseDecimal | None = None


class SmartTradeData(ResponseModel):
    """Derived state: availability flags, averages, filled amounts, timestamps, trade type."""

    editable: bool | None = Field(
        default=None, validation_alias=AliasChoices("editable", "editale")
    )
    current_price: CurrentPrice = Field(default_factory=empty(CurrentPrice))
    target_price_type: str | None = None
    orderbook_price_currency: str | None = None
    base_order_finished: bool | None = None
    missing_funds_to_close: ResponseDecimal | bool | None = Field(
        default=None, union_mode="left_to_right"
    )
    liquidation_price: NonNegativeDecimal | None = None
    average_enter_price: NonNegativeDecimal | None = None
    average_close_price: NonNegativeDecimal | None = None
    average_enter_price_without_commission: NonNegativeDecimal | None = None
    average_close_price_without_commission: NonNegativeDecimal | None = None
    panic_sell_available: bool | None = None
    add_funds_available: bool | None = None
    reduce_funds_available: bool | None = None
    force_start_available: bool | None = None
    force_process_available: bool | None = None
    cancel_available: bool | None = None
    finished: bool | None = None
    base_position_step_finished: bool | None = None
    entered_amount: NonNegativeDecimal | None = None
    entered_total: NonNegativeDecimal | None = None
    closed_amount: NonNegativeDecimal | None = None
    closed_total: NonNegativeDecimal | None = None
    commission: ResponseDecimal | None = None
    created_at: ApiDatetime | None = Field(
        default=None, validation_alias=AliasChoices("created_at", "create_at")
    )
    updated_at: ApiDatetime | None = None
    closed_at: ApiDatetime | None = None
    type: SmartTradeType | None = None


class Profit(ResponseModel):
    """Profit in quote (``volume``), USD, percent, and ``roe`` (futures only)."""

    volume: ResponseDecimal | None = None
    usd: ResponseDecimal | None = None
    percent: ResponseDecimal | None = None
    roe: ResponseDecimal | None = None


class Margin(ResponseModel):
    """Margin in base (``amount``) and quote (``total``); empty on spot."""

    amount: ResponseDecimal | None = None
    total: ResponseDecimal | None = None


class SmartTrade(ResponseModel):
    """A SmartTrade as returned by every ``/v2/smart_trades`` endpoint."""

    id: ApiId
    version: int | None = None
    account: SmartTradeAccount = Field(default_factory=empty(SmartTradeAccount))
    pair: str
    instant: bool | None = None
    status: Status
    leverage: Leverage = Field(default_factory=empty(Leverage))
    position: Position = Field(default_factory=empty(Position))
    take_profit: TakeProfit = Field(default_factory=TakeProfit)  # a list: not shared
    stop_loss: StopLoss = Field(default_factory=empty(StopLoss))
    reduce_funds: ReduceFunds = Field(default_factory=ReduceFunds)  # a list: not shared
    market_close: MarketClose = Field(default_factory=empty(MarketClose))
    note: str | None = None
    note_raw: str | None = None
    skip_enter_step: bool | None = None
    data: SmartTradeData = Field(default_factory=empty(SmartTradeData))
    profit: Profit = Field(default_factory=empty(Profit))
    margin: Margin = Field(default_factory=empty(Margin))
    is_position_not_filled: bool | None = Field(
        default=None, description="true while the entry is not filled (the docs say the opposite)"
    )

    @field_validator("status")
    @classmethod
    def _status_has_a_code(cls, status: Status) -> Status:
        """A trade's status must say what it is: one without a code cannot be read as open."""
        if status.code is None:
            raise ValueError("status needs a type or basic_type")
        return status

    @property
    def is_terminal(self) -> bool:
        """Finished for good: status cancelled/failed/finished/``successfully_*``, or closed_at set.

        ``data.finished`` alone is not trusted: cancelled and failed trades report it ``false``.
        """
        code = self.status.code or ""
        return (
            code in TERMINAL_STATUSES
            or code.startswith("successfully_")
            or self.data.closed_at is not None
        )

    @property
    def is_short(self) -> bool:
        """The position side is ``sell`` (a Smart Short / ``smart_cover``, or a held short)."""
        return self.position.type == "sell"

    @property
    def note_text(self) -> str | None:
        """The note as the user wrote it (``note_raw``, else ``note``), ``None`` when empty."""
        return self.note_raw or self.note or None


# --- other SmartTrade endpoints -----------------------------------------------------------------


class Trade(ResponseModel):
    """One exchange-side trade of a SmartTrade (``GET /v2/smart_trades/{id}/trades``)."""

    id: ApiId
    trade_purpose: TradePurpose | None = None
    status: StatusCode | None = None
    pair: str | None = None
    order_side: Side | None = None
    order_type: OrderType | None = None
    follow_price_type: PriceKind | None = None
    initial_amount: NonNegativeDecimal | None = None
    initial_total: NonNegativeDecimal | None = None
    initial_price: NonNegativeDecimal | None = None
    order_price: NonNegativeDecimal | None = None
    average_price: NonNegativeDecimal | None = None
    realised_amount: NonNegativeDecimal | None = None
    realised_total: NonNegativeDecimal | None = None
    realised_percentage: ResponseDecimal | None = None
    realised_price: NonNegativeDecimal | None = None
    position_percentage: ResponseDecimal | None = None
    take_profit_percentage: ResponseDecimal | None = None
    trail_percentage: ResponseDecimal | None = None
    trail_value: ResponseDecimal | None = None
    trailing_enabled: bool | None = None
    trailing_last_price: NonNegativeDecimal | None = None
    trailing_last_price_updated_at: ApiDatetime | None = None
    trigger_condition: TriggerCondition | None = None
    trigger_price: NonNegativeDecimal | None = None
    trigger_price_percentage: ResponseDecimal | None = None
    trigger_type: str | None = None
    created_at: ApiDatetime | None = None
    updated_at: ApiDatetime | None = None
    cancelable: bool | None = None
    force_processable: bool | None = None


class ReduceFundsInfo(ResponseModel):
    """``GET /v2/smart_trades/{id}/reduce_funds_info``: how much can be taken out (base units)."""

    max_reduce_funds_amount: NonNegativeDecimal


class ApiErrorBody(ResponseModel):
    """The error object of a failed request; ``error_attributes`` maps a parameter to messages."""

    error: str
    error_description: str | None = None
    error_attributes: dict[str, list[str]] | str | None = None

    @field_validator("error_attributes", mode="before")
    @classmethod
    def _single_message_is_list(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value
