"""Turn the builder's settings into a checked, rounded plan, and the plan into the request body.

Every rule that involves more than one setting lives here: prices against the entry, exchange
rules (lot step, minimums, tick, maximum leverage), TP volumes, trailing and breakeven, and the
stop loss against the isolated liquidation estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from threecommas_hedge._exceptions import HedgeValidationError

if TYPE_CHECKING:  # pragma: no cover - the models load when a body is built (fast import)
    from threecommas_hedge.models import (
        MarketRules,
        PositionConditionalParams,
        SmartTradeCreate,
        StopLossParams,
        TakeProfitParams,
        TriggerPriceParams,
    )

from . import _inputs
from ._rounding import Direction, floor_to_step, round_to_step, strip_zeros
from ._spec import (
    PriceType,
    Size,
    Spec,
    SpotPosition,
    StopLossOrder,
    TakeProfitOrder,
    no_rules,
)
from ._summary import (
    HedgeSummary,
    StopLossSummary,
    TakeProfitSummary,
    display_price,
    distance_percent,
    mmr_text,
)
from .liquidation import (
    LeverageBracket,
    bracket_for,
    default_brackets,
    default_maintenance_margin_rate,
    initial_margin,
    liquidation_price,
)

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_VOLUME_STEP = Decimal("0.01")


@dataclass(frozen=True)
class Target:
    """A resolved TP/SL trigger: its price (rounded, or estimated) and what the body carries."""

    price: Decimal
    send_value: Decimal | None
    send_percent: Decimal | None


@dataclass(frozen=True)
class Plan:
    """The checked hedge: the summary plus the entry prices and triggers to send."""

    summary: HedgeSummary
    entry_price: Decimal | None
    entry_trigger: Decimal | None
    take_profit_targets: tuple[Target, ...]
    stop_loss_target: Target | None


def check_over_hedge(size: Size, spot: SpotPosition, quantity: Decimal | None = None) -> None:
    """Refuse a short larger than the holding unless ``allow_over_hedge`` was given."""
    ratio = size.value if quantity is None else quantity / spot.quantity
    if ratio > _ONE and not size.allow_over_hedge:
        raise HedgeValidationError(
            f"hedge.{size.kind}",
            f"over-hedge: hedge ratio {strip_zeros(ratio)} exceeds 1 ({spot.quantity} "
            f"{spot.asset} held); a short larger than the holding is a new short bet, not a "
            "hedge; pass allow_over_hedge=True to mean it",
        )


def entry_prices(spec: Spec) -> tuple[Decimal, Decimal | None, Decimal | None]:
    """(entry reference, ``position.price.value`` to send, conditional trigger to send)."""
    entry, rules = spec.entry, spec.rules
    if entry.kind == "market":
        return spec.spot.price, None, None
    if entry.kind == "limit":
        assert entry.price is not None
        price = _round_price("limit_entry.price", entry.price, rules, "up")
        return price, price, None
    assert entry.trigger is not None
    trigger = _round_price("conditional_entry.trigger", entry.trigger, rules, "nearest")
    if entry.price is None:
        return trigger, None, trigger
    price = _round_price("conditional_entry.limit_price", entry.price, rules, "up")
    return price, price, trigger


def hedge_quantity(spec: Spec, entry: Decimal) -> Decimal:
    """The short's size floored to the lot step, checked against the minimum lot and notional."""
    size, spot, rules = spec.size, spec.spot, spec.rules
    if size is None:
        raise HedgeValidationError(
            "hedge", "hedge size not set: call .hedge(ratio=..., quantity=... or notional=...)"
        )
    if size.kind == "ratio":
        raw = size.value * spot.quantity
    elif size.kind == "quantity":
        raw = size.value
    else:
        raw = size.value / entry
        check_over_hedge(size, spot, raw)
    return lot_quantity(raw, entry, rules, asset=spot.asset, given=f"hedge.{size.kind}")


def lot_quantity(
    raw: Decimal,
    price: Decimal,
    rules: MarketRules,
    *,
    asset: str,
    given: str,
    label: str = "hedge",
) -> Decimal:
    """An order size ``raw`` floored to the lot step, checked against the minimum lot and the
    minimum notional at ``price``; ``given`` names the input it came from, ``label`` the order."""
    quantity = raw
    if rules.lot_step is not None:
        quantity = floor_to_step(raw, rules.lot_step)
        if quantity <= 0:
            raise HedgeValidationError(
                "rules.lot_step",
                f"{given} gives {strip_zeros(raw)} {asset}, which floors to 0 at "
                f"the lot step {rules.lot_step}",
            )
    if rules.min_lot is not None and quantity < rules.min_lot:
        raise HedgeValidationError(
            "rules.min_lot",
            f"{label} quantity {strip_zeros(quantity)} is below the minimum lot {rules.min_lot}",
        )
    notional = quantity * price
    if rules.min_notional is not None and notional < rules.min_notional:
        raise HedgeValidationError(
            "rules.min_notional",
            f"{label} notional {strip_zeros(notional)} ({strip_zeros(quantity)} x {price}) is "
            f"below the minimum notional {rules.min_notional}",
        )
    return strip_zeros(quantity)


