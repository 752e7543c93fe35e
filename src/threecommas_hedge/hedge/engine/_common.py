"""Constants and helpers the engine's parts share."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

_T = TypeVar("_T")

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def level(value: Decimal | None, percent: Decimal | None, entry: Decimal) -> Decimal:
    """An absolute level, or the signed percent move from the entry (-8 = 8% below)."""
    if value is not None:
        return value
    if percent is None:
        raise ValueError("a level needs a value or a percent")
    return entry * (ONE + percent / HUNDRED)


def require(value: _T | None) -> _T:
    """``value``, which the engine's state guarantees is set."""
    if value is None:
        raise RuntimeError("engine state is inconsistent")  # pragma: no cover
    return value
