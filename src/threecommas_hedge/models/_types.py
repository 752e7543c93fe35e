"""Field types shared by the request and response models.

The API sends decimals as JSON strings (sometimes with 36 places or exponent notation) and now and
then as plain numbers; requests send them back as plain-notation strings. Nothing here ever goes
through ``float``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AllowInfNan, BeforeValidator, Field, PlainSerializer, Strict

from ._scalars import (
    ASSET_PATTERN,
    MAX_DECIMAL_PLACES,
    MAX_ID,
    MAX_INTEGER_DIGITS,
    MAX_PAIR_LENGTH,
    PAIR_PATTERN,
    RESPONSE_DECIMAL_LIMIT,
    decimal_bound_error,
    format_decimal,
    parse_decimal,
    places_checked,
)

__all__ = [
    "ASSET_PATTERN",
    "MAX_DECIMAL_PLACES",
    "MAX_ID",
    "MAX_INTEGER_DIGITS",
    "MAX_PAIR_LENGTH",
    "PAIR_PATTERN",
    "ApiDecimal",
    "ApiId",
    "NonNegativeDecimal",
    "ResponseDecimal",
    "decimal_bound_error",
    "format_decimal",
    "parse_decimal",
]

_PLAIN_IN_JSON = PlainSerializer(format_decimal, return_type=str, when_used="json")

ApiDecimal = Annotated[Decimal, BeforeValidator(parse_decimal), _PLAIN_IN_JSON]
"""A Decimal that parses API strings/numbers and serialises to a plain decimal string in JSON.

Works in strict models too (the request bodies): the parsing is done before pydantic's check.
"""

ResponseDecimal = Annotated[
    Decimal,
    AllowInfNan(False),
    Field(gt=-RESPONSE_DECIMAL_LIMIT, lt=RESPONSE_DECIMAL_LIMIT),
    BeforeValidator(places_checked),  # last: the checks above stay native (pydantic's own)
    _PLAIN_IN_JSON,
]
"""``ApiDecimal`` for the tolerant response models, parsed by pydantic itself.

Lax mode reads the same inputs to the same Decimal as ``parse_decimal``: strings (exponent
notation, surrounding spaces), ints, Decimals, floats through their shortest repr; it refuses
booleans, NaN and infinity, and values beyond the digit bounds (trailing zeros not counted), so
``1e999999999`` or ``1e-999999999`` from a server is a validation error, never an Overflow or a
gigabyte of digits later. The integer digits are bounded natively (``|x| < 1E+40``); the places
by ``places_checked``, which lets a short plain string through at once.
"""

NonNegativeDecimal = Annotated[
    Decimal,
    AllowInfNan(False),
    Field(ge=0, lt=RESPONSE_DECIMAL_LIMIT),
    BeforeValidator(places_checked),
    _PLAIN_IN_JSON,
]
"""A response amount, price or size: never below zero (profits and percents stay signed)."""

ApiId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
"""A trade, step or account id: a JSON integer from 1 to 2**63-1 (no boolean, string or float)."""
