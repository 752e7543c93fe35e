"""Decimal rounding to an exchange's lot step and price tick (hedge-math section 7).

Pure helpers, exact in ``Decimal``: a quantity floors to the lot step; a price rounds to the tick in
the direction the caller names (the safe side depends on the order, see the builder).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

Direction = Literal["up", "down", "nearest"]

_MODES = {"up": ROUND_CEILING, "down": ROUND_FLOOR, "nearest": ROUND_HALF_UP}
_PRECISION = 60


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """The largest multiple of ``step`` not above ``value``: 2.34559 at 0.0001 -> 2.3455."""
    return round_to_step(value, step, "down")


def round_to_step(value: Decimal, step: Decimal, direction: Direction) -> Decimal:
    """``value`` rounded to a multiple of ``step`` in ``direction``.

    ``234.43`` at tick ``0.5``: up ``234.5``, down ``234.0``, nearest ``234.5``.
    """
    with localcontext() as context:
        context.prec = _PRECISION
        units = (value / step).to_integral_value(rounding=_MODES[direction])
        return units * step


def strip_zeros(value: Decimal) -> Decimal:
    """The same number without trailing fractional zeros (``55200.00`` -> ``55200``); exact."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return value
    kept = list(digits)
    while exponent < 0 and len(kept) > 1 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    return Decimal((sign, tuple(kept), exponent))
