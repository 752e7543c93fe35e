"""``client.hedges``: a live Smart Short hedge as one object, sync (``Hedge``) and async.

A hedge is a SmartTrade (the short) plus the :class:`~threecommas_hedge.SpotPosition` it protects.
``open(builder)`` creates it, ``get(id, spot=...)`` picks up an existing one. Then ``refresh()``,
``status``, ``pnl()``, ``adjust()``, ``resize()``, ``close()`` and ``wait_until()``. Without a
spot holding (``get(id)``) ``pnl()`` values the hedge leg alone and ``resize()`` is refused.

Every check (:mod:`threecommas_hedge.hedge.position`) runs on the last state fetched, before any
request: a refused action raises :class:`~threecommas_hedge.HedgeValidationError` and sends
nothing (``refresh()`` first to check against the latest state). The API stays the final judge.
Each action keeps the SmartTrade the API answered, which may show an action under way
(``panic_sell_pending``, ``pending_reduce_funds``); ``refresh()`` or ``wait_until()`` follow it.

``wait_until(condition, timeout=, poll=)`` GETs the trade every ``poll`` seconds (at least
:data:`~threecommas_hedge.hedge.position.MIN_POLL_SECONDS`, to stay inside the rate budget),
sleeping with the client's sleep. It returns the :class:`HedgeStatus` that met the condition,
raises :class:`HedgeTimeoutError` (a ``TimeoutError``) rather than sleep past ``timeout`` seconds
(wall clock or time slept, whichever is more) or poll more than ``max_polls`` times, and
:class:`HedgeWaitError` as soon as the trade ends without meeting it.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.hedge.builder import HedgeBuilder, SpotPosition
from threecommas_hedge.hedge.position import (
    MIN_POLL_SECONDS,
    HedgePnL,
    HedgeStatus,
    HedgeTimeoutError,
    ResizePlan,
    WaitCondition,
    check_close,
    check_reduce,
    edit_body,
    market_price,
    plan_resize,
    pnl_of,
    status_of,
)
from threecommas_hedge.models import MarketRules, SmartTrade, SmartTradeUpdate

if TYPE_CHECKING:
    from threecommas_hedge._client import AsyncThreeCommas, ThreeCommas

__all__ = ["AsyncHedge", "AsyncHedges", "Hedge", "Hedges"]

Levels = Decimal | Sequence[Decimal]


class _HedgeState:
    """What sync and async hedges share: the last trade fetched and every pure read."""

    def __init__(
        self,
        trade: SmartTrade,
        spot: SpotPosition | None,
        *,
        rules: MarketRules | None,
        fee_rate: Decimal | None,
    ) -> None:
        if spot is not None and not isinstance(spot, SpotPosition):
            raise HedgeValidationError("spot", "must be a SpotPosition")
        if not trade.is_short:
            raise HedgeValidationError(
                "smart_trade_id", f"smart trade {trade.id} is not a short: it hedges nothing"
            )
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
        the trade's current price). ``fee_rate`` defaults to the hedge's, else the trade's
        ``data.commission``; ``funding`` received is added (see :func:`pnl_of`)."""
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

    def _resize(
        self,
        ratio: Decimal | None,
        quantity: Decimal | None,
        allow_over_hedge: bool,
        market: Decimal | None,
    ) -> ResizePlan | None:
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


class _Deadline:
    """When ``wait_until`` stops: ``timeout`` seconds (wall clock or slept) or ``max_polls``."""

    def __init__(self, condition: str, timeout: float, poll: float, max_polls: int | None) -> None:
        self.wanted = WaitCondition.parse(condition)
        if not poll >= MIN_POLL_SECONDS:
            raise HedgeValidationError(
                "poll", f"must be at least {MIN_POLL_SECONDS} s to stay inside the rate limit"
            )
        if not timeout >= 0:
            raise HedgeValidationError("timeout", "must be 0 or more seconds")
        if max_polls is not None and max_polls < 1:
            raise HedgeValidationError("max_polls", "must be at least 1")
        self.timeout, self.poll, self.max_polls = timeout, poll, max_polls
        self.start, self.slept, self.polls = time.monotonic(), 0.0, 0

    def done(self, status: HedgeStatus) -> bool:
        """Count a poll; whether ``status`` meets the condition (raises when it never will or
        when the next poll would be past the deadline)."""
        self.polls += 1
        if self.wanted.met(status):
            return True
        elapsed = max(time.monotonic() - self.start, self.slept)
        if elapsed + self.poll > self.timeout:
            reason = f"within {self.timeout:g} s"
        elif self.max_polls is not None and self.polls >= self.max_polls:
            reason = f"in {self.polls} polls"
        else:
            self.slept += self.poll
            return False
        raise HedgeTimeoutError(
            f"{self.wanted.name} not reached {reason} (the trade is {status.code})", status
        )


