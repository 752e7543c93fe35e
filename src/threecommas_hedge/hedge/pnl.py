"""The PnL of a hedge (:func:`pnl_of`), in the quote currency, positive is profit:

- spot leg ``spot.quantity * (P - spot.price)``: valued against the holding's reference price
  (0 when no holding is given: ``net`` is then the hedge leg alone);
- hedge realized ``closed * (avg_entry - avg_exit)`` and unrealized ``open * (avg_entry - P)``, with
  the ``*_without_commission`` averages of ``data`` (hedge-math section 2: never recover a fee by
  inverting a price with fees). With the average entry of every entry fill (adds included), which
  is what 3Commas reports (``entered_total / entered_amount`` in its examples), the sum is the exact
  cash result; closes are counted at that average, so the split differs from an average-cost
  basis only when funds were added after a partial close;
- fees paid on the fills so far, side by side, from the trade's prices with and without
  commission: ``entered * |avg_entry_with - avg_entry|`` (``data.average_enter_price*``) and
  ``closed * |avg_exit_with - avg_exit|`` (``data.average_close_price*``). Each fill paid its own
  rate (maker for a resting limit, taker for a market fill) and the averages are
  quantity-weighted, so this is the sum of the fills' fees. A side whose two prices are not both
  reported pays ``rate * notional`` instead, at the rate the trade reports
  (``data.commission``), else ``fee_rate``, else 0. ``fee_source`` is ``"trade"`` when the
  trade's prices or rate gave the fees, else ``"fee_rate"`` or ``"none"``. Closing the open part
  costs ``open * P * rate`` more, not included;
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

    Fees come from the trade's prices with and without commission, else its ``data.commission``;
    ``fee_rate`` only when it reports neither.
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
    entry_fee = _fee_from_prices(_entry_prices(trade), status.entered_quantity)
    exit_fee = _fee_from_prices(_exit_prices(trade), status.closed_quantity)
    if entry_fee is not None and exit_fee is not None and status.entered:
        source = "trade"
    fees = (rate * entry_notional if entry_fee is None else entry_fee) + (
        rate * exit_notional if exit_fee is None else exit_fee
    )
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


_Prices = tuple[Decimal | None, Decimal | None]


def _entry_prices(trade: SmartTrade) -> _Prices:
    data = trade.data
    return data.average_enter_price, data.average_enter_price_without_commission


def _exit_prices(trade: SmartTrade) -> _Prices:
    data = trade.data
    return data.average_close_price, data.average_close_price_without_commission


def _fee_from_prices(prices: _Prices, quantity: Decimal) -> Decimal | None:
    """``quantity * |with - without|``; ``None`` when a price is missing (0 with no quantity)."""
    if not quantity:
        return _ZERO
    with_fees, without = prices
    if with_fees is None or without is None:
        return None
    return quantity * abs(with_fees - without)
