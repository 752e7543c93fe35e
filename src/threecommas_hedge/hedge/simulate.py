"""Replay a SmartTrade along a price path (hedge-math section 6).

:class:`SmartTradeEngine` is the stateful core: feed it one price at a time with ``step`` and it
fills the entry, the take-profit steps, the stop loss, trailing and breakeven, reporting each
change as a :class:`SimEvent`. :func:`simulate` is a loop over ``step``; the fake 3Commas server
drives the same engine from ``set_price``. Long (``buy``) and short (``sell``) positions mirror
each other.

Mechanics, per price step once the position is open, in this order (after funding, below):

1. Liquidation (a leveraged position whose wallet balance is known: isolated, or cross with
   ``wallet_balance=``): past the liquidation price the position is gone, closed at its
   bankruptcy price, so the loss is exactly the wallet balance behind it.
2. Stop loss. A trailing stop first follows the best price seen (keeping its distance, set when
   the stop was placed; ``trailing.percent`` overrides it) and never moves back. Reached (short:
   ``P >= SL``; long: ``P <= SL``): a market stop closes at ``P``; a limit stop places its order
   (``price.value``, kept at its offset from the trigger), which fills at ``P`` if already
   marketable, else at its own price when reached; the take profits are then inactive. With a
   timeout the stop closes only if the price is still at or beyond it ``timeout`` seconds after
   it was first reached; a step back inside resets the timer.
3. Take-profit steps, each by its own level once reached (short: ``P <= TP``), checked nearest
   the entry first whatever order they are listed in: a limit step fills at its level (maker), a
   market step at ``P`` (taker). A step closes ``volume`` % of the position; the last step still
   unfilled closes what is left when the volumes add up to 100. The first fill moves the stop to
   breakeven when ``stop_loss.breakeven`` is on (the entry price, or the price that also covers
   the fees with ``breakeven_with_fees=True``).
4. Trailing take profit (last step only): reaching its level activates it instead of filling; it
   then follows the best price and closes at market once the price retraces by ``percent``
   (short: ``P >= min*(1 + d)``).

Entry: market fills at the first price (or ``entry_price``) as a taker. A limit is placed at the
first price (and again after an edit of its price): if marketable then (sell: ``limit <= P``,
buy: ``limit >= P``) it fills at ``P`` as a taker, else it rests and fills at its own price as a
maker once reached (sell: ``P >= limit``, buy: ``P <= limit``), even when the path gaps through.
A conditional entry arms when the path crosses the trigger from the side of the first price,
then trades at market or places its limit (filled at ``P`` if already marketable). A trailing
conditional entry, once armed, follows the best price for the entry (sell: the highest, buy: the
lowest) and enters at market when the price comes back by its ``percent``. ``skip_enter_step``
positions are held from the start at ``position.price.value`` (no entry fee); ``instant`` trades
only enter. The checks run on the entry's own step too.
Percent TP/SL levels are the signed move from the actual entry price, as the user reads it (-8 =
8% below, +3 = 3% above), resolved when the entry fills. ``add_units`` re-resolves percent TP
levels from the new average entry; the stop keeps its current level (edit it with
``replace_stop_loss``).

Fees (default 0): resting limit fills pay ``maker_fee_rate`` (a limit entry, limit TP steps, a
limit stop that rests before it fills); market and marketable fills pay ``taker_fee_rate`` (a
market or marketable-limit entry, market stops and marketable limit stops, market TP steps,
trailing take-profit and trailing-entry closes, ``close_at_market``, ``force_start``). None on
liquidation. ``realized_pnl`` is gross; ``fees`` are separate.

Funding (``funding_rate`` per interval, default 0): settlements happen at every positive multiple
of ``funding_interval_hours`` on the clock (``now_seconds``, else ``index * step_seconds``; time 0
is just after a settlement). A step whose clock reaches one or more settlement times pays each of
them first, before anything else in that step, on the units open before the step, at the step's
price as the mark: ``q*P*rate``, received by a short when the rate is positive (hedge-math 3). No
funding while waiting for the entry or after the position is closed. Funding is reported
separately (``funding``) and does not move the modelled wallet balance or liquidation price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeVar

from threecommas_hedge.models.requests import (
    Leverage,
    PositionConditional,
    SmartTradeCreate,
    SmartTradeUpdate,
    StopLoss,
    TakeProfit,
)

from ._costs import funding_payment
from .liquidation import LeverageBracket, default_brackets, liquidation_price

__all__ = [
    "EngineStatus",
    "EventKind",
    "SimEvent",
    "SimulationResult",
    "SmartTradeEngine",
    "simulate",
]

EventKind = Literal[
    "entry_armed",
    "entered",
    "take_profit",
    "trailing_activated",
    "trailing_moved",
    "stop_loss_moved",
    "stop_loss_triggered",
    "stop_loss_timer_reset",
    "stop_loss",
    "liquidated",
    "closed",
    "cancelled",
    "funds_added",
    "funds_reduced",
    "funding",
]
EngineStatus = Literal["waiting_entry", "open", "closed", "liquidated", "cancelled"]

_T = TypeVar("_T")
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class SimEvent:
    """Something that happened at path ``index`` (``None`` outside a step), market at ``price``.

    ``fill_price``/``quantity`` for fills, ``level`` for a trigger, stop or follow line, ``step``
    the 1-based TP step, ``reason`` why a trade closed or a stop moved, ``amount`` a funding
    payment (positive: received) on ``quantity`` open units at the mark ``price``.
    """

    kind: EventKind
    index: int | None
    price: Decimal
    fill_price: Decimal | None = None
    quantity: Decimal | None = None
    level: Decimal | None = None
    step: int | None = None
    reason: str | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of a replay: gross ``realized_pnl``, the exits, every event, the final state.

    ``fees`` (paid) and ``funding`` (received when positive) are separate from ``realized_pnl``.
    """

    events: tuple[SimEvent, ...]
    realized_pnl: Decimal
    fees: Decimal
    entry_price: Decimal | None
    exit_prices: tuple[Decimal, ...]
    exit_price: Decimal | None
    closed_quantity: Decimal
    remaining_quantity: Decimal
    status: EngineStatus
    funding: Decimal = _ZERO

    @property
    def closed(self) -> bool:
        """Whether the position was fully closed (by its targets, stop, hand or liquidation)."""
        return self.status in ("closed", "liquidated")

    @property
    def liquidated(self) -> bool:
        """Whether the position ended in liquidation."""
        return self.status == "liquidated"