# --- sync -------------------------------------------------------------------------------------


class Hedge(_HedgeState):
    """A live hedge on a ``ThreeCommas`` client (see the module docstring)."""

    def __init__(
        self,
        client: ThreeCommas,
        trade: SmartTrade,
        spot: SpotPosition | None,
        *,
        rules: MarketRules | None = None,
        fee_rate: Decimal | None = None,
    ) -> None:
        super().__init__(trade, spot, rules=rules, fee_rate=fee_rate)
        self._client = client

    def refresh(self) -> Hedge:
        """Fetch the latest state of the trade (one GET); returns the hedge."""
        self._trade = self._client.smart_trades.get(self.id)
        return self

    def adjust(
        self,
        take_profit: Levels | None = None,
        stop_loss: Decimal | None = None,
        *,
        take_profit_percent: Levels | None = None,
        stop_loss_percent: Decimal | None = None,
        market: Decimal | None = None,
    ) -> Hedge:
        """Move the take profit and/or the stop loss (one PATCH; see :func:`edit_body`)."""
        body = self.edit_body(
            take_profit,
            stop_loss,
            take_profit_percent=take_profit_percent,
            stop_loss_percent=stop_loss_percent,
            market=market,
        )
        self._trade = self._client.smart_trades.update(self.id, body)
        return self

    def resize(
        self,
        ratio: Decimal | None = None,
        *,
        quantity: Decimal | None = None,
        allow_over_hedge: bool = False,
        market: Decimal | None = None,
    ) -> Hedge:
        """Take the short to ``ratio * spot.quantity`` (or ``quantity``) by a market add_funds,
        or a market reduce_funds checked against ``reduce_funds_info`` first. Nothing is sent when
        the short is already that size (to the lot step)."""
        plan = self._resize(ratio, quantity, allow_over_hedge, market)
        if plan is None:
            return self
        trades = self._client.smart_trades
        if plan.action == "add_funds":
            self._trade = trades.add_funds(self.id, plan.body())
        else:
            check_reduce(plan, trades.reduce_funds_info(self.id).max_reduce_funds_amount)
            self._trade = trades.reduce_funds(self.id, plan.body())
        return self

    def close(self) -> Hedge:
        """Close the whole short at market (``close_by_market``)."""
        check_close(self._trade)
        self._trade = self._client.smart_trades.close_by_market(self.id)
        return self

    def wait_until(
        self,
        condition: str,
        *,
        timeout: float = 300.0,
        poll: float = 5.0,
        max_polls: int | None = None,
        on_poll: Callable[[Hedge], object] | None = None,
    ) -> HedgeStatus:
        """Poll until ``closed``, ``entered`` or ``tpN``; ``on_poll`` sees the hedge after each
        GET. Raises HedgeTimeoutError / HedgeWaitError (see the module docstring)."""
        deadline = _Deadline(condition, timeout, poll, max_polls)
        while True:
            self.refresh()
            if on_poll is not None:
                on_poll(self)
            if deadline.done(self.status):
                return self.status
            self._client._sleep(poll)


class Hedges:
    """``client.hedges``: open a hedge from a builder, or pick up an existing short."""

    def __init__(self, client: ThreeCommas) -> None:
        self._client = client

    def open(
        self,
        builder: HedgeBuilder,
        *,
        fee_rate: Decimal | None = None,
        client_tag: str | None = None,
    ) -> Hedge:
        """Build the Smart Short (checked) and create it; the hedge keeps the builder's spot
        holding and market rules.

        Never opens two: after ``WriteOutcomeUnknownError``, re-run with
        ``client_tag=error.client_tag``; the short of the earlier attempt is looked for by its
        tag and picked up (``hedge.trade.recovered``) instead of opening a second one."""
        payload = builder.build()
        trade = self._client.smart_trades.create(payload, client_tag=client_tag)
        return Hedge(
            self._client, trade, builder.spot, rules=builder.market_rules, fee_rate=fee_rate
        )

    def get(
        self,
        smart_trade_id: int,
        *,
        spot: SpotPosition | None = None,
        rules: MarketRules | None = None,
        fee_rate: Decimal | None = None,
    ) -> Hedge:
        """The short ``smart_trade_id`` hedging ``spot`` (one GET; see the module docstring
        for a hedge without ``spot``)."""
        trade = self._client.smart_trades.get(smart_trade_id)
        return Hedge(self._client, trade, spot, rules=rules, fee_rate=fee_rate)


