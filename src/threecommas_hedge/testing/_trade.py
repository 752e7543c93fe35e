"""One SmartTrade held by the fake: the request it came from, its ids, and the engine that runs it.

The mechanics (entry, take profits, stop loss, trailing, breakeven, timeouts, liquidation) are
those of `threecommas_hedge.hedge.simulate.SmartTradeEngine`; this module only keeps what the API
shows on top of it: step and trade ids, in-between statuses, funds orders and timestamps.

Actions answer with the in-between status the API shows (``created``, ``panic_sell_pending``,
``cancellation_pending``, ``pending_reduce_funds``...) and complete when the fake next *settles*:
at the start of the next request, or on ``set_price`` / ``advance`` (at the price of that moment).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from threecommas_hedge.hedge.simulate import SimEvent, SmartTradeEngine
from threecommas_hedge.models.smart_trade_params import (
    LeverageParams,
    PositionConditionalParams,
    SmartTradeCreate,
    SmartTradeUpdate,
    StopLossParams,
    TakeProfitParams,
    TakeProfitStepParams,
)

from ._accounts import FakeAccount

__all__ = ["FakeSmartTrade", "FundsOrder", "Pending", "Step"]

Pending = Literal["create", "close", "cancel", "force_start", "close_step", "funds"]
StepState = Literal["active", "panic_pending", "filled", "cancelled"]
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)


@dataclass
class Step:
    """A take-profit step as the API shows it (the engine only knows its position in the plan)."""

    id: int
    order_type: str
    volume: Decimal
    price_type: str
    value: Decimal | None
    percent: Decimal | None
    trailing_percent: Decimal | None
    state: StepState = "active"
    trailing_active: bool = False
    fill_price: Decimal | None = None
    fill_quantity: Decimal | None = None
    closed_at: datetime | None = None

    @classmethod
    def from_model(cls, step_id: int, step: TakeProfitStepParams) -> Step:
        """A new step from a request's step."""
        trailing = step.trailing
        return cls(
            id=step_id,
            order_type=step.order_type,
            volume=step.volume,
            price_type=step.price.type or "last",
            value=step.price.value,
            percent=step.price.percent,
            trailing_percent=trailing.percent
            if trailing is not None and trailing.enabled
            else None,
        )

    def plan_entry(self, market: Decimal | None = None) -> dict[str, object]:
        """This step as a request step for the engine; ``market`` closes it now at that price."""
        if market is not None:
            return {"order_type": "market", "volume": self.volume, "price": {"value": market}}
        price: dict[str, object] = (
            {"value": self.value} if self.value is not None else {"percent": self.percent}
        )
        entry: dict[str, object] = {
            "order_type": self.order_type,
            "volume": self.volume,
            "price": price,
        }
        if self.trailing_percent is not None:
            entry["trailing"] = {"enabled": True, "percent": self.trailing_percent}
        return entry


@dataclass
class FundsOrder:
    """An add-funds or reduce-funds order: market (filled on settle) or limit (filled when hit)."""

    id: int
    kind: Literal["add", "reduce"]
    order_type: str
    units: Decimal
    price: Decimal | None
    created_at: datetime
    state: Literal["pending", "placed", "filled", "cancelled"] = "pending"
    fill_price: Decimal | None = None
    fee_rate: Decimal | None = None
    closed_at: datetime | None = None