def resolve(spec: Spec) -> Plan:
    """Check every cross-setting rule, round, and estimate the liquidation price."""
    rules, leverage = spec.rules, spec.leverage
    if rules.max_leverage is not None and leverage.value > rules.max_leverage:
        raise HedgeValidationError(
            "leverage", f"{leverage.value}x is above the market maximum {rules.max_leverage}x"
        )
    entry, entry_price, entry_trigger = entry_prices(spec)
    trailing_entry = spec.entry.trailing_percent is not None
    quantity = hedge_quantity(spec, entry)
    take_profits, tp_targets = _take_profits(spec, entry, trailing_entry, quantity)
    stop, sl_target = _stop_loss(spec, entry, trailing_entry)
    if spec.breakeven:
        if stop is None:
            raise HedgeValidationError("move_to_breakeven", "needs a stop loss to move")
        if len(take_profits) < 2:
            raise HedgeValidationError(
                "move_to_breakeven",
                f"needs at least 2 take-profit steps (got {len(take_profits)})",
            )
    if leverage.brackets:
        _check_leverage_against_bracket(leverage.value, leverage.brackets, quantity * entry)
    isolated = leverage.margin == "isolated"
    assumed_mmr = (
        default_maintenance_margin_rate(Decimal(leverage.value))
        if isolated and not leverage.brackets
        else None
    )
    liquidation = _liquidation(spec, quantity, entry) if isolated else None
    if spec.stop_loss is not None and stop is not None and liquidation is not None:
        _check_stop_before_liquidation(
            spec.stop_loss, stop.price, liquidation, spec, assumed_mmr, entry
        )
    summary = HedgeSummary(
        direction="short",
        asset=spec.spot.asset,
        pair=spec.pair,
        account_id=spec.account_id,
        spot_quantity=spec.spot.quantity,
        spot_price=spec.spot.price,
        quantity=quantity,
        ratio=quantity / spec.spot.quantity,
        notional=strip_zeros(quantity * entry),
        entry_type=spec.entry.kind,
        entry=entry,
        entry_estimated=trailing_entry,
        take_profits=take_profits,
        stop_loss=stop,
        breakeven=spec.breakeven,
        leverage=leverage.value,
        margin=leverage.margin,
        liquidation_price=liquidation,
        maintenance_margin_rate=assumed_mmr,
        brackets_given=leverage.brackets is not None,
        rules_given=spec.rules != no_rules(),
    )
    return Plan(summary, entry_price, entry_trigger, tp_targets, sl_target)


def to_body(spec: Spec, plan: Plan) -> SmartTradeCreate:
    """The ``smart_cover`` request body of a resolved plan."""
    from threecommas_hedge.models.smart_trade_params import (
        EntryTriggerParams,
        LeverageParams,
        PositionConditionalParams,
        PositionParams,
        PriceValueParams,
        SmartTradeCreate,
        TakeProfitParams,
        TakeProfitStepParams,
        TrailingParams,
        UnitsParams,
    )

    summary, entry = plan.summary, spec.entry
    conditional: PositionConditionalParams | None = None
    if entry.kind == "conditional":
        assert plan.entry_trigger is not None
        conditional = PositionConditionalParams(
            order_type=entry.order_type,
            price=EntryTriggerParams(type=entry.price_type, value=plan.entry_trigger),
            trailing=None
            if entry.trailing_percent is None
            else TrailingParams(enabled=True, percent=entry.trailing_percent),
        )
    take_profit: TakeProfitParams | None = None
    if summary.take_profits:
        steps = zip(summary.take_profits, plan.take_profit_targets, strict=True)
        take_profit = TakeProfitParams(
            enabled=True,
            steps=[
                TakeProfitStepParams(
                    order_type=step.order_type,
                    volume=step.volume,
                    price=_trigger(step.price_type, target),
                    trailing=None
                    if step.trailing_percent is None
                    else TrailingParams(enabled=True, percent=step.trailing_percent),
                )
                for step, target in steps
            ],
        )
    return SmartTradeCreate(
        account_id=spec.account_id,
        pair=spec.pair,
        instant=False,
        skip_enter_step=False,
        note=spec.note,
        leverage=LeverageParams(enabled=True, type=summary.margin, value=summary.leverage),
        position=PositionParams(
            type="sell",
            order_type=entry.kind,
            units=UnitsParams(value=summary.quantity),
            price=None if plan.entry_price is None else PriceValueParams(value=plan.entry_price),
            conditional=conditional,
        ),
        take_profit=take_profit,
        stop_loss=_stop_loss_body(summary, plan.stop_loss_target),
    )


