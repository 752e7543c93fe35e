"""Trading fees and funding payments (hedge-math sections 2 and 3).

Sign convention: a fee is a positive amount paid; a funding payment is positive when received.
Linear amounts are in the quote currency; inverse (coin-margined) amounts are in the coin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

FUNDING_NOTE = (
    "Funding is an estimate with the notional held at the entry price "
    "(quantity x entry x rate x periods), whatever the scenario price; "
    "positive means the short receives it."
)
"""Caveat to print next to every funding figure (the constant-price approximation)."""

_HOURS_PER_DAY = Decimal(24)


@dataclass(frozen=True)
class FeeSchedule:
    """Fee rates by fill type (0.0005 = 0.05 %): ``maker`` for resting limit fills (a limit entry,
    limit take profits), ``taker`` for market and marketable fills (a market entry, stops,
    trailing closes)."""

    maker: Decimal
    taker: Decimal

    def __post_init__(self) -> None:
        for name in ("maker", "taker"):
            rate = getattr(self, name)
            if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate < 1:
                raise ValueError(f"{name}: a fee rate from 0 to below 1, got {rate!r}")


DEFAULT_FEES = FeeSchedule(maker=Decimal("0.0002"), taker=Decimal("0.0005"))
"""The default fee schedule of ``plan`` and the fake: Binance USDT-M's default tier, maker
0.02 % and taker 0.05 %."""


@dataclass(frozen=True)
class FundingEvent:
    """One funding settlement: its time, the mark price then and the funding rate."""

    time: datetime
    mark_price: Decimal
    rate: Decimal


def trade_fee(
    quantity: Decimal, price: Decimal, rate: Decimal, *, contract_size: Decimal | None = None
) -> Decimal:
    """Fee of one fill: ``qty*price*rate`` (quote), or ``N*CM/price*rate`` coin for inverse."""
    if contract_size is None:
        return quantity * price * rate
    return quantity * contract_size / price * rate


def funding_payment(
    side: Literal["long", "short"], quantity: Decimal, mark_price: Decimal, rate: Decimal
) -> Decimal:
    """One settlement: ``q*mark*rate``; a positive rate means longs pay shorts."""
    amount = quantity * mark_price * rate
    return amount if side == "short" else -amount


def funding_between(
    side: Literal["long", "short"],
    quantity: Decimal,
    events: Iterable[FundingEvent],
    *,
    opened_at: datetime,
    closed_at: datetime,
) -> Decimal:
    """Sum of the settlements while the position is open (both ends of the window included)."""
    return sum(
        (
            funding_payment(side, quantity, event.mark_price, event.rate)
            for event in events
            if opened_at <= event.time <= closed_at
        ),
        Decimal(0),
    )


def estimated_funding(
    quantity: Decimal,
    entry_price: Decimal,
    rate: Decimal,
    *,
    holding_days: Decimal,
    interval_hours: Decimal,
    contract_size: Decimal | None = None,
) -> Decimal:
    """Funding a short receives over ``holding_days`` at a constant rate, notional at entry.

    Linear: ``q*E*r*D*24/interval`` quote. Inverse: ``N*CM/E*r*D*24/interval`` coin.
    """
    periods = holding_days * _HOURS_PER_DAY / interval_hours
    notional = (
        quantity * entry_price if contract_size is None else quantity * contract_size / entry_price
    )
    return notional * rate * periods
