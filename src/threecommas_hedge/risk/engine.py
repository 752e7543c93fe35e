"""The vectorized SmartTrade engine: one chunk of paths stepped through time together.

Same mechanics as :class:`~threecommas_hedge.hedge.simulate.SmartTradeEngine`, in the same order
within a price step (entry; funding; liquidation; stop loss; take-profit steps in list order;
trailing take profit), but on float64 arrays with one element per path. Each phase finds the few
paths where something happens with one comparison over the chunk and updates only those.

Prices are handled *signed*: ``sp = side * price`` (``side`` +1 long, -1 short), so that every
trigger reads the same way for both sides: a stop or a liquidation is reached when its signed
level is ``>= sp``, a target when its signed level is ``<= sp``. Inactive levels are infinite
(a filled target ``+inf``, no stop ``-inf``), so closed paths need no mask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from ._plan import EnginePlan

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

WAITING, OPEN, CLOSED, LIQUIDATED = 0, 1, 2, 3
"""Path status codes."""
NO_EXIT, TAKE_PROFIT, STOP_LOSS, LIQUIDATION = 0, 1, 2, 3
"""Why a path's hedge closed."""

_INF = np.inf
_T = TypeVar("_T")


@dataclass(frozen=True)
class Outcomes:
    """What happened on each path (arrays in path order; indexes are path steps, -1 = never).

    ``realized`` is gross (a liquidation counts the lost margin), ``unrealized`` the open
    remainder marked to the last price; ``result = realized + unrealized - fees + funding``.
    """

    status: npt.NDArray[np.int8]
    reason: npt.NDArray[np.int8]
    entry_index: npt.NDArray[np.int32]
    entry_price: FloatArray
    exit_index: npt.NDArray[np.int32]
    step_index: npt.NDArray[np.int32]
    """Shape (take-profit steps, paths): the step at which each TP step filled."""
    realized: FloatArray
    unrealized: FloatArray
    fees: FloatArray
    funding: FloatArray
    remaining: FloatArray

    @property
    def result(self) -> FloatArray:
        """The hedge leg's result per path: gross PnL, minus fees, plus funding."""
        out: FloatArray = self.realized + self.unrealized - self.fees + self.funding
        return out

    @staticmethod
    def concatenate(parts: list[Outcomes]) -> Outcomes:
        """The outcomes of consecutive chunks as one."""
        return Outcomes(
            status=np.concatenate([p.status for p in parts]),
            reason=np.concatenate([p.reason for p in parts]),
            entry_index=np.concatenate([p.entry_index for p in parts]),
            entry_price=np.concatenate([p.entry_price for p in parts]),
            exit_index=np.concatenate([p.exit_index for p in parts]),
            step_index=np.concatenate([p.step_index for p in parts], axis=1),
            realized=np.concatenate([p.realized for p in parts]),
            unrealized=np.concatenate([p.unrealized for p in parts]),
            fees=np.concatenate([p.fees for p in parts]),
            funding=np.concatenate([p.funding for p in parts]),
            remaining=np.concatenate([p.remaining for p in parts]),
        )