class FakeSmartTrade:
    """A SmartTrade: its request, ids and timestamps, and its engine once the fake settled it."""

    def __init__(
        self,
        trade_id: int,
        account: FakeAccount,
        payload: SmartTradeCreate,
        *,
        new_id: Callable[[], int],
        now: datetime,
    ) -> None:
        self.id = trade_id
        self.account = account
        self.payload = payload
        self.pair = payload.pair
        self.side = payload.position.type
        self.type = payload.trade_type
        self.note = payload.note or ""
        self.leverage: LeverageParams | None = payload.leverage
        self.limit_price = payload.position.price.value if payload.position.price else None
        self.conditional: PositionConditionalParams | None = payload.position.conditional
        self.take_profit_enabled = bool(payload.take_profit and payload.take_profit.enabled)
        self.stop_loss: StopLossParams | None = payload.stop_loss
        self._new_id = new_id
        self.position_trade_id = new_id()
        self.stop_loss_id = new_id()
        steps = (
            payload.take_profit.steps if self.take_profit_enabled and payload.take_profit else []
        )
        self.steps = [Step.from_model(new_id(), step) for step in steps]
        self._engine_plan = list(self.steps)
        self.funds: list[FundsOrder] = []
        self.created_at = self.updated_at = now
        self.closed_at: datetime | None = None
        self.entered_at: datetime | None = None
        self.entered_amount = _ZERO
        self.entered_total = _ZERO
        self.stop_loss_fill: tuple[Decimal, Decimal] | None = None
        self.market_close: tuple[Decimal, Decimal] | None = None
        self.market_close_id: int | None = None
        self.liquidated = False
        self.engine: SmartTradeEngine | None = None
        self.pending: Pending | None = "create"
        self._closing_step: int | None = None

    # -- what the API shows --------------------------------------------------------------------

    @property
    def status(self) -> str:
        """The SmartTrade's ``status.basic_type``."""
        if self.pending == "create":
            return "created"
        if self.pending == "close":
            return "panic_sell_pending"
        if self.pending == "cancel":
            return "cancellation_pending"
        engine = self._engine
        if engine.status == "cancelled":
            return "cancelled"
        if self.liquidated:
            return "failed"
        if engine.status == "closed" or (self.payload.instant and engine.entered):
            return "finished"
        if not engine.entered:
            return "waiting_position"
        if any(
            order.kind == "reduce" and order.state in ("pending", "placed") for order in self.funds
        ):
            return "pending_reduce_funds"
        return "waiting_targets"

    @property
    def terminal(self) -> bool:
        """Finished, cancelled or failed."""
        return self.status in ("finished", "cancelled", "failed")

    @property
    def entered(self) -> bool:
        """Whether the entry has filled."""
        return self.engine is not None and self.engine.entered

    @property
    def units(self) -> Decimal:
        """The position size (the entry's units before it fills)."""
        return self.engine.units if self.engine is not None else self.payload.position.units.value

    @property
    def trailing(self) -> bool:
        """A trailing entry or a trailing take profit: add funds is then not offered."""
        entry = self.conditional is not None and bool(
            self.conditional.trailing and self.conditional.trailing.enabled
        )
        return entry or any(step.trailing_percent is not None for step in self.active_steps)

    @property
    def active_steps(self) -> list[Step]:
        """Steps still working (not filled or cancelled), in plan order."""
        return [step for step in self.steps if step.state in ("active", "panic_pending")]

    @property
    def max_reduce(self) -> Decimal:
        """Base units that reduce funds may still take out."""
        if self.engine is None:
            return _ZERO
        reserved = sum(
            (
                o.units
                for o in self.funds
                if o.kind == "reduce" and o.state in ("pending", "placed")
            ),
            _ZERO,
        )
        return max(self.engine.remaining_quantity - reserved, _ZERO)

    @property
    def entry_armed(self) -> bool:
        """Whether a conditional entry has been triggered (trailing or limit order placed)."""
        engine = self.engine
        return engine is not None and any(e.kind == "entry_armed" for e in engine.events)

    def step_level(self, step: Step) -> Decimal | None:
        """A step's target price: its value, or its percent resolved from the entry."""
        if step.value is not None:
            return step.value
        ids = [planned.id for planned in self._engine_plan]
        if self.engine is not None and step.id in ids:
            return self.engine.take_profit_prices[ids.index(step.id)]
        return step.fill_price

    def profit(self, price: Decimal) -> Decimal | None:
        """Realised plus unrealised PnL at ``price``, net of fees (quote currency).

        A cancelled trade no longer manages its open units: only what it realised counts.
        """
        engine = self.engine
        if engine is None or not engine.entered:
            return None
        open_pnl = engine.unrealized_pnl(price) if engine.status != "cancelled" else _ZERO
        return engine.realized_pnl + open_pnl - engine.fees

    def with_fees(self, price: Decimal, fee: Decimal, quantity: Decimal, *, entry: bool) -> Decimal:
        """A fill ``price`` including the ``fee`` paid on ``quantity`` units: a buy costs more, a
        sell brings in less (the API's commission-inclusive ``price.value``)."""
        buying = (self.side == "buy") == entry
        per_unit = fee / quantity if quantity else _ZERO
        return price + per_unit if buying else price - per_unit

    @property
    def average_entry_with_fees(self) -> Decimal | None:
        """The average entry including what the entry and adds paid, each at its own rate."""
        engine = self.engine
        if engine is None or engine.entry_price is None:
            return None
        return self.with_fees(
            engine.entry_price, engine.entry_fees, self.entered_amount, entry=True
        )

    @property
    def average_exit_with_fees(self) -> Decimal | None:
        """The average close including what the closes paid, each at its own rate."""
        engine = self.engine
        if engine is None or engine.exit_price is None:
            return None
        close_fees = engine.fees - engine.entry_fees
        return self.with_fees(engine.exit_price, close_fees, engine.closed_quantity, entry=False)

    # -- settling ------------------------------------------------------------------------------

    def settle(self, price: Decimal, now: datetime, seconds: Decimal) -> None:
        """Complete the pending action at ``price`` (the fake's next tick)."""
        pending, self.pending = self.pending, None
        if pending == "create":
            self.engine = SmartTradeEngine(
                self.payload,
                maker_fee_rate=self.account.fees.maker,
                taker_fee_rate=self.account.fees.taker,
            )
            self._absorb(self.engine.step(price, now_seconds=seconds), now)
        elif pending == "close":
            self._absorb(self._engine.close_at_market(price), now)
        elif pending == "cancel":
            self._absorb(self._engine.cancel(), now)
        elif pending == "force_start":
            self._absorb(self._engine.force_start(price), now)
        elif pending == "close_step" and self._closing_step is not None:
            self._close_step_now(self._closing_step, price, now, seconds)
        self._fill_funds(price, now, market_only=True)

    def step(self, price: Decimal, now: datetime, seconds: Decimal) -> None:
        """The market moved (or time passed): run the engine, then resting funds orders."""
        engine = self.engine
        if engine is None or not engine.active or self.pending is not None:
            return
        if self.payload.instant and engine.entered:
            return
        self._absorb(engine.step(price, now_seconds=seconds), now)
        self._fill_funds(price, now, market_only=False)

    # -- actions (checked by the caller; they complete on the next settle) ----------------------

    def request_close(self, now: datetime) -> None:
        """``close_by_market``: close everything at market."""
        self.pending = "close"
        self.updated_at = now

    def request_cancel(self, now: datetime) -> None:
        """``DELETE``: cancel the SmartTrade."""
        self.pending = "cancel"
        self.updated_at = now

    def request_force_start(self, now: datetime) -> None:
        """``force_start``: enter at market now."""
        self.pending = "force_start"
        self.updated_at = now

    def request_close_step(self, step: Step, now: datetime) -> None:
        """Close one take-profit step at market."""
        step.state = "panic_pending"
        self._closing_step = step.id
        self.pending = "close_step"
        self.updated_at = now

    def cancel_step(self, step: Step, now: datetime) -> None:
        """Remove one take-profit step from the plan (at once)."""
        step.state = "cancelled"
        step.closed_at = now
        self._replace_plan(self.active_steps)
        self.updated_at = now

    def add_funds_order(
        self,
        kind: Literal["add", "reduce"],
        order_type: str,
        units: Decimal,
        price: Decimal | None,
        now: datetime,
    ) -> FundsOrder:
        """Queue an add/reduce funds order; market orders fill on the next settle."""
        order = FundsOrder(self._new_id(), kind, order_type, units, price, now)
        if order_type == "limit":
            order.state = "placed"
        else:
            self.pending = self.pending or "funds"
        self.funds.append(order)
        self.updated_at = now
        return order

    def set_note(self, note: str, now: datetime) -> None:
        """Replace the note."""
        self.note = note
        self.updated_at = now

    def edit(self, update: SmartTradeUpdate, now: datetime) -> None:
        """Apply a checked ``PATCH`` body: the engine takes it, the steps get their ids."""
        self._engine.apply_update(update)
        if update.leverage is not None:
            self.leverage = update.leverage
        if update.position is not None:
            if update.position.price is not None:
                self.limit_price = update.position.price.value
            if update.position.conditional is not None:
                self.conditional = update.position.conditional
        if update.take_profit is not None:
            self._replace_steps(update.take_profit)
            self._engine_plan = self.active_steps
        if update.stop_loss is not None:
            self.stop_loss = update.stop_loss
        self.updated_at = now

    # -- internals -----------------------------------------------------------------------------

    @property
    def _engine(self) -> SmartTradeEngine:
        if self.engine is None:
            raise RuntimeError("the trade has not been settled yet")  # pragma: no cover
        return self.engine

    def _replace_steps(self, take_profit: TakeProfitParams) -> None:
        known = {step.id: step for step in self.active_steps}
        done = [step for step in self.steps if step.state in ("filled", "cancelled")]
        self.take_profit_enabled = take_profit.enabled
        plan: list[Step] = []
        if take_profit.enabled:
            for model in take_profit.steps:
                step_id = model.id if model.id in known else self._new_id()
                plan.append(Step.from_model(step_id, model))
        self.steps = done + plan

    def _replace_plan(self, steps: list[Step], market: dict[int, Decimal] | None = None) -> None:
        """Give the engine ``steps`` as its new plan (``market``: step id -> close-now price)."""
        entries = [step.plan_entry((market or {}).get(step.id)) for step in steps]
        plan = TakeProfitParams.model_validate(
            {"enabled": bool(entries), "steps": entries}, context={"check_tp_volumes": False}
        )
        self._engine.replace_take_profit(plan)
        self._engine_plan = list(steps)

    def _close_step_now(
        self, step_id: int, price: Decimal, now: datetime, seconds: Decimal
    ) -> None:
        self._closing_step = None
        engine = self._engine
        if not engine.active:
            return
        self._replace_plan(self.active_steps, {step_id: price})
        self._absorb(engine.step(price, now_seconds=seconds), now)

    def _fill_funds(self, price: Decimal, now: datetime, *, market_only: bool) -> None:
        engine = self.engine
        for order in self.funds:
            if order.state not in ("pending", "placed"):
                continue
            if engine is None or not engine.active or (engine.status == "closed"):
                order.state, order.closed_at = "cancelled", now
                continue
            if order.state == "pending":
                fill, maker = price, False
            elif market_only or not self._limit_reached(order, price):
                continue
            else:
                fill, maker = order.price or price, True
            if order.kind == "add":
                events = engine.add_units(order.units, fill, maker=maker)
            elif engine.entered and order.units <= engine.remaining_quantity:
                events = engine.reduce_units(order.units, fill, maker=maker)
            else:
                order.state, order.closed_at = "cancelled", now
                continue
            order.state, order.fill_price, order.closed_at = "filled", fill, now
            order.fee_rate = self.account.fees.maker if maker else self.account.fees.taker
            self._absorb(events, now)

    def _limit_reached(self, order: FundsOrder, price: Decimal) -> bool:
        limit = order.price or price
        buying = (order.kind == "add") == (self.side == "buy")
        return price <= limit if buying else price >= limit

    def _absorb(self, events: Iterable[SimEvent], now: datetime) -> None:
        plan = self._engine_plan
        changed = False
        for event in events:
            changed = True
            if event.kind in ("entered", "funds_added") and event.fill_price is not None:
                quantity = event.quantity or _ZERO
                self.entered_at = self.entered_at or now
                self.entered_amount += quantity
                self.entered_total += quantity * event.fill_price
                if self.payload.instant:
                    self.closed_at = now
            elif event.kind == "take_profit" and event.step is not None:
                step = plan[event.step - 1]
                step.state, step.closed_at = "filled", now
                step.fill_price, step.fill_quantity = event.fill_price, event.quantity
                step.trailing_active = False
            elif event.kind == "trailing_activated" and event.step is not None:
                plan[event.step - 1].trailing_active = True
            elif event.kind == "stop_loss" and event.fill_price is not None:
                self.stop_loss_fill = (event.fill_price, event.quantity or _ZERO)
            elif event.kind == "liquidated":
                self.liquidated = True
            elif event.kind == "closed" and event.reason == "market" and event.fill_price:
                self.market_close = (event.fill_price, event.quantity or _ZERO)
                self.market_close_id = self._new_id()
            if event.kind in ("closed", "cancelled"):
                self.closed_at = now
        if changed:
            self.updated_at = now
        if self.engine is not None and not self.engine.active:
            for step in self.active_steps:
                step.state, step.closed_at = "cancelled", now