@dataclass
class _Target:
    order_type: str
    volume: Decimal
    value: Decimal | None
    percent: Decimal | None
    trailing_percent: Decimal | None
    level: Decimal | None = None
    filled: bool = False


@dataclass
class _Stop:
    order_type: str
    value: Decimal | None
    percent: Decimal | None
    limit_price: Decimal | None
    trailing: bool
    trailing_percent: Decimal | None
    timeout: int | None
    breakeven: bool


class SmartTradeEngine:
    """The state of one SmartTrade as prices arrive; see the module docstring for the mechanics.

    ``entry_price`` sets the fill price of a market entry (or the held price of a
    ``skip_enter_step`` trade). ``step_seconds`` gives the clock for stop-loss timeouts when
    :meth:`step` gets no ``now_seconds``. ``brackets`` and ``wallet_balance`` drive liquidation:
    isolated margin defaults to the initial margin ``units*entry/leverage`` and is released pro
    rata as units close; cross needs ``wallet_balance`` (the futures wallet, held constant; else no
    liquidation is modelled). No brackets: the builder's conservative default, MMR 1/(2L).
    """

    def __init__(
        self,
        payload: SmartTradeCreate,
        *,
        entry_price: Decimal | None = None,
        step_seconds: Decimal | int | None = None,
        maker_fee_rate: Decimal = _ZERO,
        taker_fee_rate: Decimal = _ZERO,
        breakeven_with_fees: bool = False,
        brackets: Sequence[LeverageBracket] = (),
        wallet_balance: Decimal | None = None,
        funding_rate: Decimal = _ZERO,
        funding_interval_hours: Decimal | int = 8,
    ) -> None:
        if funding_interval_hours <= 0:
            raise ValueError("funding_interval_hours must be positive")
        position = payload.position
        self._side = _ONE if position.type == "buy" else -_ONE
        self._instant = bool(payload.instant)
        self._held = bool(payload.skip_enter_step)
        if entry_price is not None and position.order_type != "market" and not self._held:
            raise ValueError("entry_price only applies to a market entry or a held position")
        self._order_type = position.order_type
        self._units = position.units.value
        self._limit_price = position.price.value if position.price is not None else None
        self._conditional: PositionConditional | None = position.conditional
        self._market_entry_price = entry_price
        self._step_seconds = Decimal(step_seconds) if step_seconds is not None else None
        self._maker = maker_fee_rate
        self._taker = taker_fee_rate
        self._breakeven_with_fees = breakeven_with_fees
        self._brackets = tuple(brackets)
        self._given_wallet = wallet_balance
        self._funding_rate = funding_rate
        self._funding_every = Decimal(funding_interval_hours) * 3600
        self._funding_settled = 0  # settlements passed so far (paid or not)
        self._funding = _ZERO
        self._leverage: Leverage | None = payload.leverage

        self._status: EngineStatus = "waiting_entry"
        self._events: list[SimEvent] = []
        self._next_index = 0
        self._last_index: int | None = None
        self._last_price: Decimal | None = None
        self._first_price: Decimal | None = None
        self._limit_resting = False
        self._armed = False
        self._entry_best: Decimal | None = None

        self._entry: Decimal | None = None
        self._entry_fee_rate = _ZERO
        self._position_units = _ZERO
        self._remaining = _ZERO
        self._realized = _ZERO
        self._fees = _ZERO
        self._exits: list[tuple[Decimal, Decimal]] = []
        self._wallet: Decimal | None = None
        self._liquidation: Decimal | None = None

        self._targets: list[_Target] = []
        self._target_total = _ZERO
        self._trail_best: Decimal | None = None
        self._trail_line: Decimal | None = None
        self._any_target_filled = False

        self._stop: _Stop | None = None
        self._sl_level: Decimal | None = None
        self._sl_ratio = _ONE
        self._sl_best: Decimal | None = None
        self._sl_limit_offset: Decimal | None = None
        self._sl_order: Decimal | None = None
        self._sl_timer: Decimal | None = None

        self._set_take_profit(payload.take_profit)
        self._set_stop_loss(payload.stop_loss)

    # -- state ---------------------------------------------------------------------------------

    @property
    def status(self) -> EngineStatus:
        """``waiting_entry``, ``open``, ``closed``, ``liquidated`` or ``cancelled``."""
        return self._status

    @property
    def entered(self) -> bool:
        """Whether the entry has filled."""
        return self._entry is not None

    @property
    def closed(self) -> bool:
        """Whether the position is fully closed (``closed`` or ``liquidated``)."""
        return self._status in ("closed", "liquidated")

    @property
    def active(self) -> bool:
        """Whether prices still change anything (not closed, liquidated or cancelled)."""
        return self._status in ("waiting_entry", "open")

    @property
    def side(self) -> Literal["long", "short"]:
        """``long`` for a ``buy`` position, ``short`` for ``sell``."""
        return "long" if self._side > 0 else "short"

    @property
    def entry_price(self) -> Decimal | None:
        """Average entry price, ``None`` before the entry fills."""
        return self._entry

    @property
    def units(self) -> Decimal:
        """Size of the position: the entry order's units, plus added, minus reduced."""
        return self._position_units if self.entered else self._units

    @property
    def remaining_quantity(self) -> Decimal:
        """Units still open."""
        return self._remaining

    @property
    def closed_quantity(self) -> Decimal:
        """Units closed so far (targets, stop, reductions, market close, liquidation)."""
        return sum((quantity for quantity, _ in self._exits), _ZERO)

    @property
    def realized_pnl(self) -> Decimal:
        """Gross PnL of the closed units (a liquidation counts the lost wallet balance)."""
        return self._realized

    @property
    def fees(self) -> Decimal:
        """Fees paid so far (maker for limit fills, taker for market fills)."""
        return self._fees

    @property
    def funding(self) -> Decimal:
        """Funding so far, positive when received (a short receives at a positive rate)."""
        return self._funding

    @property
    def exit_prices(self) -> tuple[Decimal, ...]:
        """Fill price of every exit, in order."""
        return tuple(price for _, price in self._exits)

    @property
    def exit_price(self) -> Decimal | None:
        """Quantity-weighted average exit price, ``None`` before any exit."""
        closed = self.closed_quantity
        if not closed:
            return None
        return sum((quantity * price for quantity, price in self._exits), _ZERO) / closed

    @property
    def filled_steps(self) -> tuple[int, ...]:
        """1-based numbers of the current plan's filled TP steps."""
        return tuple(number for number, target in enumerate(self._targets, 1) if target.filled)

    @property
    def take_profit_prices(self) -> tuple[Decimal | None, ...]:
        """Each TP step's level (``None`` for a percent level before the entry fills)."""
        return tuple(target.level for target in self._targets)

    @property
    def stop_loss_price(self) -> Decimal | None:
        """Current SL trigger (moved by trailing or breakeven), ``None`` without a stop."""
        return self._sl_level

    @property
    def stop_loss_order_price(self) -> Decimal | None:
        """Price of a placed, unfilled limit stop order."""
        return self._sl_order

    @property
    def trailing_active(self) -> bool:
        """Whether the trailing take profit is following the price."""
        return self._trail_line is not None

    @property
    def trailing_take_profit_price(self) -> Decimal | None:
        """The trailing take profit's follow line (``None`` until it activates)."""
        return self._trail_line

    @property
    def liquidation_price(self) -> Decimal | None:
        """Liquidation price of the open position, ``None`` if not modelled or impossible."""
        return self._liquidation

    @property
    def wallet_balance(self) -> Decimal | None:
        """Wallet balance behind the open position (lost on liquidation)."""
        return self._wallet

    @property
    def events(self) -> tuple[SimEvent, ...]:
        """Every event so far."""
        return tuple(self._events)

    def unrealized_pnl(self, price: Decimal) -> Decimal:
        """Gross PnL of the open units at ``price``."""
        if self._entry is None:
            return _ZERO
        return self._side * (price - self._entry) * self._remaining

    def result(self) -> SimulationResult:
        """A frozen snapshot of the outcome so far."""
        return SimulationResult(
            events=self.events,
            realized_pnl=self._realized,
            fees=self._fees,
            entry_price=self._entry,
            exit_prices=self.exit_prices,
            exit_price=self.exit_price,
            closed_quantity=self.closed_quantity,
            remaining_quantity=self._remaining,
            status=self._status,
            funding=self._funding,
        )

    # -- the price path --------------------------------------------------------------------------

    def step(
        self, price: Decimal, *, index: int | None = None, now_seconds: Decimal | int | None = None
    ) -> list[SimEvent]:
        """Move the market to ``price`` and return what happened (see the module docstring).

        ``index`` labels the events (default: a counter); ``now_seconds`` is the clock for the
        stop-loss timeout (default: ``index * step_seconds``).
        """
        if price <= 0:
            raise ValueError("price must be positive")
        if not self.active:
            return []
        index = self._next_index if index is None else index
        self._next_index = index + 1
        self._last_index, self._last_price = index, price
        now = Decimal(now_seconds) if now_seconds is not None else None
        if now is None and self._step_seconds is not None:
            now = index * self._step_seconds
        start = len(self._events)
        if self._funding_rate:
            self._settle_funding(price, index, now)
        if self._first_price is None:
            self._first_price = price
        if self._entry is None:
            self._try_enter(price, index)
        if self._entry is not None and not self._instant:
            self._manage(price, index, now)
        return self._events[start:]

    def _settle_funding(self, price: Decimal, index: int, now: Decimal | None) -> None:
        """Pay every settlement the clock has passed, on the units open before this step."""
        if now is None:
            raise ValueError("funding needs now_seconds or step_seconds (the clock)")
        due = int(now // self._funding_every)
        while self._funding_settled < due:
            self._funding_settled += 1
            if self._status != "open" or self._remaining <= 0:
                continue
            amount = funding_payment(self.side, self._remaining, price, self._funding_rate)
            self._funding += amount
            self._emit("funding", index, price, quantity=self._remaining, amount=amount)

    def _try_enter(self, price: Decimal, index: int) -> None:
        given = self._market_entry_price
        if self._held:
            held = given if given is not None else self._limit_price
            self._enter(held if held is not None else price, price, index, None)
        elif self._order_type == "market":
            self._enter(given if given is not None else price, price, index, self._taker)
        elif self._order_type == "limit":
            limit = self._require(self._limit_price)
            if self._side * (limit - price) >= 0:
                if self._limit_resting:
                    self._enter(limit, price, index, self._maker)
                else:  # marketable when placed: fills at the market
                    self._enter(price, price, index, self._taker)
            self._limit_resting = True
        else:
            self._conditional_entry(price, index)

    def _conditional_entry(self, price: Decimal, index: int) -> None:
        conditional = self._require(self._conditional)
        trigger = conditional.price.value
        if not self._armed:
            first = self._require(self._first_price)
            crossed = price >= trigger if first < trigger else price <= trigger
            if not crossed:
                return
            self._armed = True
            self._emit("entry_armed", index, price, level=trigger)
            trailing = conditional.trailing
            if trailing is not None and trailing.enabled:
                self._entry_best = price
                return
            if conditional.order_type == "market":
                self._enter(price, price, index, self._taker)
                return
            limit = self._require(self._limit_price)
            if self._side * (limit - price) >= 0:  # marketable when placed: fills at the market
                self._enter(price, price, index, self._taker)
            return
        if self._entry_best is not None:
            trailing_percent = self._require(self._require(conditional.trailing).percent)
            best = self._entry_best
            best = min(best, price) if self._side > 0 else max(best, price)
            self._entry_best = best
            if self._side * (price - best * (_ONE + self._side * trailing_percent / _HUNDRED)) >= 0:
                self._enter(price, price, index, self._taker)
            return
        limit = self._require(self._limit_price)
        if self._side * (limit - price) >= 0:
            self._enter(limit, price, index, self._maker)

    def _manage(self, price: Decimal, index: int, now: Decimal | None) -> None:
        if self._check_liquidation(price, index):
            return
        if self._check_stop(price, index, now):
            return
        self._check_targets(price, index)
        self._check_trailing(price, index)

    def _check_liquidation(self, price: Decimal, index: int) -> bool:
        lp = self._liquidation
        if lp is None or self._side * (lp - price) < 0:
            return False
        entry, wallet, quantity = (
            self._require(self._entry),
            self._require(self._wallet),
            self._remaining,
        )
        bankruptcy = entry - self._side * wallet / quantity
        self._exits.append((quantity, bankruptcy))
        self._realized -= wallet
        self._remaining = _ZERO
        self._wallet = None
        self._liquidation = None
        self._status = "liquidated"
        self._emit("liquidated", index, price, fill_price=bankruptcy, quantity=quantity, level=lp)
        self._emit("closed", index, price, reason="liquidation")
        return True

    def _check_stop(self, price: Decimal, index: int, now: Decimal | None) -> bool:
        stop = self._stop
        if stop is None or self._sl_level is None:
            return False
        if self._sl_order is not None:
            if self._side * (price - self._sl_order) >= 0:
                self._close_all(self._sl_order, price, index, self._maker, "stop_loss")
                return True
            return False
        best = self._require(self._sl_best)
        if stop.trailing and self._side * (price - best) > 0:
            self._sl_best = price
            self._move_stop(price * self._sl_ratio, index, price, "trailing")
        level = self._sl_level
        reached = self._side * (level - price) >= 0
        if stop.timeout is not None:
            if now is None:
                raise ValueError("a stop-loss timeout needs now_seconds or step_seconds")
            if not reached:
                if self._sl_timer is not None:
                    self._sl_timer = None
                    self._emit("stop_loss_timer_reset", index, price, level=level)
                return False
            if self._sl_timer is None:
                self._sl_timer = now
                self._emit("stop_loss_triggered", index, price, level=level, reason="timeout")
            if now - self._sl_timer < stop.timeout:
                return False
        elif not reached:
            return False
        if stop.order_type == "market":
            self._close_all(price, price, index, self._taker, "stop_loss")
            return True
        order = level + self._require(self._sl_limit_offset)
        if self._side * (price - order) >= 0:  # marketable when placed: fills at the market
            self._close_all(price, price, index, self._taker, "stop_loss")
            return True
        self._sl_order = order
        self._emit("stop_loss_triggered", index, price, level=order, reason="limit order placed")
        return True

    def _check_targets(self, price: Decimal, index: int) -> None:
        last = len(self._targets) - 1
        for number in self._nearest_first():
            target = self._targets[number]
            if target.filled or self._trail_line is not None or self._remaining == 0:
                continue
            level = self._require(target.level)
            if self._side * (price - level) < 0:
                continue
            if number == last and target.trailing_percent is not None:
                self._trail_best = price
                self._trail_line = self._follow_line(price, target.trailing_percent)
                self._emit(
                    "trailing_activated", index, price, level=self._trail_line, step=last + 1
                )
                continue
            fill, rate = (
                (level, self._maker) if target.order_type == "limit" else (price, self._taker)
            )
            self._fill_target(number, fill, price, index, rate, None)

    def _nearest_first(self) -> list[int]:
        """Indices of the TP steps in the order the price reaches them, whatever the listing."""
        side = self._side
        return sorted(
            range(len(self._targets)),
            key=lambda number: side * self._require(self._targets[number].level),
        )

    def _check_trailing(self, price: Decimal, index: int) -> None:
        if self._trail_line is None or self._trail_best is None or self._remaining == 0:
            return
        target = self._targets[-1]
        percent = self._require(target.trailing_percent)
        best = max(self._trail_best, price) if self._side > 0 else min(self._trail_best, price)
        if best != self._trail_best:
            self._trail_best = best
            self._trail_line = self._follow_line(best, percent)
            self._emit(
                "trailing_moved", index, price, level=self._trail_line, step=len(self._targets)
            )
        if self._side * (self._trail_line - price) >= 0:
            self._fill_target(len(self._targets) - 1, price, price, index, self._taker, "trailing")

    def _fill_target(
        self,
        number: int,
        fill: Decimal,
        price: Decimal,
        index: int,
        rate: Decimal,
        reason: str | None,
    ) -> None:
        target = self._targets[number]
        others_open = any(not t.filled for i, t in enumerate(self._targets) if i != number)
        closes_rest = not others_open and self._target_total >= _HUNDRED
        quantity = self._remaining
        if not closes_rest:
            quantity = min(quantity, self._position_units * target.volume / _HUNDRED)
        target.filled = True
        if number == len(self._targets) - 1:
            self._trail_line = self._trail_best = None
        self._exit(quantity, fill, rate)
        self._emit(
            "take_profit",
            index,
            price,
            fill_price=fill,
            quantity=quantity,
            step=number + 1,
            reason=reason,
        )
        first_fill = not self._any_target_filled
        self._any_target_filled = True
        if first_fill and self._stop is not None and self._stop.breakeven and self._remaining > 0:
            self._move_stop(self._breakeven_level(), index, price, "breakeven")
        if self._remaining == 0:
            self._finish(index, price, "take_profit")

    # -- operations (the fake server and a live hedge call these) ----------------------------

    def force_start(self, price: Decimal) -> list[SimEvent]:
        """Enter now at market at ``price`` instead of waiting for the limit/conditional entry."""
        self._require_state("waiting_entry", "force_start")
        start = len(self._events)
        self._last_price = price
        self._enter(price, price, self._last_index, self._taker)
        return self._events[start:]

    def close_at_market(self, price: Decimal) -> list[SimEvent]:
        """Close what is open at ``price`` (market); before the entry this cancels the trade."""
        if self._status == "waiting_entry":
            return self.cancel()
        self._require_state("open", "close_at_market")
        start = len(self._events)
        self._close_all(price, price, self._last_index, self._taker, "market")
        return self._events[start:]

    def cancel(self) -> list[SimEvent]:
        """Stop managing the trade: orders cancelled, open units left as they are."""
        if not self.active:
            raise ValueError(f"cannot cancel a trade that is {self._status}")
        self._status = "cancelled"
        return [self._emit("cancelled", self._last_index, self._market_price())]

    def add_units(
        self, quantity: Decimal, price: Decimal, *, maker: bool = False
    ) -> list[SimEvent]:
        """Add ``quantity`` filled at ``price`` (averaging the entry); before the entry, enlarge it.

        The fill happens now: a caller replaying a limit add calls this once the price reaches it.
        """
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        if not self.active:
            raise ValueError(f"cannot add funds to a trade that is {self._status}")
        if self._entry is None:
            self._units += quantity
            return [self._emit("funds_added", self._last_index, price, quantity=quantity)]
        total = self._position_units + quantity
        open_before = self._remaining
        self._entry = (self._entry * open_before + price * quantity) / (open_before + quantity)
        self._position_units = total
        self._remaining += quantity
        self._fees += quantity * price * (self._maker if maker else self._taker)
        if self._wallet is not None and self._margin_type() == "isolated":
            self._wallet += quantity * price / self._leverage_value()
        self._resolve_levels()
        self._update_liquidation()
        return [
            self._emit("funds_added", self._last_index, price, fill_price=price, quantity=quantity)
        ]

    def reduce_units(
        self, quantity: Decimal, price: Decimal, *, maker: bool = False
    ) -> list[SimEvent]:
        """Close ``quantity`` of the open units at ``price``."""
        self._require_state("open", "reduce_units")
        if not _ZERO < quantity <= self._remaining:
            raise ValueError(f"quantity must be in (0, {self._remaining}]")
        start = len(self._events)
        self._position_units -= quantity
        self._exit(quantity, price, self._maker if maker else self._taker)
        self._emit("funds_reduced", self._last_index, price, fill_price=price, quantity=quantity)
        if self._remaining == 0:
            self._finish(self._last_index, price, "funds_reduced")
        return self._events[start:]

    def replace_take_profit(self, take_profit: TakeProfit | None) -> None:
        """Replace the unfilled TP plan (an edit); filled steps stay in the realized PnL."""
        self._require_active("edit the take profit")
        self._set_take_profit(take_profit)
        self._resolve_levels()

    def replace_stop_loss(self, stop_loss: StopLoss | None) -> None:
        """Replace the stop loss (an edit); its distance is kept from the current market price."""
        self._require_active("edit the stop loss")
        self._set_stop_loss(stop_loss)
        self._resolve_levels(reference=self._last_price)

    def apply_update(self, update: SmartTradeUpdate) -> None:
        """Apply a ``PATCH`` body: entry (before it fills), leverage, take profit, stop loss."""
        self._require_active("edit")
        if update.position is not None:
            if self._entry is not None:
                raise ValueError("the entry can only be edited before it fills")
            if update.position.units is not None:
                self._units = update.position.units.value
            if update.position.price is not None:
                self._limit_price = update.position.price.value
                self._limit_resting = False  # placed again at the next price
            if update.position.conditional is not None:
                self._conditional = update.position.conditional
                self._armed, self._entry_best = False, None
        if update.leverage is not None:
            self._leverage = update.leverage
            if self._entry is not None:
                self._wallet = self._initial_wallet(self._entry, self._remaining)
                self._update_liquidation()
        if update.take_profit is not None:
            self.replace_take_profit(update.take_profit)
        if update.stop_loss is not None:
            self.replace_stop_loss(update.stop_loss)

    # -- internals ---------------------------------------------------------------------------------

    def _enter(
        self, fill: Decimal, price: Decimal, index: int | None, rate: Decimal | None
    ) -> None:
        quantity = self._units
        self._entry = fill
        self._entry_fee_rate = rate or _ZERO
        self._position_units = self._remaining = quantity
        self._fees += quantity * fill * self._entry_fee_rate
        self._status = "open"
        self._wallet = self._initial_wallet(fill, quantity)
        self._resolve_levels(reference=fill)
        self._update_liquidation()
        self._emit("entered", index, price, fill_price=fill, quantity=quantity)

    def _resolve_levels(self, reference: Decimal | None = None) -> None:
        """Resolve percent levels from the entry; place the stop relative to ``reference``."""
        entry = self._entry
        if entry is None:
            return
        for target in self._targets:
            if not target.filled:
                target.level = _level(target.value, target.percent, entry)
        stop = self._stop
        if stop is None or (reference is None and self._sl_level is not None):
            return
        level = _level(stop.value, stop.percent, entry)
        anchor = reference if reference is not None else entry
        self._sl_level, self._sl_best, self._sl_order, self._sl_timer = level, anchor, None, None
        if stop.trailing_percent is not None:
            self._sl_ratio = _ONE - self._side * stop.trailing_percent / _HUNDRED
        else:
            self._sl_ratio = level / anchor
        self._sl_limit_offset = stop.limit_price - level if stop.limit_price is not None else None

    def _set_take_profit(self, take_profit: TakeProfit | None) -> None:
        self._trail_line = self._trail_best = None
        if take_profit is None or not take_profit.enabled:
            self._targets, self._target_total = [], _ZERO
            return
        plan = [
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
        self._targets = plan
        self._target_total = sum((target.volume for target in plan), _ZERO)

    def _set_stop_loss(self, stop_loss: StopLoss | None) -> None:
        self._sl_level = self._sl_best = self._sl_order = self._sl_timer = None
        if stop_loss is None or not stop_loss.enabled or stop_loss.conditional is None:
            self._stop = None
            return
        trigger, trailing = stop_loss.conditional.price, stop_loss.conditional.trailing
        timeout = stop_loss.timeout
        self._stop = _Stop(
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

    def _move_stop(self, level: Decimal, index: int | None, price: Decimal, reason: str) -> None:
        current = self._sl_level
        if current is not None and self._side * (level - current) <= 0:
            return  # never moves back
        self._sl_level = level
        self._emit("stop_loss_moved", index, price, level=level, reason=reason)

    def _breakeven_level(self) -> Decimal:
        entry = self._require(self._entry)
        if not self._breakeven_with_fees:
            return entry
        side = self._side
        return entry * (_ONE + side * self._entry_fee_rate) / (_ONE - side * self._taker)

    def _follow_line(self, best: Decimal, percent: Decimal) -> Decimal:
        return best * (_ONE - self._side * percent / _HUNDRED)

    def _exit(self, quantity: Decimal, fill: Decimal, rate: Decimal) -> None:
        entry = self._require(self._entry)
        before = self._remaining
        self._realized += self._side * (fill - entry) * quantity
        self._fees += quantity * fill * rate
        self._exits.append((quantity, fill))
        self._remaining = before - quantity
        if self._wallet is not None and self._margin_type() == "isolated":
            self._wallet = self._wallet * self._remaining / before
        self._update_liquidation()

    def _close_all(
        self, fill: Decimal, price: Decimal, index: int | None, rate: Decimal, reason: str
    ) -> None:
        quantity = self._remaining
        self._exit(quantity, fill, rate)
        if reason == "stop_loss":
            self._emit("stop_loss", index, price, fill_price=fill, quantity=quantity)
        self._finish(index, price, reason, fill=fill, quantity=quantity)

    def _finish(
        self,
        index: int | None,
        price: Decimal,
        reason: str,
        *,
        fill: Decimal | None = None,
        quantity: Decimal | None = None,
    ) -> None:
        self._status = "closed"
        self._sl_order = self._sl_timer = None
        self._trail_line = self._trail_best = None
        self._emit("closed", index, price, fill_price=fill, quantity=quantity, reason=reason)

    def _initial_wallet(self, entry: Decimal, quantity: Decimal) -> Decimal | None:
        if self._leverage is None or not self._leverage.enabled:
            return None
        if self._given_wallet is not None or self._margin_type() == "cross":
            return self._given_wallet
        return quantity * entry / self._leverage_value()

    def _update_liquidation(self) -> None:
        entry, wallet = self._entry, self._wallet
        if entry is None or wallet is None or self._remaining <= 0:
            self._liquidation = None
            return
        self._liquidation = liquidation_price(
            side=self.side,
            quantity=self._remaining,
            entry_price=entry,
            wallet_balance=wallet,
            brackets=self._brackets or default_brackets(self._leverage_value()),
        )

    def _margin_type(self) -> str:
        leverage = self._require(self._leverage)
        return leverage.type or "isolated"

    def _leverage_value(self) -> Decimal:
        return Decimal(self._require(self._leverage).value or 1)

    def _market_price(self) -> Decimal:
        return self._last_price if self._last_price is not None else _ZERO

    def _require_state(self, state: EngineStatus, action: str) -> None:
        if self._status != state:
            raise ValueError(f"cannot {action}: the trade is {self._status}")

    def _require_active(self, action: str) -> None:
        if not self.active:
            raise ValueError(f"cannot {action}: the trade is {self._status}")

    @staticmethod
    def _require(value: _T | None) -> _T:
        if value is None:
            raise RuntimeError("engine state is inconsistent")  # pragma: no cover
        return value

    def _emit(
        self,
        kind: EventKind,
        index: int | None,
        price: Decimal,
        *,
        fill_price: Decimal | None = None,
        quantity: Decimal | None = None,
        level: Decimal | None = None,
        step: int | None = None,
        reason: str | None = None,
        amount: Decimal | None = None,
    ) -> SimEvent:
        event = SimEvent(kind, index, price, fill_price, quantity, level, step, reason, amount)
        self._events.append(event)
        return event


def _level(value: Decimal | None, percent: Decimal | None, entry: Decimal) -> Decimal:
    """An absolute level, or the signed percent move from the entry (-8 = 8% below)."""
    if value is not None:
        return value
    if percent is None:
        raise ValueError("a level needs a value or a percent")
    return entry * (_ONE + percent / _HUNDRED)


def simulate(
    payload: SmartTradeCreate,
    prices: Iterable[Decimal],
    *,
    entry_price: Decimal | None = None,
    step_seconds: Decimal | int | None = None,
    maker_fee_rate: Decimal = _ZERO,
    taker_fee_rate: Decimal = _ZERO,
    breakeven_with_fees: bool = False,
    brackets: Sequence[LeverageBracket] = (),
    wallet_balance: Decimal | None = None,
    funding_rate: Decimal = _ZERO,
    funding_interval_hours: Decimal | int = 8,
) -> SimulationResult:
    """Replay ``payload`` along ``prices`` (one step each; see :class:`SmartTradeEngine`).

    With ``funding_rate`` (per interval, > 0: shorts receive) the path needs ``step_seconds``:
    step ``i`` is at ``i * step_seconds`` seconds after a settlement.
    """
    engine = SmartTradeEngine(
        payload,
        entry_price=entry_price,
        step_seconds=step_seconds,
        maker_fee_rate=maker_fee_rate,
        taker_fee_rate=taker_fee_rate,
        breakeven_with_fees=breakeven_with_fees,
        brackets=brackets,
        wallet_balance=wallet_balance,
        funding_rate=funding_rate,
        funding_interval_hours=funding_interval_hours,
    )
    for index, price in enumerate(prices):
        if not engine.active:
            break
        engine.step(price, index=index)
    return engine.result()