# --- async ------------------------------------------------------------------------------------


class AsyncHedge(_HedgeState):
    """A live hedge on an ``AsyncThreeCommas`` client (see :class:`Hedge`)."""

    def __init__(
        self,
        client: AsyncThreeCommas,
        trade: SmartTrade,
        spot: SpotPosition | None,
        *,
        rules: MarketRules | None = None,
        fee_rate: Decimal | None = None,
    ) -> None:
        super().__init__(trade, spot, rules=rules, fee_rate=fee_rate)
        self._client = client

    async def refresh(self) -> AsyncHedge:
        """Fetch the latest state of the trade (one GET); returns the hedge."""
        self._trade = await self._client.smart_trades.get(self.id)
        return self

    async def adjust(
        self,
        take_profit: Levels | None = None,
        stop_loss: Decimal | None = None,
        *,
        take_profit_percent: Levels | None = None,
        stop_loss_percent: Decimal | None = None,
        market: Decimal | None = None,
    ) -> AsyncHedge:
        """Move the take profit and/or the stop loss (see :meth:`Hedge.adjust`)."""
        body = self.edit_body(
            take_profit,
            stop_loss,
            take_profit_percent=take_profit_percent,
            stop_loss_percent=stop_loss_percent,
            market=market,
        )
        self._trade = await self._client.smart_trades.update(self.id, body)
        return self

    async def resize(
        self,
        ratio: Decimal | None = None,
        *,
        quantity: Decimal | None = None,
        allow_over_hedge: bool = False,
        market: Decimal | None = None,
    ) -> AsyncHedge:
        """Resize the short (see :meth:`Hedge.resize`)."""
        plan = self._resize(ratio, quantity, allow_over_hedge, market)
        if plan is None:
            return self
        trades = self._client.smart_trades
        if plan.action == "add_funds":
            self._trade = await trades.add_funds(self.id, plan.body())
        else:
            info = await trades.reduce_funds_info(self.id)
            check_reduce(plan, info.max_reduce_funds_amount)
            self._trade = await trades.reduce_funds(self.id, plan.body())
        return self

    async def close(self) -> AsyncHedge:
        """Close the whole short at market (``close_by_market``)."""
        check_close(self._trade)
        self._trade = await self._client.smart_trades.close_by_market(self.id)
        return self

    async def wait_until(
        self,
        condition: str,
        *,
        timeout: float = 300.0,
        poll: float = 5.0,
        max_polls: int | None = None,
        on_poll: Callable[[AsyncHedge], object] | None = None,
    ) -> HedgeStatus:
        """Poll until the condition (see :meth:`Hedge.wait_until`); ``on_poll`` may be async."""
        deadline = _Deadline(condition, timeout, poll, max_polls)
        while True:
            await self.refresh()
            if on_poll is not None:
                result = on_poll(self)
                if inspect.isawaitable(result):
                    await result
            if deadline.done(self.status):
                return self.status
            await self._client._sleep(poll)


class AsyncHedges:
    """``client.hedges`` of ``AsyncThreeCommas`` (see :class:`Hedges`)."""

    def __init__(self, client: AsyncThreeCommas) -> None:
        self._client = client

    async def open(
        self,
        builder: HedgeBuilder,
        *,
        fee_rate: Decimal | None = None,
        client_tag: str | None = None,
    ) -> AsyncHedge:
        """Build the Smart Short (checked) and create it (see :meth:`Hedges.open`)."""
        payload = builder.build()
        trade = await self._client.smart_trades.create(payload, client_tag=client_tag)
        return AsyncHedge(
            self._client, trade, builder.spot, rules=builder.market_rules, fee_rate=fee_rate
        )

    async def get(
        self,
        smart_trade_id: int,
        *,
        spot: SpotPosition | None = None,
        rules: MarketRules | None = None,
        fee_rate: Decimal | None = None,
    ) -> AsyncHedge:
        """The short ``smart_trade_id`` hedging ``spot`` (one GET; see the module docstring
        for a hedge without ``spot``)."""
        trade = await self._client.smart_trades.get(smart_trade_id)
        return AsyncHedge(self._client, trade, spot, rules=rules, fee_rate=fee_rate)
