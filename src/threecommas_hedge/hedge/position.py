"""A live hedge as data: its status, the PnL of both legs, and checked edit and funds bodies.

Pure functions of a :class:`~threecommas_hedge.models.SmartTrade` (the short) and the
:class:`~threecommas_hedge.hedge.builder.SpotPosition` it protects; ``Hedge`` and ``AsyncHedge``
(``threecommas_hedge.resources.hedges``) add the requests.

**Status** (:func:`status_of`): ``entry_pending`` until some of the entry has filled, ``open``,
``partially_closed`` once some of it was closed (a take-profit step, a reduce), ``closed`` when the
trade is terminal (:attr:`SmartTrade.is_terminal`). Quantities come from ``data.entered_amount``
(adds included) and ``data.closed_amount``; after a cancel, units left open are no longer managed.

**PnL** (:func:`pnl_of`), in the quote currency, positive is profit:

- spot leg ``spot.quantity * (P - spot.price)``: valued against the holding's reference price
  (0 when no holding is given: ``net`` is then the hedge leg alone);
- hedge realized ``closed * (avg_entry - avg_exit)`` and unrealized ``open * (avg_entry - P)``, with
  the ``*_without_commission`` averages of ``data`` (hedge-math section 2: never recover a fee by
  inverting a price with fees). With the average entry of every entry fill (adds included), which
  is what 3Commas reports (``entered_total / entered_amount`` in its examples), the sum is the exact
  cash result; closes are counted at that average, so the split differs from an average-cost
  basis only when funds were added after a partial close;
- fees ``rate * (entered * avg_entry + closed * avg_exit)``: paid on the fills so far, at the
  fee rate the trade reports (``data.commission``, the only fee the API gives: its orders carry
  none), else at ``fee_rate`` when the API gives none, else 0; ``fee_source`` says which
  (``"trade"``, ``"fee_rate"``, ``"none"``). Closing the open part costs ``open * P * rate`` more,
  not included;
- ``funding`` as given (positive: received), not reported by the API;
- ``net = spot + realized + unrealized - fees + funding``.

**Edits** (:func:`edit_body`) and **resizing** (:func:`plan_resize`) refuse, with
:class:`~threecommas_hedge.HedgeValidationError`, what the API would (wrong status, unavailable
action, a reduce above ``reduce_funds_info``) and what the builder would (rounding to the tick and
lot step, minimum lot and notional, a take profit below and a stop loss above the price, a stop
beyond liquidation, a short larger than the holding).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from threecommas_hedge._exceptions import HedgeTimeoutError, HedgeValidationError, HedgeWaitError
from threecommas_hedge.models import (
    FundsRequest,
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
    Units,
    responses,
)

from . import _inputs
from ._plan import Target, check_over_hedge, live_target, lot_quantity
from ._rounding import strip_zeros
from ._spec import PriceType, Size, SizeKind, SpotPosition

if TYPE_CHECKING:
    from .builder import HedgeBuilder

__all__ = [
    "EDITABLE_STATUSES",
    "MIN_POLL_SECONDS",
    "ClosedBy",
    "HedgePnL",
    "HedgeStatus",
    "HedgeTimeoutError",
    "HedgeWaitError",
    "ResizePlan",
    "Stage",
    "WaitCondition",
    "check_close",
    "check_reduce",
    "edit_body",
    "market_price",
    "plan_resize",
    "pnl_of",
    "status_of",
]

Stage = Literal["entry_pending", "open", "partially_closed", "closed"]
ClosedBy = Literal["take_profit", "stop_loss", "market", "reduce_funds", "cancelled", "failed"]

EDITABLE_STATUSES = frozenset({"waiting_position", "waiting_targets"})
"""Statuses in which the API accepts an edit (and add funds)."""

MIN_POLL_SECONDS = 1.0
"""Shortest ``poll`` of ``wait_until``: one GET a second stays well inside 100 requests a minute."""

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_DONE_STEP = frozenset({"finished", "cancelled", "failed", "panic_sell_pending"})
_PRICE_TYPES: tuple[PriceType, ...] = ("bid", "ask", "last")
_TP_CONDITION = re.compile(r"tp([1-9][0-9]*)")


# --- status ---------------------------------------------------------------------------------


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
    steps = _steps(trade)
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


def _steps(trade: SmartTrade) -> list[responses.TakeProfitStep]:
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


# --- PnL ------------------------------------------------------------------------------------

FeeSource = Literal["trade", "fee_rate", "none"]
"""Where a :class:`HedgePnL`'s fee rate came from: the trade's report, the caller, or nowhere."""


@dataclass(frozen=True)
class HedgePnL:
    """Both legs at ``price`` in the quote currency (see the module docstring for the formulas)."""

    price: Decimal
    spot_pnl: Decimal
    hedge_realized: Decimal
    hedge_unrealized: Decimal
    fees: Decimal
    funding: Decimal
    net: Decimal
    fee_rate: Decimal
    open_quantity: Decimal
    fee_source: FeeSource = "none"

    @property
    def hedge_pnl(self) -> Decimal:
        """The hedge leg after costs: realized + unrealized - fees + funding."""
        return self.hedge_realized + self.hedge_unrealized - self.fees + self.funding


def pnl_of(
    trade: SmartTrade,
    spot: SpotPosition | None,
    price: Decimal,
    *,
    fee_rate: Decimal | None = None,
    funding: Decimal = _ZERO,
) -> HedgePnL:
    """Spot leg, hedge leg (realized + unrealized), fees, funding and net at ``price``.

    Fees use the trade's reported ``data.commission``; ``fee_rate`` only when it reports none.
    Raises ``ValueError`` when the trade has fills but reports no average price for them.
    """
    price = _inputs.positive("price", price)
    if fee_rate is not None and fee_rate < 0:
        raise HedgeValidationError("fee_rate", f"must not be negative (got {fee_rate})")
    source: FeeSource = "none"
    rate = _ZERO
    if trade.data.commission is not None:
        rate, source = trade.data.commission, "trade"
    elif fee_rate is not None:
        rate, source = fee_rate, "fee_rate"
    status = status_of(trade)
    entry, exit_ = status.average_entry, status.average_exit
    if status.entered and entry is None:
        raise ValueError(f"smart trade {trade.id} reports fills but no average entry price")
    if status.closed_quantity and exit_ is None:
        raise ValueError(f"smart trade {trade.id} reports closes but no average exit price")
    entry_notional = status.entered_quantity * entry if entry is not None else _ZERO
    exit_notional = status.closed_quantity * exit_ if exit_ is not None else _ZERO
    realized = unrealized = _ZERO
    if entry is not None:
        realized = status.closed_quantity * (entry - (exit_ or entry))
        unrealized = status.open_quantity * (entry - price)
    spot_pnl = spot.quantity * (price - spot.price) if spot is not None else _ZERO
    fees = rate * (entry_notional + exit_notional)
    return HedgePnL(
        price=price,
        spot_pnl=spot_pnl,
        hedge_realized=realized,
        hedge_unrealized=unrealized,
        fees=fees,
        funding=funding,
        net=spot_pnl + realized + unrealized - fees + funding,
        fee_rate=rate,
        open_quantity=status.open_quantity,
        fee_source=source,
    )


# --- edits ----------------------------------------------------------------------------------


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
    steps = _steps(trade)
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


# --- resizing and closing -------------------------------------------------------------------


@dataclass(frozen=True)
class ResizePlan:
    """A market ``add_funds`` or ``reduce_funds`` of ``quantity`` taking the short from
    ``current`` to ``target`` base units (``quantity`` is on the lot step, so ``target`` may
    differ from the size asked by less than one step)."""

    action: Literal["add_funds", "reduce_funds"]
    quantity: Decimal
    current: Decimal
    target: Decimal

    def body(self) -> FundsRequest:
        """The funds request: a market order of ``quantity``."""
        return FundsRequest(order_type="market", units=Units(value=self.quantity))


def plan_resize(
    trade: SmartTrade,
    spot: SpotPosition,
    *,
    ratio: Decimal | None = None,
    quantity: Decimal | None = None,
    allow_over_hedge: bool = False,
    market: Decimal | None = None,
    rules: MarketRules | None = None,
) -> ResizePlan | None:
    """The funds order taking the short to ``ratio * spot.quantity`` (or ``quantity``) base units.

    ``None`` when it is already there (to the lot step). The reduce is still to be checked
    against ``reduce_funds_info`` with :func:`check_reduce`.
    """
    options: tuple[tuple[SizeKind, object], ...] = (("ratio", ratio), ("quantity", quantity))
    given = [(kind, raw) for kind, raw in options if raw is not None]
    if len(given) != 1:
        raise HedgeValidationError("resize", "give exactly one of ratio or quantity")
    ((kind, raw),) = given
    field = f"resize.{kind}"
    value = _inputs.positive(field, raw)
    target = value * spot.quantity if kind == "ratio" else value
    try:
        check_over_hedge(Size(kind, value, bool(allow_over_hedge)), spot, target)
    except HedgeValidationError as error:
        raise HedgeValidationError(field, error.rule) from None
    if trade.is_terminal:
        raise HedgeValidationError("resize", f"smart trade {trade.id} is {trade.status.code}")
    status = status_of(trade)
    current = status.open_quantity if status.entered else (trade.position.units.value or _ZERO)
    if target == current:
        return None
    action: Literal["add_funds", "reduce_funds"] = (
        "add_funds" if target > current else "reduce_funds"
    )
    _check_funds_available(trade, action, status)
    rules = rules or MarketRules()
    price = market if market is not None else market_price(trade)
    price = price if price is not None else (status.average_entry or spot.price)
    difference = abs(target - current)
    if rules.lot_step is not None and difference < rules.lot_step:
        return None
    size = lot_quantity(
        difference, price, rules, asset=spot.asset, given=field, label=f"the {action} order"
    )
    after = current + size if action == "add_funds" else current - size
    if rules.min_lot is not None and after < rules.min_lot:
        raise HedgeValidationError(
            "rules.min_lot",
            f"the short left, {strip_zeros(after)}, would be below the minimum lot "
            f"{rules.min_lot}: close it instead",
        )
    return ResizePlan(action=action, quantity=size, current=current, target=strip_zeros(after))


def _check_funds_available(trade: SmartTrade, action: str, status: HedgeStatus) -> None:
    code, data = trade.status.code, trade.data
    if action == "add_funds":
        if code not in EDITABLE_STATUSES or data.add_funds_available is False:
            raise HedgeValidationError(
                "resize",
                f"add funds is not available for smart trade {trade.id} ({code}): the API "
                "allows it while waiting for the entry or the targets, without trailing",
            )
        return
    if not status.entered:
        raise HedgeValidationError(
            "resize", "the entry has not filled yet: there is nothing to reduce"
        )
    if code != "waiting_targets" or data.reduce_funds_available is False:
        raise HedgeValidationError(
            "resize",
            f"reduce funds is not available for smart trade {trade.id} ({code}): the API "
            "allows it only while the short waits for its targets",
        )


def check_reduce(plan: ResizePlan, max_reduce: Decimal) -> None:
    """Refuse a reduce above ``max_reduce_funds_amount`` (``reduce_funds_info``)."""
    if plan.action == "reduce_funds" and plan.quantity > max_reduce:
        raise HedgeValidationError(
            "resize",
            f"reducing {plan.quantity} is more than the {strip_zeros(max_reduce)} "
            "reduce_funds_info allows now",
        )


def check_close(trade: SmartTrade) -> None:
    """Refuse ``close_by_market`` where the API would: a terminal trade, an entry not filled,
    or ``data.panic_sell_available`` false."""
    code = trade.status.code
    if trade.is_terminal:
        raise HedgeValidationError("close", f"smart trade {trade.id} is already {code}")
    if not status_of(trade).entered:
        raise HedgeValidationError(
            "close",
            "the entry has not filled: there is no short to close (cancel the trade instead)",
        )
    if trade.data.panic_sell_available is False:
        raise HedgeValidationError(
            "close", f"close at market is not available for smart trade {trade.id} ({code})"
        )


# --- waiting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitCondition:
    """``closed``, ``entered`` or ``tpN`` (take-profit step N filled, 1-based)."""

    name: str
    step: int | None = None

    @classmethod
    def parse(cls, condition: str) -> WaitCondition:
        """Read a condition; anything else raises :class:`HedgeValidationError`."""
        if condition in ("closed", "entered"):
            return cls(condition)
        match = _TP_CONDITION.fullmatch(condition) if isinstance(condition, str) else None
        if match is None:
            raise HedgeValidationError(
                "condition", f"must be 'closed', 'entered' or 'tpN' such as 'tp1' ({condition!r})"
            )
        return cls(condition, int(match.group(1)))

    def met(self, status: HedgeStatus) -> bool:
        """Whether ``status`` satisfies the condition; raises :class:`HedgeWaitError` when it
        never can (the trade ended, or has no such take-profit step)."""
        if self.name == "closed":
            return status.closed
        if self.name == "entered":
            reached = status.entered
        else:
            assert self.step is not None
            reached = self.step in status.tp_steps_filled
            if not reached and self.step > status.tp_steps:
                raise HedgeWaitError(
                    f"the trade has {status.tp_steps} take-profit step(s): no {self.name}", status
                )
        if not reached and status.closed:
            raise HedgeWaitError(
                f"the trade ended ({status.code}, closed by {status.closed_by}) before {self.name}",
                status,
            )
        return reached


# --- entry drift ----------------------------------------------------------------------------

DEFAULT_MAX_ENTRY_DRIFT = Decimal("0.01")
"""How far (a fraction, 1 %) the market or the fill may be from a market hedge's typed price."""


