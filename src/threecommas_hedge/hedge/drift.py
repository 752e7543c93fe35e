"""Entry drift of a market hedge (:class:`EntryDrift`): checked before sending, re-anchored
after the fill."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from threecommas_hedge._exceptions import HedgeValidationError

if TYPE_CHECKING:
    from .builder import HedgeBuilder

__all__ = ["DEFAULT_MAX_ENTRY_DRIFT", "EntryDrift", "EntryDriftWarning"]

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
