"""Field types shared by the request and response models.

The API sends decimals as JSON strings (sometimes with 36 places or exponent notation) and now and
then as plain numbers; requests send them back as plain-notation strings. Nothing here ever goes
through ``float``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AllowInfNan, BeforeValidator, PlainSerializer


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
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    else:
        return value
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return result


def format_decimal(value: Decimal) -> str:
    """Plain notation, no exponent, no float round trip: ``Decimal('1E+2')`` -> ``'100'``."""
    text = format(value, "f")
    return "0" if text in {"-0", "-0.0"} else text


_PLAIN_IN_JSON = PlainSerializer(format_decimal, return_type=str, when_used="json")

ApiDecimal = Annotated[Decimal, BeforeValidator(parse_decimal), _PLAIN_IN_JSON]
"""A Decimal that parses API strings/numbers and serialises to a plain decimal string in JSON.

Works in strict models too (the request bodies): the parsing is done before pydantic's check.
"""

ResponseDecimal = Annotated[Decimal, AllowInfNan(False), _PLAIN_IN_JSON]
"""``ApiDecimal`` for the tolerant response models, parsed by pydantic itself (no Python call).

Lax mode reads the same inputs to the same Decimal as ``parse_decimal``: strings (exponent
notation, surrounding spaces), ints, Decimals, floats through their shortest repr; it refuses
booleans, NaN and infinity.
"""
