"""The fake's world: accounts, prices, market rules and SmartTrades, with the API's operations.

Operations raise `ApiError` with the API's status and body when a request cannot be served.
Whatever the mode, a caller only sees the accounts (and their trades) of that mode: another
mode's account is answered as unknown (403 on create, 404 elsewhere, absent from lists).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

from threecommas_hedge.models import MarketRules

from ._accounts import AccountKind, AccountMode, FakeAccount
from ._checks import (
    check_funds,
    check_leverage,
    check_prices,
    check_targets,
    check_units,
    entry_reference,
)
from ._clock import FakeClock
from ._errors import ApiError, forbidden_account, invalid, not_found, wrong_params
from ._render import render_smart_trade, render_trades
from ._trade import FakeSmartTrade, Step
from ._validation import Errors, validate_create, validate_funds, validate_note, validate_update

__all__ = ["FakeState"]

_OPEN = ("waiting_position", "waiting_targets")


def _forbidden(description: str) -> ApiError:
    return ApiError(403, "Forbidden", description)


class FakeState:
    """Accounts, prices, rules and trades on one clock (the caller holds the lock)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.accounts: dict[int, FakeAccount] = {}
        self.prices: dict[str, Decimal] = {}
        self.rules: dict[str, MarketRules] = {}
        self.trades: dict[int, FakeSmartTrade] = {}
        self.balances: dict[int, dict[str, tuple[Decimal, Decimal | None]]] = {}
        """account id -> coin -> (amount, usd price or None for the market's)"""
        self._account_ids = itertools.count(32_000_001)
        self._trade_ids = itertools.count(30_000_001)
        self._sub_ids = itertools.count(1_000_000_001)
        self.user_mode: AccountMode = "paper"

    # -- the world (test-side) -----------------------------------------------------------------

    def add_account(self, kind: AccountKind, mode: AccountMode, **options: Any) -> FakeAccount:
        """Connect a new account."""
        account = FakeAccount.make(
            next(self._account_ids), kind, mode, created_at=self.clock.utcnow(), **options
        )
        self.accounts[account.id] = account
        return account

    def set_price(self, pair: str, price: Decimal) -> None:
        """Move the market of ``pair``: pending actions complete first, then the trades run."""
        if not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
            raise ValueError("price must be a positive, finite Decimal")
        self.settle()
        self.prices[pair] = price
        self._step(pair)

    def advance(self, seconds: float) -> None:
        """Let time pass: pending actions complete, stop-loss timeouts can fire."""
        self.clock.advance(seconds)
        self.settle()
        for pair in {trade.pair for trade in self.trades.values()}:
            self._step(pair)

    def settle(self) -> None:
        """Complete every pending action at the current price (the fake's next tick)."""
        now, seconds = self.clock.utcnow(), self._seconds()
        for trade in self.trades.values():
            if trade.pending is not None:
                trade.settle(self.prices[trade.pair], now, seconds)

    def _step(self, pair: str) -> None:
        price = self.prices.get(pair)
        if price is None:
            return
        now, seconds = self.clock.utcnow(), self._seconds()
        for trade in self.trades.values():
            if trade.pair == pair:
                trade.step(price, now, seconds)

    def _seconds(self) -> Decimal:
        return Decimal(repr(self.clock.now()))

    # -- lookups -------------------------------------------------------------------------------

    def visible_accounts(self, mode: AccountMode) -> list[FakeAccount]:
        """The accounts a caller in ``mode`` sees, oldest first."""
        return [account for account in self.accounts.values() if account.mode == mode]

    def account(self, account_id: int, mode: AccountMode) -> FakeAccount:
        """An account of this mode, else 404."""
        account = self.accounts.get(account_id)
        if account is None or account.mode != mode:
            raise not_found("Account")
        return account

    def visible_trades(self, mode: AccountMode) -> Iterator[FakeSmartTrade]:
        """Trades on accounts of ``mode``."""
        return (trade for trade in self.trades.values() if trade.account.mode == mode)

    def trade(self, trade_id: int, mode: AccountMode) -> FakeSmartTrade:
        """A trade of this mode, else 404 ``Smart Trade not found``."""
        trade = self.trades.get(trade_id)
        if trade is None or trade.account.mode != mode:
            raise not_found()
        return trade

    def render(self, trade: FakeSmartTrade) -> dict[str, Any]:
        """The SmartTrade entity of ``trade`` now."""
        return render_smart_trade(trade, self.prices[trade.pair])

    def render_trades(self, trade: FakeSmartTrade) -> list[dict[str, Any]]:
        """The Trade entities of ``trade`` now."""
        return render_trades(trade, self.prices[trade.pair])

    # -- SmartTrade operations -----------------------------------------------------------------

    def create(self, body: Any, mode: AccountMode) -> FakeSmartTrade:
        """``POST /v2/smart_trades``."""
        attributes, payload = validate_create(body)
        if payload is None:
            raise invalid(attributes)
        account = self.accounts.get(payload.account_id)
        if account is None or account.mode != mode:
            raise forbidden_account()
        if not account.smart_trading_supported:
            raise invalid({"account_id": ["does not support SmartTrade"]})
        market = self.prices.get(payload.pair)
        if market is None:
            raise invalid({"pair": ["is not traded here (no price: call fake.set_price first)"]})
        rules = self.rules.get(payload.pair)
        errors = Errors()
        position = payload.position
        limit = position.price.value if position.price is not None else None
        trigger = position.conditional.price.value if position.conditional is not None else None
        reference = (
            market
            if payload.skip_enter_step
            else entry_reference(position.order_type, limit, trigger, market)
        )
        check_leverage(errors, payload.leverage, account, rules)
        check_units(errors, position.units.value, reference, rules)
        check_prices(
            errors,
            [
                (("position", "price", "value"), limit),
                (("position", "conditional", "price", "value"), trigger),
            ],
            rules,
        )
        check_targets(
            errors, position.type, reference, payload.take_profit, payload.stop_loss, rules
        )
        if errors:
            raise invalid(errors.attributes)
        trade = FakeSmartTrade(
            next(self._trade_ids),
            account,
            payload,
            new_id=lambda: next(self._sub_ids),
            now=self.clock.utcnow(),
        )
        self.trades[trade.id] = trade
        return trade

    def edit(self, trade: FakeSmartTrade, body: Any) -> None:
        """``PATCH /v2/smart_trades/{id}``: only while waiting for the position or the targets."""
        if trade.status not in _OPEN:
            raise wrong_params("Smart trade is not editable in the current status")
        attributes, update = validate_update(body)
        if update is None:
            raise invalid(attributes)
        errors = Errors()
        active = {step.id for step in trade.active_steps}
        if update.take_profit is not None:
            for index, step in enumerate(update.take_profit.steps):
                if step.id is not None and step.id not in active:
                    errors.add(("take_profit", "steps", index, "id"), "is invalid")
        position = update.position
        if position is not None:
            if trade.entered:
                errors.add("position", "can only be edited before the entry fills")
            if position.conditional is not None and trade.conditional is None:
                errors.add(
                    ("position", "conditional"), "is allowed only with order_type conditional"
                )
        stop_loss = update.stop_loss
        if (
            update.take_profit is None
            and stop_loss is not None
            and stop_loss.enabled
            and stop_loss.breakeven
            and len(trade.steps) < 2
        ):
            errors.add(("stop_loss", "breakeven"), "needs at least 2 take profit steps")
        rules = self.rules.get(trade.pair)
        market = self.prices[trade.pair]
        check_leverage(errors, update.leverage, trade.account, rules)
        limit = position.price.value if position and position.price else trade.limit_price
        conditional = position.conditional if position and position.conditional else None
        conditional = conditional or trade.conditional
        trigger = conditional.price.value if conditional is not None else None
        reference = (
            market
            if trade.entered or trade.payload.skip_enter_step
            else entry_reference(trade.payload.position.order_type, limit, trigger, market)
        )
        if position is not None and position.units is not None:
            check_units(errors, position.units.value, reference, rules)
        check_targets(errors, trade.side, reference, update.take_profit, stop_loss, rules)
        if errors:
            raise invalid(errors.attributes)
        try:
            trade.edit(update, self.clock.utcnow())
        except ValueError as exc:
            raise invalid({"base": [str(exc)]}) from None

    def cancel(self, trade: FakeSmartTrade) -> None:
        """``DELETE /v2/smart_trades/{id}``."""
        if trade.status not in ("created", *_OPEN, "pending_reduce_funds"):
            raise _forbidden("Smart trade cannot be cancelled in the current status")
        trade.request_cancel(self.clock.utcnow())

    def close_by_market(self, trade: FakeSmartTrade) -> None:
        """``POST .../close_by_market``: the whole position, at market."""
        if trade.status not in ("waiting_targets", "pending_reduce_funds"):
            raise _forbidden("Smart trade cannot be closed by market in the current status")
        trade.request_close(self.clock.utcnow())

    def force_start(self, trade: FakeSmartTrade) -> None:
        """``POST .../force_start``: enter now at market."""
        if trade.status != "waiting_position" or trade.payload.position.order_type == "market":
            raise _forbidden("Smart trade cannot be force started in the current status")
        trade.request_force_start(self.clock.utcnow())

    def set_note(self, trade: FakeSmartTrade, body: Any) -> None:
        """``POST .../set_note``."""
        attributes, request = validate_note(body)
        if request is None:
            raise invalid(attributes, status=400)
        trade.set_note(request.note, self.clock.utcnow())

    def add_funds(self, trade: FakeSmartTrade, body: Any) -> None:
        """``POST .../add_funds``: averages the entry; not for simple or trailing trades."""
        if trade.status not in _OPEN or trade.payload.instant or trade.trailing:
            raise wrong_params("Add funds is not allowed in the current status")
        self._funds(trade, body, "add")

    def reduce_funds_info(self, trade: FakeSmartTrade) -> dict[str, Any]:
        """``GET .../reduce_funds_info``: base units that can be taken out."""
        if trade.status != "waiting_targets":
            raise wrong_params("Reduce funds is not allowed in the current status")
        return {"max_reduce_funds_amount": format(trade.max_reduce, "f")}

    def reduce_funds(self, trade: FakeSmartTrade, body: Any) -> None:
        """``POST .../reduce_funds``: a partial exit."""
        if trade.status != "waiting_targets":
            raise wrong_params("Reduce funds is not allowed in the current status")
        self._funds(trade, body, "reduce")

    def _funds(self, trade: FakeSmartTrade, body: Any, kind: Literal["add", "reduce"]) -> None:
        attributes, request = validate_funds(body)
        if request is None:
            raise invalid(attributes, status=400)
        if kind == "reduce" and request.units.value > trade.max_reduce:
            raise invalid({"entered_amount": ["Too small"]})
        attributes = check_funds(request, self.prices[trade.pair], self.rules.get(trade.pair))
        if attributes:
            raise invalid(attributes)
        price = request.price.value if request.price is not None else None
        trade.add_funds_order(
            kind, request.order_type, request.units.value, price, self.clock.utcnow()
        )

    # -- one trade of a SmartTrade -------------------------------------------------------------

    def _find_step(self, trade: FakeSmartTrade, trade_id: int) -> Step | None:
        return next((step for step in trade.steps if step.id == trade_id), None)

    def close_trade(self, trade: FakeSmartTrade, trade_id: int) -> None:
        """Close one take-profit trade at market."""
        step = self._find_step(trade, trade_id)
        if step is None:
            raise not_found("Trade")
        if step.state != "active" or trade.status != "waiting_targets":
            raise _forbidden("Trade cannot be closed by market in the current status")
        trade.request_close_step(step, self.clock.utcnow())

    def cancel_trade(self, trade: FakeSmartTrade, trade_id: int) -> None:
        """Cancel one trade; the last take profit, the stop loss or the entry cancel everything."""
        if trade.terminal or trade.pending is not None:
            raise _forbidden("Trade cannot be cancelled in the current status")
        now = self.clock.utcnow()
        step = self._find_step(trade, trade_id)
        order = next((o for o in trade.funds if o.id == trade_id), None)
        whole = (trade.stop_loss_id, trade.position_trade_id)
        if step is None and order is None and trade_id not in whole:
            raise not_found("Trade")
        stop_loss_on = trade.stop_loss is not None and trade.stop_loss.enabled
        cancels_all = (trade_id == trade.stop_loss_id and stop_loss_on) or (
            trade_id == trade.position_trade_id and not trade.entered
        )
        if step is not None and step.state == "active":
            if len(trade.active_steps) == 1:
                trade.request_cancel(now)
            else:
                trade.cancel_step(step, now)
        elif order is not None and order.state == "placed":
            order.state, order.closed_at = "cancelled", now
            trade.updated_at = now
        elif cancels_all:
            trade.request_cancel(now)
        else:
            raise _forbidden("Trade cannot be cancelled in the current status")
