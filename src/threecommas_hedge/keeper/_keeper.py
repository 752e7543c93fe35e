"""``Keeper`` and ``AsyncKeeper``: each tick is one flow (``_flow.tick_flow``) run by the client's
``_run``; the two differ only in ``await`` (and the sleep of ``run``)."""

from __future__ import annotations

import asyncio
import inspect
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, Literal

from ._flow import MarketCache, TickFlow, TickReport, tick_flow
from .decide import Holding
from .journal import SqliteJournal
from .policy import KeeperPolicy

if TYPE_CHECKING:
    from threecommas_hedge._client import AsyncThreeCommas, ThreeCommas

__all__ = ["AsyncKeeper", "Keeper"]

Holdings = Mapping[str, Holding]
LogFormat = Literal["text", "json"]


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

    def _flow(self, client: Any, holdings: Holdings | None) -> TickFlow:
        now = self._clock()
        return tick_flow(
            client, self.policy, self.journal, now, self._log_format, self._market, holdings
        )


@contextmanager
def _finishing(flow: TickFlow) -> Iterator[None]:
    """An error the client's loop does not hand to the flow (not an API error, or an interrupt)
    is thrown into it before it goes on, so the tick is journaled with it."""
    try:
        yield
    except BaseException as exc:
        with suppress(BaseException):
            flow.throw(exc)
        flow.close()
        raise


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
        read = self._balances
        flow = self._flow(self._client, None if read is None else read(self.policy.spot_account_id))
        with _finishing(flow):
            return self._client._run(flow)

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
        read = self._balances
        holdings = None if read is None else read(self.policy.spot_account_id)
        if inspect.isawaitable(holdings):
            holdings = await holdings
        flow = self._flow(self._client, holdings)
        with _finishing(flow):
            return await self._client._run(flow)

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
