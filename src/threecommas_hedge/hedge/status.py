"""A short's status as data: stage, fills, take-profit steps (:func:`status_of`).

``entry_pending`` until some of the entry has filled, ``open``, ``partially_closed`` once some of it
was closed (a take-profit step, a reduce), ``closed`` when the trade is terminal
(:attr:`SmartTrade.is_terminal`). Quantities come from ``data.entered_amount`` (adds included) and
``data.closed_amount``; after a cancel, units left open are no longer managed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from threecommas_hedge.models import SmartTrade, responses

__all__ = [
    "EDITABLE_STATUSES",
    "ClosedBy",
    "HedgeStatus",
    "Stage",
    "market_price",
    "status_of",
    "steps_of",
]

Stage = Literal["entry_pending", "open", "partially_closed", "closed"]
ClosedBy = Literal["take_profit", "stop_loss", "market", "reduce_funds", "cancelled", "failed"]

EDITABLE_STATUSES = frozenset({"waiting_position", "waiting_targets"})
"""Statuses in which the API accepts an edit (and add funds)."""

_ZERO = Decimal(0)


@dataclass(frozen=True)
class HedgeStatus:
    """Where the short stands: its stage, fills and current targets.

    ``code``/``title`` are the trade's ``status`` as the API gave it (``panic_sell_pending``,
    ``pending_reduce_funds``... show an action under way). Quantities are base units;
    ``average_entry``/``average_exit`` are without commission. ``tp_steps_filled`` holds the 1-based
    numbers of the filled take-profit steps out of ``tp_steps``; ``take_profit_prices`` the level
    of each step and ``stop_loss_price`` the current stop trigger (``None`` without one).
    """

    stage: Stage
    code: str | None
    title: str | None
    entered_quantity: Decimal
    closed_quantity: Decimal
    open_quantity: Decimal
    average_entry: Decimal | None
    average_exit: Decimal | None
    tp_steps: int
    tp_steps_filled: tuple[int, ...]
    take_profit_prices: tuple[Decimal | None, ...]
    stop_loss_price: Decimal | None
    stop_loss_filled: bool
    closed_by: ClosedBy | None

    @property
    def entered(self) -> bool:
        """Whether some of the entry has filled."""
        return self.entered_quantity > 0

    @property
    def closed(self) -> bool:
        """Whether the trade is over (finished, cancelled or failed)."""
        return self.stage == "closed"


def status_of(trade: SmartTrade) -> HedgeStatus:
    """Classify a SmartTrade (see the module docstring)."""
    data = trade.data
    entered = _entered(trade)
    closed = data.closed_amount or _ZERO
    steps = steps_of(trade)
    filled = tuple(n for n, step in enumerate(steps, 1) if step.status.code == "finished")
    stage: Stage
    if trade.is_terminal:
        stage = "closed"
    elif entered <= 0:
        stage = "entry_pending"
    elif closed > 0:
        stage = "partially_closed"
    else:
        stage = "open"
    stop = trade.stop_loss
    return HedgeStatus(
        stage=stage,
        code=trade.status.code,
        title=trade.status.title,
        entered_quantity=entered,
        closed_quantity=closed,
        open_quantity=max(entered - closed, _ZERO),
        average_entry=_average_entry(trade) if entered > 0 else None,
        average_exit=_average_exit(trade) if closed > 0 else None,
        tp_steps=len(steps),
        tp_steps_filled=filled,
        take_profit_prices=tuple(step.price.value for step in steps),
        stop_loss_price=stop.conditional.price.value if stop.enabled else None,
        stop_loss_filled=bool(stop.enabled) and stop.status.code == "finished",
        closed_by=_closed_by(trade, filled) if stage == "closed" else None,
    )


def _entered(trade: SmartTrade) -> Decimal:
    if trade.data.entered_amount is not None:
        return trade.data.entered_amount
    filled = trade.position.status.code == "finished" or trade.is_position_not_filled is False
    return (trade.position.units.value or _ZERO) if filled else _ZERO


def steps_of(trade: SmartTrade) -> list[responses.TakeProfitStep]:
    """Take-profit steps in their 1-based ``position`` order (list order when not given)."""
    steps = list(trade.take_profit.steps) if trade.take_profit.enabled is not False else []
    return sorted(steps, key=lambda step: step.position or 0)


def _closed_by(trade: SmartTrade, filled: tuple[int, ...]) -> ClosedBy | None:
    code = trade.status.code
    if code == "cancelled":
        return "cancelled"
    if code == "failed":
        return "failed"
    if trade.market_close.id is not None or trade.market_close.status.code == "finished":
        return "market"
    if trade.stop_loss.enabled and trade.stop_loss.status.code == "finished":
        return "stop_loss"
    if filled:
        return "take_profit"
    if any(step.status.code == "finished" for step in trade.reduce_funds.steps):
        return "reduce_funds"
    return None


def _average_entry(trade: SmartTrade) -> Decimal | None:
    data = trade.data
    if data.average_enter_price_without_commission is not None:
        return data.average_enter_price_without_commission
    return trade.position.price.value_without_commission


def _average_exit(trade: SmartTrade) -> Decimal | None:
    data = trade.data
    if data.average_close_price_without_commission is not None:
        return data.average_close_price_without_commission
    if data.closed_total is not None and data.closed_amount:
        return data.closed_total / data.closed_amount
    return None


def market_price(trade: SmartTrade) -> Decimal | None:
    """The pair's price as the trade reports it: ``last``, else ``ask``, else ``bid``."""
    ticker = trade.data.current_price
    return ticker.last or ticker.ask or ticker.bid
