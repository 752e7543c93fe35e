"""Scenario and risk math of a spot long hedged with a short perpetual (hedge-math sections 1-5).

What :meth:`HedgeScenario.at` models: the market moves **monotonically** from the short's entry
price ``E`` to the scenario price ``P`` (as the use case's two outcomes do), then is valued there.

- Price rises (``P > E``): the stop loss, if known, closes the whole short at its trigger once
  ``P >= SL`` (the article's 62,000 with SL 61,800 gives -900). Without a stop loss before it, an
  isolated (or cross, with ``wallet_balance``) short is liquidated once ``P >= LP`` and its whole
  wallet balance is lost. A trailing stop never moves on the way up, and move-to-breakeven needs
  TP1 first, so neither changes a rising row.
- Price falls (``P < E``): each TP level passed (``P <= TP``) closes its volume % of the short at
  its own price, nearest level first; the farthest one closes whatever is left when the volumes
  add up to 100. What is not closed is valued at ``P``. A trailing last step is reached but never
  fires (a monotone move does not retrace), so that part is valued at ``P``.
- The ``*_linear`` figures are the raw leg ``q_h*(E - P)`` with no SL, TP or liquidation.

Costs: fees on every fill (entry at ``E``, each exit at its price, the open part as if closed at
``P``; none on liquidation, the margin covers it). Funding is the constant estimate of
:data:`FUNDING_NOTE`, for ``holding_days`` whatever happens to the short. Defaults: no fees, no
funding, so the article's numbers come out. Inverse (coin-margined) shorts: ``hedge_quantity`` is a
number of ``contract_size`` USD contracts and every coin amount is valued at the scenario price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from threecommas_hedge.models.requests import SmartTradeCreate

from ._costs import FUNDING_NOTE, estimated_funding, trade_fee
from .liquidation import (
    DEFAULT_BRACKETS,
    DEFAULT_MAINTENANCE_MARGIN_RATE,
    LeverageBracket,
    initial_margin,
    liquidation_price,
)

__all__ = [
    "FUNDING_NOTE",
    "HedgeScenario",
    "RiskReward",
    "ScenarioRow",
    "ScenarioStatus",
    "TargetReward",
]

ScenarioStatus = Literal[
    "open", "partly_closed", "trailing", "take_profit", "stopped", "liquidated"
]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_GRID_MOVES = tuple(Decimal(move) for move in ("-0.2", "-0.1", "-0.05", "0.05", "0.1", "0.2"))


@dataclass(frozen=True)
class ScenarioRow:
    """The combined position at one price; see the module docstring for what is modelled.

    ``hedge_pnl`` is gross (before fees and funding) with SL/TP/liquidation applied;
    ``hedge_cost`` is what the hedge leg costs after fees and funding (positive: the insurance
    premium paid when the price rises; negative: the hedge made money), so
    ``net == spot_pnl - hedge_cost``. ``funding`` is an estimate: see ``funding_note``.
    """

    price: Decimal
    spot_pnl: Decimal
    hedge_pnl: Decimal
    fees: Decimal
    funding: Decimal
    net: Decimal
    hedge_cost: Decimal
    hedge_pnl_linear: Decimal
    net_linear: Decimal
    status: ScenarioStatus
    label: str = ""
    funding_note: str = FUNDING_NOTE


@dataclass(frozen=True)
class TargetReward:
    """The hedge leg's result when one TP step fills at its price (fees split pro rata)."""

    price: Decimal
    volume: Decimal
    quantity: Decimal
    gross: Decimal
    fees: Decimal

    @property
    def net(self) -> Decimal:
        """Gross minus fees."""
        return self.gross - self.fees


@dataclass(frozen=True)
class RiskReward:
    """Reward at the TP steps against risk at the SL, for the hedge leg alone (our formulas).

    ``reward = sum_i q_i*(E - TP_i) - fees``; ``risk = q_h*(SL - E) + fees`` (the whole short
    stopped before any TP); ``ratio = reward / risk``. ``None`` where the level is unknown.
    """

    targets: tuple[TargetReward, ...]
    reward: Decimal | None
    risk: Decimal | None
    ratio: Decimal | None


class _SpotLike(Protocol):
    @property
    def quantity(self) -> Decimal: ...

    @property
    def price(self) -> Decimal: ...


