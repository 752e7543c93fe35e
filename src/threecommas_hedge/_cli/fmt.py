"""Number formats for the terminal: prices, money, percents (all from ``Decimal``)."""

from __future__ import annotations

from decimal import Decimal

from threecommas_hedge.hedge._summary import display_price

_HUNDRED = Decimal(100)


def price(value: Decimal) -> str:
    """A price with thousands separators and six significant digits: ``118,811.88``."""
    return f"{display_price(value):,}"


def money(value: Decimal) -> str:
    """A signed quote amount to the cent (``+2,500.00``), to four significant digits below 1
    (``+0.01234``)."""
    places = 2 if value == 0 or abs(value) >= 1 else min(8, 3 - value.adjusted())
    text = f"{value:+,.{places}f}"
    return "+0.00" if text == "-0.00" else text


def whole(value: Decimal) -> str:
    """A signed quote amount rounded to whole units, for dense tables: ``-2,466``."""
    text = f"{value:+,.0f}"
    return "+0" if text == "-0" else text


def percent(value: Decimal, *, signed: bool = True) -> str:
    """A percent with two decimals, signed by default: ``-8.33%``."""
    return f"{value:+.2f}%" if signed else f"{value:.2f}%"


def rate(value: Decimal) -> str:
    """A rate (0.0005) as the percent people write (``0.05%``), without trailing zeros."""
    text = f"{value * _HUNDRED:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def number(value: Decimal) -> str:
    """A quantity as given, in plain notation without trailing zeros: ``0.5``."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
