"""Resizing and closing a live short: :func:`plan_resize`, :func:`check_reduce`,
:func:`check_close`.

A resize is refused, with :class:`~threecommas_hedge.HedgeValidationError`, when the API would
refuse it (wrong status, unavailable action, a reduce above ``reduce_funds_info``) and when the
builder would (the lot step, minimum lot and notional, a short larger than the holding).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.models import FundsRequest, MarketRules, SmartTrade, Units

from . import _inputs
from ._plan import check_over_hedge, lot_quantity
from ._rounding import strip_zeros
from ._spec import Size, SizeKind, SpotPosition
from .status import EDITABLE_STATUSES, HedgeStatus, market_price, status_of

__all__ = ["ResizePlan", "check_close", "check_reduce", "plan_resize"]

_ZERO = Decimal(0)


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
