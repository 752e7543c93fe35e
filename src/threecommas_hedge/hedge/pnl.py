"""The PnL of a hedge (:func:`pnl_of`), in the quote currency, positive is profit:

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
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.models import SmartTrade

from . import _inputs
from ._spec import SpotPosition
from .status import status_of

__all__ = ["HedgePnL", "pnl_of"]

_ZERO = Decimal(0)


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
