"""Properties of HedgeBuilder: every payload it returns is a valid Smart Short body that round-trips
through the request model and keeps the short's invariants; bad input only ever raises
HedgeValidationError."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from threecommas_hedge import HedgeBuilder, HedgeValidationError, MarketRules, SpotPosition
from threecommas_hedge.models import SmartTradeCreate

D = Decimal
_T = TypeVar("_T")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fields a well-formed but unlucky combination may legitimately be refused on.
_BUILD_FIELDS = (
    "leverage",
    "hedge.notional",
    "rules.lot_step",
    "rules.min_lot",
    "rules.min_notional",
    "take_profit",
    "stop_loss",
    "conditional_entry",
    "limit_entry",
    "move_to_breakeven",
    "trailing_take_profit",  # a trailing step that is not the farthest once sorted
)


def _scaled(draw: st.DrawFn, low: int, high: int, places: int) -> Decimal:
    return D(draw(st.integers(low, high))).scaleb(-places)


def _attempt(action: Callable[[], _T]) -> _T | HedgeValidationError:
    try:
        return action()
    except HedgeValidationError as error:
        return error


def _is_number(text: str) -> bool:
    try:
        D(text)
    except ArithmeticError:
        return False
    return True


def _on_grid(value: Decimal, step: Decimal) -> bool:
    return value % step == 0


@dataclass(frozen=True)
class Case:
    builder: HedgeBuilder
    spot: SpotPosition
    ratio: Decimal
    leverage: int
    margin: str
    rules: MarketRules
    limit_price: Decimal | None


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """Mostly valid hedges over a wide range of price scales, rules and options."""
    scale = draw(st.integers(-6, 3))
    price = D(draw(st.integers(1000, 99999))).scaleb(scale - 3)
    quantity = _scaled(draw, 1, 10**6, draw(st.integers(0, 4)))
    spot = SpotPosition(asset="X", quantity=quantity, price=price)
    ratio = _scaled(draw, 1, 1000, 3)
    tick = D(draw(st.sampled_from([1, 2, 5, 25]))).scaleb(
        price.adjusted() - draw(st.integers(4, 6))
    )
    lot = D(draw(st.sampled_from([1, 5]))).scaleb(quantity.adjusted() - draw(st.integers(3, 6)))
    leverage = draw(st.integers(1, 10))
    margin = draw(st.sampled_from(["isolated", "cross"]))
    rules = MarketRules(
        price_step=draw(st.none() | st.just(tick)),
        lot_step=draw(st.none() | st.just(lot)),
        min_lot=draw(st.none() | st.just(lot * 2)),
        min_notional=draw(st.none() | st.just(price * quantity / 1000)),
        max_leverage=draw(st.none() | st.integers(1, 20)),
    )
    builder = (
        HedgeBuilder(spot, account_id=draw(st.integers(1, 10**9)), pair="USDT_XUSDT")
        .hedge(ratio=ratio)
        .leverage(leverage, margin)  # type: ignore[arg-type]
        .rules(rules)
    )
    move = _scaled(draw, -500, 500, 4)  # -5 % .. +5 % from spot
    entry_kind = draw(st.sampled_from(["market", "limit", "conditional", "trailing"]))
    limit_price: Decimal | None = None
    if entry_kind == "limit":
        limit_price = price * (1 + move)
        builder = builder.limit_entry(limit_price)
    elif entry_kind == "conditional":
        order_type = draw(st.sampled_from(["market", "limit"]))
        builder = builder.conditional_entry(price * (1 + move), order_type=order_type)  # type: ignore[arg-type]
    elif entry_kind == "trailing":
        trailing = _scaled(draw, 1, 500, 2)
        builder = builder.conditional_entry(price * (1 + move), trailing_percent=trailing)
    steps = draw(st.integers(0, 4))
    shares = {1: ["100"], 2: ["50", "50"], 3: ["50", "25", "25"], 4: ["25"] * 4}.get(steps, [])
    volumes: list[Decimal | None] = [D(share) for share in shares]
    if draw(st.booleans()):
        volumes = [None] * steps  # the builder shares 100 out
    by_percent = entry_kind == "trailing" or draw(st.booleans())
    for index in range(steps):
        distance = _scaled(draw, 10, 5000, 2)  # 0.1 % .. 50 % below
        volume = volumes[index]
        if by_percent:
            builder = builder.take_profit(percent=-distance, volume=volume)
        else:
            target = price * (1 - abs(move)) * (1 - distance / 100)
            builder = builder.take_profit(target, volume=volume)
    if steps and draw(st.booleans()):
        builder = builder.trailing_take_profit(_scaled(draw, 1, 1000, 2))
    if draw(st.booleans()):
        distance = _scaled(draw, 10, 500, 2)  # 0.1 % .. 5 % above
        sl_type = draw(st.sampled_from(["market", "limit"]))
        options: dict[str, Any] = {
            "order_type": sl_type,
            "trailing": draw(st.booleans()),
            "timeout": draw(st.none() | st.integers(1, 3600)),
        }
        if by_percent:
            builder = builder.stop_loss(percent=distance, **options)
        else:
            builder = builder.stop_loss(price * (1 + abs(move)) * (1 + distance / 100), **options)
        if steps >= 2 and draw(st.booleans()):
            builder = builder.move_to_breakeven()
    if draw(st.booleans()):
        builder = builder.note(draw(st.text(min_size=1, max_size=300)))
    return Case(builder, spot, ratio, leverage, margin, rules, limit_price)


def _strings(node: Any) -> list[str]:
    """Every string in a JSON body except the free-text note."""
    if isinstance(node, dict):
        return [text for key, value in node.items() if key != "note" for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return [node] if isinstance(node, str) else []


@SETTINGS
@given(cases())
def test_built_payloads_are_valid_short_bodies(case: Case) -> None:
    builder = case.builder
    payload = _attempt(builder.build)
    if isinstance(payload, HedgeValidationError):
        event(f"refused: {payload.field.split('[')[0].split('.')[0]}")
        assert payload.field.startswith(_BUILD_FIELDS), str(payload)
        return
    event("built")
    body = payload.model_dump(mode="json", exclude_none=True)
    assert SmartTradeCreate.model_validate(body) == payload
    assert payload.trade_type == "smart_cover"
    assert (body["instant"], body["skip_enter_step"]) == (False, False)
    assert body["position"]["type"] == "sell"
    assert body["leverage"] == {"enabled": True, "type": case.margin, "value": case.leverage}
    for text in _strings(body):
        assert not _is_number(text) or "E" not in text.upper(), text  # plain notation

    rules, summary, entry = case.rules, builder.summary(), builder.entry_reference
    assert summary.entry == entry
    quantity = payload.position.units.value
    assert quantity == builder.hedge_quantity == summary.quantity
    assert 0 < quantity <= case.ratio * case.spot.quantity
    assert summary.ratio == quantity / case.spot.quantity <= 1
    if rules.lot_step is not None:
        assert _on_grid(quantity, rules.lot_step)
    if rules.min_lot is not None:
        assert quantity >= rules.min_lot
    if rules.min_notional is not None:
        assert quantity * entry >= rules.min_notional
    if rules.max_leverage is not None:
        assert case.leverage <= rules.max_leverage

    prices: list[Decimal] = []
    if payload.position.price is not None:
        prices.append(payload.position.price.value)
    if case.limit_price is not None:
        assert payload.position.price is not None
        assert payload.position.price.value >= case.limit_price  # a sell never rounds lower
    if payload.position.conditional is not None:
        prices.append(payload.position.conditional.price.value)

    if payload.take_profit is not None:
        steps = payload.take_profit.steps
        assert 1 <= len(steps) <= 8
        assert sum(step.volume for step in steps) == 100
        assert all(step.trailing is None for step in steps[:-1])
        # nearest-first: a short's steps go out highest price first
        assert [seen.price for seen in summary.take_profits] == sorted(
            (seen.price for seen in summary.take_profits), reverse=True
        )
        for step, seen in zip(steps, summary.take_profits, strict=True):
            assert seen.price < entry
            if step.price.value is not None:
                assert step.price.value == seen.price
                prices.append(step.price.value)
            else:
                assert summary.entry_estimated
                assert step.price.percent is not None and step.price.percent < 0
    stop = payload.stop_loss
    if stop is not None:
        assert summary.stop_loss is not None
        sl_price = summary.stop_loss.price
        assert sl_price > entry
        assert stop.conditional is not None
        trigger = stop.conditional.price
        if trigger.value is not None:
            assert trigger.value == sl_price
            prices.append(trigger.value)
        else:
            assert summary.entry_estimated
            assert trigger.percent is not None and trigger.percent > 0
        if stop.price is not None:
            assert stop.price.value >= sl_price
            prices.append(stop.price.value)
        if summary.liquidation_price is not None:
            # the default 1% liquidation buffer of the entry
            assert sl_price <= summary.liquidation_price - entry / 100
        assert bool(stop.breakeven) == summary.breakeven
    if case.margin == "cross":
        assert summary.liquidation_price is None
    if rules.price_step is not None:
        for price in prices:
            assert _on_grid(price, rules.price_step), price
    assert "Smart Short" in builder.explain()


_anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**6),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=True, allow_infinity=True, places=4),
    st.text(max_size=5),
    st.sampled_from(["market", "limit", "bid", "ask", "last", "cross", "isolated", "1", "-8"]),
)


@st.composite
def calls(draw: st.DrawFn) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """Random method calls with random (often invalid) arguments."""
    methods = {
        "hedge": ("ratio", "quantity", "notional"),
        "leverage": ("value", "margin"),
        "limit_entry": ("price",),
        "conditional_entry": ("order_type", "limit_price", "trailing_percent", "price_type"),
        "take_profit": ("price", "percent", "volume", "order_type", "price_type"),
        "trailing_take_profit": ("percent",),
        "stop_loss": ("price", "percent", "order_type", "limit_price", "timeout", "price_type"),
        "note": ("text",),
        "move_to_breakeven": (),
        "market_entry": (),
    }
    result = []
    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(sorted(methods)))
        names = methods[name]
        kwargs = {key: draw(_anything) for key in names if draw(st.booleans())}
        args: tuple[Any, ...] = ()
        if name in ("leverage", "limit_entry", "trailing_take_profit", "note"):
            args = (kwargs.pop(names[0], draw(_anything)),)
        if name == "conditional_entry":
            args = (draw(_anything),)
        result.append((name, args, kwargs))
    return result


@SETTINGS
@given(calls(), st.sampled_from([None, MarketRules(price_step=D("0.5"), lot_step=D("0.01"))]))
def test_bad_input_only_raises_hedge_validation_errors(
    sequence: list[tuple[str, tuple[Any, ...], dict[str, Any]]], rules: MarketRules | None
) -> None:
    spot = SpotPosition(asset="BTC", quantity=D("2"), price=D("60000"))
    builder = HedgeBuilder(spot, account_id=7, pair="USDT_BTCUSDT").hedge(ratio=D("0.5"))
    if rules is not None:
        builder = builder.rules(rules)
    for name, args, kwargs in sequence:
        method = getattr(builder, name)
        outcome = _attempt(lambda method=method, args=args, kwargs=kwargs: method(*args, **kwargs))
        if isinstance(outcome, HedgeValidationError):
            assert outcome.field and outcome.rule
            event("argument refused")
        else:
            builder = outcome
    payload = _attempt(builder.build)
    if isinstance(payload, HedgeValidationError):
        assert str(payload) == f"{payload.field}: {payload.rule}"
        assert str(builder).endswith(str(payload))
        event("build refused")
        return
    event("built")
    body = payload.model_dump(mode="json", exclude_none=True)
    assert SmartTradeCreate.model_validate(body) == payload
    assert builder.explain() == str(builder)
