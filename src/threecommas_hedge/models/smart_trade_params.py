"""Request bodies for the SmartTrade v2 API: strict, frozen, shaped exactly like the API's JSON.

Every model forbids unknown fields (so response-only fields such as ``editable``, ``status`` or a
trade's ``id`` are refused), takes real JSON booleans and integers, and accepts decimals as numbers
or numeric strings. ``model_dump(mode="json", exclude_none=True)`` is the body the client sends;
decimals come out as plain-notation strings, as in the official examples.

Cross-field rules are those of section 9.4 of the API reference. Two of them (TP volumes add up to
100, at most 8 TP steps) are only stated by earlier revisions of the docs; they are enforced by
default and can be switched off per validation with the context ``{"check_tp_volumes": False}``.

The parts of a body are named ``...Params`` (``PositionParams``...), so that no request model shares
a name with a response entity (``smart_trades.Position``); the old names stay as aliases in
``models`` and ``models.requests``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from ._request_rules import (
    CLIENT_TAG_LENGTH,
    MAX_ID,
    MAX_NOTE_LENGTH,
    MAX_PAIR_LENGTH,
    MAX_TP_STEPS,
    MAX_TP_VOLUME,
    MAX_TRAILING_PERCENT,
    MAX_USER_NOTE_LENGTH,
    MIN_BREAKEVEN_TP_STEPS,
    MIN_LEVERAGE,
    MIN_TIMEOUT_SECONDS,
    MIN_TRAILING_PERCENT,
    PAIR_PATTERN,
    TP_VOLUME_TOTAL,
    EntryOrderType,
    MarginType,
    OrderType,
    PriceType,
    Side,
)
from ._types import ApiDecimal

__all__ = [
    "CLIENT_TAG_LENGTH",
    "MAX_NOTE_LENGTH",
    "MAX_TP_STEPS",
    "MAX_USER_NOTE_LENGTH",
    "EntryOrderType",
    "EntryTriggerParams",
    "FundsRequest",
    "LeverageParams",
    "MarginType",
    "Note",
    "OrderType",
    "PositionConditionalParams",
    "PositionParams",
    "PositionUpdateParams",
    "PositiveDecimal",
    "PriceType",
    "PriceValueParams",
    "RequestModel",
    "SetNoteRequest",
    "Side",
    "SmartTradeCreate",
    "SmartTradeUpdate",
    "StopLossConditionalParams",
    "StopLossParams",
    "StopLossTimeoutParams",
    "StopLossTrailingParams",
    "TakeProfitParams",
    "TakeProfitStepParams",
    "TrailingParams",
    "TrailingPercent",
    "TriggerPriceParams",
    "UnitsParams",
]


PositiveDecimal = Annotated[ApiDecimal, Field(gt=0)]
TrailingPercent = Annotated[ApiDecimal, Field(ge=MIN_TRAILING_PERCENT, le=MAX_TRAILING_PERCENT)]
Note = Annotated[str, Field(min_length=1, max_length=MAX_NOTE_LENGTH)]


class RequestModel(BaseModel):
    """Base of every request body: strict types, frozen, no unknown fields."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", defer_build=True)


class UnitsParams(RequestModel):
    """``{"value": amount}``: an amount in base units."""

    value: PositiveDecimal


class PriceValueParams(RequestModel):
    """``{"value": price}``: the price of a limit order."""

    value: PositiveDecimal


class TriggerPriceParams(RequestModel):
    """A target or trigger: an absolute ``value`` or a ``percent`` from the entry, never both."""

    type: PriceType | None = None
    value: PositiveDecimal | None = None
    percent: ApiDecimal | None = None

    @model_validator(mode="after")
    def _exactly_one_of_value_or_percent(self) -> TriggerPriceParams:
        if (self.value is None) == (self.percent is None):
            raise ValueError("price: give exactly one of value or percent")
        return self


class TrailingParams(RequestModel):
    """Trailing of an entry or of the last TP step; ``percent`` (0.01..100) needed when on."""

    enabled: bool
    percent: TrailingPercent | None = None

    @model_validator(mode="after")
    def _percent_when_enabled(self) -> TrailingParams:
        if self.enabled and self.percent is None:
            raise ValueError("trailing.percent is required when trailing is enabled")
        return self


class StopLossTrailingParams(RequestModel):
    """Trailing stop loss; the distance defaults to the SL's own, ``percent`` is optional."""

    enabled: bool
    percent: TrailingPercent | None = None


class EntryTriggerParams(RequestModel):
    """Trigger of a conditional entry: an absolute price (``type`` defaults server-side)."""

    type: PriceType | None = None
    value: PositiveDecimal


