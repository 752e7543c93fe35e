"""What a sync and an async live hedge share: the last trade fetched and every pure read.

Every check (``threecommas_hedge.hedge``: ``edits``, ``resize``) runs on the last state fetched,
before any request: a refused action raises :class:`~threecommas_hedge.HedgeValidationError` and
sends nothing (``refresh()`` first to check against the latest state).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.hedge._spec import SpotPosition
from threecommas_hedge.hedge.edits import edit_body
from threecommas_hedge.hedge.pnl import HedgePnL, pnl_of
from threecommas_hedge.hedge.resize import ResizePlan, plan_resize
from threecommas_hedge.hedge.status import HedgeStatus, market_price, status_of
from threecommas_hedge.models import MarketRules, SmartTrade, SmartTradeUpdate

__all__ = ["HedgeState", "Levels", "check_hedge"]

Levels = Decimal | Sequence[Decimal]
"""One take-profit level, or one per step."""


def check_hedge(trade: SmartTrade, spot: SpotPosition | None) -> None:
    """Refuse a trade that is not a short (it hedges nothing) and a ``spot`` of the wrong type."""
    if spot is not None and not isinstance(spot, SpotPosition):
        raise HedgeValidationError("spot", "must be a SpotPosition")
    if not trade.is_short:
        raise HedgeValidationError(
            "smart_trade_id", f"smart trade {trade.id} is not a short: it hedges nothing"
        )


class HedgeState:
    """What sync and async hedges share: the last trade fetched and every pure read."""

    def __init__(
        self,
        trade: SmartTrade,
        spot: SpotPosition | None,
        *,
        rules: MarketRules | None,
        fee_rate: Decimal | None,
    ) -> None:
        check_hedge(trade, spot)
        self._trade = trade
        self._spot = spot
        self._rules = rules or MarketRules()
        self._fee_rate = fee_rate

    @property
    def id(self) -> int:
        """The SmartTrade id of the short."""
        return self._trade.id

    @property
    def trade(self) -> SmartTrade:
        """The SmartTrade as last fetched or answered."""
        return self._trade

    @property
    def spot(self) -> SpotPosition | None:
        """The spot holding the short protects, ``None`` when not given."""
        return self._spot

    @property
    def rules(self) -> MarketRules:
        """The exchange rules edits and resizes are rounded and checked with."""
        return self._rules

    @property
    def status(self) -> HedgeStatus:
        """Stage, fills and targets of the short (see :func:`status_of`)."""
        return status_of(self._trade)

    def pnl(
        self,
        spot_price: Decimal | None = None,
        *,
        fee_rate: Decimal | None = None,
        funding: Decimal = Decimal(0),
    ) -> HedgePnL:
        """Spot leg, hedge leg (realized + unrealized), fees and net at ``spot_price`` (default:
        the trade's current price). Fees come from each side's prices with and without
        commission; a side that lacks them uses ``fee_rate`` (default: the hedge's, else the
        trade's ``data.commission``). ``funding`` received is added (see :func:`pnl_of`)."""
        price = spot_price if spot_price is not None else market_price(self._trade)
        if price is None:
            raise HedgeValidationError("spot_price", "the trade reports no price: pass one")
        rate = fee_rate if fee_rate is not None else self._fee_rate
        return pnl_of(self._trade, self._spot, price, fee_rate=rate, funding=funding)

    def edit_body(
        self,
        take_profit: Levels | None = None,
        stop_loss: Decimal | None = None,
        *,
        take_profit_percent: Levels | None = None,
        stop_loss_percent: Decimal | None = None,
        market: Decimal | None = None,
    ) -> SmartTradeUpdate:
        """The ``PATCH`` body ``adjust()`` would send, checked; nothing is sent (to review or
        confirm an edit first). See :func:`~threecommas_hedge.hedge.position.edit_body`."""
        return edit_body(
            self._trade,
            take_profit=take_profit,
            take_profit_percent=take_profit_percent,
            stop_loss=stop_loss,
            stop_loss_percent=stop_loss_percent,
            market=market,
            rules=self._rules,
        )

    def resize_plan(
        self,
        ratio: Decimal | None = None,
        *,
        quantity: Decimal | None = None,
        allow_over_hedge: bool = False,
        market: Decimal | None = None,
    ) -> ResizePlan | None:
        """What ``resize()`` would do, checked (``None``: nothing to do); nothing is sent."""
        if self._spot is None:
            raise HedgeValidationError(
                "spot", "resizing is measured against the spot holding: pass spot= to get()"
            )
        return plan_resize(
            self._trade,
            self._spot,
            ratio=ratio,
            quantity=quantity,
            allow_over_hedge=allow_over_hedge,
            market=market,
            rules=self._rules,
        )

    def __repr__(self) -> str:
        status = self.status
        spot = self._spot
        holding = f" for {spot.quantity} {spot.asset}" if spot is not None else ""
        return (
            f"<{type(self).__name__} #{self.id} {status.open_quantity.normalize():f} short on "
            f"{self._trade.pair}{holding}: {status.stage}>"
        )
