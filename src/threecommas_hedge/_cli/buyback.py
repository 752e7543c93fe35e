"""A cancelled hedge whose short is still open: how to recognise it and buy it back.

Cancelling a SmartTrade stops 3Commas managing it; a short that had entered stays open on the
exchange, without take profit or stop loss. ``close`` then buys the remaining units back with
an instant market buy (``simple_buy``) on the same account and pair, whose note names the
cancelled trade, so that a second ``close`` (or ``show``) finds it and never buys twice.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import islice

from threecommas_hedge._client import ThreeCommas
from threecommas_hedge.hedge.position import status_of
from threecommas_hedge.models import SmartTrade, SmartTradeCreate

_LOOKBACK = 100
"""How many of the newest buys on the account and pair are searched for a buy-back."""


def unmanaged_quantity(trade: SmartTrade) -> Decimal:
    """Units still short after a cancel (0 unless the trade is cancelled with a position)."""
    if trade.status.code != "cancelled" or trade.position.type != "sell":
        return Decimal(0)
    return status_of(trade).open_quantity


def buy_back_note(trade: SmartTrade) -> str:
    """The note that ties a buy-back to the cancelled trade it closes."""
    return f"buy-back of cancelled SmartTrade {trade.id}"


def buy_back_body(trade: SmartTrade, quantity: Decimal) -> SmartTradeCreate:
    """An instant market buy of ``quantity`` on the trade's account and pair."""
    leverage = trade.leverage
    body: dict[str, object] = {
        "account_id": trade.account.id,
        "pair": trade.pair,
        "instant": True,
        "note": buy_back_note(trade),
        "position": {"type": "buy", "order_type": "market", "units": {"value": quantity}},
    }
    if leverage.enabled and leverage.type is not None and leverage.value is not None:
        body["leverage"] = {
            "enabled": True,
            "type": leverage.type,
            "value": int(leverage.value),
        }
    return SmartTradeCreate.model_validate(body)


def find_buy_back(client: ThreeCommas, trade: SmartTrade) -> SmartTrade | None:
    """The buy-back made for ``trade``, if one exists among the newest buys of its pair."""
    note = buy_back_note(trade)
    listing = client.smart_trades.list(
        account_id=trade.account.id, pair=trade.pair, status="all", per_page=_LOOKBACK
    )
    for candidate in islice(listing, _LOOKBACK):
        if candidate.note_text and note in candidate.note_text and candidate.id != trade.id:
            return candidate
    return None
