"""A SmartTrade payload as the engine's constants: floats, resolved once per evaluation.

The payload stays ``Decimal``; the engine works on float64 arrays, so its settings are converted
here, in one place. Payloads the engine does not replay (``instant``, ``skip_enter_step``, a limit
stop without its limit price) are refused with the field at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from threecommas_hedge.hedge.liquidation import (
    EXCHANGES,
    Exchange,
    LeverageBracket,
    default_brackets,
)
from threecommas_hedge.models.smart_trade_params import (
    SmartTradeCreate,
    StopLossParams,
    TakeProfitParams,
)

EntryKind = Literal["market", "limit", "conditional"]

_HUNDRED = 100.0


@dataclass(frozen=True)
class TargetPlan:
    """One take-profit step: ``fraction`` of the position at a level given as a value or a
    percent move (a fraction: -0.08 is 8 % below the entry)."""

    limit: bool
    fraction: float
    value: float | None
    move: float | None
    trailing: float | None
    """Trailing distance as a fraction (the last step only), ``None`` when not trailing."""


@dataclass(frozen=True)
class StopPlan:
    """The stop loss: trigger as a value or a move, limit price, trailing, timeout, breakeven."""

    limit: bool
    value: float | None
    move: float | None
    limit_price: float | None
    trailing: bool
    trailing_distance: float | None
    timeout: float | None
    breakeven: bool


@dataclass(frozen=True)
class Brackets:
    """Leverage brackets as sorted arrays-to-be: floors, maintenance rates and amounts."""

    floors: tuple[float, ...]
    rates: tuple[float, ...]
    amounts: tuple[float, ...]


@dataclass(frozen=True)
class EnginePlan:
    """Everything the vectorized engine needs to know about one payload and its costs."""

    side: float
    """+1 for a ``buy`` (long) position, -1 for a ``sell`` (short)."""
    units: float
    entry: EntryKind
    limit_price: float | None
    trigger: float | None
    conditional_market: bool
    entry_trailing: float | None
    targets: tuple[TargetPlan, ...]
    target_order: tuple[int, ...]
    """The steps nearest the entry first (the order the price reaches them), ties in list
    order."""
    volumes_complete: bool
    """Whether the step volumes add up to 100 % (exact, in ``Decimal``)."""
    stop: StopPlan | None
    leverage: float | None
    """``None`` when leverage is not enabled (no liquidation is modelled)."""
    isolated: bool
    wallet_balance: float | None
    brackets: Brackets
    exchange: Exchange
    """The liquidation formula (``"binance"`` or ``"bybit"``, as ``liquidation_price``)."""
    entry_maker: float
    entry_taker: float
    maker: float
    """Fee rate of resting limit exits (take-profit steps, a placed limit stop)."""
    taker: float
    """Fee rate of market exits (stops, trailing closes, market steps)."""
    breakeven_with_fees: bool
    funding_rate: float
    funding_interval: float
    """Seconds between funding settlements."""


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _targets(take_profit: TakeProfitParams | None) -> tuple[TargetPlan, ...]:
    if take_profit is None or not take_profit.enabled:
        return ()
    plans = []
    for step in take_profit.steps:
        trailing = step.trailing
        plans.append(
            TargetPlan(
                limit=step.order_type == "limit",
                fraction=float(step.volume) / _HUNDRED,
                value=_float(step.price.value),
                move=None if step.price.percent is None else float(step.price.percent) / _HUNDRED,
                trailing=float(trailing.percent) / _HUNDRED
                if trailing is not None and trailing.enabled and trailing.percent is not None
                else None,
            )
        )
    return tuple(plans)


def _nearest_first(take_profit: TakeProfitParams | None, side: Decimal) -> tuple[int, ...]:
    """Step indices in the order the price reaches them: by price, or by percent from the entry
    (the same order for every entry). Mixing the two would order each path differently."""
    if take_profit is None or not take_profit.enabled:
        return ()
    steps = take_profit.steps
    if all(step.price.value is not None for step in steps):
        keys = [side * (step.price.value or Decimal(0)) for step in steps]
    elif all(step.price.percent is not None for step in steps):
        keys = [side * (step.price.percent or Decimal(0)) for step in steps]
    else:
        raise ValueError(
            "take_profit.steps: give every step a price, or every step a percent (the risk "
            "engine orders the steps once for all paths)"
        )
    return tuple(sorted(range(len(steps)), key=lambda number: keys[number]))


def _stop(stop_loss: StopLossParams | None) -> StopPlan | None:
    if stop_loss is None or not stop_loss.enabled or stop_loss.conditional is None:
        return None
    trigger, trailing = stop_loss.conditional.price, stop_loss.conditional.trailing
    limit = (stop_loss.order_type or "market") == "limit"
    limit_price = stop_loss.price.value if stop_loss.price is not None else None
    if limit and limit_price is None:
        raise ValueError("stop_loss.price: a limit stop loss needs its limit price to be replayed")
    timeout = stop_loss.timeout
    enabled_trailing = trailing is not None and trailing.enabled
    return StopPlan(
        limit=limit,
        value=_float(trigger.value),
        move=None if trigger.percent is None else float(trigger.percent) / _HUNDRED,
        limit_price=_float(limit_price),
        trailing=enabled_trailing,
        trailing_distance=float(trailing.percent) / _HUNDRED
        if trailing is not None and enabled_trailing and trailing.percent is not None
        else None,
        timeout=float(timeout.value)
        if timeout is not None and timeout.enabled and timeout.value is not None
        else None,
        breakeven=bool(stop_loss.breakeven),
    )


def _brackets(brackets: Sequence[LeverageBracket], leverage: Decimal) -> Brackets:
    given = tuple(brackets) or default_brackets(leverage)
    ordered = sorted(given, key=lambda bracket: bracket.notional_floor)
    return Brackets(
        floors=tuple(float(b.notional_floor) for b in ordered),
        rates=tuple(float(b.maintenance_margin_rate) for b in ordered),
        amounts=tuple(float(b.maintenance_amount) for b in ordered),
    )


def engine_plan(
    payload: SmartTradeCreate,
    *,
    maker_fee_rate: Decimal,
    taker_fee_rate: Decimal,
    entry_fee_rate: Decimal | None = None,
    exit_fee_rate: Decimal | None = None,
    funding_rate: Decimal,
    funding_interval_hours: Decimal,
    brackets: Sequence[LeverageBracket],
    exchange: Exchange = "binance",
    wallet_balance: Decimal | None,
    breakeven_with_fees: bool,
) -> EnginePlan:
    """The engine's constants for ``payload``; raises ``ValueError`` for what it cannot replay."""
    if not isinstance(payload, SmartTradeCreate):
        raise TypeError("payload must be a SmartTradeCreate (HedgeBuilder.build() makes one)")
    if payload.instant:
        raise ValueError("instant: an instant trade only enters; there is no hedge to replay")
    if payload.skip_enter_step:
        raise ValueError("skip_enter_step: a held position is not replayed by the risk engine")
    rates = (
        ("maker_fee_rate", maker_fee_rate),
        ("taker_fee_rate", taker_fee_rate),
        ("entry_fee_rate", entry_fee_rate),
        ("exit_fee_rate", exit_fee_rate),
    )
    for name, rate in rates:
        if rate is not None and not 0 <= rate < 1:
            raise ValueError(f"{name} must be a rate in [0, 1) (0.0005 = 0.05 %), got {rate}")
    if funding_interval_hours <= 0:
        raise ValueError(f"funding_interval_hours must be positive, got {funding_interval_hours}")
    if wallet_balance is not None and wallet_balance < 0:
        raise ValueError("wallet_balance must not be negative")
    if exchange not in EXCHANGES:
        raise ValueError(f"exchange must be one of {', '.join(EXCHANGES)}, got {exchange!r}")
    position = payload.position
    conditional = position.conditional
    needs_limit = position.order_type == "limit" or (
        conditional is not None and conditional.order_type == "limit"
    )
    if needs_limit and position.price is None:
        raise ValueError("position.price: a limit entry needs its limit price")
    if position.order_type == "conditional" and conditional is None:
        raise ValueError("position.conditional: a conditional entry needs its trigger")
    leverage = payload.leverage
    enabled = leverage is not None and leverage.enabled
    targets = _targets(payload.take_profit)
    trailing = conditional.trailing if conditional is not None else None
    return EnginePlan(
        side=1.0 if position.type == "buy" else -1.0,
        units=float(position.units.value),
        entry=position.order_type,
        limit_price=_float(position.price.value if position.price is not None else None),
        trigger=_float(conditional.price.value if conditional is not None else None),
        conditional_market=conditional is not None and conditional.order_type == "market",
        entry_trailing=float(trailing.percent) / _HUNDRED
        if trailing is not None and trailing.enabled and trailing.percent is not None
        else None,
        targets=targets,
        target_order=_nearest_first(
            payload.take_profit, Decimal(1 if position.type == "buy" else -1)
        ),
        volumes_complete=bool(targets)
        and payload.take_profit is not None
        and sum((step.volume for step in payload.take_profit.steps), Decimal(0)) >= _HUNDRED,
        stop=_stop(payload.stop_loss),
        leverage=float(leverage.value or 1) if enabled and leverage is not None else None,
        isolated=not enabled or leverage is None or (leverage.type or "isolated") == "isolated",
        wallet_balance=_float(wallet_balance),
        brackets=_brackets(
            brackets, Decimal(leverage.value or 1) if leverage is not None else Decimal(1)
        ),
        exchange=exchange,
        entry_maker=float(maker_fee_rate if entry_fee_rate is None else entry_fee_rate),
        entry_taker=float(taker_fee_rate if entry_fee_rate is None else entry_fee_rate),
        maker=float(maker_fee_rate if exit_fee_rate is None else exit_fee_rate),
        taker=float(taker_fee_rate if exit_fee_rate is None else exit_fee_rate),
        breakeven_with_fees=breakeven_with_fees,
        funding_rate=float(funding_rate),
        funding_interval=float(funding_interval_hours) * 3600.0,
    )