class PositionConditionalParams(RequestModel):
    """A conditional entry: once the trigger is hit, place a market or limit order."""

    order_type: OrderType
    price: EntryTriggerParams
    trailing: TrailingParams | None = None

    @model_validator(mode="after")
    def _trailing_only_for_market(self) -> PositionConditionalParams:
        if self.trailing is not None and self.trailing.enabled and self.order_type != "market":
            raise ValueError(
                "position.conditional.trailing: a trailing entry needs order_type market"
            )
        return self


class PositionParams(RequestModel):
    """The entry: side, order type and size; a price for limit and conditional-limit entries."""

    type: Side
    order_type: EntryOrderType
    units: UnitsParams
    price: PriceValueParams | None = None
    conditional: PositionConditionalParams | None = None

    @model_validator(mode="after")
    def _entry_fields_match_order_type(self) -> PositionParams:
        if self.order_type == "conditional":
            if self.conditional is None:
                raise ValueError("position.conditional is required for a conditional entry")
            if self.conditional.order_type == "limit" and self.price is None:
                raise ValueError("position.price is required for a conditional limit entry")
        elif self.conditional is not None:
            raise ValueError("position.conditional is only allowed with order_type conditional")
        if self.order_type == "limit" and self.price is None:
            raise ValueError("position.price is required for a limit entry")
        return self


class LeverageParams(RequestModel):
    """Futures leverage: ``type`` and an integer ``value`` are required when enabled."""

    enabled: bool
    type: MarginType | None = None
    value: Annotated[int, Field(ge=MIN_LEVERAGE)] | None = None

    @model_validator(mode="after")
    def _type_and_value_when_enabled(self) -> LeverageParams:
        if self.enabled and (self.type is None or self.value is None):
            raise ValueError("leverage: type and value are required when leverage is enabled")
        return self


class TakeProfitStepParams(RequestModel):
    """One TP step closing ``volume`` % of the position; ``id`` only in edits (existing step)."""

    id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    order_type: OrderType
    volume: Annotated[ApiDecimal, Field(gt=0, le=MAX_TP_VOLUME)]
    price: TriggerPriceParams
    trailing: TrailingParams | None = None


class TakeProfitParams(RequestModel):
    """Take-profit steps; trailing only on the last one; volumes add up to 100."""

    enabled: bool
    steps: list[TakeProfitStepParams] = Field(default_factory=list)

    @model_validator(mode="after")
    def _steps_are_consistent(self, info: ValidationInfo) -> TakeProfitParams:
        if not self.enabled:
            return self
        if not self.steps:
            raise ValueError("take_profit.steps: at least one step is required when enabled")
        for index, step in enumerate(self.steps[:-1]):
            if step.trailing is not None and step.trailing.enabled:
                raise ValueError(
                    f"take_profit.steps[{index}].trailing: only the last step may trail"
                )
        if _check_tp_volumes(info):
            if len(self.steps) > MAX_TP_STEPS:
                raise ValueError(f"take_profit.steps: at most {MAX_TP_STEPS} steps")
            total = sum((step.volume for step in self.steps), Decimal(0))
            if total != TP_VOLUME_TOTAL:
                raise ValueError(
                    f"take_profit.steps: volumes must add up to {TP_VOLUME_TOTAL} (got {total})"
                )
        return self

    @property
    def step_count(self) -> int:
        """Number of steps that count (none when the group is disabled)."""
        return len(self.steps) if self.enabled else 0


class StopLossConditionalParams(RequestModel):
    """The SL trigger (absolute or percent from entry) and optional trailing."""

    price: TriggerPriceParams
    trailing: StopLossTrailingParams | None = None


class StopLossTimeoutParams(RequestModel):
    """Wait ``value`` seconds beyond the SL before closing; ``value`` is required when enabled."""

    enabled: bool
    value: Annotated[int, Field(ge=MIN_TIMEOUT_SECONDS)] | None = None

    @model_validator(mode="after")
    def _value_when_enabled(self) -> StopLossTimeoutParams:
        if self.enabled and self.value is None:
            raise ValueError("stop_loss.timeout.value (seconds) is required when enabled")
        return self


