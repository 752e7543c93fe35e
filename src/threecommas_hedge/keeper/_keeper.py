"""``Keeper`` and ``AsyncKeeper``: thin loops that perform the tick flow's calls on a client."""

from __future__ import annotations

import asyncio
import inspect
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from threecommas_hedge.models.accounts import Balance
from threecommas_hedge.resources.hedges import AsyncHedge, Hedge

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
    TickFlow,
    TickReport,
    tick_flow,
)
from .decide import Holding
from .journal import SqliteJournal
from .policy import KeeperPolicy

if TYPE_CHECKING:
    from threecommas_hedge._client import AsyncThreeCommas, ThreeCommas

__all__ = ["AsyncKeeper", "Keeper", "holdings_of"]

Holdings = Mapping[str, Holding]
LogFormat = Literal["text", "json"]


def holdings_of(rows: Iterable[Balance]) -> dict[str, Holding]:
    """Holdings from balance rows (``client.accounts.balances``: ``currency_code``, ``position``,
    ``current_price_usd``), summed per coin; a coin without a price gets price 0 (the keeper
    then leaves its hedge alone)."""
    found: dict[str, Holding] = {}
    for row in rows:
        asset = row.currency_code.upper()
        held = found.get(asset, Holding(Decimal(0), Decimal(0)))
        price = row.current_price_usd if row.current_price_usd is not None else held.price
        found[asset] = Holding(held.quantity + row.position, price)
    return found


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
        flow = self._flow()
        answer: Any = None
        failure: BaseException | None = None
        while True:
            try:
                op = flow.throw(failure) if failure is not None else flow.send(answer)
            except StopIteration as done:
                report: TickReport = done.value
                return report
            answer, failure = None, None
            try:
                answer = self._perform(op)
            except Exception as exc:  # handed to the flow, which decides
                failure = exc

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
        client = self._client
        if isinstance(op, ReadHoldings):
            if self._balances is not None:
                return self._balances(op.account_id)
            return holdings_of(client.accounts.balances(op.account_id))
        if isinstance(op, ReadAccount):
            return client.accounts.get(op.account_id)
        if isinstance(op, ReadPairs):
            return client.market.pairs(op.market_code)
        if isinstance(op, ReadRules):
            return client.market.rules(op.pair, op.market_code, with_leverage=False)
        if isinstance(op, ListActive):
            return list(client.smart_trades.list(account_id=op.account_id, status="active"))
        if isinstance(op, GetTrade):
            return client.smart_trades.get(op.trade_id)
        if isinstance(op, Open):
            return client.hedges.open(op.builder, client_tag=_tag(op)).trade
        if isinstance(op, Resize):
            hedge = Hedge(client, op.trade, op.spot, rules=op.rules)
            return hedge.resize(quantity=op.quantity).trade
        return client.smart_trades.close_by_market(op.trade_id)


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
        flow = self._flow()
        answer: Any = None
        failure: BaseException | None = None
        while True:
            try:
                op = flow.throw(failure) if failure is not None else flow.send(answer)
            except StopIteration as done:
                report: TickReport = done.value
                return report
            answer, failure = None, None
            try:
                answer = await self._perform(op)
            except Exception as exc:  # handed to the flow, which decides
                failure = exc

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
        client = self._client
        if isinstance(op, ReadHoldings):
            if self._balances is not None:
                read = self._balances(op.account_id)
                return await read if inspect.isawaitable(read) else read
            return holdings_of(await client.accounts.balances(op.account_id))
        if isinstance(op, ReadAccount):
            return await client.accounts.get(op.account_id)
        if isinstance(op, ReadPairs):
            return await client.market.pairs(op.market_code)
        if isinstance(op, ReadRules):
            return await client.market.rules(op.pair, op.market_code, with_leverage=False)
        if isinstance(op, ListActive):
            pages = client.smart_trades.list(account_id=op.account_id, status="active")
            return [trade async for trade in pages]
        if isinstance(op, GetTrade):
            return await client.smart_trades.get(op.trade_id)
        if isinstance(op, Open):
            return (await client.hedges.open(op.builder, client_tag=_tag(op))).trade
        if isinstance(op, Resize):
            hedge = AsyncHedge(client, op.trade, op.spot, rules=op.rules)
            return (await hedge.resize(quantity=op.quantity)).trade
        return await client.smart_trades.close_by_market(op.trade_id)
