"""The take-profit steps of a simulated trade and its trailing take profit (the last step)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from threecommas_hedge.models.smart_trade_params import TakeProfitParams

from ._common import HUNDRED, ONE, ZERO, level, require
from .events import EventLog

__all__ = ["Targets"]


@dataclass
class _Target:
    order_type: str
    volume: Decimal
    value: Decimal | None
    percent: Decimal | None
    trailing_percent: Decimal | None
    level: Decimal | None = None
    filled: bool = False


class Targets:
    """The current take-profit plan: which steps are reached, filled, trailing.

    ``side`` is +1 for a long, -1 for a short. A reached step fills at its level (limit, maker) or
    at the price (market, taker); the last step with a trailing percent activates instead and
    closes at market once the price retraces by that percent from the best price seen.
    """

    def __init__(
        self,
        take_profit: TakeProfitParams | None,
        log: EventLog,
        *,
        side: Decimal,
        maker_fee_rate: Decimal,
        taker_fee_rate: Decimal,
    ) -> None:
        self._side = side
        self._log = log
        self._maker, self._taker = maker_fee_rate, taker_fee_rate
        self._steps: list[_Target] = []
        self._total = ZERO
        self._best: Decimal | None = None
        self.trailing_line: Decimal | None = None
        self._any_filled = False
        self.replace(take_profit)

    @property
    def filled_steps(self) -> tuple[int, ...]:
        """1-based numbers of the filled steps."""
        return tuple(number for number, target in enumerate(self._steps, 1) if target.filled)

    @property
    def prices(self) -> tuple[Decimal | None, ...]:
        """Each step's level (``None`` for a percent level before the entry fills)."""
        return tuple(target.level for target in self._steps)

    def replace(self, take_profit: TakeProfitParams | None) -> None:
        """A new plan (an edit); the levels are resolved by :meth:`resolve`."""
        self.stop_trailing()
        if take_profit is None or not take_profit.enabled:
            self._steps, self._total = [], ZERO
            return
        self._steps = [
            _Target(
                order_type=step.order_type,
                volume=step.volume,
                value=step.price.value,
                percent=step.price.percent,
                trailing_percent=step.trailing.percent
                if step.trailing is not None and step.trailing.enabled
                else None,
            )
            for step in take_profit.steps
        ]
        self._total = sum((target.volume for target in self._steps), ZERO)

    def resolve(self, entry: Decimal) -> None:
        """Resolve the unfilled steps' levels from ``entry``."""
        for target in self._steps:
            if not target.filled:
                target.level = level(target.value, target.percent, entry)

    def reached(
        self, price: Decimal, index: int, remaining: Callable[[], Decimal]
    ) -> Iterator[tuple[int, Decimal, Decimal]]:
        """The steps ``price`` fills, nearest the entry first, as ``(number, fill, fee rate)``;
        the caller fills each before the next is looked at (``remaining`` is read each time)."""
        last = len(self._steps) - 1
        for number in self._nearest_first():
            target = self._steps[number]
            if target.filled or self.trailing_line is not None or remaining() == 0:
                continue
            reached_level = require(target.level)
            if self._side * (price - reached_level) < 0:
                continue
            if number == last and target.trailing_percent is not None:
                self._best = price
                self.trailing_line = self._follow_line(price, target.trailing_percent)
                self._log.emit(
                    "trailing_activated", index, price, level=self.trailing_line, step=last + 1
                )
                continue
            if target.order_type == "limit":
                yield number, reached_level, self._maker
            else:
                yield number, price, self._taker

    def trailing_closes(self, price: Decimal, index: int, remaining: Decimal) -> bool:
        """Move the trailing line with ``price``; whether the last step closes now (at market)."""
        if self.trailing_line is None or self._best is None or remaining == 0:
            return False
        percent = require(self._steps[-1].trailing_percent)
        best = max(self._best, price) if self._side > 0 else min(self._best, price)
        if best != self._best:
            self._best = best
            self.trailing_line = self._follow_line(best, percent)
            self._log.emit(
                "trailing_moved", index, price, level=self.trailing_line, step=len(self._steps)
            )
        return self._side * (self.trailing_line - price) >= 0

    @property
    def last(self) -> int:
        """The index of the last step."""
        return len(self._steps) - 1

    def take(self, number: int, remaining: Decimal, position_units: Decimal) -> Decimal:
        """Mark step ``number`` filled; the quantity it closes (the rest, if it is the last open
        step of a plan adding up to 100 %)."""
        target = self._steps[number]
        others_open = any(not t.filled for i, t in enumerate(self._steps) if i != number)
        quantity = remaining
        if others_open or self._total < HUNDRED:
            quantity = min(quantity, position_units * target.volume / HUNDRED)
        target.filled = True
        if number == self.last:
            self.stop_trailing()
        return quantity

    def first_fill(self) -> bool:
        """Whether this is the plan's first fill (asked once per fill)."""
        first = not self._any_filled
        self._any_filled = True
        return first

    def stop_trailing(self) -> None:
        """The trailing take profit stops following (a fill, a close, a new plan)."""
        self.trailing_line = self._best = None

    def _nearest_first(self) -> list[int]:
        """Indices of the steps in the order the price reaches them, whatever the listing."""
        side = self._side
        return sorted(
            range(len(self._steps)), key=lambda number: side * require(self._steps[number].level)
        )

    def _follow_line(self, best: Decimal, percent: Decimal) -> Decimal:
        return best * (ONE - self._side * percent / HUNDRED)