class EntryDriftWarning(UserWarning):
    """A market hedge filled away from the price its take profit and stop loss were set from."""


@dataclass(frozen=True)
class EntryDrift:
    """The drift rule of a market hedge whose levels were computed from ``reference``.

    Before sending, :meth:`check_market` refuses a market more than ``tolerance`` away. After the
    fill, :meth:`reanchor` gives the levels to move: the ones defined as a percent from the entry
    are re-anchored on the fill (the take profit only when every step is a percent); absolute ones
    stay, with a warning each. The edit itself runs the position checks, so a stop now at or
    beyond the liquidation price is refused loudly, never kept silently.
    """

    reference: Decimal
    tolerance: Decimal
    take_profit_percents: tuple[Decimal | None, ...]
    stop_loss_percent: Decimal | None
    has_stop_loss: bool

    def drift(self, price: Decimal) -> Decimal:
        """``|price - reference| / reference``."""
        return abs(price - self.reference) / self.reference

    def check_market(self, market: Decimal) -> None:
        """Refuse (nothing sent) when the market is beyond the tolerance from the typed price."""
        if self.drift(market) > self.tolerance:
            raise HedgeValidationError(
                "price",
                f"the market is at {market}, {self.drift(market) * 100:.2f}% from the price "
                f"given ({self.reference}), beyond the {self.tolerance * 100}% tolerance: the "
                "take profit and stop loss would be off; build the hedge at the current price "
                "(or raise max_entry_drift)",
            )

    @classmethod
    def of(cls, builder: HedgeBuilder, tolerance: Decimal | None) -> EntryDrift | None:
        """The rule for ``builder``'s hedge; ``None`` unless a market entry and a tolerance."""
        if tolerance is None or builder.summary().entry_type != "market":
            return None
        if tolerance < 0:
            raise HedgeValidationError("max_entry_drift", f"must not be negative (got {tolerance})")
        percents, stop_percent = builder.level_percents
        return cls(
            reference=builder.entry_reference,
            tolerance=tolerance,
            take_profit_percents=percents,
            stop_loss_percent=stop_percent,
            has_stop_loss=builder.summary().stop_loss is not None,
        )

    def reanchor(self, fill: Decimal) -> tuple[dict[str, Any], tuple[str, ...]]:
        """``adjust()`` arguments that move the percent levels to ``fill``, and warnings."""
        if self.drift(fill) <= self.tolerance:
            return {}, ()
        moved = f"the short filled at {fill}, {self.drift(fill) * 100:.2f}% from {self.reference}"
        changes: dict[str, Any] = {}
        notes: list[str] = []
        percents = self.take_profit_percents
        if percents and all(p is not None for p in percents):
            changes["take_profit_percent"] = sorted(
                (p for p in percents if p is not None), reverse=True
            )
        elif percents:
            notes.append(f"{moved}: the take profit keeps its absolute prices")
        if self.stop_loss_percent is not None:
            changes["stop_loss_percent"] = self.stop_loss_percent
        elif self.has_stop_loss:
            notes.append(f"{moved}: the stop loss keeps its absolute price")
        if changes:
            notes.append(f"{moved}: percent levels re-anchored on the fill")
        return changes, tuple(notes)