def live_target(
    kind: Literal["take_profit", "stop_loss"],
    prefix: str,
    *,
    price: object = None,
    percent: object = None,
    entry: Decimal,
    reference: Decimal,
    rules: MarketRules,
    trailing_entry: bool = False,
    liquidation: Decimal | None = None,
    liquidation_buffer: Decimal = Decimal("0.01"),
) -> Target:
    """A new take-profit or stop-loss trigger for a live short, by the builder's rules.

    Exactly one of ``price`` or ``percent`` (the signed move from ``entry``: -8 is 8 % below);
    rounded down to the tick (the safe side of a short's buys); a trailing entry still pending
    takes percents only. The side is checked against ``reference``, the price the order works
    from (the market price once the short is open, else the entry): a take profit below it, a stop
    loss above it and at least ``liquidation_buffer`` x ``entry`` below ``liquidation`` when known
    (the builder's default buffer, 1 %). So a stop may move below the entry to lock
    in profit, which the builder, measuring from the entry, refuses for a new trade.
    """
    level, move = _inputs.price_or_percent(prefix, price, percent)
    order: TakeProfitOrder | StopLossOrder
    if kind == "take_profit":
        order = TakeProfitOrder(level, move, None, None, "ask")
    else:
        order = StopLossOrder(level, move, "market", None, False, None, "ask")
    field = _given(prefix, order)
    target = _target(prefix, order, entry, trailing_entry, rules)
    if target.price <= 0:
        raise HedgeValidationError(field, f"{move}% puts the level at or below zero")
    if kind == "take_profit" and target.price >= reference:
        raise HedgeValidationError(
            field, f"a short's take profit must be below {reference} (got {target.price})"
        )
    if kind == "stop_loss":
        if target.price <= reference:
            raise HedgeValidationError(
                field, f"a short's stop loss must be above {reference} (got {target.price})"
            )
        buffer = liquidation_buffer * entry
        if liquidation is not None and target.price > liquidation - buffer:
            where = "at or beyond" if target.price >= liquidation else "inside the buffer before"
            raise HedgeValidationError(
                field,
                f"the stop at {target.price} is {where} the liquidation price "
                f"{display_price(liquidation)}; the liquidation buffer is "
                f"{strip_zeros(liquidation_buffer * _HUNDRED)}% of the entry "
                f"({display_price(buffer)}): it might never fire",
            )
    return target


def _given(prefix: str, order: TakeProfitOrder | StopLossOrder) -> str:
    """The argument the user gave for a trigger: ``<prefix>.price`` or ``<prefix>.percent``."""
    return f"{prefix}.price" if order.price is not None else f"{prefix}.percent"


def _round_price(field: str, value: Decimal, rules: MarketRules, direction: Direction) -> Decimal:
    if rules.price_step is not None:
        value = round_to_step(value, rules.price_step, direction)
        if value <= 0:
            raise HedgeValidationError(
                field, f"rounds to {value} at the price tick {rules.price_step}"
            )
    return strip_zeros(value)


def _target(
    prefix: str,
    order: TakeProfitOrder | StopLossOrder,
    entry: Decimal,
    trailing_entry: bool,
    rules: MarketRules,
) -> Target:
    """A TP/SL trigger as a price rounded down (the safe side of a short's buys)."""
    field = _given(prefix, order)
    if order.percent is None:
        assert order.price is not None
        if trailing_entry:
            raise HedgeValidationError(
                field, "the trailing entry's fill price is not known yet: give a percent instead"
            )
        rounded = _round_price(field, order.price, rules, "down")
        return Target(rounded, rounded, None)
    estimate = entry * (_ONE + order.percent / _HUNDRED)
    if trailing_entry:
        return Target(strip_zeros(estimate), None, order.percent)
    rounded = _round_price(field, estimate, rules, "down")
    return Target(rounded, rounded, None)