class StopLossParams(RequestModel):
    """Stop loss: a conditional trigger, then a market or limit order; optional breakeven."""

    enabled: bool
    breakeven: bool | None = None
    order_type: OrderType | None = None
    price: PriceValueParams | None = None
    conditional: StopLossConditionalParams | None = None
    timeout: StopLossTimeoutParams | None = None

    @model_validator(mode="after")
    def _order_fields_when_enabled(self) -> StopLossParams:
        if not self.enabled:
            return self
        if self.order_type is None:
            raise ValueError("stop_loss.order_type is required when the stop loss is enabled")
        if self.conditional is None:
            raise ValueError("stop_loss.conditional.price (the trigger) is required when enabled")
        if self.order_type == "limit" and self.price is None:
            raise ValueError("stop_loss.price is required for a limit stop loss")
        return self


def _check_tp_volumes(info: ValidationInfo) -> bool:
    context = info.context if isinstance(info.context, dict) else {}
    return bool(context.get("check_tp_volumes", True))


def _check_breakeven(
    take_profit: TakeProfitParams | None, stop_loss: StopLossParams | None
) -> None:
    if stop_loss is None or not stop_loss.enabled or not stop_loss.breakeven:
        return
    steps = take_profit.step_count if take_profit is not None else 0
    if steps < MIN_BREAKEVEN_TP_STEPS:
        raise ValueError(
            f"stop_loss.breakeven needs at least {MIN_BREAKEVEN_TP_STEPS} take-profit steps "
            f"(got {steps})"
        )


class SmartTradeCreate(RequestModel):
    """Body of ``POST /v2/smart_trades``; a Smart Short (``smart_cover``) sells to enter."""

    account_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    pair: Annotated[str, Field(max_length=MAX_PAIR_LENGTH, pattern=PAIR_PATTERN)]
    instant: bool | None = None
    skip_enter_step: bool | None = None
    note: Note | None = None
    leverage: LeverageParams | None = None
    position: PositionParams
    take_profit: TakeProfitParams | None = None
    stop_loss: StopLossParams | None = None

    @model_validator(mode="after")
    def _cross_field_rules(self) -> SmartTradeCreate:
        entry = self.position
        if entry.order_type == "market" and entry.price is not None and not self.skip_enter_step:
            raise ValueError("position.price is not allowed for a market entry")
        if self.instant:
            if (self.take_profit and self.take_profit.enabled) or (
                self.stop_loss and self.stop_loss.enabled
            ):
                raise ValueError("instant trades (simple buy/sell) take no take_profit/stop_loss")
            if self.skip_enter_step:
                raise ValueError("instant and skip_enter_step cannot both be true")
        if self.take_profit is not None:
            for index, step in enumerate(self.take_profit.steps):
                if step.id is not None:
                    raise ValueError(
                        f"take_profit.steps[{index}].id: step ids only refer to existing steps "
                        "in an edit"
                    )
        _check_breakeven(self.take_profit, self.stop_loss)
        return self

    @property
    def trade_type(self) -> str:
        """The SmartTrade type the server will derive (section 10): ``smart_cover`` for a short."""
        side = self.position.type
        if self.instant:
            return f"simple_{side}"
        if self.skip_enter_step:
            return "smart_sell" if side == "buy" else "smart_buy"
        return "smart_trade" if side == "buy" else "smart_cover"


class PositionUpdateParams(RequestModel):
    """Editable part of the entry: size, price and conditional settings (not the side)."""

    units: UnitsParams | None = None
    price: PriceValueParams | None = None
    conditional: PositionConditionalParams | None = None


class SmartTradeUpdate(RequestModel):
    """Body of ``PATCH /v2/smart_trades/{id}``: the full desired TP list, SL, leverage, entry."""

    leverage: LeverageParams | None = None
    position: PositionUpdateParams | None = None
    take_profit: TakeProfitParams | None = None
    stop_loss: StopLossParams | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> SmartTradeUpdate:
        if all(
            group is None
            for group in (self.leverage, self.position, self.take_profit, self.stop_loss)
        ):
            raise ValueError(
                "an edit needs at least one of leverage, position, take_profit, stop_loss"
            )
        if self.take_profit is not None:
            _check_breakeven(self.take_profit, self.stop_loss)
        return self


class FundsRequest(RequestModel):
    """Body of ``add_funds`` / ``reduce_funds``: base amount; a price for limit orders."""

    order_type: OrderType
    units: UnitsParams
    price: PriceValueParams | None = None

    @model_validator(mode="after")
    def _price_matches_order_type(self) -> FundsRequest:
        if self.order_type == "limit" and self.price is None:
            raise ValueError("price is required for a limit order")
        if self.order_type == "market" and self.price is not None:
            raise ValueError("price is not allowed for a market order")
        return self


class SetNoteRequest(RequestModel):
    """Body of ``set_note``: 1 to 300 characters."""

    note: Note
