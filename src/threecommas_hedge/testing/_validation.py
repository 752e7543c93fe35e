"""Server-side validation of raw request bodies, keyed the way 3Commas keys ``error_attributes``.

The rules are those of the request models: the bounds and value sets come from the rule table they
share (``models/_request_rules.py``), the allowed keys of each object are the models' own fields,
and a body that passes is then parsed by the model itself. The checks run on plain JSON so that
hand-written dicts get the API's per-field answer. Keys are bracket paths
(``take_profit[steps][0][price][value]``), cross-field rules use comma-joined keys, and the
messages are the API's (``is missing``, ``is invalid``, ``does not have a valid value``,
``are mutually exclusive``). Market-dependent checks (rules, prices, accounts) live in the state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from threecommas_hedge.models._request_rules import (
    ENTRY_ORDER_TYPES,
    MARGIN_TYPES,
    MAX_ID,
    MAX_NOTE_LENGTH,
    MAX_PAIR_LENGTH,
    MAX_TP_STEPS,
    MAX_TP_VOLUME,
    MAX_TRAILING_PERCENT,
    MIN_BREAKEVEN_TP_STEPS,
    MIN_LEVERAGE,
    MIN_TIMEOUT_SECONDS,
    MIN_TRAILING_PERCENT,
    ORDER_TYPES,
    PAIR_PATTERN,
    PRICE_TYPES,
    SIDES,
    TP_VOLUME_TOTAL,
)
from threecommas_hedge.models._types import decimal_bound_error
from threecommas_hedge.models.smart_trade_params import (
    EntryTriggerParams,
    FundsRequest,
    LeverageParams,
    PositionConditionalParams,
    PositionParams,
    PositionUpdateParams,
    PriceValueParams,
    SetNoteRequest,
    SmartTradeCreate,
    SmartTradeUpdate,
    StopLossConditionalParams,
    StopLossParams,
    StopLossTimeoutParams,
    TakeProfitParams,
    TakeProfitStepParams,
    TrailingParams,
    TriggerPriceParams,
    UnitsParams,
)

_PAIR = re.compile(PAIR_PATTERN)

__all__ = [
    "ErrorAttributes",
    "Errors",
    "Path",
    "check_create",
    "check_update",
    "key",
    "validate_create",
    "validate_funds",
    "validate_note",
    "validate_update",
]

ErrorAttributes = dict[str, list[str]]
_Model = TypeVar("_Model", bound=BaseModel)
Path = tuple[str | int, ...]

MISSING = "is missing"
INVALID = "is invalid"
NOT_VALID_VALUE = "does not have a valid value"
EXCLUSIVE = "are mutually exclusive"
EXACTLY_ONE = "are missing, exactly one parameter must be provided"
NOT_ALLOWED = "is not allowed"


def fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The keys a request object may have: its model's fields."""
    return tuple(model.model_fields)


def key(path: Path | str) -> str:
    """``("take_profit", "steps", 0)`` -> ``take_profit[steps][0]`` (a string is kept as is)."""
    if isinstance(path, str):
        return path
    head, *rest = path
    return str(head) + "".join(f"[{part}]" for part in rest)


class Errors:
    """Collects messages per key, in the order they were found."""

    def __init__(self) -> None:
        self.attributes: ErrorAttributes = {}

    def add(self, path: Path | str, message: str) -> None:
        """Record ``message`` under the key of ``path`` (once)."""
        messages = self.attributes.setdefault(key(path), [])
        if message not in messages:
            messages.append(message)

    def add_pair(self, first: Path, second: Path, message: str) -> None:
        """A cross-field rule: both keys joined by a comma."""
        self.add(f"{key(first)},{key(second)}", message)

    def __bool__(self) -> bool:
        return bool(self.attributes)


# --- scalar readers -------------------------------------------------------------------------


def _value(obj: Mapping[str, Any], path: Path) -> Any:
    return obj.get(str(path[-1]))


def _missing(errors: Errors, path: Path, required: bool, children: Iterable[str] = ()) -> None:
    if required:
        errors.add(path, MISSING)
        for child in children:
            errors.add((*path, child), MISSING)


def read_object(
    errors: Errors,
    obj: Mapping[str, Any],
    path: Path,
    *,
    required: bool = False,
    children: Iterable[str] = (),
) -> dict[str, Any] | None:
    """The nested object at ``path``; a missing required object also reports its ``children``."""
    value = _value(obj, path)
    if value is None:
        _missing(errors, path, required, children)
        return None
    if not isinstance(value, dict):
        errors.add(path, INVALID)
        return None
    return value