def _volumes(steps: tuple[TakeProfitOrder, ...]) -> list[Decimal]:
    """Step volumes; those not given share the rest of 100 in 0.01 steps (the last takes the
    rounding rest)."""
    if not steps:
        return []
    given = [step.volume for step in steps]
    missing = [index for index, volume in enumerate(given) if volume is None]
    total = sum((volume for volume in given if volume is not None), _ZERO)
    if not missing:
        if total != _HUNDRED:
            raise HedgeValidationError(
                "take_profit", f"step volumes must add up to 100 (got {strip_zeros(total)})"
            )
        return [volume for volume in given if volume is not None]
    remainder = _HUNDRED - total
    share = floor_to_step(remainder / len(missing), _VOLUME_STEP)
    if share <= 0:
        raise HedgeValidationError(
            f"take_profit[{missing[0]}].volume",
            f"the other steps already close {strip_zeros(total)}% of 100, leaving nothing to "
            "share: give every volume",
        )
    volumes: list[Decimal] = []
    for index, volume in enumerate(given):
        if volume is None:
            volume = remainder - share * (len(missing) - 1) if index == missing[-1] else share
        volumes.append(strip_zeros(volume))
    return volumes


def _take_profits(
    spec: Spec, entry: Decimal, trailing_entry: bool, quantity: Decimal
) -> tuple[tuple[TakeProfitSummary, ...], tuple[Target, ...]]:
    """The steps checked, then sorted nearest-first (highest price first for a short), each
    keeping its own volume, so the body, the scenario and the simulator fill them in one order."""
    steps = spec.take_profits
    resolved: list[tuple[TakeProfitSummary, Target]] = []
    for index, (step, volume) in enumerate(zip(steps, _volumes(steps), strict=True)):
        prefix = f"take_profit[{index}]"
        target = _target(prefix, step, entry, trailing_entry, spec.rules)
        if target.price >= entry:
            raise HedgeValidationError(
                _given(prefix, step),
                f"a short's take profit must be below the entry {entry} (got {target.price})",
            )
        if step.trailing_percent is not None and index != len(steps) - 1:
            raise HedgeValidationError(
                "trailing_take_profit",
                f"trailing applies to the last take-profit step only, but step {index} of "
                f"{len(steps)} trails (call it after the last take_profit)",
            )
        order_type = step.order_type
        if order_type is None:
            order_type = "market" if step.trailing_percent is not None else "limit"
        elif order_type == "limit" and step.trailing_percent is not None:
            raise HedgeValidationError(
                f"{prefix}.order_type", "a trailing take-profit step must be a market order"
            )
        _check_step_size(spec, index, quantity, volume, target.price)
        summary = TakeProfitSummary(
            price=target.price,
            volume=volume,
            distance_percent=distance_percent(target.price, entry),
            order_type=order_type,
            price_type=step.price_type,
            trailing_percent=step.trailing_percent,
        )
        resolved.append((summary, target))
    resolved.sort(key=lambda pair: -pair[0].price)
    if resolved and any(s.trailing_percent is not None for s, _ in resolved[:-1]):
        raise HedgeValidationError(
            "trailing_take_profit",
            "the trailing step must be the farthest (lowest) take profit, which fills last",
        )
    return tuple(s for s, _ in resolved), tuple(t for _, t in resolved)


def _stop_loss(
    spec: Spec, entry: Decimal, trailing_entry: bool
) -> tuple[StopLossSummary | None, Target | None]:
    stop = spec.stop_loss
    if stop is None:
        return None, None
    target = _target("stop_loss", stop, entry, trailing_entry, spec.rules)
    if target.price <= entry:
        raise HedgeValidationError(
            _given("stop_loss", stop),
            f"a short's stop loss must be above the entry {entry} (got {target.price})",
        )
    limit: Decimal | None = None
    if stop.order_type == "limit":
        if trailing_entry:
            raise HedgeValidationError(
                "stop_loss.order_type",
                "a trailing entry's fill price is unknown, so a limit stop loss has no price to "
                "rest at: use order_type market",
            )
        limit = _round_price(
            "stop_loss.limit_slippage",
            target.price * (_ONE + stop.limit_slippage),
            spec.rules,
            "up",
        )
        if stop.limit_price is not None:
            limit = _round_price("stop_loss.limit_price", stop.limit_price, spec.rules, "down")
            if limit < target.price:
                raise HedgeValidationError(
                    "stop_loss.limit_price",
                    f"{limit} is below the trigger {target.price}: the stop's buy order might "
                    "never fill",
                )
    summary = StopLossSummary(
        price=target.price,
        distance_percent=distance_percent(target.price, entry),
        order_type=stop.order_type,
        limit_price=limit,
        price_type=stop.price_type,
        trailing=stop.trailing,
        timeout=stop.timeout,
    )
    return summary, target


