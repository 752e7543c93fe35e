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
``P``; none on liquidation, the margin covers it), by order type: a market entry, the stop loss
(market, or a limit one marketable when placed), a market TP step and the open part pay
``taker_fee_rate``; a resting limit entry and limit TP steps pay ``maker_fee_rate``.
``entry_fee_rate`` / ``exit_fee_rate``, when given, override the rate of the entry / of every
exit. Funding is the constant estimate of :data:`FUNDING_NOTE`, for ``holding_days`` whatever
happens to the short. Defaults: no fees, no funding, so the article's numbers come out. Inverse
(coin-margined) shorts: ``hedge_quantity`` is a number of ``contract_size`` USD contracts and
every coin amount is valued at the scenario price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.models.smart_trade_params import SmartTradeCreate

from . import _inputs
from ._costs import FUNDING_NOTE, estimated_funding, trade_fee
from .liquidation import (
    CONSERVATIVE_NOTE,
    Exchange,
    LeverageBracket,
    default_brackets,
    default_maintenance_margin_rate,
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
    exits: tuple[tuple[Decimal, Decimal, str], ...]  # quantity, fill price, order type
    liquidated: bool
    status: ScenarioStatus


class HedgeScenario(BaseModel):
    """A spot long of ``spot_quantity`` at ``spot_price`` hedged by a short of ``hedge_quantity``.

    Isolated margin without ``wallet_balance``: the position's wallet balance is its initial margin
    ``hedge_quantity * entry_price / leverage`` (no fee deducted). Cross margin needs the futures
    wallet balance. Without ``brackets`` the conservative ``MMR = 1/(2 x leverage)`` with
    maintenance amount 0 is assumed, as the builder does, so both report the same liquidation
    price. ``exchange`` picks the liquidation formula (``"binance"`` or ``"bybit"`` linear);
    ``liquidation_buffer`` (a fraction of the entry) is the distance a stop loss should keep from
    the worst liquidation price over ``holding_days`` (:meth:`warnings` reports a closer one).
    ``take_profits`` are ``(price, volume %)`` pairs below the entry; ``stop_loss`` is the SL
    trigger above it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def __init__(self, **fields: Any) -> None:
        """Bad input raises :class:`~threecommas_hedge.HedgeValidationError` naming the field, as
        the builder does: amounts are ``Decimal``, ints or numeric strings (floats refused)."""
        try:
            super().__init__(**fields)
        except ValidationError as exc:
            raise _refusal(exc) from None

    spot_quantity: Decimal = Field(gt=0)
    spot_price: Decimal = Field(gt=0, description="reference price of the spot leg")
    hedge_quantity: Decimal = Field(gt=0, description="base units, or contracts when inverse")
    entry_price: Decimal = Field(gt=0, description="entry price of the short")
    leverage: Decimal = Field(default=_ONE, gt=0)
    margin: Literal["isolated", "cross"] = "isolated"
    wallet_balance: Decimal | None = Field(default=None, ge=0)
    maker_fee_rate: Decimal = Field(default=_ZERO, ge=0, description="resting limit orders")
    taker_fee_rate: Decimal = Field(default=_ZERO, ge=0, description="market and marketable")
    entry_fee_rate: Decimal | None = Field(default=None, ge=0, description="overrides the entry's")
    exit_fee_rate: Decimal | None = Field(default=None, ge=0, description="overrides every exit's")
    entry_order_type: Literal["market", "limit"] = Field(
        default="market", description="limit: a resting limit entry (maker)"
    )
    funding_rate: Decimal = Field(default=_ZERO, description="per interval; > 0: shorts receive")
    funding_interval_hours: Decimal = Field(default=Decimal(8), gt=0)
    holding_days: Decimal = Field(default=_ZERO, ge=0)
    brackets: tuple[LeverageBracket, ...] = ()
    exchange: Exchange = "binance"
    liquidation_buffer: Decimal = Field(default=Decimal("0.01"), ge=0, lt=1)
    contract_size: Decimal | None = Field(default=None, gt=0, description="USD per contract")
    take_profits: tuple[tuple[Decimal, Decimal], ...] = ()
    take_profit_order_types: tuple[Literal["limit", "market"], ...] = Field(
        default=(), description="per TP step, as listed; empty: all limit"
    )
    trailing_take_profit: bool = Field(default=False, description="last TP step trails")
    stop_loss: Decimal | None = Field(default=None, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _decimals(cls, data: Any) -> Any:
        """Amounts as the builder takes them: Decimal, int or numeric string, never a float."""
        if not isinstance(data, dict):
            return data
        checked = dict(data)
        for name in _DECIMAL_FIELDS.intersection(checked):
            if checked[name] is not None:
                checked[name] = _inputs.as_decimal(name, checked[name])
        levels = checked.get("take_profits")
        if isinstance(levels, (list, tuple)):
            checked["take_profits"] = tuple(
                tuple(
                    _inputs.as_decimal(f"take_profits[{number}].{part}", value)
                    for part, value in zip(("price", "volume"), level, strict=True)
                )
                if isinstance(level, (list, tuple)) and len(level) == 2
                else level
                for number, level in enumerate(levels)
            )
        return checked

    @model_validator(mode="after")
    def _levels_make_sense(self) -> HedgeScenario:
        if self.margin == "cross" and self.wallet_balance is None:
            raise HedgeValidationError(
                "wallet_balance", "cross margin needs wallet_balance (the whole futures wallet)"
            )
        if self.exchange == "bybit" and self.contract_size is not None:
            raise HedgeValidationError(
                "contract_size", "exchange 'bybit' is the linear formula: no contract_size"
            )
        for number, (price, volume) in enumerate(self.take_profits):
            field = f"take_profits[{number}]"
            if not _ZERO < price < self.entry_price:
                raise HedgeValidationError(
                    f"{field}.price", f"must be below the short's entry price (got {price})"
                )
            if not _ZERO < volume <= _HUNDRED:
                raise HedgeValidationError(f"{field}.volume", f"must be in (0, 100] (got {volume})")
        if sum((volume for _, volume in self.take_profits), _ZERO) > _HUNDRED:
            raise HedgeValidationError("take_profits", "the volumes add up to more than 100")
        if self.stop_loss is not None and self.stop_loss <= self.entry_price:
            raise HedgeValidationError(
                "stop_loss", f"must be above the short's entry price (got {self.stop_loss})"
            )
        if self.trailing_take_profit and not self.take_profits:
            raise HedgeValidationError("trailing_take_profit", "needs take_profits")
        types = self.take_profit_order_types
        if types and len(types) != len(self.take_profits):
            raise HedgeValidationError(
                "take_profit_order_types", "needs one order type per take profit step"
            )
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

        ``entry_price`` is needed for a market entry (its expected fill). For a limit entry it is
        the market price when the order is placed: a sell limit at or below it is marketable and
        fills there as a taker, one above it rests and fills at its own price as a maker; without
        it the limit rests. A conditional entry defaults to its limit price, else its trigger.
        Percent TP/SL levels are the signed move from that entry (-8 = 8% below, +3 = 3% above).
        Leverage, margin and each leg's order type (for maker/taker fees) come from the payload;
        ``options`` are the other fields (fees, funding, brackets, wallet_balance, ...).
        """
        position = payload.position
        if position.type != "sell" or payload.skip_enter_step or payload.instant:
            raise HedgeValidationError(
                "payload", "a hedge scenario needs a Smart Short (smart_cover) payload"
            )
        if entry_price is not None:
            entry_price = _inputs.positive("entry_price", entry_price)
        entry_type: Literal["market", "limit"] = "market"
        limit = position.price.value if position.price is not None else None
        if position.order_type == "limit" and limit is not None:
            if entry_price is None or entry_price < limit:
                entry_price, entry_type = limit, "limit"
        elif position.order_type == "conditional" and position.conditional is not None:
            conditional = position.conditional
            trigger_price = conditional.price.value
            trailing = conditional.trailing is not None and conditional.trailing.enabled
            if conditional.order_type == "limit" and not trailing and limit is not None:
                entry_type = "limit" if limit > trigger_price else "market"
            if entry_price is None:
                entry_price = limit if limit is not None else trigger_price
        if entry_price is None:
            raise HedgeValidationError("entry_price", "a market entry needs entry_price")
        fields: dict[str, Any] = {"entry_order_type": entry_type}
        if payload.leverage is not None and payload.leverage.enabled:
            fields["leverage"] = Decimal(payload.leverage.value or 1)
            fields["margin"] = payload.leverage.type or "isolated"
        take_profit = payload.take_profit
        if take_profit is not None and take_profit.enabled:
            fields["take_profits"] = tuple(
                (_resolve(step.price.value, step.price.percent, entry_price), step.volume)
                for step in take_profit.steps
            )
            fields["take_profit_order_types"] = tuple(
                "market" if step.order_type == "market" else "limit" for step in take_profit.steps
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

    def liquidation_price(self, after_days: Decimal | None = None) -> Decimal | None:
        """Liquidation price of the short (bracket re-read at the LP notional); ``None`` if none.

        At entry by default; with ``after_days``, after that many days of this scenario's funding
        (constant estimate at the entry price) were credited to the wallet (shorts paid) or
        debited from it (shorts paying).
        """
        wallet = self.position_wallet_balance
        if after_days is not None:
            after_days = _inputs.as_decimal("after_days", after_days)
            if after_days < 0:
                raise HedgeValidationError("after_days", f"must not be negative (got {after_days})")
            wallet = max(_ZERO, wallet + self._funding_over(after_days))
        return liquidation_price(
            side="short",
            quantity=self.hedge_quantity,
            entry_price=self.entry_price,
            wallet_balance=wallet,
            brackets=self.brackets or default_brackets(self.leverage),
            contract_size=self.contract_size,
            exchange=self.exchange,
        )

    def worst_liquidation_price(self) -> Decimal | None:
        """The lowest liquidation price over ``holding_days`` (funding moves it one way only)."""
        found = [
            price
            for price in (self.liquidation_price(), self.liquidation_price(self.holding_days))
            if price is not None
        ]
        return min(found) if found else None

    def liquidation_distance(self, price: Decimal | None = None) -> Decimal | None:
        """``(LP - P)/P``: how far the price may rise before liquidation (``P`` defaults to E)."""
        lp = self.liquidation_price()
        reference = self.entry_price if price is None else _inputs.positive("price", price)
        return None if lp is None else (lp - reference) / reference

    def warnings(self) -> tuple[str, ...]:
        """Problems worth showing next to the figures (empty when none)."""
        found: list[str] = []
        lp = self.worst_liquidation_price()
        if self.stop_loss is not None and lp is not None:
            buffer = self.liquidation_buffer * self.entry_price
            if self.stop_loss >= lp:
                found.append(
                    f"stop loss {self.stop_loss} is at or beyond the liquidation price {lp} "
                    f"(worst over {self.holding_days} days): the short is liquidated before "
                    "it fires"
                )
            elif self.stop_loss > lp - buffer:
                found.append(
                    f"stop loss {self.stop_loss} is inside the liquidation buffer "
                    f"({self.liquidation_buffer * _HUNDRED}% of the entry, {buffer}) before the "
                    f"liquidation price {lp} (worst over {self.holding_days} days): slippage or "
                    "the mark price may liquidate the short first"
                )
        if self.hedge_ratio > _ONE:
            found.append(f"hedge ratio {self.hedge_ratio} is above 1: the short over-hedges")
        if not self.brackets:
            found.append(
                "no leverage brackets given: the liquidation price assumes a maintenance "
                f"margin rate of {default_maintenance_margin_rate(self.leverage) * _HUNDRED}% "
                f"= 1/(2 x leverage), amount 0 ({CONSERVATIVE_NOTE})"
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
                fees=self._fee(quantity, self.entry_price, self._entry_rate(), price)
                + self._fee(quantity, price, self._exit_rate(kind), price),
            )
            for (price, volume, kind), quantity in zip(
                self._targets(), self._target_quantities(), strict=True
            )
        )
        reward = sum((target.net for target in targets), _ZERO) if targets else None
        risk: Decimal | None = None
        if self.stop_loss is not None:
            sl, quantity = self.stop_loss, self.hedge_quantity
            risk = (
                -self._leg(quantity, sl, sl)
                + self._fee(quantity, self.entry_price, self._entry_rate(), sl)
                + self._fee(quantity, sl, self._exit_rate("market"), sl)
            )
        ratio = reward / risk if reward is not None and risk is not None and risk > 0 else None
        return RiskReward(targets=targets, reward=reward, risk=risk, ratio=ratio)

    # -- figures at a price ------------------------------------------------------------------

    def at(self, price: Decimal) -> ScenarioRow:
        """The combined position after a monotone move from the entry to ``price``."""
        price = _inputs.positive("price", price)
        outcome = self._outcome(price)
        spot_pnl = self.spot_quantity * (price - self.spot_price)
        entry_fee = self._fee(self.hedge_quantity, self.entry_price, self._entry_rate(), price)
        funding = self._funding_coin_or_quote() * (price if self.contract_size else _ONE)
        if outcome.liquidated:
            lost = self.position_wallet_balance * (price if self.contract_size else _ONE)
            hedge_pnl, fees = -lost, entry_fee
        else:
            hedge_pnl = sum((self._leg(q, x, price) for q, x, _ in outcome.exits), _ZERO)
            fees = entry_fee + sum(
                (self._fee(q, x, self._exit_rate(kind), price) for q, x, kind in outcome.exits),
                _ZERO,
            )
        hedge_cost = fees - hedge_pnl - funding
        linear = self._leg(self.hedge_quantity, price, price)
        linear_fees = entry_fee + self._fee(
            self.hedge_quantity, price, self._exit_rate("market"), price
        )
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
            checked = [_inputs.positive(f"prices[{i}]", price) for i, price in enumerate(prices)]
            return [self.at(price) for price in checked]
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

    def _targets(self) -> list[tuple[Decimal, Decimal, str]]:
        """``(level, volume, order type)`` in the order a falling price reaches them (nearest
        first), whatever order they were listed in."""
        types = self.take_profit_order_types or ("limit",) * len(self.take_profits)
        steps = [
            (price, volume, kind)
            for (price, volume), kind in zip(self.take_profits, types, strict=True)
        ]
        return sorted(steps, key=lambda target: target[0], reverse=True)

    def _entry_rate(self) -> Decimal:
        if self.entry_fee_rate is not None:
            return self.entry_fee_rate
        return self.maker_fee_rate if self.entry_order_type == "limit" else self.taker_fee_rate

    def _exit_rate(self, order_type: str) -> Decimal:
        """``limit``: a resting limit (maker); anything else closes at market (taker)."""
        if self.exit_fee_rate is not None:
            return self.exit_fee_rate
        return self.maker_fee_rate if order_type == "limit" else self.taker_fee_rate

    def _target_quantities(self) -> list[Decimal]:
        """Quantity each target closes; the last closes the rest when volumes add up to 100."""
        targets = self._targets()
        quantities = [self.hedge_quantity * volume / _HUNDRED for _, volume, _ in targets]
        if targets and sum((volume for _, volume, _ in targets), _ZERO) == _HUNDRED:
            quantities[-1] = self.hedge_quantity - sum(quantities[:-1], _ZERO)
        return quantities

    def _outcome(self, price: Decimal) -> _Outcome:
        quantity = self.hedge_quantity
        if price >= self.entry_price:
            lp = self.liquidation_price()
            sl = self.stop_loss
            if sl is not None and price >= sl and (lp is None or sl < lp):
                return _Outcome(((quantity, sl, "market"),), False, "stopped")
            if lp is not None and price >= lp:
                return _Outcome((), True, "liquidated")
            return _Outcome(((quantity, price, "market"),), False, "open")
        exits: list[tuple[Decimal, Decimal, str]] = []
        remaining = quantity
        targets = self._targets()
        status: ScenarioStatus = "open"
        for index, ((level, _, kind), part) in enumerate(
            zip(targets, self._target_quantities(), strict=True)
        ):
            if price > level:
                break
            if self.trailing_take_profit and index == len(targets) - 1:
                status = "trailing"
                break
            exits.append((part, level, kind))
            remaining -= part
            status = "partly_closed"
        if remaining > 0:
            exits.append((remaining, price, "market"))
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
        return self._funding_over(self.holding_days)

    def _funding_over(self, days: Decimal) -> Decimal:
        """Funding received over ``days`` (coin if inverse), notional at the entry price."""
        return estimated_funding(
            self.hedge_quantity,
            self.entry_price,
            self.funding_rate,
            holding_days=days,
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
            for number, (level, _, _) in enumerate(self._targets(), start=1)
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


_DECIMAL_FIELDS = frozenset(
    name
    for name, field in HedgeScenario.model_fields.items()
    if Decimal in (field.annotation, *get_args(field.annotation))
)
"""The fields checked as the builder checks an amount (``_inputs.as_decimal``), derived from the
annotations so that a new Decimal field is covered too."""

_RULES = {
    "greater_than": "must be greater than {gt} (got {input})",
    "greater_than_equal": "must be at least {ge} (got {input})",
    "less_than": "must be less than {lt} (got {input})",
    "less_than_equal": "must be at most {le} (got {input})",
    "literal_error": "must be {expected} (got {input!r})",
    "extra_forbidden": "is not a field of HedgeScenario",
    "missing": "is required",
}


def _refusal(exc: ValidationError) -> HedgeValidationError:
    """The first error pydantic found, as the builder reports one: the field and the rule."""
    error = exc.errors()[0]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, HedgeValidationError):
        return cause
    field = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
    ).lstrip(".")
    template = _RULES.get(error["type"])
    context = {**error.get("ctx", {}), "input": error.get("input")}
    rule = template.format(**context) if template else error["msg"]
    return HedgeValidationError(field or "scenario", rule)
