"""What a hedge builder decided, as data (for tables) and as text (``explain()``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ._rounding import strip_zeros
from ._spec import EntryKind, Margin, OrderType, PriceType
from .liquidation import CONSERVATIVE_NOTE

_HUNDRED = Decimal(100)
_LABEL_WIDTH = 15


@dataclass(frozen=True)
class TakeProfitSummary:
    """One take-profit step after rounding; ``distance_percent`` is signed, from the entry."""

    price: Decimal
    volume: Decimal
    distance_percent: Decimal
    order_type: OrderType
    price_type: PriceType
    trailing_percent: Decimal | None


@dataclass(frozen=True)
class StopLossSummary:
    """The stop loss after rounding; ``distance_percent`` is signed, from the entry."""

    price: Decimal
    distance_percent: Decimal
    order_type: OrderType
    limit_price: Decimal | None
    price_type: PriceType
    trailing: bool
    timeout: int | None


@dataclass(frozen=True)
class HedgeSummary:
    """Everything the builder decided, as data (``explain()`` formats it; the CLI renders it).

    ``entry`` is the entry reference: the spot price for a market entry, the rounded limit price
    for a limit entry, the rounded trigger (or limit price) for a conditional one.
    ``entry_estimated`` is true for a trailing entry: the TP/SL prices here are then estimates
    from the trigger, and the body carries percents. ``ratio`` is the effective hedge ratio after
    rounding (short quantity / spot quantity) and ``notional`` the protected value
    (quantity x entry). ``liquidation_price`` is the isolated-margin estimate, ``None`` with cross
    margin (not estimated) or when the short cannot be liquidated; ``maintenance_margin_rate`` is
    the rate assumed for it when no brackets were given (``1/(2L)``, ``None`` otherwise).
    ``rules_given`` is false when no market rules were given (units then stay as computed).
    """

    direction: Literal["short"]
    asset: str
    pair: str
    account_id: int
    spot_quantity: Decimal
    spot_price: Decimal
    quantity: Decimal
    ratio: Decimal
    notional: Decimal
    entry_type: EntryKind
    entry: Decimal
    entry_estimated: bool
    take_profits: tuple[TakeProfitSummary, ...]
    stop_loss: StopLossSummary | None
    breakeven: bool
    leverage: int
    margin: Margin
    liquidation_price: Decimal | None
    maintenance_margin_rate: Decimal | None
    brackets_given: bool
    rules_given: bool = True

    @property
    def liquidation_distance_percent(self) -> Decimal | None:
        """How far (signed %, from the entry) the price may move before liquidation."""
        if self.liquidation_price is None:
            return None
        return distance_percent(self.liquidation_price, self.entry)


def distance_percent(price: Decimal, entry: Decimal) -> Decimal:
    """Signed distance of ``price`` from ``entry`` in percent."""
    return (price - entry) / entry * _HUNDRED


def display_price(price: Decimal) -> Decimal:
    """A computed price for display: six significant digits, at least two decimals."""
    places = max(2, 5 - price.adjusted())
    return strip_zeros(Decimal(f"{price:.{places}f}"))


def mmr_text(assumed_mmr: Decimal | None) -> str:
    """Which maintenance margin the liquidation estimate used."""
    if assumed_mmr is None:
        return "MMR from the leverage brackets given"
    return (
        f"assumes MMR {strip_zeros(assumed_mmr * _HUNDRED)}% = 1/(2 x leverage) and maintenance "
        f"amount 0, no brackets given: {CONSERVATIVE_NOTE}"
    )


def _percent(value: Decimal) -> str:
    return f"{value:+.2f}%"


def _line(label: str, text: str) -> str:
    return f"  {label + ':':<{_LABEL_WIDTH}}{text}"


def format_summary(s: HedgeSummary) -> str:
    """The multi-line text of ``HedgeBuilder.explain()``."""
    approx = "~" if s.entry_estimated else ""
    spot_value = strip_zeros(s.spot_quantity * s.spot_price)
    entry_note = {
        "market": " (the spot price given)",
        "limit": " (the limit price)",
        "conditional": " (trailing: fill unknown, TP/SL sent as percents)"
        if s.entry_estimated
        else " (the trigger)",
    }[s.entry_type]
    lines = [
        f"Smart Short hedge on {s.pair} (account {s.account_id})",
        _line("Spot", f"{s.spot_quantity} {s.asset} at {s.spot_price} (value {spot_value})"),
        _line(
            "Hedge",
            f"short {s.quantity} {s.asset}, effective hedge ratio "
            f"{s.ratio * _HUNDRED:.2f}% (notional {approx}{s.notional})",
        ),
        _line("Entry", f"{s.entry_type} at {approx}{s.entry}{entry_note}"),
    ]
    if not s.take_profits:
        lines.append(_line("Take profit", "none"))
    for number, tp in enumerate(s.take_profits, start=1):
        trailing = "" if tp.trailing_percent is None else f", trailing {tp.trailing_percent}%"
        lines.append(
            _line(
                f"Take profit {number}",
                f"{approx}{tp.price} for {tp.volume}% ({_percent(tp.distance_percent)} from "
                f"entry), {tp.order_type} on {tp.price_type}{trailing}",
            )
        )
    if s.stop_loss is None:
        lines.append(_line("Stop loss", "none"))
    else:
        sl = s.stop_loss
        details = [f"conditional {sl.order_type} on {sl.price_type}"]
        if sl.limit_price is not None:
            details.append(f"limit {sl.limit_price}")
        details.append("trailing" if sl.trailing else "not trailing")
        if sl.timeout is not None:
            details.append(f"timeout {sl.timeout}s")
        lines.append(
            _line(
                "Stop loss",
                f"{approx}{sl.price} ({_percent(sl.distance_percent)} from entry), "
                + ", ".join(details),
            )
        )
    lines.append(_line("Breakeven", "on (SL to entry after TP 1)" if s.breakeven else "off"))
    lines.append(_line("Leverage", f"{s.leverage}x {s.margin}"))
    lines.append(_line("Liquidation", _liquidation_text(s)))
    if not s.rules_given:
        lines.append(
            _line("Market rules", "none given: units and prices stay as computed (not rounded)")
        )
    return "\n".join(lines)


def _liquidation_text(s: HedgeSummary) -> str:
    if s.margin == "cross":
        return "not estimated (cross margin: depends on the whole futures wallet)"
    distance = s.liquidation_distance_percent
    if s.liquidation_price is None or distance is None:
        return "none (this short cannot be liquidated)"
    return (
        f"~{display_price(s.liquidation_price)} ({_percent(distance)} from entry; "
        f"{mmr_text(s.maintenance_margin_rate)})"
    )