def _liquidation(spec: Spec, quantity: Decimal, entry: Decimal) -> Decimal | None:
    leverage = spec.leverage
    try:
        return liquidation_price(
            side="short",
            quantity=quantity,
            entry_price=entry,
            wallet_balance=initial_margin(quantity, entry, Decimal(leverage.value)),
            brackets=leverage.brackets or default_brackets(Decimal(leverage.value)),
            exchange=leverage.exchange,
        )
    except ValueError as error:
        raise HedgeValidationError("leverage.brackets", str(error)) from None


def _check_stop_before_liquidation(
    order: StopLossOrder,
    stop: Decimal,
    liquidation: Decimal,
    spec: Spec,
    mmr: Decimal | None,
    entry: Decimal,
) -> None:
    """A short's stop must trigger ``liquidation_buffer`` x entry before its liquidation price
    (slippage, and the gap between the last price stops use and the mark price liquidation uses)."""
    buffer = spec.leverage.liquidation_buffer
    if stop <= liquidation - buffer * entry:
        return
    where = "at or beyond" if stop >= liquidation else "inside the liquidation buffer before"
    raise HedgeValidationError(
        _given("stop_loss", order),
        f"the stop at {stop} is {where} the estimated liquidation price "
        f"{display_price(liquidation)} ({spec.leverage.value}x isolated; {mmr_text(mmr)}); the "
        f"buffer is {strip_zeros(buffer * _HUNDRED)}% of the entry "
        f"({display_price(buffer * entry)}), so the stop must be at most "
        f"{display_price(liquidation - buffer * entry)}: it might never fire; lower the leverage "
        "or the stop",
    )


def _check_leverage_against_bracket(
    leverage: int, brackets: tuple[LeverageBracket, ...], notional: Decimal
) -> None:
    """A leverage at or above ``1/MMR`` of the notional's bracket is liquidated at its entry."""
    rate = bracket_for(brackets, notional).maintenance_margin_rate
    if rate > 0 and leverage * rate >= _ONE:
        raise HedgeValidationError(
            "leverage",
            f"{leverage}x is at or above 1/MMR = {display_price(_ONE / rate)}x of the bracket "
            f"holding the {strip_zeros(notional)} notional (MMR {strip_zeros(rate * _HUNDRED)}%): "
            "the short would be liquidated at its own entry",
        )


def _check_step_size(
    spec: Spec, index: int, quantity: Decimal, volume: Decimal, price: Decimal
) -> None:
    """With market rules, a TP step's quantity (units x volume %), floored to the lot step, must
    reach the minimum lot and the minimum notional at the step's price."""
    rules = spec.rules
    if rules.lot_step is None and rules.min_lot is None and rules.min_notional is None:
        return
    label = f"take_profit[{index}] quantity ({strip_zeros(volume)}% of {quantity})"
    try:
        lot_quantity(
            quantity * volume / _HUNDRED,
            price,
            rules,
            asset=spec.spot.asset,
            given=label,
            label=label,
        )
    except HedgeValidationError as error:
        raise HedgeValidationError(
            f"take_profit[{index}].volume", f"{error.rule} ({error.field})"
        ) from None


def _trigger(price_type: PriceType, target: Target) -> TriggerPriceParams:
    from threecommas_hedge.models.smart_trade_params import TriggerPriceParams

    return TriggerPriceParams(type=price_type, value=target.send_value, percent=target.send_percent)


def _stop_loss_body(summary: HedgeSummary, target: Target | None) -> StopLossParams | None:
    from threecommas_hedge.models.smart_trade_params import (
        PriceValueParams,
        StopLossConditionalParams,
        StopLossParams,
        StopLossTimeoutParams,
        StopLossTrailingParams,
    )

    stop = summary.stop_loss
    if stop is None or target is None:
        return None
    return StopLossParams(
        enabled=True,
        breakeven=True if summary.breakeven else None,
        order_type=stop.order_type,
        price=None if stop.limit_price is None else PriceValueParams(value=stop.limit_price),
        conditional=StopLossConditionalParams(
            price=_trigger(stop.price_type, target),
            trailing=StopLossTrailingParams(enabled=True) if stop.trailing else None,
        ),
        timeout=None
        if stop.timeout is None
        else StopLossTimeoutParams(enabled=True, value=stop.timeout),
    )
