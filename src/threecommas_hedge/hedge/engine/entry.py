"""When and at what price a simulated entry fills: market, limit, conditional, trailing, held."""

from __future__ import annotations

from decimal import Decimal

from threecommas_hedge.models.smart_trade_params import (
    PositionConditionalParams,
    PositionParams,
    PositionUpdateParams,
)

from ._common import HUNDRED, ONE, require
from .events import EventLog

__all__ = ["EntryOrder", "Fill"]

Fill = tuple[Decimal, Decimal | None]
"""Where the entry fills and the fee rate it pays (``None``: a held position pays none)."""


class EntryOrder:
    """The entry order until it fills (see the engine's docstring for the rules).

    ``side`` is +1 for a buy, -1 for a sell; ``entry_price`` the fill of a market entry or the
    price of a held (``skip_enter_step``) position.
    """

    def __init__(
        self,
        position: PositionParams,
        log: EventLog,
        *,
        side: Decimal,
        held: bool,
        entry_price: Decimal | None,
        maker_fee_rate: Decimal,
        taker_fee_rate: Decimal,
    ) -> None:
        self._side = side
        self._log = log
        self._held = held
        self._given = entry_price
        self._maker, self._taker = maker_fee_rate, taker_fee_rate
        self._order_type = position.order_type
        self.units = position.units.value
        self._limit_price = position.price.value if position.price is not None else None
        self._conditional: PositionConditionalParams | None = position.conditional
        self._first_price: Decimal | None = None
        self._limit_resting = False
        self._armed = False
        self._best: Decimal | None = None

    def fill(self, price: Decimal, index: int) -> Fill | None:
        """Whether the entry fills at this step of the path, and how."""
        if self._first_price is None:
            self._first_price = price
        given = self._given
        if self._held:
            held = given if given is not None else self._limit_price
            return (held if held is not None else price), None
        if self._order_type == "market":
            return (given if given is not None else price), self._taker
        if self._order_type == "limit":
            limit = require(self._limit_price)
            resting, self._limit_resting = self._limit_resting, True
            if self._side * (limit - price) < 0:
                return None
            # a limit marketable when placed fills at the market
            return (limit, self._maker) if resting else (price, self._taker)
        return self._conditional_fill(price, index)

    def _conditional_fill(self, price: Decimal, index: int) -> Fill | None:
        conditional = require(self._conditional)
        trigger = conditional.price.value
        if not self._armed:
            first = require(self._first_price)
            crossed = price >= trigger if first < trigger else price <= trigger
            if not crossed:
                return None
            self._armed = True
            self._log.emit("entry_armed", index, price, level=trigger)
            trailing = conditional.trailing
            if trailing is not None and trailing.enabled:
                self._best = price
                return None
            if conditional.order_type == "market":
                return price, self._taker
            limit = require(self._limit_price)
            if self._side * (limit - price) >= 0:  # marketable when placed: fills at the market
                return price, self._taker
            return None
        if self._best is not None:
            trailing_percent = require(require(conditional.trailing).percent)
            best = min(self._best, price) if self._side > 0 else max(self._best, price)
            self._best = best
            if self._side * (price - best * (ONE + self._side * trailing_percent / HUNDRED)) >= 0:
                return price, self._taker
            return None
        limit = require(self._limit_price)
        if self._side * (limit - price) >= 0:
            return limit, self._maker
        return None

    def edit(self, update: PositionUpdateParams) -> None:
        """An edit of the entry before it fills: size, limit price (placed again), condition."""
        if update.units is not None:
            self.units = update.units.value
        if update.price is not None:
            self._limit_price = update.price.value
            self._limit_resting = False  # placed again at the next price
        if update.conditional is not None:
            self._conditional = update.conditional
            self._armed, self._best = False, None
