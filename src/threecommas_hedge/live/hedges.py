"""``client.hedges``: a live Smart Short hedge as one object, sync (``Hedge``) and async.

A hedge is a SmartTrade (the short) plus the :class:`~threecommas_hedge.SpotPosition` it protects.
``open(builder)`` creates it, ``get(id, spot=...)`` picks up an existing one. Then ``refresh()``,
``status``, ``pnl()``, ``adjust()``, ``resize()``, ``close()`` and ``wait_until()``. Without a
spot holding (``get(id)``) ``pnl()`` values the hedge leg alone and ``resize()`` is refused.

Every check runs on the last state fetched, before any request (:mod:`.state`): a refused action
raises :class:`~threecommas_hedge.HedgeValidationError` and sends nothing (``refresh()`` first to
check against the latest state). The API stays the final judge. Each action keeps the SmartTrade
the API answered, which may show an action under way (``panic_sell_pending``,
``pending_reduce_funds``); ``refresh()`` or ``wait_until()`` follow it.

Each action is one flow (:mod:`.flows`) run by the client's loop, so the sync and async classes
below differ only in ``await``. ``wait_until`` is described in :mod:`.wait`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from threecommas_hedge.hedge.builder import HedgeBuilder, SpotPosition
from threecommas_hedge.hedge.drift import DEFAULT_MAX_ENTRY_DRIFT
from threecommas_hedge.hedge.status import HedgeStatus
from threecommas_hedge.models import MarketRules, SmartTrade

from . import flows
from .state import HedgeState, Levels
from .wait import Wait

if TYPE_CHECKING:
    from threecommas_hedge._loops import AsyncAPIClient, SyncAPIClient

__all__ = ["AsyncHedge", "AsyncHedges", "Hedge", "Hedges"]


class Hedge(HedgeState):
    """A live hedge on a ``ThreeCommas`` client (see the module docstring)."""

    def __init__(
        self,
        client: SyncAPIClient,
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
        self._trade = self._client._run(flows.get(self._client, self.id))
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
        """Move the take profit and/or the stop loss (one PATCH; see :meth:`edit_body`)."""
        flow = flows.adjust(
            self._client,
            self,
            take_profit,
            stop_loss,
            take_profit_percent=take_profit_percent,
            stop_loss_percent=stop_loss_percent,
            market=market,
        )
        self._trade = self._client._run(flow)
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
        plan = self.resize_plan(
            ratio, quantity=quantity, allow_over_hedge=allow_over_hedge, market=market
        )
        self._trade = self._client._run(flows.resize(self._client, self, plan))
        return self

    def close(self) -> Hedge:
        """Close the whole short at market (``close_by_market``)."""
        self._trade = self._client._run(flows.close(self._client, self))
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
        GET. Raises HedgeTimeoutError / HedgeWaitError (see :mod:`.wait`)."""
        clock = self._client._clock
        wait = Wait(condition, timeout=timeout, poll=poll, max_polls=max_polls, clock=clock)
        while True:
            self._trade = self._client._run(flows.poll(self._client, self.id, wait))
            if on_poll is not None:
                on_poll(self)
            if wait.done(self.status):
                return self.status


class Hedges:
    """``client.hedges``: open a hedge from a builder, or pick up an existing short."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def open(
        self,
        builder: HedgeBuilder,
        *,
        fee_rate: Decimal | None = None,
        max_entry_drift: Decimal | None = DEFAULT_MAX_ENTRY_DRIFT,
        market_price: Decimal | None = None,
        client_tag: str | None = None,
    ) -> Hedge:
        """Build the Smart Short (checked) and create it; the hedge keeps the builder's spot
        holding and market rules.

        Never opens two: after ``WriteOutcomeUnknownError``, re-run with
        ``client_tag=error.client_tag``; the short of the earlier attempt is looked for by its
        tag and picked up (``hedge.trade.recovered``) instead of opening a second one.

        A market hedge's TP/SL come from the price typed. Before sending (not on a re-run with a
        known ``client_tag``: the short may exist; a ``FreshClientTag`` is a first send and is
        checked), the current price (``market_price``, else the pair's bid on the account's
        market: two GETs) must be within ``max_entry_drift`` (a fraction, default 1 %; ``None``
        skips the check) of it, else
        :class:`~threecommas_hedge.HedgeValidationError` and nothing is sent. After the fill (one
        GET), beyond it, percent-defined levels are re-anchored on the fill (one checked PATCH)
        and absolute ones kept with an :class:`~threecommas_hedge.hedge.drift.EntryDriftWarning`
        (see ``EntryDrift``); a fill not reported yet is warned about too (compare
        ``status.average_entry`` later).
        """
        flow = flows.open_hedge(
            self._client,
            builder,
            max_entry_drift=max_entry_drift,
            market_price=market_price,
            client_tag=client_tag,
        )
        trade = self._client._run(flow)
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
        trade = self._client._run(flows.get(self._client, smart_trade_id))
        return Hedge(self._client, trade, spot, rules=rules, fee_rate=fee_rate)


# --- async: the same, with await ---------------------------------------------------------------


class AsyncHedge(HedgeState):
    """A live hedge on an ``AsyncThreeCommas`` client (see :class:`Hedge`)."""

    def __init__(
        self,
        client: AsyncAPIClient,
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
        self._trade = await self._client._run(flows.get(self._client, self.id))
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
        flow = flows.adjust(
            self._client,
            self,
            take_profit,
            stop_loss,
            take_profit_percent=take_profit_percent,
            stop_loss_percent=stop_loss_percent,
            market=market,
        )
        self._trade = await self._client._run(flow)
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
        plan = self.resize_plan(
            ratio, quantity=quantity, allow_over_hedge=allow_over_hedge, market=market
        )
        self._trade = await self._client._run(flows.resize(self._client, self, plan))
        return self

    async def close(self) -> AsyncHedge:
        """Close the whole short at market (``close_by_market``)."""
        self._trade = await self._client._run(flows.close(self._client, self))
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
        clock = self._client._clock
        wait = Wait(condition, timeout=timeout, poll=poll, max_polls=max_polls, clock=clock)
        while True:
            self._trade = await self._client._run(flows.poll(self._client, self.id, wait))
            if on_poll is not None:
                result = on_poll(self)
                if inspect.isawaitable(result):
                    await result
            if wait.done(self.status):
                return self.status


class AsyncHedges:
    """``client.hedges`` of ``AsyncThreeCommas`` (see :class:`Hedges`)."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def open(
        self,
        builder: HedgeBuilder,
        *,
        fee_rate: Decimal | None = None,
        max_entry_drift: Decimal | None = DEFAULT_MAX_ENTRY_DRIFT,
        market_price: Decimal | None = None,
        client_tag: str | None = None,
    ) -> AsyncHedge:
        """Build the Smart Short (checked) and create it (see :meth:`Hedges.open`)."""
        flow = flows.open_hedge(
            self._client,
            builder,
            max_entry_drift=max_entry_drift,
            market_price=market_price,
            client_tag=client_tag,
        )
        trade = await self._client._run(flow)
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
        """The short ``smart_trade_id`` hedging ``spot`` (one GET; see :meth:`Hedges.get`)."""
        trade = await self._client._run(flows.get(self._client, smart_trade_id))
        return AsyncHedge(self._client, trade, spot, rules=rules, fee_rate=fee_rate)
