"""The stop loss of a simulated trade: trailing, breakeven moves, a limit order, a timeout."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from threecommas_hedge.models.smart_trade_params import StopLossParams

from ._common import HUNDRED, ONE, level, require
from .events import EventLog

__all__ = ["Stop", "StopOutcome"]

StopOutcome = Literal["placed"] | tuple[Decimal, Decimal] | None
"""What a step did to the stop: nothing (``None``), a limit order placed (``"placed"``: the take
profits wait), or a close of everything at ``(fill, fee rate)``."""


@dataclass
class _Spec:
    order_type: str
    value: Decimal | None
    percent: Decimal | None
    limit_price: Decimal | None
    trailing: bool
    trailing_percent: Decimal | None
    timeout: int | None
    breakeven: bool


class Stop:
    """The stop loss: its level (which never moves back), its limit order and its timer.

    ``side`` is +1 for a long, -1 for a short. A market stop closes at the price; a limit stop
    places its order, which fills at the price if marketable, else at its own price once reached.
    """

    def __init__(
        self,
        stop_loss: StopLossParams | None,
        log: EventLog,
        *,
        side: Decimal,
        maker_fee_rate: Decimal,
        taker_fee_rate: Decimal,
    ) -> None:
        self._side = side
        self._log = log
        self._maker, self._taker = maker_fee_rate, taker_fee_rate
        self._spec: _Spec | None = None
        self.level: Decimal | None = None
        self._ratio = ONE
        self._best: Decimal | None = None
        self._limit_offset: Decimal | None = None
        self.order: Decimal | None = None
        self._timer: Decimal | None = None
        self.replace(stop_loss)

    @property
    def breakeven(self) -> bool:
        """Whether the first take-profit fill moves the stop to breakeven."""
        return self._spec is not None and self._spec.breakeven

    def replace(self, stop_loss: StopLossParams | None) -> None:
        """A new stop (an edit); its level is placed by :meth:`resolve`."""
        self.level = self._best = self.order = self._timer = None
        if stop_loss is None or not stop_loss.enabled or stop_loss.conditional is None:
            self._spec = None
            return
        trigger, trailing = stop_loss.conditional.price, stop_loss.conditional.trailing
        timeout = stop_loss.timeout
        self._spec = _Spec(
            order_type=stop_loss.order_type or "market",
            value=trigger.value,
            percent=trigger.percent,
            limit_price=stop_loss.price.value if stop_loss.price is not None else None,
            trailing=trailing is not None and trailing.enabled,
            trailing_percent=trailing.percent
            if trailing is not None and trailing.enabled
            else None,
            timeout=timeout.value if timeout is not None and timeout.enabled else None,
            breakeven=bool(stop_loss.breakeven),
        )

    def resolve(self, entry: Decimal, reference: Decimal | None) -> None:
        """Place the stop from ``entry``, its distance kept from ``reference`` (default: the
        entry); without ``reference`` a stop already placed stays where it is."""
        spec = self._spec
        if spec is None or (reference is None and self.level is not None):
            return
        placed = level(spec.value, spec.percent, entry)
        anchor = reference if reference is not None else entry
        self.level, self._best, self.order, self._timer = placed, anchor, None, None
        if spec.trailing_percent is not None:
            self._ratio = ONE - self._side * spec.trailing_percent / HUNDRED
        else:
            self._ratio = placed / anchor
        self._limit_offset = spec.limit_price - placed if spec.limit_price is not None else None

    def check(self, price: Decimal, index: int, now: Decimal | None) -> StopOutcome:
        """Follow ``price`` (trailing), then see whether the stop is reached (see
        :data:`StopOutcome`)."""
        spec = self._spec
        if spec is None or self.level is None:
            return None
        if self.order is not None:
            if self._side * (price - self.order) >= 0:
                return self.order, self._maker
            return None
        best = require(self._best)
        if spec.trailing and self._side * (price - best) > 0:
            self._best = price
            self.move(price * self._ratio, index, price, "trailing")
        current = self.level
        reached = self._side * (current - price) >= 0
        if spec.timeout is not None:
            if now is None:
                raise ValueError("a stop-loss timeout needs now_seconds or step_seconds")
            if not reached:
                if self._timer is not None:
                    self._timer = None
                    self._log.emit("stop_loss_timer_reset", index, price, level=current)
                return None
            if self._timer is None:
                self._timer = now
                self._log.emit("stop_loss_triggered", index, price, level=current, reason="timeout")
            if now - self._timer < spec.timeout:
                return None
        elif not reached:
            return None
        if spec.order_type == "market":
            return price, self._taker
        order = current + require(self._limit_offset)
        if self._side * (price - order) >= 0:  # marketable when placed: fills at the market
            return price, self._taker
        self.order = order
        self._log.emit(
            "stop_loss_triggered", index, price, level=order, reason="limit order placed"
        )
        return "placed"

    def move(self, to: Decimal, index: int | None, price: Decimal, reason: str) -> None:
        """Move the stop to ``to`` (trailing, breakeven), never back."""
        if self.level is not None and self._side * (to - self.level) <= 0:
            return  # never moves back
        self.level = to
        self._log.emit("stop_loss_moved", index, price, level=to, reason=reason)

    def cancel_order(self) -> None:
        """The trade closed: no order or timer is left."""
        self.order = self._timer = None
