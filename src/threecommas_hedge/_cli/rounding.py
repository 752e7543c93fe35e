"""One rounding for every figure a plan shows, in text and in ``--json``.

Prices use the market's tick when the rules are known, else six significant digits of the entry
with at least two decimals (``60000.00``, ``0.123456``); money (PnL, fees, funding, notional)
uses cents, more for amounts below 100 units; percents two decimals. Every value of one column
then has the same number of decimals. Inputs (quantities, rates) are shown as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rounding:
    """Decimal places for the prices and the money amounts of one plan."""

    price_places: int
    money_places: int

    @classmethod
    def of(cls, entry: Decimal, notional: Decimal, tick: Decimal | None = None) -> Rounding:
        """The places for a hedge entered at ``entry`` with ``notional`` of quote currency."""
        if tick is not None and tick > 0:
            price_places = max(0, -tick.normalize().as_tuple().exponent)  # type: ignore[operator]
        else:
            price_places = max(2, 5 - entry.adjusted())
        money_places = max(2, 4 - notional.adjusted()) if notional > 0 else 2
        return cls(price_places, min(money_places, 8))

    def price(self, value: Decimal | None) -> str | None:
        """``value`` at the price places (``None`` stays ``None``)."""
        return None if value is None else _fixed(value, self.price_places)

    def money(self, value: Decimal | None) -> str | None:
        """``value`` at the money places."""
        return None if value is None else _fixed(value, self.money_places)

    @staticmethod
    def percent(value: Decimal | None) -> str | None:
        """A percent (already times 100) with two decimals."""
        return None if value is None else _fixed(value, 2)


def _fixed(value: Decimal, places: int) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):f}"
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text