def read_bool(
    errors: Errors, obj: Mapping[str, Any], path: Path, *, required: bool = False
) -> bool | None:
    """A real JSON boolean (``"true"`` is invalid)."""
    value = _value(obj, path)
    if value is None:
        _missing(errors, path, required)
        return None
    if not isinstance(value, bool):
        errors.add(path, INVALID)
        return None
    return value


def read_int(
    errors: Errors,
    obj: Mapping[str, Any],
    path: Path,
    *,
    required: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """A JSON integer (not a boolean, not a string)."""
    value = _value(obj, path)
    if value is None:
        _missing(errors, path, required)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(path, INVALID)
        return None
    if minimum is not None and value < minimum:
        errors.add(path, f"must be greater than or equal to {minimum}")
        return None
    if maximum is not None and value > maximum:
        errors.add(path, f"must be less than or equal to {maximum}")
        return None
    return value


def read_enum(
    errors: Errors,
    obj: Mapping[str, Any],
    path: Path,
    values: tuple[str, ...],
    *,
    required: bool = False,
) -> str | None:
    """One of ``values``."""
    value = _value(obj, path)
    if value is None:
        _missing(errors, path, required)
        return None
    if not isinstance(value, str):
        errors.add(path, INVALID)
        return None
    if value not in values:
        errors.add(path, NOT_VALID_VALUE)
        return None
    return value


def read_decimal(
    errors: Errors,
    obj: Mapping[str, Any],
    path: Path,
    *,
    required: bool = False,
    positive: bool = False,
    ge: Decimal | None = None,
    le: Decimal | None = None,
) -> Decimal | None:
    """A decimal sent as a string or a number (never a boolean), finite, within the bounds."""
    value = _value(obj, path)
    if value is None:
        _missing(errors, path, required)
        return None
    number = to_decimal(value)
    if number is None:
        errors.add(path, INVALID)
        return None
    if positive and number <= 0:
        errors.add(path, "must be greater than 0")
        return None
    if ge is not None and number < ge:
        errors.add(path, f"must be greater than or equal to {ge}")
        return None
    if le is not None and number > le:
        errors.add(path, f"must be less than or equal to {le}")
        return None
    return number


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal within the library's digit bounds from a JSON string or number;
    ``None`` when it is not one (so a huge amount is a 422, never an Overflow later)."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, str):
            number = Decimal(value.strip())
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        else:
            return None
    except InvalidOperation:
        return None
    return number if number.is_finite() and decimal_bound_error(number) is None else None


def read_note(
    errors: Errors, obj: Mapping[str, Any], path: Path, *, required: bool = False
) -> str | None:
    """A note of 1 to 300 characters."""
    value = _value(obj, path)
    if value is None:
        _missing(errors, path, required)
        return None
    if not isinstance(value, str):
        errors.add(path, INVALID)
        return None
    if not value:
        errors.add(path, "is empty")
        return None
    if len(value) > MAX_NOTE_LENGTH:
        errors.add(path, f"too long. Max is {MAX_NOTE_LENGTH} symbols")
        return None
    return value


def reject_unknown(
    errors: Errors, obj: Mapping[str, Any], prefix: Path, allowed: Iterable[str]
) -> None:
    """Every key not in ``allowed`` is reported as ``is not allowed`` (response-only fields too)."""
    known = set(allowed)
    for name in obj:
        if name not in known:
            errors.add((*prefix, name), NOT_ALLOWED)


# --- groups ---------------------------------------------------------------------------------


def _trigger_price(errors: Errors, price: Mapping[str, Any], path: Path) -> None:
    """``{type?, value | percent}``: exactly one of value and percent."""
    reject_unknown(errors, price, path, fields(TriggerPriceParams))
    read_enum(errors, price, (*path, "type"), PRICE_TYPES)
    value = read_decimal(errors, price, (*path, "value"), positive=True)
    percent = read_decimal(errors, price, (*path, "percent"))
    has_value = value is not None or price.get("value") is not None
    has_percent = percent is not None or price.get("percent") is not None
    if has_value and has_percent:
        errors.add_pair((*path, "value"), (*path, "percent"), EXCLUSIVE)
    elif not has_value and not has_percent:
        errors.add_pair((*path, "value"), (*path, "percent"), EXACTLY_ONE)


def _price_value(errors: Errors, obj: Mapping[str, Any], path: Path, *, required: bool) -> None:
    """``{value}``: the price of a limit order."""
    price = read_object(errors, obj, path, required=required, children=("value",))
    if price is not None:
        reject_unknown(errors, price, path, fields(PriceValueParams))
        read_decimal(errors, price, (*path, "value"), required=True, positive=True)


def _trailing(
    errors: Errors, obj: Mapping[str, Any], path: Path, *, percent_required: bool = True
) -> bool:
    """``{enabled, percent}``; returns whether trailing is on."""
    trailing = read_object(errors, obj, path)
    if trailing is None:
        return False
    reject_unknown(errors, trailing, path, fields(TrailingParams))
    enabled = read_bool(errors, trailing, (*path, "enabled"), required=True)
    read_decimal(
        errors, trailing, (*path, "percent"), ge=MIN_TRAILING_PERCENT, le=MAX_TRAILING_PERCENT
    )
    if enabled and percent_required and trailing.get("percent") is None:
        errors.add((*path, "percent"), MISSING)
    return bool(enabled)


def _leverage(errors: Errors, body: Mapping[str, Any]) -> None:
    path: Path = ("leverage",)
    leverage = read_object(errors, body, path)
    if leverage is None:
        return
    reject_unknown(errors, leverage, path, fields(LeverageParams))
    enabled = read_bool(errors, leverage, (*path, "enabled"), required=True)
    read_enum(errors, leverage, (*path, "type"), MARGIN_TYPES, required=bool(enabled))
    read_int(errors, leverage, (*path, "value"), required=bool(enabled), minimum=MIN_LEVERAGE)


def _conditional_entry(errors: Errors, position: Mapping[str, Any], path: Path) -> str | None:
    """``position.conditional``; returns its order type."""
    conditional = read_object(errors, position, path, required=True, children=("order_type",))
    if conditional is None:
        errors.add((*path, "price", "value"), MISSING)
        return None
    reject_unknown(errors, conditional, path, fields(PositionConditionalParams))
    order_type = read_enum(errors, conditional, (*path, "order_type"), ORDER_TYPES, required=True)
    price_path = (*path, "price")
    price = read_object(errors, conditional, price_path, required=True, children=("value",))
    if price is not None:
        reject_unknown(errors, price, price_path, fields(EntryTriggerParams))
        read_enum(errors, price, (*price_path, "type"), PRICE_TYPES)
        read_decimal(errors, price, (*price_path, "value"), required=True, positive=True)
    trailing = _trailing(errors, conditional, (*path, "trailing"))
    if trailing and order_type is not None and order_type != "market":
        errors.add((*path, "trailing", "enabled"), "is allowed only with order_type market")
    return order_type


def _position_create(errors: Errors, body: Mapping[str, Any], skip_enter_step: bool) -> None:
    path: Path = ("position",)
    position = read_object(
        errors, body, path, required=True, children=("type", "order_type", "units")
    )
    if position is None:
        return
    reject_unknown(errors, position, path, fields(PositionParams))
    read_enum(errors, position, (*path, "type"), SIDES, required=True)
    order_type = read_enum(
        errors, position, (*path, "order_type"), ENTRY_ORDER_TYPES, required=True
    )
    _units(errors, position, (*path, "units"))
    _entry_shape(errors, position, path, order_type, skip_enter_step)


def _units(errors: Errors, obj: Mapping[str, Any], path: Path) -> None:
    units = read_object(errors, obj, path, required=True, children=("value",))
    if units is not None:
        reject_unknown(errors, units, path, fields(UnitsParams))
        read_decimal(errors, units, (*path, "value"), required=True, positive=True)


def _entry_shape(
    errors: Errors,
    position: Mapping[str, Any],
    path: Path,
    order_type: str | None,
    skip_enter_step: bool,
) -> None:
    """Price and conditional fields that must (not) come with the entry's order type."""
    has_price = position.get("price") is not None
    conditional_path = (*path, "conditional")
    if order_type == "conditional":
        conditional_type = _conditional_entry(errors, position, conditional_path)
        _price_value(errors, position, (*path, "price"), required=conditional_type == "limit")
        return
    if position.get("conditional") is not None:
        errors.add(conditional_path, "is allowed only with order_type conditional")
    if order_type == "market" and has_price and not skip_enter_step:
        errors.add((*path, "price"), "is not allowed for a market entry")
        return
    _price_value(errors, position, (*path, "price"), required=order_type == "limit")


def _take_profit(errors: Errors, body: Mapping[str, Any], *, allow_step_ids: bool) -> int:
    """``take_profit``; returns the number of steps that count (0 when disabled)."""
    path: Path = ("take_profit",)
    take_profit = read_object(errors, body, path)
    if take_profit is None:
        return 0
    reject_unknown(errors, take_profit, path, fields(TakeProfitParams))
    enabled = read_bool(errors, take_profit, (*path, "enabled"), required=True)
    steps_path = (*path, "steps")
    steps = take_profit.get("steps")
    if steps is None:
        steps = []
    if not isinstance(steps, list):
        errors.add(steps_path, INVALID)
        return 0
    volumes: list[Decimal] = []
    for index, step in enumerate(steps):
        step_path = (*steps_path, index)
        if not isinstance(step, dict):
            errors.add(step_path, INVALID)
            continue
        volume, trailing = _take_profit_step(errors, step, step_path, allow_step_ids)
        if volume is not None:
            volumes.append(volume)
        if trailing and index != len(steps) - 1:
            errors.add((*step_path, "trailing", "enabled"), "is allowed only on the last step")
    if not enabled:
        return 0
    if not steps:
        errors.add(steps_path, MISSING)
        return 0
    if len(steps) > MAX_TP_STEPS:
        errors.add(steps_path, f"must have at most {MAX_TP_STEPS} steps")
    elif len(volumes) == len(steps) and sum(volumes, Decimal(0)) != TP_VOLUME_TOTAL:
        total = sum(volumes, Decimal(0))
        errors.add(steps_path, f"volumes must add up to {TP_VOLUME_TOTAL} (got {total})")
    return len(steps)


def _take_profit_step(
    errors: Errors, step: Mapping[str, Any], path: Path, allow_step_ids: bool
) -> tuple[Decimal | None, bool]:
    allowed = [name for name in fields(TakeProfitStepParams) if allow_step_ids or name != "id"]
    if allow_step_ids:
        read_int(errors, step, (*path, "id"), minimum=1, maximum=MAX_ID)
    reject_unknown(errors, step, path, allowed)
    read_enum(errors, step, (*path, "order_type"), ORDER_TYPES, required=True)
    volume = read_decimal(
        errors, step, (*path, "volume"), required=True, positive=True, le=MAX_TP_VOLUME
    )
    price = read_object(errors, step, (*path, "price"), required=True)
    if price is not None:
        _trigger_price(errors, price, (*path, "price"))
    trailing = _trailing(errors, step, (*path, "trailing"))
    return volume, trailing


def _stop_loss(errors: Errors, body: Mapping[str, Any], tp_steps: int) -> None:
    path: Path = ("stop_loss",)
    stop_loss = read_object(errors, body, path)
    if stop_loss is None:
        return
    reject_unknown(errors, stop_loss, path, fields(StopLossParams))
    enabled = bool(read_bool(errors, stop_loss, (*path, "enabled"), required=True))
    breakeven = read_bool(errors, stop_loss, (*path, "breakeven"))
    order_type = read_enum(errors, stop_loss, (*path, "order_type"), ORDER_TYPES, required=enabled)
    _price_value(errors, stop_loss, (*path, "price"), required=enabled and order_type == "limit")
    conditional_path = (*path, "conditional")
    conditional = read_object(errors, stop_loss, conditional_path, required=enabled)
    if conditional is not None:
        reject_unknown(errors, conditional, conditional_path, fields(StopLossConditionalParams))
        price = read_object(errors, conditional, (*conditional_path, "price"), required=True)
        if price is not None:
            _trigger_price(errors, price, (*conditional_path, "price"))
        _trailing(errors, conditional, (*conditional_path, "trailing"), percent_required=False)
    elif enabled:
        errors.add_pair(
            (*conditional_path, "price", "value"),
            (*conditional_path, "price", "percent"),
            EXACTLY_ONE,
        )
    timeout_path = (*path, "timeout")
    timeout = read_object(errors, stop_loss, timeout_path)
    if timeout is not None:
        reject_unknown(errors, timeout, timeout_path, fields(StopLossTimeoutParams))
        timeout_on = read_bool(errors, timeout, (*timeout_path, "enabled"), required=True)
        read_int(
            errors,
            timeout,
            (*timeout_path, "value"),
            required=bool(timeout_on),
            minimum=MIN_TIMEOUT_SECONDS,
        )
    if enabled and breakeven and tp_steps < MIN_BREAKEVEN_TP_STEPS:
        errors.add(
            (*path, "breakeven"), f"needs at least {MIN_BREAKEVEN_TP_STEPS} take profit steps"
        )


def _group_enabled(body: Mapping[str, Any], name: str) -> bool:
    group = body.get(name)
    return isinstance(group, dict) and group.get("enabled") is True


def check_create(body: Any) -> ErrorAttributes:
    """The API's answer to a create body, by field (empty when the body is valid)."""
    errors = Errors()
    if not isinstance(body, dict):
        errors.add("body", INVALID)
        return errors.attributes
    reject_unknown(errors, body, (), fields(SmartTradeCreate))
    read_int(errors, body, ("account_id",), required=True, minimum=1, maximum=MAX_ID)
    pair = body.get("pair")
    if pair is None:
        errors.add("pair", MISSING)
    elif not isinstance(pair, str) or len(pair) > MAX_PAIR_LENGTH or not _PAIR.fullmatch(pair):
        errors.add("pair", INVALID)
    instant = read_bool(errors, body, ("instant",))
    skip_enter_step = read_bool(errors, body, ("skip_enter_step",))
    read_note(errors, body, ("note",))
    _leverage(errors, body)
    _position_create(errors, body, bool(skip_enter_step))
    tp_steps = _take_profit(errors, body, allow_step_ids=False)
    _stop_loss(errors, body, tp_steps)
    if instant:
        if skip_enter_step:
            errors.add_pair(("instant",), ("skip_enter_step",), EXCLUSIVE)
        for group in ("take_profit", "stop_loss"):
            if _group_enabled(body, group):
                errors.add((group, "enabled"), "is not allowed for an instant trade")
    return errors.attributes


def check_update(body: Any) -> ErrorAttributes:
    """The API's answer to an edit body (``PATCH``), by field (empty when valid)."""
    errors = Errors()
    if not isinstance(body, dict):
        errors.add("body", INVALID)
        return errors.attributes
    groups = fields(SmartTradeUpdate)
    reject_unknown(errors, body, (), groups)
    if all(body.get(group) is None for group in groups):
        errors.add(",".join(groups), "are missing, at least one parameter must be provided")
        return errors.attributes
    _leverage(errors, body)
    path: Path = ("position",)
    position = read_object(errors, body, path)
    if position is not None:
        reject_unknown(errors, position, path, fields(PositionUpdateParams))
        if position.get("units") is not None:
            _units(errors, position, (*path, "units"))
        _price_value(errors, position, (*path, "price"), required=False)
        if position.get("conditional") is not None:
            _conditional_entry(errors, position, (*path, "conditional"))
    tp_steps = _take_profit(errors, body, allow_step_ids=True)
    if body.get("take_profit") is None:
        tp_steps = MAX_TP_STEPS  # breakeven is then checked against the trade's own steps
    _stop_loss(errors, body, tp_steps)
    return errors.attributes


def validate_create(body: Any) -> tuple[ErrorAttributes, SmartTradeCreate | None]:
    """`check_create`, then the parsed `SmartTradeCreate` when there is nothing to report."""
    return _finish(check_create(body), SmartTradeCreate, body)


def validate_update(body: Any) -> tuple[ErrorAttributes, SmartTradeUpdate | None]:
    """`check_update`, then the parsed `SmartTradeUpdate` when there is nothing to report."""
    return _finish(check_update(body), SmartTradeUpdate, body)


def validate_funds(body: Any) -> tuple[ErrorAttributes, FundsRequest | None]:
    """Check an ``add_funds`` / ``reduce_funds`` body."""
    errors = Errors()
    if not isinstance(body, dict):
        errors.add("body", INVALID)
        return errors.attributes, None
    reject_unknown(errors, body, (), fields(FundsRequest))
    order_type = body.get("order_type")
    if order_type is None:
        errors.add("order_type", MISSING)
        errors.add("order_type", NOT_VALID_VALUE)
    else:
        read_enum(errors, body, ("order_type",), ORDER_TYPES)
    _units(errors, body, ("units",))
    if order_type == "market" and body.get("price") is not None:
        errors.add("price", "is not allowed for a market order")
    else:
        _price_value(errors, body, ("price",), required=order_type == "limit")
    return _finish(errors.attributes, FundsRequest, body)


def validate_note(body: Any) -> tuple[ErrorAttributes, SetNoteRequest | None]:
    """Check a ``set_note`` body: ``note`` of 1 to 300 characters."""
    errors = Errors()
    if not isinstance(body, dict):
        errors.add("body", INVALID)
        return errors.attributes, None
    reject_unknown(errors, body, (), fields(SetNoteRequest))
    read_note(errors, body, ("note",), required=True)
    return _finish(errors.attributes, SetNoteRequest, body)


def _finish(
    attributes: ErrorAttributes, model: type[_Model], body: Any
) -> tuple[ErrorAttributes, _Model | None]:
    if attributes:
        return attributes, None
    try:
        return {}, model.model_validate(body)
    except ValidationError as exc:  # a rule the raw checks missed: still answer like the API
        errors = Errors()
        for error in exc.errors():
            location = tuple(part for part in error["loc"] if isinstance(part, str | int))
            errors.add(location or "body", str(error["msg"]))
        return errors.attributes, None
