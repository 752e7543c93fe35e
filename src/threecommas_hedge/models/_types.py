"""Field types shared by the request and response models.

The API sends decimals as JSON strings (sometimes with 36 places or exponent notation) and now and
then as plain numbers; requests send them back as plain-notation strings. Nothing here ever goes
through ``float``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AllowInfNan, BeforeValidator, Field, PlainSerializer, Strict

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


_PLAIN_IN_JSON = PlainSerializer(format_decimal, return_type=str, when_used="json")

ApiDecimal = Annotated[Decimal, BeforeValidator(parse_decimal), _PLAIN_IN_JSON]
"""A Decimal that parses API strings/numbers and serialises to a plain decimal string in JSON.

Works in strict models too (the request bodies): the parsing is done before pydantic's check.
"""

ResponseDecimal = Annotated[
    Decimal,
    AllowInfNan(False),
    Field(max_digits=MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES, decimal_places=MAX_DECIMAL_PLACES),
    _PLAIN_IN_JSON,
]
"""``ApiDecimal`` for the tolerant response models, parsed by pydantic itself (no Python call).

Lax mode reads the same inputs to the same Decimal as ``parse_decimal``: strings (exponent
notation, surrounding spaces), ints, Decimals, floats through their shortest repr; it refuses
booleans, NaN and infinity, and values beyond the digit bounds (checked natively, trailing zeros
not counted), so ``1e999999999`` from a server is a validation error, never an Overflow later.
"""

NonNegativeDecimal = Annotated[ResponseDecimal, Field(ge=0)]
"""A response amount, price or size: never below zero (profits and percents stay signed)."""

MAX_ID = 2**63 - 1
"""The largest id the API uses (a signed 64-bit integer)."""

ApiId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
"""A trade, step or account id: a JSON integer from 1 to 2**63-1 (no boolean, string or float)."""

_CODE = r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*"
ASSET_PATTERN = rf"^{_CODE}$"
"""An asset code: letters and digits, ``-`` or ``.`` between them (``BTC``, ``1000PEPE``)."""
PAIR_PATTERN = rf"^{_CODE}_{_CODE}$"
"""A 3Commas pair ``QUOTE_BASE`` (``USDT_BTCUSDT``): two codes joined by one ``_``."""
MAX_PAIR_LENGTH = 40
