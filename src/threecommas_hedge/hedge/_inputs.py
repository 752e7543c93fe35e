"""Checks of single builder arguments; a failure names the argument as the user typed it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TypeVar

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.models._scalars import (
    ASSET_PATTERN,
    MAX_DECIMAL_PLACES,
    MAX_ID,
    MAX_INTEGER_DIGITS,
    MAX_PAIR_LENGTH,
    PAIR_PATTERN,
    decimal_bound_error,
)

_T = TypeVar("_T", bound=str)

_HUNDRED = Decimal(100)
_MIN_TRAILING = Decimal("0.01")
_MAX_TEXT = MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES + 40
_MAX_INT_BITS = 4 * MAX_INTEGER_DIGITS  # cheap pre-check; the exact bound is checked below


def as_decimal(field: str, value: object) -> Decimal:
    """A finite Decimal from a Decimal, int or numeric string; floats and booleans are refused.

    At most ``MAX_INTEGER_DIGITS`` (40) digits before the point and ``MAX_DECIMAL_PLACES`` (80)
    after it, as written: the bounds every amount the client sends is held to.
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise HedgeValidationError(
            field, f"must be a Decimal, int or numeric string, not {type(value).__name__}"
        )
    if isinstance(value, str) and len(value) > _MAX_TEXT:
        raise HedgeValidationError(field, f"is longer than {_MAX_TEXT} characters")
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        raise HedgeValidationError(
            field, f"has more than {MAX_INTEGER_DIGITS} digits before the decimal point"
        )
    try:
        result = Decimal(value)
    except ArithmeticError:
        raise HedgeValidationError(field, f"{value!r} is not a number") from None
    if not result.is_finite():
        raise HedgeValidationError(field, f"{value!r} is not a finite number")
    bound = decimal_bound_error(result)
    if bound is not None:
        raise HedgeValidationError(field, bound)
    return result


def decimal_of(field: str, value: object) -> Decimal:
    """``value`` itself when it is a ``Decimal`` (the fast path of hot code), else
    :func:`as_decimal`: floats and booleans refused."""
    return value if type(value) is Decimal else as_decimal(field, value)


def positive(field: str, value: object) -> Decimal:
    """A Decimal greater than zero."""
    result = as_decimal(field, value)
    if result <= 0:
        raise HedgeValidationError(field, f"must be greater than 0 (got {result})")
    return result


def whole(field: str, value: object, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """An ``int`` (not a bool, not a float) from ``minimum`` to ``maximum`` (2**63-1: ids)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise HedgeValidationError(field, f"must be a whole number (got {value!r})")
    if value < minimum:
        raise HedgeValidationError(field, f"must be at least {minimum} (got {value})")
    if value > maximum:
        raise HedgeValidationError(field, f"must be at most {maximum}")
    return value


_PAIR = re.compile(PAIR_PATTERN)
_ASSET = re.compile(ASSET_PATTERN)
MAX_ASSET_LENGTH = 20


def pair(field: str, value: object) -> str:
    """A 3Commas pair ``QUOTE_BASE`` (``USDT_BTCUSDT``): letters and digits, ``-`` or ``.``
    inside a code, one ``_``, at most 40 characters; no spaces, slashes or control characters."""
    if not isinstance(value, str) or len(value) > MAX_PAIR_LENGTH or _PAIR.fullmatch(value) is None:
        raise HedgeValidationError(
            field,
            f"must be a 3Commas pair QUOTE_BASE such as USDT_BTCUSDT, got {_shown(value)}",
        )
    return value


def asset(field: str, value: object) -> str:
    """An asset code (``BTC``): letters and digits, ``-`` or ``.`` inside, at most 20 characters."""
    if not isinstance(value, str) or not value.strip():
        raise HedgeValidationError(field, "must be a non-empty asset name")
    if len(value) > MAX_ASSET_LENGTH or _ASSET.fullmatch(value) is None:
        raise HedgeValidationError(
            field,
            f"must be an asset code such as BTC, got {_shown(value)}",
        )
    return value


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 50 else f"{text[:47]}..."


def choice(field: str, value: object, allowed: tuple[_T, ...]) -> _T:
    """One of ``allowed``, typed as the matching literal."""
    for option in allowed:
        if value == option:
            return option
    raise HedgeValidationError(field, f"must be one of {', '.join(allowed)} (got {value!r})")


def trailing_percent(field: str, value: object) -> Decimal:
    """A trailing distance in percent, 0.01 to 100."""
    result = as_decimal(field, value)
    if not _MIN_TRAILING <= result <= _HUNDRED:
        raise HedgeValidationError(field, f"must be between 0.01 and 100 (got {result})")
    return result


def price_or_percent(
    prefix: str, price: object, percent: object
) -> tuple[Decimal | None, Decimal | None]:
    """Exactly one of a positive ``price`` or a non-zero signed ``percent``."""
    if (price is None) == (percent is None):
        raise HedgeValidationError(prefix, "give exactly one of price or percent")
    if price is not None:
        return positive(f"{prefix}.price", price), None
    value = as_decimal(f"{prefix}.percent", percent)
    if value == 0:
        raise HedgeValidationError(f"{prefix}.percent", "must not be zero (that is the entry)")
    return None, value