@dataclass(frozen=True)
class _Outcome:
    exits: tuple[tuple[Decimal, Decimal], ...]
    liquidated: bool
    status: ScenarioStatus


class HedgeScenario(BaseModel):
    """A spot long of ``spot_quantity`` at ``spot_price`` hedged by a short of ``hedge_quantity``.

    Isolated margin without ``wallet_balance``: the position's wallet balance is its initial margin
    ``hedge_quantity * entry_price / leverage`` (no fee deducted). Cross margin needs the futures
    wallet balance. Without ``brackets`` one bracket at ``DEFAULT_MAINTENANCE_MARGIN_RATE`` (1%) is
    assumed, as the builder does, so both report the same liquidation price.
    ``take_profits`` are ``(price, volume %)`` pairs below the entry; ``stop_loss`` is the SL
    trigger above it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    spot_quantity: Decimal = Field(gt=0)
    spot_price: Decimal = Field(gt=0, description="reference price of the spot leg")
    hedge_quantity: Decimal = Field(gt=0, description="base units, or contracts when inverse")
    entry_price: Decimal = Field(gt=0, description="entry price of the short")
    leverage: Decimal = Field(default=_ONE, gt=0)
    margin: Literal["isolated", "cross"] = "isolated"
    wallet_balance: Decimal | None = Field(default=None, ge=0)
    entry_fee_rate: Decimal = Field(default=_ZERO, ge=0)
    exit_fee_rate: Decimal = Field(default=_ZERO, ge=0)
    funding_rate: Decimal = Field(default=_ZERO, description="per interval; > 0: shorts receive")
    funding_interval_hours: Decimal = Field(default=Decimal(8), gt=0)
    holding_days: Decimal = Field(default=_ZERO, ge=0)
    brackets: tuple[LeverageBracket, ...] = ()
    contract_size: Decimal | None = Field(default=None, gt=0, description="USD per contract")
    take_profits: tuple[tuple[Decimal, Decimal], ...] = ()
    trailing_take_profit: bool = Field(default=False, description="last TP step trails")
    stop_loss: Decimal | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _levels_make_sense(self) -> HedgeScenario:
        if self.margin == "cross" and self.wallet_balance is None:
            raise ValueError("cross margin needs wallet_balance (the whole futures wallet)")
        for price, volume in self.take_profits:
            if not _ZERO < price < self.entry_price:
                raise ValueError(f"take profit {price} must be below the short's entry price")
            if not _ZERO < volume <= _HUNDRED:
                raise ValueError(f"take profit volume {volume} must be in (0, 100]")
        if sum((volume for _, volume in self.take_profits), _ZERO) > _HUNDRED:
            raise ValueError("take profit volumes add up to more than 100")
        if self.stop_loss is not None and self.stop_loss <= self.entry_price:
            raise ValueError("the stop loss of a short must be above its entry price")
        if self.trailing_take_profit and not self.take_profits:
            raise ValueError("trailing_take_profit needs take_profits")
        return self

    @classmethod
    def from_payload(
        cls,
        spot: _SpotLike,
        payload: SmartTradeCreate,
        *,
        entry_price: Decimal | None = None,
        **options: Any,
    ) -> HedgeScenario:
        """The scenario of a Smart Short payload (e.g. a ``HedgeBuilder`` result) against ``spot``.

        ``entry_price`` is needed for a market entry; a limit entry defaults to its price and a
        conditional one to its limit price, else its trigger. Percent TP/SL levels are the signed
        move from that entry (-8 = 8% below, +3 = 3% above). Leverage and margin come from the
        payload; ``options`` are the other fields (fees, funding, brackets, wallet_balance, ...).
        """
        position = payload.position
        if position.type != "sell" or payload.skip_enter_step or payload.instant:
            raise ValueError("a hedge scenario needs a Smart Short (smart_cover) payload")
        if entry_price is None:
            if position.price is not None:
                entry_price = position.price.value
            elif position.conditional is not None:
                entry_price = position.conditional.price.value
            else:
                raise ValueError("a market entry needs entry_price")
        fields: dict[str, Any] = {}
        if payload.leverage is not None and payload.leverage.enabled:
            fields["leverage"] = Decimal(payload.leverage.value or 1)
            fields["margin"] = payload.leverage.type or "isolated"
        take_profit = payload.take_profit
        if take_profit is not None and take_profit.enabled:
            fields["take_profits"] = tuple(
                (_resolve(step.price.value, step.price.percent, entry_price), step.volume)
                for step in take_profit.steps
            )
            last = take_profit.steps[-1].trailing
            fields["trailing_take_profit"] = last is not None and last.enabled
        stop_loss = payload.stop_loss
        if stop_loss is not None and stop_loss.enabled and stop_loss.conditional is not None:
            trigger = stop_loss.conditional.price
            fields["stop_loss"] = _resolve(trigger.value, trigger.percent, entry_price)
        fields.update(options)
        return cls(
            spot_quantity=spot.quantity,
            spot_price=spot.price,
            hedge_quantity=position.units.value,
            entry_price=entry_price,
            **fields,
        )

    # -- figures that do not depend on the price --------------------------------------------

    @property
    def hedge_ratio(self) -> Decimal:
        """Effective hedge ratio: ``q_h/q_s``, or ``N*CM/(q_s*E)`` for inverse."""
        return self.protected_value / (self.spot_quantity * self.entry_price)

    @property
    def protected_value(self) -> Decimal:
        """Quote value the short covers: ``q_h*E`` (``N*CM`` for inverse)."""
        if self.contract_size is None:
            return self.hedge_quantity * self.entry_price
        return self.hedge_quantity * self.contract_size

    @property
    def position_wallet_balance(self) -> Decimal:
        """Wallet balance behind the short: given, or the initial margin (coin if inverse)."""
        if self.wallet_balance is not None:
            return self.wallet_balance
        return initial_margin(
            self.hedge_quantity,
            self.entry_price,
            self.leverage,
            contract_size=self.contract_size,
        )

    @property
    def funding_estimate(self) -> Decimal:
        """Funding over ``holding_days`` in quote at the entry price; see :data:`FUNDING_NOTE`."""
        return self._funding_coin_or_quote() * (self.entry_price if self.contract_size else _ONE)

    @property
    def funding_note(self) -> str:
        """The constant-price caveat to print next to any funding figure."""
        return FUNDING_NOTE

    def liquidation_price(self) -> Decimal | None:
        """Liquidation price of the short (bracket re-read at the LP notional); ``None`` if none."""
        return liquidation_price(
            side="short",
            quantity=self.hedge_quantity,
            entry_price=self.entry_price,
            wallet_balance=self.position_wallet_balance,
            brackets=self.brackets or DEFAULT_BRACKETS,
            contract_size=self.contract_size,
        )

    def liquidation_distance(self, price: Decimal | None = None) -> Decimal | None:
        """``(LP - P)/P``: how far the price may rise before liquidation (``P`` defaults to E)."""
        lp = self.liquidation_price()
        reference = self.entry_price if price is None else price
        return None if lp is None else (lp - reference) / reference

    def warnings(self) -> tuple[str, ...]:
        """Problems worth showing next to the figures (empty when none)."""
        found: list[str] = []
        lp = self.liquidation_price()
        if self.stop_loss is not None and lp is not None and self.stop_loss >= lp:
            found.append(
                f"stop loss {self.stop_loss} is at or beyond the liquidation price {lp}: "
                "the short is liquidated before it fires"
            )
        if self.hedge_ratio > _ONE:
            found.append(f"hedge ratio {self.hedge_ratio} is above 1: the short over-hedges")
        if not self.brackets:
            found.append(
                "no leverage brackets given: the liquidation price assumes a maintenance "
                f"margin rate of {DEFAULT_MAINTENANCE_MARGIN_RATE * 100}%"
            )
        if self.funding_rate and self.holding_days:
            found.append(FUNDING_NOTE)
        return tuple(found)

    def risk_reward(self) -> RiskReward:
        """The hedge leg's reward at each TP step and risk at the SL, with their ratio."""
        targets = tuple(
            TargetReward(
                price=price,
                volume=volume,
                quantity=quantity,
                gross=self._leg(quantity, price, price),
                fees=self._fee(quantity, self.entry_price, self.entry_fee_rate, price)
                + self._fee(quantity, price, self.exit_fee_rate, price),
            )
            for (price, volume), quantity in zip(
                self._targets(), self._target_quantities(), strict=True
            )
        )
        reward = sum((target.net for target in targets), _ZERO) if targets else None
        risk: Decimal | None = None
        if self.stop_loss is not None:
            sl, quantity = self.stop_loss, self.hedge_quantity
            risk = (
                -self._leg(quantity, sl, sl)
                + self._fee(quantity, self.entry_price, self.entry_fee_rate, sl)
                + self._fee(quantity, sl, self.exit_fee_rate, sl)
            )
        ratio = reward / risk if reward is not None and risk is not None and risk > 0 else None
        return RiskReward(targets=targets, reward=reward, risk=risk, ratio=ratio)

    # -- figures at a price ------------------------------------------------------------------

    def at(self, price: Decimal) -> ScenarioRow:
        """The combined position after a monotone move from the entry to ``price``."""
        if price <= 0:
            raise ValueError("price must be positive")
        outcome = self._outcome(price)
        spot_pnl = self.spot_quantity * (price - self.spot_price)
        entry_fee = self._fee(self.hedge_quantity, self.entry_price, self.entry_fee_rate, price)
        funding = self._funding_coin_or_quote() * (price if self.contract_size else _ONE)
        if outcome.liquidated:
            lost = self.position_wallet_balance * (price if self.contract_size else _ONE)
            hedge_pnl, fees = -lost, entry_fee
        else:
            hedge_pnl = sum((self._leg(q, x, price) for q, x in outcome.exits), _ZERO)
            fees = entry_fee + sum(
                (self._fee(q, x, self.exit_fee_rate, price) for q, x in outcome.exits), _ZERO
            )
        hedge_cost = fees - hedge_pnl - funding
        linear = self._leg(self.hedge_quantity, price, price)
        linear_fees = entry_fee + self._fee(self.hedge_quantity, price, self.exit_fee_rate, price)
        return ScenarioRow(
            price=price,
            spot_pnl=spot_pnl,
            hedge_pnl=hedge_pnl,
            fees=fees,
            funding=funding,
            net=spot_pnl - hedge_cost,
            hedge_cost=hedge_cost,
            hedge_pnl_linear=linear,
            net_linear=spot_pnl + linear - linear_fees + funding,
            status=outcome.status,
            label=self._label(price),
        )

    def table(self, prices: Sequence[Decimal] | None = None) -> list[ScenarioRow]:
        """Rows at ``prices``; by default at the spot and entry prices, each TP, the SL, the
        liquidation price, the breakeven and moves of 5, 10 and 20% either side of the entry."""
        if prices is not None:
            return [self.at(price) for price in prices]
        levels = {self.spot_price, self.entry_price}
        tick = Decimal(1).scaleb(min(_exponent(self.entry_price), 0))
        levels.update((self.entry_price * (_ONE + move)).quantize(tick) for move in _GRID_MOVES)
        levels.update(price for price, _ in self.take_profits)
        for level in (self.stop_loss, self.liquidation_price()):
            if level is not None:
                levels.add(level)
        breakeven = self.breakeven_price()
        if breakeven is not None:
            levels.add(breakeven)
        rows = []
        for price in sorted(levels):
            row = self.at(price)
            if price == breakeven:
                row = replace(row, label=", ".join(filter(None, (row.label, "breakeven"))))
            rows.append(row)
        return rows

    def breakeven_price(self, *, linear: bool = False) -> Decimal | None:
        """Lowest price where the combined ``net`` (with costs) crosses zero; ``None`` if none.

        ``linear=True`` uses the raw leg (``net_linear``), which for ``h < 1`` is
        ``(q_s*P0 - q_h*E + q_h*E*f_in - funding) / (q_s - q_h - q_h*f_out)``. A net that is zero
        over a whole range (a full hedge entered at the spot price, no costs) has no single
        breakeven and gives ``None``.
        """
        breaks = [] if linear else self._breakpoints()
        highs: list[Decimal | None] = [*breaks, None]
        roots: list[Decimal] = []
        for low, high in zip([_ZERO, *breaks], highs, strict=True):
            first, second = _interior_points(low, high)
            net_first, net_second = self._net(first, linear), self._net(second, linear)
            slope = (net_second - net_first) / (second - first)
            if slope == 0:
                continue
            root = first - net_first / slope
            if root > low and (high is None or root <= high):
                roots.append(root)
        return min(roots) if roots else None

    # -- internals ---------------------------------------------------------------------------

    def _net(self, price: Decimal, linear: bool) -> Decimal:
        row = self.at(price)
        return row.net_linear if linear else row.net

    def _breakpoints(self) -> list[Decimal]:
        levels = {self.entry_price, *(price for price, _ in self.take_profits)}
        for level in (self.stop_loss, self.liquidation_price()):
            if level is not None:
                levels.add(level)
        return sorted(levels)

    def _targets(self) -> list[tuple[Decimal, Decimal]]:
        """TP levels in the order a falling price reaches them (nearest first)."""
        return sorted(self.take_profits, key=lambda target: target[0], reverse=True)

    def _target_quantities(self) -> list[Decimal]:
        """Quantity each target closes; the last closes the rest when volumes add up to 100."""
        targets = self._targets()
        quantities = [self.hedge_quantity * volume / _HUNDRED for _, volume in targets]
        if targets and sum((volume for _, volume in targets), _ZERO) == _HUNDRED:
            quantities[-1] = self.hedge_quantity - sum(quantities[:-1], _ZERO)
        return quantities

    def _outcome(self, price: Decimal) -> _Outcome:
        quantity = self.hedge_quantity
        if price >= self.entry_price:
            lp = self.liquidation_price()
            sl = self.stop_loss
            if sl is not None and price >= sl and (lp is None or sl < lp):
                return _Outcome(((quantity, sl),), False, "stopped")
            if lp is not None and price >= lp:
                return _Outcome((), True, "liquidated")
            return _Outcome(((quantity, price),), False, "open")
        exits: list[tuple[Decimal, Decimal]] = []
        remaining = quantity
        targets = self._targets()
        status: ScenarioStatus = "open"
        for index, ((level, _), part) in enumerate(
            zip(targets, self._target_quantities(), strict=True)
        ):
            if price > level:
                break
            if self.trailing_take_profit and index == len(targets) - 1:
                status = "trailing"
                break
            exits.append((part, level))
            remaining -= part
            status = "partly_closed"
        if remaining > 0:
            exits.append((remaining, price))
        else:
            status = "take_profit"
        return _Outcome(tuple(exits), False, status)

    def _leg(self, quantity: Decimal, exit_price: Decimal, value_at: Decimal) -> Decimal:
        """Gross PnL of closing ``quantity`` at ``exit_price``, in quote valued at ``value_at``."""
        if self.contract_size is None:
            return quantity * (self.entry_price - exit_price)
        coin = quantity * self.contract_size * (_ONE / exit_price - _ONE / self.entry_price)
        return coin * value_at

    def _fee(self, quantity: Decimal, price: Decimal, rate: Decimal, value_at: Decimal) -> Decimal:
        fee = trade_fee(quantity, price, rate, contract_size=self.contract_size)
        return fee if self.contract_size is None else fee * value_at

    def _funding_coin_or_quote(self) -> Decimal:
        return estimated_funding(
            self.hedge_quantity,
            self.entry_price,
            self.funding_rate,
            holding_days=self.holding_days,
            interval_hours=self.funding_interval_hours,
            contract_size=self.contract_size,
        )

    def _label(self, price: Decimal) -> str:
        names = []
        if price == self.spot_price:
            names.append("spot")
        if price == self.entry_price:
            names.append("entry")
        names.extend(
            f"TP{number}"
            for number, (level, _) in enumerate(self._targets(), start=1)
            if price == level
        )
        if price == self.stop_loss:
            names.append("SL")
        if price == self.liquidation_price():
            names.append("liquidation")
        return ", ".join(names)


def _resolve(value: Decimal | None, percent: Decimal | None, entry_price: Decimal) -> Decimal:
    """An absolute level, or the signed percent move from the entry (-8 = 8% below)."""
    if value is not None:
        return value
    if percent is None:
        raise ValueError("a price level needs a value or a percent")
    return entry_price * (_ONE + percent / _HUNDRED)


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def _interior_points(low: Decimal, high: Decimal | None) -> tuple[Decimal, Decimal]:
    """Two distinct prices strictly inside ``(low, high)``; ``high=None`` is unbounded."""
    if high is None:
        base = low if low > 0 else _ONE
        return low + base, low + 2 * base
    width = high - low
    return low + width / 3, low + 2 * width / 3
