"""``Keeper`` and ``AsyncKeeper``: thin loops that perform the tick flow's calls on a client.

Each op maps to one client call (:func:`_call`, shared: the sync and the async client have the
same methods); the loops differ only in ``await``. Open and resize are the live hedge's own
calls (``hedges.open``, ``Hedge.resize``), which have no flow form yet, so the tick drives ops
rather than running as one flow on the client's ``_run``.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from threecommas_hedge import AsyncHedge, Hedge, ThreeCommas
from threecommas_hedge.models import SmartTrade
from threecommas_hedge.resources import AsyncPaginator, Paginator

from ._flow import (
    GetTrade,
    ListActive,
    MarketCache,
    Op,
    Open,
    ReadAccount,
    ReadHoldings,
    ReadPairs,
    ReadRules,
    Resize,
    Steps,
    TickFlow,
    TickReport,
    tick_flow,
)
from .decide import Holding
from .journal import SqliteJournal
from .policy import KeeperPolicy

if TYPE_CHECKING:
    from threecommas_hedge._client import AsyncThreeCommas

__all__ = ["AsyncKeeper", "Keeper"]

Holdings = Mapping[str, Holding]
LogFormat = Literal["text", "json"]


def _tag(op: Open) -> str:
    """The open's tag, marked fresh (no look before sending) unless it retries an earlier one."""
    # imported here: loading _writes.safe_writes before resources/ is an import cycle
    from threecommas_hedge._writes.safe_writes import FreshClientTag

    return FreshClientTag(op.client_tag) if op.fresh else op.client_tag


class _Shell:
    def __init__(
        self,
        policy: KeeperPolicy,
        journal: SqliteJournal | None,
        clock: Callable[[], float],
        log_format: LogFormat,
    ) -> None:
        if not isinstance(policy, KeeperPolicy):
            raise TypeError("policy must be a KeeperPolicy")
        self.policy = policy
        self.journal = journal if journal is not None else SqliteJournal(":memory:")
        self._clock = clock
        self._log_format: LogFormat = log_format
        self._stop = threading.Event()
        self._market = MarketCache()

    def stop(self) -> None:
        """Stop ``run`` after the tick in progress."""
        self._stop.set()

    def _flow(self) -> TickFlow:
        return tick_flow(self.policy, self.journal, self._clock(), self._log_format, self._market)


def _install(handler: Callable[[], None]) -> Callable[[], None]:
    """SIGINT/SIGTERM call ``handler`` (main thread only); returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = {sig: signal.signal(sig, lambda *_: handler()) for sig in (signal.SIGINT, signal.SIGTERM)}

    def undo() -> None:
        for sig, previous in old.items():
            signal.signal(sig, previous)

    return undo


class Keeper(_Shell):
    """Keeps the spot account of ``policy`` hedged on ``client`` (see ``threecommas_hedge.keeper``).

    ``balances`` reads the spot bag (account id -> asset -> Holding); by default
    ``client.accounts.balances``."""

    def __init__(
        self,
        client: ThreeCommas,
        policy: KeeperPolicy,
        *,
        journal: SqliteJournal | None = None,
        clock: Callable[[], float] = time.time,
        balances: Callable[[int], Holdings] | None = None,
        log_format: LogFormat = "text",
    ) -> None:
        super().__init__(policy, journal, clock, log_format)
        self._client = client
        self._balances = balances

    def run_once(self) -> TickReport:
        """One tick: read, reconcile, decide, act; the report."""
        steps = Steps(self._flow())
        while (op := steps.next()) is not None:
            try:
                steps.answer(self._perform(op))
            except Exception as exc:  # handed to the flow, which decides
                steps.fail(exc)
        return steps.result()

    def run(
        self,
        interval_seconds: float = 60,
        on_tick: Callable[[TickReport], object] | None = None,
    ) -> None:
        """Tick every ``interval_seconds`` until ``stop()``, SIGINT or SIGTERM (the tick in
        progress finishes first); ``on_tick`` gets each tick's report."""
        undo = _install(self.stop)
        try:
            while not self._stop.is_set():
                report = self.run_once()
                if on_tick is not None:
                    on_tick(report)
                self._stop.wait(interval_seconds)
        finally:
            undo()

    def _perform(self, op: Op) -> Any:
        return _call(self._client, op, self._balances)


class AsyncKeeper(_Shell):
    """:class:`Keeper` on an ``AsyncThreeCommas`` client (``await keeper.run_once()``)."""

    def __init__(
        self,
        client: AsyncThreeCommas,
        policy: KeeperPolicy,
        *,
        journal: SqliteJournal | None = None,
        clock: Callable[[], float] = time.time,
        balances: Callable[[int], Holdings | Awaitable[Holdings]] | None = None,
        log_format: LogFormat = "text",
    ) -> None:
        super().__init__(policy, journal, clock, log_format)
        self._client = client
        self._balances = balances

    async def run_once(self) -> TickReport:
        """One tick (see :meth:`Keeper.run_once`)."""
        steps = Steps(self._flow())
        while (op := steps.next()) is not None:
            try:
                steps.answer(await self._perform(op))
            except Exception as exc:  # handed to the flow, which decides
                steps.fail(exc)
        return steps.result()

    async def run(
        self,
        interval_seconds: float = 60,
        on_tick: Callable[[TickReport], object] | None = None,
    ) -> None:
        """Tick every ``interval_seconds`` until ``stop()``, SIGINT or SIGTERM."""
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM)
        installed = []
        for sig in signals:
            try:
                loop.add_signal_handler(sig, self.stop)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        try:
            while not self._stop.is_set():
                report = await self.run_once()
                if on_tick is not None:
                    on_tick(report)
                slept = 0.0
                while slept < interval_seconds and not self._stop.is_set():
                    step = min(0.5, interval_seconds - slept)
                    await asyncio.sleep(step)
                    slept += step
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    async def _perform(self, op: Op) -> Any:
        answer = _call(self._client, op, self._balances)
        return (await answer) if inspect.isawaitable(answer) else answer


def _call(
    client: ThreeCommas | AsyncThreeCommas, op: Op, balances: Callable[[int], Any] | None
) -> Any:
    """The client call that performs ``op``: its answer on a ``ThreeCommas``, an awaitable of it
    on an ``AsyncThreeCommas`` (the two have the same methods). The flow reads the answers."""
    if isinstance(op, ReadHoldings):
        read = client.accounts.balances if balances is None else balances
        return read(op.account_id)
    if isinstance(op, ReadAccount):
        return client.accounts.get(op.account_id)
    if isinstance(op, ReadPairs):
        return client.market.pairs(op.market_code)
    if isinstance(op, ReadRules):
        return client.market.rules(op.pair, op.market_code, with_leverage=False)
    if isinstance(op, ListActive):
        trades = client.smart_trades.list(account_id=op.account_id, status="active")
        return list(trades) if isinstance(trades, Paginator) else _collect(trades)
    if isinstance(op, GetTrade):
        return client.smart_trades.get(op.trade_id)
    if isinstance(op, Open):
        return client.hedges.open(op.builder, client_tag=_tag(op))
    if isinstance(op, Resize):
        if isinstance(client, ThreeCommas):
            return Hedge(client, op.trade, op.spot, rules=op.rules).resize(quantity=op.quantity)
        hedge = AsyncHedge(client, op.trade, op.spot, rules=op.rules)
        return hedge.resize(quantity=op.quantity)
    return client.smart_trades.close_by_market(op.trade_id)


async def _collect(trades: AsyncPaginator[SmartTrade]) -> list[SmartTrade]:
    return [trade async for trade in trades]
