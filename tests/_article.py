"""The use case's hedge as the tests build it: 1 BTC held at 60,000, a 0.5 BTC market Smart Short
with TP 55,000 and SL 61,800 (``../shared/seed``)."""

from __future__ import annotations

from decimal import Decimal

from threecommas_hedge import HedgeBuilder, SpotPosition

PAIR = "USDT_BTCUSDT"
SPOT = SpotPosition(asset="BTC", quantity=Decimal(1), price=Decimal(60000))
UNITS = Decimal("0.5")
"""The short's size: half the holding."""


def article(account_id: int) -> HedgeBuilder:
    """The article's hedge on ``account_id``, not built yet (add to it, then ``build()``)."""
    return (
        HedgeBuilder(SPOT, account_id=account_id, pair=PAIR)
        .hedge(quantity=UNITS)
        .take_profit(price=Decimal(55000))
        .stop_loss(price=Decimal(61800))
    )
