"""The books of a simulated position: entry average, open units, exits, PnL, fees, funding, and
the wallet balance behind it with its liquidation price."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from threecommas_hedge.hedge._costs import funding_payment
from threecommas_hedge.hedge.liquidation import (
    Exchange,
    LeverageBracket,
    default_brackets,
    liquidation_price,
)
from threecommas_hedge.models.smart_trade_params import LeverageParams

from ._common import ONE, ZERO, require
from .events import EventLog

__all__ = ["Ledger"]


class Ledger:
    """What the position holds and has earned; see ``SmartTradeEngine`` for the rules.

    ``side`` is +1 for a long, -1 for a short. Isolated margin's wallet is the initial margin,
    released pro rata as units close; cross margin's is ``wallet_balance`` (held constant).
    """

    def __init__(
        self,
        side: Decimal,
        log: EventLog,
        *,
        leverage: LeverageParams | None,
        brackets: Sequence[LeverageBracket],
        exchange: Exchange = "binance",
        wallet_balance: Decimal | None,
        funding_rate: Decimal,
        funding_interval_hours: Decimal | int,
    ) -> None:
        self._side = side
        self._log = log
        self.leverage = leverage
        self._brackets = tuple(brackets)
        self._exchange = exchange
        self._given_wallet = wallet_balance
        self.funding_rate = funding_rate
        self._funding_every = Decimal(funding_interval_hours) * 3600
        self._funding_settled = 0  # settlements passed so far (paid or not)
        self.funding = ZERO
        self.entry: Decimal | None = None
        self.entry_fee_rate = ZERO
        self.position_units = ZERO
        self.remaining = ZERO
        self.realized = ZERO
        self.fees = ZERO
        self.entry_fees = ZERO  # the part of ``fees`` paid on the entry and adds
        self._exits: list[tuple[Decimal, Decimal]] = []
        self.wallet: Decimal | None = None
        self.liquidation: Decimal | None = None

    @property
    def side(self) -> Literal["long", "short"]:
        """``long`` or ``short``."""
        return "long" if self._side > 0 else "short"

    @property
    def closed_quantity(self) -> Decimal:
        """Units closed so far."""
        return sum((quantity for quantity, _ in self._exits), ZERO)

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
        return sum((quantity * price for quantity, price in self._exits), ZERO) / closed

    def unrealized_pnl(self, price: Decimal) -> Decimal:
        """Gross PnL of the open units at ``price``."""
        if self.entry is None:
            return ZERO
        return self._side * (price - self.entry) * self.remaining

    def breakeven(self, *, with_fees: bool, taker_fee_rate: Decimal) -> Decimal:
        """The entry, or the price that also covers the entry fee and a taker exit."""
        entry = require(self.entry)
        if not with_fees:
            return entry
        side = self._side
        return entry * (ONE + side * self.entry_fee_rate) / (ONE - side * taker_fee_rate)

    # -- changes ---------------------------------------------------------------------------------

    def open(self, fill: Decimal, quantity: Decimal, rate: Decimal) -> None:
        """The entry filled: ``quantity`` at ``fill``, paying ``rate``."""
        self.entry = fill
        self.entry_fee_rate = rate
        self.position_units = self.remaining = quantity
        self.fees += quantity * fill * rate
        self.entry_fees += quantity * fill * rate
        self.wallet = self._initial_wallet(fill, quantity)
        self._update_liquidation()

    def add(self, quantity: Decimal, price: Decimal, rate: Decimal) -> None:
        """Add ``quantity`` at ``price``, averaging the entry."""
        entry = require(self.entry)
        open_before = self.remaining
        self.entry = (entry * open_before + price * quantity) / (open_before + quantity)
        self.position_units += quantity
        self.remaining += quantity
        self.fees += quantity * price * rate
        self.entry_fees += quantity * price * rate
        if self.wallet is not None and self._margin_type() == "isolated":
            self.wallet += quantity * price / self._leverage_value()
        self._update_liquidation()

    def reduce(self, quantity: Decimal, price: Decimal, rate: Decimal) -> None:
        """Take ``quantity`` out of the position at ``price``."""
        self.position_units -= quantity
        self.exit(quantity, price, rate)

    def exit(self, quantity: Decimal, fill: Decimal, rate: Decimal) -> None:
        """Close ``quantity`` at ``fill``, paying ``rate``."""
        entry = require(self.entry)
        before = self.remaining
        self.realized += self._side * (fill - entry) * quantity
        self.fees += quantity * fill * rate
        self._exits.append((quantity, fill))
        self.remaining = before - quantity
        if self.wallet is not None and self._margin_type() == "isolated":
            self.wallet = self.wallet * self.remaining / before
        self._update_liquidation()

    def liquidated_at(self, price: Decimal) -> bool:
        """Whether ``price`` is at or past the liquidation price."""
        lp = self.liquidation
        return lp is not None and self._side * (lp - price) >= 0

    def liquidate(self) -> tuple[Decimal, Decimal, Decimal]:
        """Close everything at the bankruptcy price, losing the wallet balance; returns the
        quantity, the bankruptcy price and the liquidation price."""
        level = require(self.liquidation)
        entry, wallet, quantity = require(self.entry), require(self.wallet), self.remaining
        bankruptcy = entry - self._side * wallet / quantity
        self._exits.append((quantity, bankruptcy))
        self.realized -= wallet
        self.remaining = ZERO
        self.wallet = None
        self.liquidation = None
        return quantity, bankruptcy, level

    def set_leverage(self, leverage: LeverageParams) -> None:
        """An edit of the leverage: the wallet and the liquidation price follow."""
        self.leverage = leverage
        if self.entry is not None:
            self.wallet = self._initial_wallet(self.entry, self.remaining)
            self._update_liquidation()

    def settle_funding(
        self, now: Decimal | None, price: Decimal, index: int, *, is_open: bool
    ) -> None:
        """Pay every settlement the clock has passed, on the units open before this step."""
        if now is None:
            raise ValueError("funding needs now_seconds or step_seconds (the clock)")
        due = int(now // self._funding_every)
        while self._funding_settled < due:
            self._funding_settled += 1
            if not is_open or self.remaining <= 0:
                continue
            amount = funding_payment(self.side, self.remaining, price, self.funding_rate)
            self.funding += amount
            self._log.emit("funding", index, price, quantity=self.remaining, amount=amount)

    # -- margin ----------------------------------------------------------------------------------

    def _initial_wallet(self, entry: Decimal, quantity: Decimal) -> Decimal | None:
        if self.leverage is None or not self.leverage.enabled:
            return None
        if self._given_wallet is not None or self._margin_type() == "cross":
            return self._given_wallet
        return quantity * entry / self._leverage_value()

    def _update_liquidation(self) -> None:
        entry, wallet = self.entry, self.wallet
        if entry is None or wallet is None or self.remaining <= 0:
            self.liquidation = None
            return
        self.liquidation = liquidation_price(
            side=self.side,
            quantity=self.remaining,
            entry_price=entry,
            wallet_balance=wallet,
            brackets=self._brackets or default_brackets(self._leverage_value()),
            exchange=self._exchange,
        )

    def _margin_type(self) -> str:
        return require(self.leverage).type or "isolated"

    def _leverage_value(self) -> Decimal:
        return Decimal(require(self.leverage).value or 1)
