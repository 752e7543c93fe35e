"""Checked edit bodies for a live short (:func:`edit_body`): take profit, stop loss.

An edit is refused, with :class:`~threecommas_hedge.HedgeValidationError`, when the API would
refuse it (wrong status) and when the builder would (rounding to the tick, a take profit below and a
stop loss above the price, a stop beyond liquidation).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.models import (
    MarketRules,
    PriceValue,
    SmartTrade,
    SmartTradeUpdate,
    StopLoss,
    StopLossConditional,
    StopLossTimeout,
    StopLossTrailing,
    TakeProfit,
    TakeProfitStep,
    Trailing,
    TriggerPrice,
    responses,
)

from ._plan import Target, live_target
from ._spec import PriceType
from .status import EDITABLE_STATUSES, HedgeStatus, market_price, status_of, steps_of

__all__ = ["edit_body"]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_DONE_STEP = frozenset({"finished", "cancelled", "failed", "panic_sell_pending"})
_PRICE_TYPES: tuple[PriceType, ...] = ("bid", "ask", "last")


def edit_body(
    trade: SmartTrade,
    *,
    take_profit: Decimal | Sequence[Decimal] | None = None,
    take_profit_percent: Decimal | Sequence[Decimal] | None = None,
    stop_loss: Decimal | None = None,
    stop_loss_percent: Decimal | None = None,
    market: Decimal | None = None,
    rules: MarketRules | None = None,
) -> SmartTradeUpdate:
    """The ``PATCH`` body moving the take profit and/or the stop loss of a live short.

    ``take_profit``: one price per working (unfilled) step, in step order, or one price when there
    is one step or none (a single limit step closing 100 % is then added);
    ``take_profit_percent``/``stop_loss_percent`` give levels as the signed move from the average
    entry instead. Steps keep their id, volume, order and price type and trailing; the stop keeps
    its order type (a limit stop's order price becomes the new trigger, as in the builder), price
    type, trailing, timeout and breakeven. ``market`` is the price now (default: the trade's).
    """
    _check_editable(trade)
    if not trade.is_short:
        raise HedgeValidationError("trade", f"smart trade {trade.id} is not a short")
    tp_given = take_profit is not None or take_profit_percent is not None
    sl_given = stop_loss is not None or stop_loss_percent is not None
    if not tp_given and not sl_given:
        raise HedgeValidationError("adjust", "give a take_profit and/or a stop_loss")
    rules = rules or MarketRules()
    status = status_of(trade)
    now = market if market is not None else market_price(trade)
    entry = _edit_entry(trade, status, now)
    reference = now if status.entered and now is not None else entry
    trailing_entry = not status.entered and _trailing_entry(trade)
    body_tp: TakeProfit | None = None
    if tp_given:
        body_tp = _take_profit_body(
            trade,
            take_profit,
            take_profit_percent,
            entry=entry,
            reference=reference,
            rules=rules,
            trailing_entry=trailing_entry,
        )
    body_sl: StopLoss | None = None
    if sl_given:
        target = live_target(
            "stop_loss",
            "stop_loss",
            price=stop_loss,
            percent=stop_loss_percent,
            entry=entry,
            reference=reference,
            rules=rules,
            trailing_entry=trailing_entry,
            liquidation=trade.data.liquidation_price,
        )
        body_sl = _stop_loss_body(trade.stop_loss, target)
    return SmartTradeUpdate(take_profit=body_tp, stop_loss=body_sl)


def _check_editable(trade: SmartTrade) -> None:
    code = trade.status.code
    if trade.is_terminal or code not in EDITABLE_STATUSES or trade.data.editable is False:
        raise HedgeValidationError(
            "adjust",
            f"smart trade {trade.id} is {code}: the API edits a trade only while it waits for "
            "its entry or its targets",
        )


def _edit_entry(trade: SmartTrade, status: HedgeStatus, market: Decimal | None) -> Decimal:
    """The price percents are measured from: the average entry, else the pending entry's."""
    if status.average_entry is not None:
        return status.average_entry
    position = trade.position
    pending = position.price.value_without_commission or position.price.value
    if position.order_type == "market":
        pending = market
    elif pending is None and position.conditional is not None:
        pending = position.conditional.price.value
    if pending is None:
        raise HedgeValidationError("adjust", "the trade reports no entry or market price")
    return pending


def _trailing_entry(trade: SmartTrade) -> bool:
    conditional = trade.position.conditional
    return conditional is not None and bool(conditional.trailing.enabled)


def _levels(name: str, given: Decimal | Sequence[Decimal] | None) -> list[Decimal | None] | None:
    if given is None:
        return None
    if isinstance(given, Sequence) and not isinstance(given, str):
        if not given:
            raise HedgeValidationError(name, "give at least one level")
        return list(given)
    return [given]


def _take_profit_body(
    trade: SmartTrade,
    prices: Decimal | Sequence[Decimal] | None,
    percents: Decimal | Sequence[Decimal] | None,
    *,
    entry: Decimal,
    reference: Decimal,
    rules: MarketRules,
    trailing_entry: bool,
) -> TakeProfit:
    by_price, by_percent = _levels("take_profit", prices), _levels("take_profit", percents)
    if by_price is not None and by_percent is not None:
        raise HedgeValidationError("take_profit", "give prices or percents, not both")
    count = len(by_price or by_percent or [])
    steps = steps_of(trade)
    working = [step for step in steps if step.status.code not in _DONE_STEP]
    if steps and not working:
        raise HedgeValidationError("take_profit", "no take-profit step is left to move")
    if count != max(len(working), 1):
        raise HedgeValidationError(
            "take_profit",
            f"give one level per working take-profit step ({len(working)}), got {count}",
        )
    volumes = [step.volume or _ZERO for step in working]
    if len(working) < len(steps) or sum(volumes, _ZERO) != _HUNDRED:
        if len(working) > 1:
            raise HedgeValidationError(
                "take_profit",
                "after a step filled or was removed the API does not say what the volumes of "
                "the remaining steps mean: move them one at a time once one step is left, or "
                "close or cancel steps",
            )
        volumes = [_HUNDRED]
    body_steps: list[TakeProfitStep] = []
    for index in range(count):
        prefix = f"take_profit[{index}]" if count > 1 else "take_profit"
        target = live_target(
            "take_profit",
            prefix,
            price=by_price[index] if by_price is not None else None,
            percent=by_percent[index] if by_percent is not None else None,
            entry=entry,
            reference=reference,
            rules=rules,
            trailing_entry=trailing_entry,
        )
        step = working[index] if working else None
        body_steps.append(_step_body(step, target, volumes[index] if working else _HUNDRED))
    return TakeProfit(enabled=True, steps=body_steps)


def _price_type(value: str | None) -> PriceType:
    for option in _PRICE_TYPES:
        if value == option:
            return option
    return "ask"


def _step_body(
    step: responses.TakeProfitStep | None, target: Target, volume: Decimal
) -> TakeProfitStep:
    trigger = TriggerPrice(
        type=_price_type(step.price.type if step else None),
        value=target.send_value,
        percent=target.send_percent,
    )
    if step is None:
        return TakeProfitStep(order_type="limit", volume=volume, price=trigger)
    trailing: Trailing | None = None
    if step.trailing.enabled and step.trailing.percent is not None:
        trailing = Trailing(enabled=True, percent=step.trailing.percent)
    return TakeProfitStep(
        id=step.id,
        order_type="market" if step.order_type == "market" else "limit",
        volume=volume,
        price=trigger,
        trailing=trailing,
    )


def _stop_loss_body(current: responses.StopLoss, target: Target) -> StopLoss:
    existing = current.enabled is True
    order_type: Literal["market", "limit"] = (
        "limit" if existing and current.order_type == "limit" else "market"
    )
    conditional = current.conditional
    trailing: StopLossTrailing | None = None
    if existing and conditional.trailing.enabled:
        trailing = StopLossTrailing(enabled=True, percent=conditional.trailing.percent)
    timeout: StopLossTimeout | None = None
    if existing and current.timeout.enabled and current.timeout.value:
        timeout = StopLossTimeout(enabled=True, value=current.timeout.value)
    return StopLoss(
        enabled=True,
        breakeven=True if existing and current.breakeven else None,
        order_type=order_type,
        price=PriceValue(value=target.price) if order_type == "limit" else None,
        conditional=StopLossConditional(
            price=TriggerPrice(
                type=_price_type(conditional.price.type if existing else None),
                value=target.send_value,
                percent=target.send_percent,
            ),
            trailing=trailing,
        ),
        timeout=timeout,
    )
