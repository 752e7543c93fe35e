"""The vectorized SmartTrade engine: one chunk of paths stepped through time together.

Same mechanics as :class:`~threecommas_hedge.hedge.simulate.SmartTradeEngine`, in the same order
within a price step (funding on what was open before the step; entry; liquidation; stop loss;
take-profit steps nearest the entry first; trailing take profit), but on float64 arrays with one
element per path. Each phase finds the few paths where something happens with one comparison
over the chunk and updates only those.

Prices are handled *signed*: ``sp = side * price`` (``side`` +1 long, -1 short), so that every
trigger reads the same way for both sides: a stop or a liquidation is reached when its signed
level is ``>= sp``, a target when its signed level is ``<= sp``. Inactive levels are infinite
(a filled target ``+inf``, no stop ``-inf``), so closed paths need no mask.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ._liquidation import liquidation_prices
from ._plan import EnginePlan
from .outcomes import (
    CLOSED,
    LIQUIDATED,
    LIQUIDATION,
    OPEN,
    STOP_LOSS,
    TAKE_PROFIT,
    WAITING,
    BoolArray,
    FloatArray,
    IntArray,
    Outcomes,
    PathOutcomes,
)

_INF = np.inf
_T = TypeVar("_T")
_INACTIVE = (-_INF, _INF, _INF, -_INF, -_INF, -_INF, -_INF, np.nan)
"""The inactive value of each level row after the targets: stop, stop_best, stop_order,
liquidation, trail_gate, trail_best, trail_line, stop_timer. Never reached (a stop at -inf:
``stop >= signed`` is false), never improved, no timer."""
_COMPACT_MIN = 512
"""Chunks smaller than this are never compacted (copying would cost more than it saves)."""
_PER_PATH = (
    "first",
    "rows",
    "status",
    "reason",
    "entry_index",
    "exit_index",
    "entry",
    "entry_rate",
    "remaining",
    "proceeds",
    "fees",
    "funding",
    "margin",
    "step_index",
    "any_filled",
    "unfilled",
    "stop_ratio",
    "stop_offset",
    "armed",
    "entry_best",
    "levels",
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
        self.rows = np.arange(n)
        """Each row's path number in the chunk (rows of closed paths are dropped by
        :meth:`compact`)."""
        self.n_waiting = n
        self.n_open = 0
        self.status = np.zeros(n, dtype=np.int8)
        self.reason = np.zeros(n, dtype=np.int8)
        self.entry_index = np.full(n, -1, dtype=np.int32)
        self.exit_index = np.full(n, -1, dtype=np.int32)
        self.entry = np.full(n, np.nan)
        self.entry_rate = np.zeros(n)
        self.remaining = np.zeros(n)
        self.proceeds = np.zeros(n)
        """Quantity times fill price of every exit (a liquidation exits at the bankruptcy
        price), so that the gross PnL is ``side * (proceeds - entry * closed quantity)``."""
        self.fees = np.zeros(n)
        self.funding = np.zeros(n)
        self.margin = np.full(n, np.nan)
        """The wallet behind the position: per open unit with isolated margin (released pro
        rata as units close), the whole (constant) balance with cross; NaN: not modelled."""
        self.step_index = np.full((k, n), -1, dtype=np.int32)
        self.any_filled = np.zeros(n, dtype=bool)
        self.unfilled = np.full(n, k, dtype=np.int8)
        """Take-profit steps not filled yet: the last one closes what is left."""
        self.stop_ratio = np.ones(n)
        self.stop_offset = np.zeros(n)
        self.armed = np.zeros(n, dtype=bool)
        self.entry_best = np.full(n, _INF)
        self._inactive = np.array([_INF] * k + list(_INACTIVE))[:, None]
        self.levels = np.repeat(self._inactive, n, axis=1)
        """Every trigger level, one row each (the targets, then the rows of :data:`_INACTIVE`),
        at its inactive value while a path waits or once it is closed."""
        self._bind()
        self._tolerance = plan.units * 1e-12
        self._final = PathOutcomes(n, k)
        brackets = plan.brackets
        self._fixed_liquidation = (
            plan.isolated and len(brackets.floors) == 1 and brackets.amounts[0] == 0
        )
        """Releasing isolated margin pro rata leaves the price unchanged (one bracket, no cum)."""

    def _bind(self) -> None:
        k = len(self.plan.targets)
        self.targets = self.levels[:k]
        (
            self.stop,
            self.stop_best,
            self.stop_order,
            self.liquidation,
            self.trail_gate,
            self.trail_best,
            self.trail_line,
            self.stop_timer,
        ) = self.levels[k:]
        self._scratch = np.empty(self.levels.shape[1])

    # -- driving ------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether any path still waits for its entry or holds an open position."""
        return self.n_waiting + self.n_open > 0

    def step(
        self,
        price: FloatArray,
        signed: FloatArray,
        index: int,
        now: float,
        *,
        placing: bool,
        settlements: int,
    ) -> None:
        """Move every path to its ``price`` (``signed``: times the side); ``placing`` on the
        first step (the orders are placed), ``settlements``: how many funding settlements fall on
        this step."""
        if settlements and self.n_open and self.plan.funding_rate:
            self._settle_funding(price, settlements)
        if self.n_waiting:
            self._entries(price, signed, index, placing)
        if not self.n_open:
            return
        if self.plan.leverage is not None:
            self._liquidations(signed, index)
        stopped = self._stops(price, signed, index, now) if self.plan.stop is not None else None
        if self.plan.targets:
            self._targets(price, signed, index, stopped)
            if self.plan.targets[-1].trailing is not None:
                self._trailing(price, signed, index, stopped)

    def compact(self) -> IntArray | None:
        """Drop the rows of finished paths once they are most of the rows (their outcomes are
        kept); the rows kept, or ``None`` when nothing was dropped."""
        size = len(self.rows)
        if size < _COMPACT_MIN or 2 * (self.n_waiting + self.n_open) > size:
            return None
        done = self.status > OPEN
        self._store(_rows(done), np.zeros(int(done.sum())))
        keep = _rows(~done)
        for name in _PER_PATH:
            setattr(self, name, getattr(self, name)[..., keep])
        self._bind()
        return keep

    def outcomes(self, mark: FloatArray) -> Outcomes:
        """The outcome of every path, open positions marked to ``mark`` (one price per row)."""
        held = self.remaining > 0
        unrealized = np.zeros(len(mark))
        unrealized[held] = self.side * (mark[held] - self.entry[held]) * self.remaining[held]
        self._store(np.arange(len(self.rows)), unrealized)
        return self._final.outcomes()

    # -- entry -----------------------------------------------------------------------------------

    def _store(self, rows: IntArray, unrealized: FloatArray) -> None:
        """Copy the state of ``rows`` to their paths in the collected outcomes."""
        closed = self.plan.units - self.remaining[rows]
        gross = self.side * (self.proceeds[rows] - self.entry[rows] * closed)
        values: dict[str, npt.NDArray[Any]] = {
            name: getattr(self, name)[rows]
            for name in ("status", "reason", "entry_index", "entry", "exit_index")
        }
        values |= {name: getattr(self, name)[rows] for name in ("fees", "funding", "remaining")}
        values["realized"] = np.where(self.entry_index[rows] >= 0, gross, 0.0)
        values["step_index"] = self.step_index[:, rows]
        values["unrealized"] = unrealized
        self._final.store(self.rows[rows], values)

    def _entries(self, price: FloatArray, signed: FloatArray, index: int, placing: bool) -> None:
        plan = self.plan
        waiting = _rows(self.status == WAITING)
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
            given = plan.wallet_balance
            if not plan.isolated:
                self.margin[paths] = np.nan if given is None else given
            else:
                self.margin[paths] = fill / plan.leverage if given is None else given / units
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

    def _settle_funding(self, price: FloatArray, settlements: int) -> None:
        held = _rows(self.remaining > 0)
        amount = self.remaining[held] * price[held] * (self.plan.funding_rate * settlements)
        self.funding[held] -= self.side * amount  # a positive rate: longs pay shorts

    def _liquidations(self, signed: FloatArray, index: int) -> None:
        hit = self.liquidation >= signed
        paths = hit.nonzero()[0]
        if not len(paths):
            return
        quantity = self.remaining[paths]
        wallet = self._wallet(paths)
        self.proceeds[paths] += quantity * self.entry[paths] - self.side * wallet
        self.remaining[paths] = 0.0
        self._finish(paths, LIQUIDATION, index)
        self.status[paths] = LIQUIDATED

    def _stops(
        self, price: FloatArray, signed: FloatArray, index: int, now: float
    ) -> BoolArray | None:
        stop = self._require(self.plan.stop)
        stopped: BoolArray | None = None
        if stop.limit:
            hit = self.stop_order <= signed
            paths = hit.nonzero()[0]
            if len(paths):
                stopped = hit
                order = self.side * self.stop_order[paths]
                self._close_all(paths, order, self.plan.maker, STOP_LOSS, index)
        if stop.trailing:
            better = signed > self.stop_best
            paths = better.nonzero()[0]
            if len(paths):
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
        paths = fire.nonzero()[0]
        if not len(paths):
            return stopped
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
        for number in plan.target_order:
            target = plan.targets[number]
            hit = self.targets[number] <= signed
            paths = hit.nonzero()[0]
            if not len(paths):
                continue
            keep = self.trail_gate[paths] == -_INF
            if stopped is not None:
                keep &= ~stopped[paths]
            paths = paths[keep]
            if not len(paths):
                continue
            if number == last and target.trailing is not None:
                self.trail_gate[paths] = 0.0
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
        distance = self._require(self.plan.targets[-1].trailing)
        held = None
        if stopped is not None:  # a stop placed its limit order now: no trailing this step
            skipped = _rows(stopped)
            held = self.trail_best[skipped]
        candidate = np.add(signed, self.trail_gate, out=self._scratch)  # -inf when inactive
        np.maximum(self.trail_best, candidate, out=self.trail_best)
        np.multiply(self.trail_best, 1.0 - self.side * distance, out=self.trail_line)
        fire = self.trail_line >= signed
        if held is not None:
            self.trail_best[skipped] = held
            self.trail_line[skipped] = held * (1.0 - self.side * distance)
            fire[skipped] = False
        paths = fire.nonzero()[0]
        if len(paths):
            last = len(self.plan.targets) - 1
            self._fill_target(last, paths, price[paths], self.plan.taker, index)

    def _fill_target(
        self, number: int, paths: IntArray, fill: FloatArray, rate: float, index: int
    ) -> None:
        plan = self.plan
        target = plan.targets[number]
        last = number == len(plan.targets) - 1
        quantity = self.remaining[paths]
        closes_rest = (self.unfilled[paths] == 1) & plan.volumes_complete  # the last one open
        if not closes_rest.all():
            share = np.minimum(quantity, plan.units * target.fraction)
            quantity = np.where(closes_rest, quantity, share)
        self.unfilled[paths] -= 1
        self.targets[number, paths] = _INF
        self.step_index[number, paths] = index
        if last:
            self._stop_trailing(paths)
        self._exit(paths, quantity, fill, rate)
        stop = plan.stop
        if stop is not None and stop.breakeven:
            first = paths[~self.any_filled[paths]]
            self.any_filled[paths] = True
            moving = first[(self.remaining[first] > 0) & (self.stop_order[first] == _INF)]
            level = self._breakeven(moving)
            self.stop[moving] = np.maximum(self.stop[moving], self.side * level)
        self._finish(paths[self.remaining[paths] == 0], TAKE_PROFIT, index)

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
        notional = quantity * fill
        self.proceeds[paths] += notional
        self.fees[paths] += notional * rate
        left = self.remaining[paths] - quantity
        left[left <= self._tolerance] = 0.0
        self.remaining[paths] = left
        if not self._fixed_liquidation:
            self._update_liquidation(paths)

    def _wallet(self, paths: IntArray) -> FloatArray:
        """The wallet balance behind the open units of ``paths``."""
        if self.plan.isolated:
            wallet: FloatArray = self.margin[paths] * self.remaining[paths]
            return wallet
        return self.margin[paths]

    def _finish(self, paths: IntArray, reason: int, index: int) -> None:
        if not len(paths):
            return
        self.status[paths] = CLOSED
        self.reason[paths] = reason
        self.exit_index[paths] = index
        self.n_open -= len(paths)
        self.levels[:, paths] = self._inactive

    def _stop_trailing(self, paths: IntArray) -> None:
        self.trail_gate[paths] = -_INF
        self.trail_best[paths] = -_INF
        self.trail_line[paths] = -_INF

    def _update_liquidation(self, paths: IntArray) -> None:
        if self.plan.leverage is None or not len(paths):
            return
        quantity, wallet = self.remaining[paths], self._wallet(paths)
        known = (quantity > 0) & ~np.isnan(wallet)
        level = np.full(len(paths), -_INF)
        inside = _rows(known)
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


def _rows(mask: BoolArray) -> IntArray:
    """The rows where ``mask`` is true."""
    rows: IntArray = mask.nonzero()[0]
    return rows


def _level(value: float | None, move: float | None, entry: FloatArray) -> FloatArray:
    """An absolute level, or the signed move from each path's entry (-0.08 = 8 % below)."""
    if value is not None:
        return np.full(len(entry), value)
    level: FloatArray = entry * (1.0 + (move or 0.0))
    return level