class ChunkEngine:
    """The state of ``n`` copies of one SmartTrade, one per path; feed prices with :meth:`step`.

    ``first`` is each path's first price (a conditional entry arms from its side).
    """

    def __init__(self, plan: EnginePlan, first: FloatArray) -> None:
        n = len(first)
        k = len(plan.targets)
        self.plan = plan
        self.side = plan.side
        self.first = first
        self.n_waiting = n
        self.n_open = 0
        self.status = np.zeros(n, dtype=np.int8)
        self.reason = np.zeros(n, dtype=np.int8)
        self.entry_index = np.full(n, -1, dtype=np.int32)
        self.exit_index = np.full(n, -1, dtype=np.int32)
        self.entry = np.full(n, np.nan)
        self.entry_rate = np.zeros(n)
        self.remaining = np.zeros(n)
        self.realized = np.zeros(n)
        self.fees = np.zeros(n)
        self.funding = np.zeros(n)
        self.wallet = np.full(n, np.nan)
        self.liquidation = np.full(n, -_INF)
        self.targets = np.full((k, n), _INF)
        self.step_index = np.full((k, n), -1, dtype=np.int32)
        self.any_filled = np.zeros(n, dtype=bool)
        self.trailing = np.zeros(n, dtype=bool)
        self.trail_best = np.full(n, -_INF)
        self.trail_line = np.full(n, -_INF)
        self.stop = np.full(n, -_INF)
        self.stop_best = np.full(n, _INF)
        self.stop_ratio = np.ones(n)
        self.stop_offset = np.zeros(n)
        self.stop_order = np.full(n, _INF)
        self.stop_timer = np.full(n, np.nan)
        self.armed = np.zeros(n, dtype=bool)
        self.entry_best = np.full(n, _INF)
        self._tolerance = plan.units * 1e-12

    # -- driving ------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether any path still waits for its entry or holds an open position."""
        return self.n_waiting + self.n_open > 0

    def step(
        self, price: FloatArray, index: int, now: float, *, placing: bool, funding_due: bool
    ) -> None:
        """Move every path to its ``price``; ``placing`` on the first step (the orders are
        placed), ``funding_due`` when a funding settlement falls on this step."""
        signed = price * self.side
        if self.n_waiting:
            self._entries(price, signed, index, placing)
        if not self.n_open:
            return
        if funding_due and self.plan.funding_rate:
            self._settle_funding(price)
        if self.plan.leverage is not None:
            self._liquidations(signed, index)
        stopped = self._stops(price, signed, index, now) if self.plan.stop is not None else None
        if self.plan.targets:
            self._targets(price, signed, index, stopped)
            if self.plan.targets[-1].trailing is not None:
                self._trailing(price, signed, index, stopped)

    def outcomes(self, mark: FloatArray) -> Outcomes:
        """The outcome of every path, open positions marked to ``mark``."""
        held = self.remaining > 0
        unrealized = np.zeros(len(mark))
        unrealized[held] = self.side * (mark[held] - self.entry[held]) * self.remaining[held]
        return Outcomes(
            status=self.status.copy(),
            reason=self.reason.copy(),
            entry_index=self.entry_index.copy(),
            entry_price=self.entry.copy(),
            exit_index=self.exit_index.copy(),
            step_index=self.step_index.copy(),
            realized=self.realized.copy(),
            unrealized=unrealized,
            fees=self.fees.copy(),
            funding=self.funding.copy(),
            remaining=self.remaining.copy(),
        )

    # -- entry -----------------------------------------------------------------------------------

    def _entries(self, price: FloatArray, signed: FloatArray, index: int, placing: bool) -> None:
        plan = self.plan
        waiting = np.flatnonzero(self.status == WAITING)
        if plan.entry == "market":
            if placing:
                self._enter(waiting, price[waiting], plan.entry_taker, index)
            return
        if plan.entry == "limit":
            limit = self._require(plan.limit_price)
            hit = waiting[self.side * limit >= signed[waiting]]
            if placing:  # marketable when placed: fills at the market, as a taker
                self._enter(hit, price[hit], plan.entry_taker, index)
            else:
                self._enter(hit, np.full(len(hit), limit), plan.entry_maker, index)
            return
        self._conditional(waiting, price, signed, index)

    def _conditional(
        self, waiting: IntArray, price: FloatArray, signed: FloatArray, index: int
    ) -> None:
        plan = self.plan
        trigger = self._require(plan.trigger)
        armed = waiting[self.armed[waiting]]
        idle = waiting[~self.armed[waiting]]
        if len(armed):
            if plan.entry_trailing is not None:
                best = np.minimum(self.entry_best[armed], signed[armed])
                self.entry_best[armed] = best
                hit = armed[signed[armed] >= best * (1.0 + self.side * plan.entry_trailing)]
                self._enter(hit, price[hit], plan.entry_taker, index)
            else:
                limit = self._require(plan.limit_price)
                hit = armed[self.side * limit >= signed[armed]]
                self._enter(hit, np.full(len(hit), limit), plan.entry_maker, index)
        if not len(idle):
            return
        below = self.first[idle] < trigger
        level = price[idle]
        crossed = idle[np.where(below, level >= trigger, level <= trigger)]
        if not len(crossed):
            return
        self.armed[crossed] = True
        if plan.entry_trailing is not None:
            self.entry_best[crossed] = signed[crossed]
        elif plan.conditional_market:
            self._enter(crossed, price[crossed], plan.entry_taker, index)
        else:  # a limit order placed now: marketable ones fill at the market, as a taker
            limit = self._require(plan.limit_price)
            hit = crossed[self.side * limit >= signed[crossed]]
            self._enter(hit, price[hit], plan.entry_taker, index)

    def _enter(self, paths: IntArray, fill: FloatArray, rate: float, index: int) -> None:
        if not len(paths):
            return
        plan, side = self.plan, self.side
        units = plan.units
        self.entry[paths] = fill
        self.entry_rate[paths] = rate
        self.remaining[paths] = units
        self.fees[paths] += units * fill * rate
        self.status[paths] = OPEN
        self.entry_index[paths] = index
        self.n_waiting -= len(paths)
        self.n_open += len(paths)
        if plan.leverage is not None:
            if plan.wallet_balance is not None or not plan.isolated:
                given = plan.wallet_balance
                self.wallet[paths] = np.nan if given is None else given
            else:
                self.wallet[paths] = units * fill / plan.leverage
        for number, target in enumerate(plan.targets):
            self.targets[number, paths] = side * _level(target.value, target.move, fill)
        stop = plan.stop
        if stop is not None:
            level = _level(stop.value, stop.move, fill)
            self.stop[paths] = side * level
            if stop.trailing:
                self.stop_best[paths] = side * fill
            self.stop_ratio[paths] = (
                1.0 - side * stop.trailing_distance
                if stop.trailing_distance is not None
                else level / fill
            )
            if stop.limit_price is not None:
                self.stop_offset[paths] = stop.limit_price - level
        self._update_liquidation(paths)

    # -- the open position --------------------------------------------------------------------

    def _settle_funding(self, price: FloatArray) -> None:
        held = np.flatnonzero(self.remaining > 0)
        amount = self.remaining[held] * price[held] * self.plan.funding_rate
        self.funding[held] -= self.side * amount  # a positive rate: longs pay shorts

    def _liquidations(self, signed: FloatArray, index: int) -> None:
        hit = self.liquidation >= signed
        if not hit.any():
            return
        paths = np.flatnonzero(hit)
        self.realized[paths] -= self.wallet[paths]
        self.remaining[paths] = 0.0
        self.wallet[paths] = np.nan
        self.status[paths] = LIQUIDATED
        self._finish(paths, LIQUIDATION, index)

    def _stops(
        self, price: FloatArray, signed: FloatArray, index: int, now: float
    ) -> BoolArray | None:
        stop = self._require(self.plan.stop)
        stopped: BoolArray | None = None
        if stop.limit:
            hit = self.stop_order <= signed
            if hit.any():
                paths = np.flatnonzero(hit)
                stopped = hit
                order = self.side * self.stop_order[paths]
                self._close_all(paths, order, self.plan.maker, STOP_LOSS, index)
        if stop.trailing:
            better = signed > self.stop_best
            if better.any():
                paths = np.flatnonzero(better)
                self.stop_best[paths] = signed[paths]
                moved = signed[paths] * self.stop_ratio[paths]
                self.stop[paths] = np.maximum(self.stop[paths], moved)
        reached = self.stop >= signed
        if stop.timeout is not None:
            timer = self.stop_timer
            timer[~reached] = np.nan
            timer[reached & np.isnan(timer)] = now
            fire = reached & (now - timer >= stop.timeout)
        else:
            fire = reached
        if not fire.any():
            return stopped
        paths = np.flatnonzero(fire)
        stopped = fire if stopped is None else stopped | fire
        if not stop.limit:
            self._close_all(paths, price[paths], self.plan.taker, STOP_LOSS, index)
            return stopped
        order = self.side * self.stop[paths] + self.stop_offset[paths]
        marketable = self.side * order <= signed[paths]
        now_filled = paths[marketable]
        self._close_all(now_filled, price[now_filled], self.plan.taker, STOP_LOSS, index)
        placed = paths[~marketable]
        self.stop_order[placed] = self.side * order[~marketable]
        self.stop[placed] = -_INF
        self.stop_best[placed] = _INF
        return stopped

    def _targets(
        self, price: FloatArray, signed: FloatArray, index: int, stopped: BoolArray | None
    ) -> None:
        plan = self.plan
        last = len(plan.targets) - 1
        for number, target in enumerate(plan.targets):
            hit = self.targets[number] <= signed
            if not hit.any():
                continue
            paths = np.flatnonzero(hit)
            keep = ~self.trailing[paths]
            if stopped is not None:
                keep &= ~stopped[paths]
            paths = paths[keep]
            if not len(paths):
                continue
            if number == last and target.trailing is not None:
                self.trailing[paths] = True
                self.trail_best[paths] = signed[paths]
                self.trail_line[paths] = signed[paths] * (1.0 - self.side * target.trailing)
                continue
            if target.limit:
                fill = self.side * self.targets[number, paths]
                self._fill_target(number, paths, fill, plan.maker, index)
            else:
                self._fill_target(number, paths, price[paths], plan.taker, index)

    def _trailing(
        self, price: FloatArray, signed: FloatArray, index: int, stopped: BoolArray | None
    ) -> None:
        active = self.trailing if stopped is None else self.trailing & ~stopped
        if not active.any():
            return
        distance = self._require(self.plan.targets[-1].trailing)
        np.maximum(self.trail_best, np.where(active, signed, -_INF), out=self.trail_best)
        np.multiply(self.trail_best, 1.0 - self.side * distance, out=self.trail_line)
        fire = active & (self.trail_line >= signed)
        if fire.any():
            paths = np.flatnonzero(fire)
            last = len(self.plan.targets) - 1
            self._fill_target(last, paths, price[paths], self.plan.taker, index)

    def _fill_target(
        self, number: int, paths: IntArray, fill: FloatArray, rate: float, index: int
    ) -> None:
        plan = self.plan
        target = plan.targets[number]
        last = number == len(plan.targets) - 1
        quantity = self.remaining[paths]
        if not (last and plan.volumes_complete):
            quantity = np.minimum(quantity, plan.units * target.fraction)
        self.targets[number, paths] = _INF
        self.step_index[number, paths] = index
        if last:
            self._stop_trailing(paths)
        self._exit(paths, quantity, fill, rate)
        first = paths[~self.any_filled[paths]]
        self.any_filled[paths] = True
        stop = plan.stop
        if stop is not None and stop.breakeven:
            moving = first[(self.remaining[first] > 0) & (self.stop_order[first] == _INF)]
            level = self._breakeven(moving)
            self.stop[moving] = np.maximum(self.stop[moving], self.side * level)
        done = paths[self.remaining[paths] == 0]
        self._finish(done, TAKE_PROFIT, index)

    def _breakeven(self, paths: IntArray) -> FloatArray:
        entry = self.entry[paths]
        if not self.plan.breakeven_with_fees:
            return entry
        side = self.side
        level: FloatArray = (
            entry * (1.0 + side * self.entry_rate[paths]) / (1.0 - side * self.plan.taker)
        )
        return level

    def _close_all(
        self, paths: IntArray, fill: FloatArray, rate: float, reason: int, index: int
    ) -> None:
        if not len(paths):
            return
        self._exit(paths, self.remaining[paths], fill, rate)
        self._finish(paths, reason, index)

    def _exit(self, paths: IntArray, quantity: FloatArray, fill: FloatArray, rate: float) -> None:
        before = self.remaining[paths]
        self.realized[paths] += self.side * (fill - self.entry[paths]) * quantity
        self.fees[paths] += quantity * fill * rate
        left = before - quantity
        left[left <= self._tolerance] = 0.0
        self.remaining[paths] = left
        if self.plan.leverage is not None and self.plan.isolated:
            self.wallet[paths] *= left / before
        self._update_liquidation(paths)

    def _finish(self, paths: IntArray, reason: int, index: int) -> None:
        if not len(paths):
            return
        self.status[paths] = np.where(self.status[paths] == LIQUIDATED, LIQUIDATED, CLOSED)
        self.reason[paths] = reason
        self.exit_index[paths] = index
        self.n_open -= len(paths)
        self.targets[:, paths] = _INF
        self.stop[paths] = -_INF
        self.stop_best[paths] = _INF
        self.stop_order[paths] = _INF
        self.stop_timer[paths] = np.nan
        self.liquidation[paths] = -_INF
        self._stop_trailing(paths)

    def _stop_trailing(self, paths: IntArray) -> None:
        self.trailing[paths] = False
        self.trail_best[paths] = -_INF
        self.trail_line[paths] = -_INF

    def _update_liquidation(self, paths: IntArray) -> None:
        if self.plan.leverage is None or not len(paths):
            return
        quantity, wallet = self.remaining[paths], self.wallet[paths]
        known = (quantity > 0) & ~np.isnan(wallet)
        level = np.full(len(paths), -_INF)
        inside = np.flatnonzero(known)
        if len(inside):
            price = liquidation_prices(
                self.plan, quantity[inside], self.entry[paths[inside]], wallet[inside]
            )
            level[inside] = np.where(np.isnan(price), -_INF, self.side * price)
        self.liquidation[paths] = level

    @staticmethod
    def _require(value: _T | None) -> _T:
        if value is None:
            raise RuntimeError("engine plan is inconsistent")  # pragma: no cover
        return value


