"""Liquidation price of an isolated futures position, one-way mode (hedge-math section 4).

Linear (USDT-margined) contracts follow Binance's published formula with the maintenance bracket
re-read at the liquidation notional::

    LP = (WB + cum - side*Q*EP) / (Q*MMR - side*Q)        side = +1 long, -1 short

Inverse (coin-margined) contracts of ``contract_size`` USD each, wallet balance in the coin, bracket
notional in the coin (``N*CM/LP``)::

    short: LP = N*CM*(1 - MMR) / (N*CM/EP - WB - cum)
    long:  LP = N*CM*(1 + MMR) / (N*CM/EP + WB + cum)

``None`` means the position cannot be liquidated (a linear long backed by its whole notional, an
inverse short backed by at least the hedged coin).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from threecommas_hedge._exceptions import HedgeValidationError

from ._inputs import decimal_of

PositionSide = Literal["long", "short"]

_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True)
class LeverageBracket:
    """One maintenance-margin tier: applies from ``notional_floor`` up to the next tier's floor.

    ``maintenance_amount`` is the exchange's ``cum`` (Binance's "maintenance amount"); build a
    consistent ladder from floors and rates with :meth:`ladder`.
    """

    notional_floor: Decimal
    maintenance_margin_rate: Decimal
    maintenance_amount: Decimal = _ZERO

    def __post_init__(self) -> None:
        floor = decimal_of("notional_floor", self.notional_floor)
        rate = decimal_of("maintenance_margin_rate", self.maintenance_margin_rate)
        amount = decimal_of("maintenance_amount", self.maintenance_amount)
        if floor < 0:
            raise HedgeValidationError("notional_floor", f"must not be negative (got {floor})")
        if not _ZERO <= rate < _ONE:
            raise HedgeValidationError("maintenance_margin_rate", f"must be in [0, 1) (got {rate})")
        if amount < 0:
            raise HedgeValidationError("maintenance_amount", f"must not be negative (got {amount})")
        object.__setattr__(self, "notional_floor", floor)
        object.__setattr__(self, "maintenance_margin_rate", rate)
        object.__setattr__(self, "maintenance_amount", amount)

    @staticmethod
    def ladder(tiers: Iterable[tuple[Decimal, Decimal]]) -> tuple[LeverageBracket, ...]:
        """Brackets from ``(notional_floor, maintenance_margin_rate)`` pairs, ``cum`` derived.

        ``cum_n = cum_(n-1) + floor_n * (MMR_n - MMR_(n-1))``, which keeps the maintenance margin
        continuous across tier boundaries.
        """
        brackets: list[LeverageBracket] = []
        cum, previous_rate = _ZERO, _ZERO
        for floor, rate in sorted(tiers):
            if brackets:
                cum += floor * (rate - previous_rate)
            brackets.append(LeverageBracket(floor, rate, cum))
            previous_rate = rate
        return tuple(brackets)


Exchange = Literal["binance", "bybit"]
EXCHANGES: tuple[Exchange, ...] = ("binance", "bybit")

CONSERVATIVE_NOTE = "conservative estimate; pass the market's brackets for the exact price"
"""What every output says next to a liquidation price estimated without brackets."""


def default_maintenance_margin_rate(leverage: Decimal) -> Decimal:
    """MMR assumed without brackets at leverage ``L``: ``1/(2L)``, maintenance amount 0.

    Binance and Bybit tiers all satisfy ``MMR <= 1/(2 * max leverage of the tier)``, so this is
    the highest rate at which an exchange still grants ``L``: the estimate errs toward the entry
    on every market (altcoins and large notionals included).
    """
    if leverage <= 0:
        raise ValueError("leverage must be positive")
    return _ONE / (2 * leverage)


def _positive(field: str, value: object) -> Decimal:
    result = decimal_of(field, value)
    if result <= 0:
        raise HedgeValidationError(field, f"must be positive (got {result})")
    return result


def default_brackets(leverage: Decimal) -> tuple[LeverageBracket, ...]:
    """The one-bracket ladder the builder, the scenario and the engine assume without brackets."""
    return (LeverageBracket(_ZERO, default_maintenance_margin_rate(leverage), _ZERO),)


def bracket_for(brackets: Sequence[LeverageBracket], notional: Decimal) -> LeverageBracket:
    """The bracket whose range holds ``notional`` (the lowest one below every floor)."""
    if not brackets:
        raise ValueError("at least one leverage bracket is needed")
    ordered = sorted(brackets, key=lambda bracket: bracket.notional_floor)
    chosen = ordered[0]
    for bracket in ordered:
        if bracket.notional_floor <= notional:
            chosen = bracket
    return chosen


def initial_margin(
    quantity: Decimal,
    entry_price: Decimal,
    leverage: Decimal,
    *,
    contract_size: Decimal | None = None,
) -> Decimal:
    """Margin posted for a position: ``Q*EP/L`` (quote), or ``N*CM/(EP*L)`` coin for inverse."""
    if leverage <= 0:
        raise ValueError("leverage must be positive")
    if contract_size is None:
        return quantity * entry_price / leverage
    return quantity * contract_size / (entry_price * leverage)


def liquidation_price(
    *,
    side: PositionSide,
    quantity: Decimal,
    entry_price: Decimal,
    wallet_balance: Decimal,
    brackets: Sequence[LeverageBracket],
    contract_size: Decimal | None = None,
    exchange: Exchange = "binance",
) -> Decimal | None:
    """Price at which an isolated position is liquidated, or ``None`` if it cannot be.

    ``quantity`` is in base units (linear) or contracts (inverse, with ``contract_size`` in USD);
    ``wallet_balance`` is the margin behind the position (quote, or coin for inverse). The bracket
    is read at the entry notional, the price computed, the bracket re-read at the notional at that
    price, until it no longer changes. Raises ``ValueError`` for non-positive inputs, or if the
    brackets' maintenance amounts are inconsistent enough that no bracket is stable.

    ``exchange="bybit"`` uses Bybit's linear formula, maintenance margin valued at the entry (the
    bracket is the one of the entry notional): ``LP = EP -/+ (WB - Q*EP*MMR + deduction)/Q`` for a
    long/short, ``deduction`` being the bracket's ``maintenance_amount``. Linear contracts only.
    """
    if side not in ("long", "short"):
        raise HedgeValidationError("side", f"must be 'long' or 'short' (got {side!r})")
    quantity = _positive("quantity", quantity)
    entry_price = _positive("entry_price", entry_price)
    wallet_balance = decimal_of("wallet_balance", wallet_balance)
    if wallet_balance < 0:
        raise HedgeValidationError("wallet_balance", f"must not be negative (got {wallet_balance})")
    if contract_size is not None:
        contract_size = _positive("contract_size", contract_size)
    if exchange not in EXCHANGES:
        raise ValueError(f"exchange must be 'binance' or 'bybit', got {exchange!r}")
    if exchange == "bybit":
        if contract_size is not None:
            raise ValueError("the bybit formula is for linear contracts (no contract_size)")
        return _bybit_linear(side, quantity, entry_price, wallet_balance, brackets)

    def notional(price: Decimal) -> Decimal:
        if contract_size is None:
            return quantity * price
        return quantity * contract_size / price

    bracket = bracket_for(brackets, notional(entry_price))
    tried: set[LeverageBracket] = set()
    while True:
        price = _price_for_bracket(
            side, quantity, entry_price, wallet_balance, bracket, contract_size
        )
        if price is None:
            return None
        again = bracket_for(brackets, notional(price))
        if again == bracket:
            return _plain(price)
        tried.add(bracket)
        if again in tried:
            raise ValueError("leverage brackets give no stable liquidation price (check cum)")
        bracket = again


def _bybit_linear(
    side: PositionSide,
    quantity: Decimal,
    entry_price: Decimal,
    wallet_balance: Decimal,
    brackets: Sequence[LeverageBracket],
) -> Decimal | None:
    bracket = bracket_for(brackets, quantity * entry_price)
    cushion = (
        wallet_balance
        - quantity * entry_price * bracket.maintenance_margin_rate
        + bracket.maintenance_amount
    ) / quantity
    price = entry_price + cushion if side == "short" else entry_price - cushion
    return _plain(price) if price > 0 else None


def _plain(price: Decimal) -> Decimal:
    """A whole price without an exponent (``7.20E+4`` -> ``72000``); others unchanged."""
    return price.quantize(_ONE) if price == price.to_integral_value() else price


def _price_for_bracket(
    side: PositionSide,
    quantity: Decimal,
    entry_price: Decimal,
    wallet_balance: Decimal,
    bracket: LeverageBracket,
    contract_size: Decimal | None,
) -> Decimal | None:
    rate, cum = bracket.maintenance_margin_rate, bracket.maintenance_amount
    if contract_size is None:
        sign = _ONE if side == "long" else -_ONE
        price = (wallet_balance + cum - sign * quantity * entry_price) / (
            quantity * rate - sign * quantity
        )
        return price if price > 0 else None
    face = quantity * contract_size
    if side == "short":
        denominator = face / entry_price - wallet_balance - cum
        return face * (_ONE - rate) / denominator if denominator > 0 else None
    return face * (_ONE + rate) / (face / entry_price + wallet_balance + cum)
