"""The rule table of the SmartTrade request bodies, read by the request models and the fake.

``smart_trade_params`` builds its field types and cross-field checks from these values, and the
fake's raw-JSON validation (``testing/_validation``) checks bodies against the same values, so a
rule changed here changes both. The allowed keys of each object are the models' own fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, get_args

from ._scalars import MAX_ID, MAX_PAIR_LENGTH, PAIR_PATTERN

__all__ = [
    "CLIENT_TAG_LENGTH",
    "ENTRY_ORDER_TYPES",
    "MARGIN_TYPES",
    "MAX_ID",
    "MAX_NOTE_LENGTH",
    "MAX_PAIR_LENGTH",
    "MAX_TP_STEPS",
    "MAX_TP_VOLUME",
    "MAX_TRAILING_PERCENT",
    "MAX_USER_NOTE_LENGTH",
    "MIN_BREAKEVEN_TP_STEPS",
    "MIN_LEVERAGE",
    "MIN_TIMEOUT_SECONDS",
    "MIN_TRAILING_PERCENT",
    "ORDER_TYPES",
    "PAIR_PATTERN",
    "PRICE_TYPES",
    "SIDES",
    "TP_VOLUME_TOTAL",
    "EntryOrderType",
    "MarginType",
    "OrderType",
    "PriceType",
    "Side",
]

Side = Literal["buy", "sell"]
EntryOrderType = Literal["market", "limit", "conditional"]
OrderType = Literal["market", "limit"]
PriceType = Literal["bid", "ask", "last"]
MarginType = Literal["cross", "isolated"]

SIDES: tuple[str, ...] = get_args(Side)
ENTRY_ORDER_TYPES: tuple[str, ...] = get_args(EntryOrderType)
ORDER_TYPES: tuple[str, ...] = get_args(OrderType)
PRICE_TYPES: tuple[str, ...] = get_args(PriceType)
MARGIN_TYPES: tuple[str, ...] = get_args(MarginType)

MAX_NOTE_LENGTH = 300
"""A note has 1 to this many characters."""
CLIENT_TAG_LENGTH = 19
"""Characters of a create's note the client keeps for its idempotency tag (`` [tch:<12 hex>]``)."""
MAX_USER_NOTE_LENGTH = MAX_NOTE_LENGTH - CLIENT_TAG_LENGTH
"""The longest note a caller may give to a create (281)."""
MAX_TP_STEPS = 8
"""Take-profit steps at most (earlier docs; switched off with ``check_tp_volumes``)."""
MAX_TP_VOLUME = Decimal(100)
"""One step closes more than 0 and at most this percent of the position."""
TP_VOLUME_TOTAL = Decimal(100)
"""What the steps' volumes add up to (earlier docs; switched off with ``check_tp_volumes``)."""
MIN_TRAILING_PERCENT = Decimal("0.01")
MAX_TRAILING_PERCENT = Decimal(100)
MIN_LEVERAGE = 1
MIN_TIMEOUT_SECONDS = 1
MIN_BREAKEVEN_TP_STEPS = 2
"""A breakeven stop loss needs at least this many take-profit steps."""
