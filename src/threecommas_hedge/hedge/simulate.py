"""Replay a SmartTrade along a price path (hedge-math section 6).

:class:`SmartTradeEngine` is the stateful core: feed it one price at a time with ``step`` and it
fills the entry, the take-profit steps, the stop loss, trailing and breakeven, reporting each
change as a :class:`SimEvent`. :func:`simulate` is a loop over ``step``; the fake 3Commas server
drives the same engine from ``set_price``. Long (``buy``) and short (``sell``) positions mirror
each other. The engine runs its parts (``hedge/engine/``: entry, targets, stops, ledger), each
keeping its own state, in the order below.

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
from typing import Literal

from threecommas_hedge.models.smart_trade_params import (
    SmartTradeCreate,
    SmartTradeUpdate,
    StopLossParams,
    TakeProfitParams,
)

from .engine.entry import EntryOrder
from .engine.events import EventKind, EventLog, SimEvent
from .engine.ledger import Ledger
from .engine.stops import Stop
from .engine.targets import Targets
from .liquidation import EXCHANGES, Exchange, LeverageBracket

__all__ = [
    "EngineStatus",
    "EventKind",
    "SimEvent",
    "SimulationResult",
    "SmartTradeEngine",
    "simulate",
]

EngineStatus = Literal["waiting_entry", "open", "closed", "liquidated", "cancelled"]

_ZERO = Decimal(0)
_ONE = Decimal(1)


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


class SmartTradeEngine:
    """The state of one SmartTrade as prices arrive; see the module docstring for the mechanics.

    ``entry_price`` sets the fill price of a market entry (or the held price of a
    ``skip_enter_step`` trade). ``step_seconds`` gives the clock for stop-loss timeouts when
    :meth:`step` gets no ``now_seconds``. ``brackets`` and ``wallet_balance`` drive liquidation:
    isolated margin defaults to the initial margin ``units*entry/leverage`` and is released pro
    rata as units close; cross needs ``wallet_balance`` (the futures wallet, held constant; else no
    liquidation is modelled). No brackets: the builder's conservative default, MMR 1/(2L).
    ``exchange`` picks the liquidation formula (``"binance"`` or ``"bybit"``, as
    :func:`~threecommas_hedge.hedge.liquidation.liquidation_price`).
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
        exchange: Exchange = "binance",
        wallet_balance: Decimal | None = None,
        funding_rate: Decimal = _ZERO,
        funding_interval_hours: Decimal | int = 8,
    ) -> None:
        if funding_interval_hours <= 0:
            raise ValueError("funding_interval_hours must be positive")
        if exchange not in EXCHANGES:
            raise ValueError(f"exchange must be one of {', '.join(EXCHANGES)}, got {exchange!r}")
        position = payload.position
        side = _ONE if position.type == "buy" else -_ONE
        held = bool(payload.skip_enter_step)
        if entry_price is not None and position.order_type != "market" and not held:
            raise ValueError("entry_price only applies to a market entry or a held position")
        self._side = side
        self._instant = bool(payload.instant)
        self._step_seconds = Decimal(step_seconds) if step_seconds is not None else None
        self._maker, self._taker = maker_fee_rate, taker_fee_rate
        self._breakeven_with_fees = breakeven_with_fees
        self._status: EngineStatus = "waiting_entry"
        self._next_index = 0
        self._last_index: int | None = None
        self._last_price: Decimal | None = None
        fees = {"maker_fee_rate": maker_fee_rate, "taker_fee_rate": taker_fee_rate}
        self._log = EventLog()
        self._entry_order = EntryOrder(
            position, self._log, side=side, held=held, entry_price=entry_price, **fees
        )
        self._ledger = Ledger(
            side,
            self._log,
            leverage=payload.leverage,
            brackets=brackets,
            exchange=exchange,
            wallet_balance=wallet_balance,
            funding_rate=funding_rate,
            funding_interval_hours=funding_interval_hours,
        )
        self._targets = Targets(payload.take_profit, self._log, side=side, **fees)
        self._stop = Stop(payload.stop_loss, self._log, side=side, **fees)

    # -- state ---------------------------------------------------------------------------------

    @property
    def status(self) -> EngineStatus:
        """``waiting_entry``, ``open``, ``closed``, ``liquidated`` or ``cancelled``."""
        return self._status

    @property
    def entered(self) -> bool:
        """Whether the entry has filled."""
        return self._ledger.entry is not None

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
        return self._ledger.side

    @property
    def entry_price(self) -> Decimal | None:
        """Average entry price, ``None`` before the entry fills."""
        return self._ledger.entry

    @property
    def units(self) -> Decimal:
        """Size of the position: the entry order's units, plus added, minus reduced."""
        return self._ledger.position_units if self.entered else self._entry_order.units

    @property
    def remaining_quantity(self) -> Decimal:
        """Units still open."""
        return self._ledger.remaining

    @property
    def closed_quantity(self) -> Decimal:
        """Units closed so far (targets, stop, reductions, market close, liquidation)."""
        return self._ledger.closed_quantity

    @property
    def realized_pnl(self) -> Decimal:
        """Gross PnL of the closed units (a liquidation counts the lost wallet balance)."""
        return self._ledger.realized

    @property
    def fees(self) -> Decimal:
        """Fees paid so far (maker for limit fills, taker for market fills)."""
        return self._ledger.fees

    @property
    def entry_fees(self) -> Decimal:
        """The part of ``fees`` paid on the entry and added funds (the rest is on closes)."""
        return self._ledger.entry_fees

    @property
    def funding(self) -> Decimal:
        """Funding so far, positive when received (a short receives at a positive rate)."""
        return self._ledger.funding

    @property
    def exit_prices(self) -> tuple[Decimal, ...]:
        """Fill price of every exit, in order."""
        return self._ledger.exit_prices

    @property
    def exit_price(self) -> Decimal | None:
        """Quantity-weighted average exit price, ``None`` before any exit."""
        return self._ledger.exit_price

    @property
    def filled_steps(self) -> tuple[int, ...]:
        """1-based numbers of the current plan's filled TP steps."""
        return self._targets.filled_steps

    @property
    def take_profit_prices(self) -> tuple[Decimal | None, ...]:
        """Each TP step's level (``None`` for a percent level before the entry fills)."""
        return self._targets.prices

    @property
    def stop_loss_price(self) -> Decimal | None:
        """Current SL trigger (moved by trailing or breakeven), ``None`` without a stop."""
        return self._stop.level

    @property
    def stop_loss_order_price(self) -> Decimal | None:
        """Price of a placed, unfilled limit stop order."""
        return self._stop.order

    @property
    def trailing_active(self) -> bool:
        """Whether the trailing take profit is following the price."""
        return self._targets.trailing_line is not None

    @property
    def trailing_take_profit_price(self) -> Decimal | None:
        """The trailing take profit's follow line (``None`` until it activates)."""
        return self._targets.trailing_line

    @property
    def liquidation_price(self) -> Decimal | None:
        """Liquidation price of the open position, ``None`` if not modelled or impossible."""
        return self._ledger.liquidation

    @property
    def wallet_balance(self) -> Decimal | None:
        """Wallet balance behind the open position (lost on liquidation)."""
        return self._ledger.wallet

    @property
    def events(self) -> tuple[SimEvent, ...]:
        """Every event so far."""
        return self._log.all()

    def unrealized_pnl(self, price: Decimal) -> Decimal:
        """Gross PnL of the open units at ``price``."""
        return self._ledger.unrealized_pnl(price)

    def result(self) -> SimulationResult:
        """A frozen snapshot of the outcome so far."""
        ledger = self._ledger
        return SimulationResult(
            events=self.events,
            realized_pnl=ledger.realized,
            fees=ledger.fees,
            entry_price=ledger.entry,
            exit_prices=ledger.exit_prices,
            exit_price=ledger.exit_price,
            closed_quantity=ledger.closed_quantity,
            remaining_quantity=ledger.remaining,
            status=self._status,
            funding=ledger.funding,
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
        start = self._log.mark()
        if self._ledger.funding_rate:
            self._ledger.settle_funding(now, price, index, is_open=self._status == "open")
        if not self.entered:
            filled = self._entry_order.fill(price, index)
            if filled is not None:
                self._enter(filled[0], price, index, filled[1])
        if self.entered and not self._instant:
            self._manage(price, index, now)
        return self._log.since(start)

    def _manage(self, price: Decimal, index: int, now: Decimal | None) -> None:
        """Liquidation, then the stop, then the take-profit steps, then the trailing one."""
        ledger = self._ledger
        if ledger.liquidated_at(price):
            quantity, bankruptcy, level = ledger.liquidate()
            self._status = "liquidated"
            self._log.emit(
                "liquidated", index, price, fill_price=bankruptcy, quantity=quantity, level=level
            )
            self._log.emit("closed", index, price, reason="liquidation")
            return
        stop = self._stop.check(price, index, now)
        if stop == "placed":
            return
        if stop is not None:
            fill, rate = stop
            self._close_all(fill, price, index, rate, "stop_loss")
            return
        for number, fill, rate in self._targets.reached(price, index, lambda: ledger.remaining):
            self._fill_target(number, fill, price, index, rate, None)
        if self._targets.trailing_closes(price, index, ledger.remaining):
            self._fill_target(self._targets.last, price, price, index, self._taker, "trailing")

    def _fill_target(
        self,
        number: int,
        fill: Decimal,
        price: Decimal,
        index: int,
        rate: Decimal,
        reason: str | None,
    ) -> None:
        ledger = self._ledger
        quantity = self._targets.take(number, ledger.remaining, ledger.position_units)
        ledger.exit(quantity, fill, rate)
        self._log.emit(
            "take_profit",
            index,
            price,
            fill_price=fill,
            quantity=quantity,
            step=number + 1,
            reason=reason,
        )
        if self._targets.first_fill() and self._stop.breakeven and ledger.remaining > 0:
            level = ledger.breakeven(
                with_fees=self._breakeven_with_fees, taker_fee_rate=self._taker
            )
            self._stop.move(level, index, price, "breakeven")
        if ledger.remaining == 0:
            self._finish(index, price, "take_profit")

    # -- operations (the fake server and a live hedge call these) ----------------------------

    def force_start(self, price: Decimal) -> list[SimEvent]:
        """Enter now at market at ``price`` instead of waiting for the limit/conditional entry."""
        self._require_state("waiting_entry", "force_start")
        start = self._log.mark()
        self._last_price = price
        self._enter(price, price, self._last_index, self._taker)
        return self._log.since(start)

    def close_at_market(self, price: Decimal) -> list[SimEvent]:
        """Close what is open at ``price`` (market); before the entry this cancels the trade."""
        if self._status == "waiting_entry":
            return self.cancel()
        self._require_state("open", "close_at_market")
        start = self._log.mark()
        self._close_all(price, price, self._last_index, self._taker, "market")
        return self._log.since(start)

    def cancel(self) -> list[SimEvent]:
        """Stop managing the trade: orders cancelled, open units left as they are."""
        if not self.active:
            raise ValueError(f"cannot cancel a trade that is {self._status}")
        self._status = "cancelled"
        price = self._last_price if self._last_price is not None else _ZERO
        return [self._log.emit("cancelled", self._last_index, price)]

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
        if not self.entered:
            self._entry_order.units += quantity
            return [self._log.emit("funds_added", self._last_index, price, quantity=quantity)]
        self._ledger.add(quantity, price, self._fee_rate(maker))
        self._resolve_levels()
        event = self._log.emit(
            "funds_added", self._last_index, price, fill_price=price, quantity=quantity
        )
        return [event]

    def reduce_units(
        self, quantity: Decimal, price: Decimal, *, maker: bool = False
    ) -> list[SimEvent]:
        """Close ``quantity`` of the open units at ``price``."""
        self._require_state("open", "reduce_units")
        remaining = self._ledger.remaining
        if not _ZERO < quantity <= remaining:
            raise ValueError(f"quantity must be in (0, {remaining}]")
        start = self._log.mark()
        self._ledger.reduce(quantity, price, self._fee_rate(maker))
        self._log.emit(
            "funds_reduced", self._last_index, price, fill_price=price, quantity=quantity
        )
        if self._ledger.remaining == 0:
            self._finish(self._last_index, price, "funds_reduced")
        return self._log.since(start)

    def replace_take_profit(self, take_profit: TakeProfitParams | None) -> None:
        """Replace the unfilled TP plan (an edit); filled steps stay in the realized PnL."""
        self._require_active("edit the take profit")
        self._targets.replace(take_profit)
        self._resolve_levels()

    def replace_stop_loss(self, stop_loss: StopLossParams | None) -> None:
        """Replace the stop loss (an edit); its distance is kept from the current market price."""
        self._require_active("edit the stop loss")
        self._stop.replace(stop_loss)
        self._resolve_levels(reference=self._last_price)

    def apply_update(self, update: SmartTradeUpdate) -> None:
        """Apply a ``PATCH`` body: entry (before it fills), leverage, take profit, stop loss."""
        self._require_active("edit")
        if update.position is not None:
            if self.entered:
                raise ValueError("the entry can only be edited before it fills")
            self._entry_order.edit(update.position)
        if update.leverage is not None:
            self._ledger.set_leverage(update.leverage)
        if update.take_profit is not None:
            self.replace_take_profit(update.take_profit)
        if update.stop_loss is not None:
            self.replace_stop_loss(update.stop_loss)

    # -- internals ---------------------------------------------------------------------------------

    def _enter(
        self, fill: Decimal, price: Decimal, index: int | None, rate: Decimal | None
    ) -> None:
        quantity = self._entry_order.units
        self._ledger.open(fill, quantity, rate or _ZERO)
        self._status = "open"
        self._resolve_levels(reference=fill)
        self._log.emit("entered", index, price, fill_price=fill, quantity=quantity)

    def _resolve_levels(self, reference: Decimal | None = None) -> None:
        """Resolve percent levels from the entry; place the stop relative to ``reference``."""
        entry = self._ledger.entry
        if entry is None:
            return
        self._targets.resolve(entry)
        self._stop.resolve(entry, reference)

    def _close_all(
        self, fill: Decimal, price: Decimal, index: int | None, rate: Decimal, reason: str
    ) -> None:
        quantity = self._ledger.remaining
        self._ledger.exit(quantity, fill, rate)
        if reason == "stop_loss":
            self._log.emit("stop_loss", index, price, fill_price=fill, quantity=quantity)
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
        self._stop.cancel_order()
        self._targets.stop_trailing()
        self._log.emit("closed", index, price, fill_price=fill, quantity=quantity, reason=reason)

    def _fee_rate(self, maker: bool) -> Decimal:
        return self._maker if maker else self._taker

    def _require_state(self, state: EngineStatus, action: str) -> None:
        if self._status != state:
            raise ValueError(f"cannot {action}: the trade is {self._status}")

    def _require_active(self, action: str) -> None:
        if not self.active:
            raise ValueError(f"cannot {action}: the trade is {self._status}")


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
    exchange: Exchange = "binance",
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
        exchange=exchange,
        wallet_balance=wallet_balance,
        funding_rate=funding_rate,
        funding_interval_hours=funding_interval_hours,
    )
    for index, price in enumerate(prices):
        if not engine.active:
            break
        engine.step(price, index=index)
    return engine.result()
