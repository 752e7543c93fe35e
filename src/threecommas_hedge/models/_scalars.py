"""Plain scalar rules with no pydantic: decimal bounds, parsing and formatting, ids, code patterns.

The client and the fake use these without loading the model machinery; ``_types`` builds the
pydantic field types on top of them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

MAX_INTEGER_DIGITS = 40
"""Digits before the point of any decimal sent or read (|x| < 10**40: far above any market's
prices, sizes or totals, including tokens with supplies in the quadrillions)."""
MAX_DECIMAL_PLACES = 80
"""Digits after the point of any decimal sent or read (the API sends up to 56 places in balances
and 36 in trades). Together the two bound every plain-notation number to 122 characters."""
_MAX_TEXT = MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES + 40
"""Longest decimal text parsed (room for sign, point, exponent and spaces)."""


def decimal_bound_error(value: Decimal) -> str | None:
    """Which bound a finite ``value`` breaks as written (trailing zeros count), or None.

    Cheap for any exponent: only the digit tuple's length and the exponent are looked at, so
    ``1E+999999999`` is refused at once instead of being expanded into a gigabyte of zeros.
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    if exponent < -MAX_DECIMAL_PLACES:
        return f"has more than {MAX_DECIMAL_PLACES} decimal places"
    if len(digits) + exponent > MAX_INTEGER_DIGITS:
        return f"has more than {MAX_INTEGER_DIGITS} digits before the decimal point"
    return None


RESPONSE_DECIMAL_LIMIT = Decimal(f"1E+{MAX_INTEGER_DIGITS}")
"""Every response decimal is above minus this and below it: at most 40 digits before the point."""


def places_checked(value: Any) -> Any:
    """``value`` as given, unless it is a decimal with more than 80 places (trailing zeros of a
    non-zero value not counted), which raises ValueError. Anything else is left for pydantic.

    A plain string of at most 80 characters without an exponent cannot have more places: it
    passes without being parsed (the common case, kept cheap: this runs for every field).
    """
    if isinstance(value, str):
        if len(value) <= MAX_DECIMAL_PLACES and "e" not in value and "E" not in value:
            return value
        try:
            number = Decimal(str.strip(value))
        except InvalidOperation:
            return value
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, float):
        number = Decimal(repr(float(value)))
    else:  # an int has no places; anything else is pydantic's to refuse
        return value
    if not number.is_finite():
        return value
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    trailing = 0
    while trailing < len(digits) - 1 and digits[-1 - trailing] == 0:  # zero keeps its exponent
        trailing += 1
    if exponent + trailing < -MAX_DECIMAL_PLACES:
        raise ValueError(f"{_short(value)} has more than {MAX_DECIMAL_PLACES} decimal places")
    return value


def parse_decimal(value: Any) -> Any:
    """Turn an API decimal (str, int, Decimal; a float via its repr) into a finite Decimal.

    Booleans and non-finite values are refused; anything else is left for pydantic to reject.
    """
    if isinstance(value, bool):
        raise ValueError("expected a decimal number, got a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        if len(value) > _MAX_TEXT:
            raise ValueError(f"{_short(value)} is longer than {_MAX_TEXT} characters")
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{_short(value)} is not a decimal number") from None
    else:
        return value
    if not result.is_finite():
        raise ValueError(f"{_short(value)} is not a finite decimal number")
    bound = decimal_bound_error(result)
    if bound is not None:
        raise ValueError(f"{_short(value)} {bound}")
    return result


def _short(value: object) -> str:
    """``repr`` of a value cut to 40 characters (a huge number never floods a message)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def format_decimal(value: Decimal) -> str:
    """Plain notation, no exponent, no float round trip: ``Decimal('1E+2')`` -> ``'100'``."""
    text = format(value, "f")
    return "0" if text in {"-0", "-0.0"} else text


MAX_ID = 2**63 - 1
"""The largest id the API uses (a signed 64-bit integer)."""


_CODE = r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*"
ASSET_PATTERN = rf"^{_CODE}$"
"""An asset code: letters and digits, ``-`` or ``.`` between them (``BTC``, ``1000PEPE``)."""
PAIR_PATTERN = rf"^{_CODE}_{_CODE}$"
"""A 3Commas pair ``QUOTE_BASE`` (``USDT_BTCUSDT``): two codes joined by one ``_``."""
MAX_PAIR_LENGTH = 40