def _level(value: float | None, move: float | None, entry: FloatArray) -> FloatArray:
    """An absolute level, or the signed move from each path's entry (-0.08 = 8 % below)."""
    if value is not None:
        return np.full(len(entry), value)
    level: FloatArray = entry * (1.0 + (move or 0.0))
    return level


def liquidation_prices(
    plan: EnginePlan, quantity: FloatArray, entry: FloatArray, wallet: FloatArray
) -> FloatArray:
    """Isolated liquidation prices (NaN: cannot be liquidated), brackets re-read at the price.

    The vector form of :func:`~threecommas_hedge.hedge.liquidation.liquidation_price`.
    """
    floors = np.asarray(plan.brackets.floors)
    rates = np.asarray(plan.brackets.rates)
    amounts = np.asarray(plan.brackets.amounts)
    side = plan.side

    def bracket(notional: FloatArray) -> IntArray:
        found: IntArray = np.maximum(np.searchsorted(floors, notional, side="right") - 1, 0)
        return found

    current = bracket(quantity * entry)
    price = np.full(len(quantity), np.nan)
    pending = np.arange(len(quantity))
    for _ in range(len(floors) + 1):
        chosen = current[pending]
        q, e, w = quantity[pending], entry[pending], wallet[pending]
        level = (w + amounts[chosen] - side * q * e) / (q * rates[chosen] - side * q)
        level = np.where(level > 0, level, np.nan)
        again = np.where(np.isnan(level), chosen, bracket(q * np.nan_to_num(level)))
        settled = again == chosen
        price[pending[settled]] = level[settled]
        current[pending] = again
        pending = pending[~settled]
        if not len(pending):
            return price
    raise ValueError("leverage brackets give no stable liquidation price (check cum)")
