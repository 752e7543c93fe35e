"""What every response entity shares: the tolerant base model, UTC datetimes and lower-cased codes.

See ``smart_trades`` for the policy (unknown fields kept, declared fields validated).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, Tag, model_validator

__all__ = [
    "TERMINAL_STATUSES",
    "ApiDatetime",
    "LeverageKind",
    "OrderType",
    "PriceKind",
    "PriceMode",
    "ResponseModel",
    "Side",
    "SmartTradeType",
    "StatusCode",
    "TradePurpose",
    "TriggerCondition",
    "empty",
]


def _as_utc(value: datetime) -> datetime:
    """Normalise to ``timezone.utc``; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


ApiDatetime = Annotated[datetime, AfterValidator(_as_utc)]
"""ISO 8601 with any offset, or an epoch number (seconds; milliseconds above 2e10), as UTC."""

_Code = Annotated[str, StringConstraints(to_lower=True), Tag("str")]
"""A code as sent, folded to lower case (natively): a documented value in any case reads as its
``Literal`` value, and a new value still parses. (The tag keeps ``str`` in error locations.)"""

Side = Literal["buy", "sell"] | _Code
OrderType = Literal["market", "limit", "conditional"] | _Code
PriceKind = Literal["bid", "ask", "last"] | _Code
PriceMode = Literal["value", "percentage"] | _Code
LeverageKind = Literal["cross", "isolated", "custom", "none"] | _Code
SmartTradeType = (
    Literal["simple_buy", "simple_sell", "smart_trade", "smart_cover", "smart_sell", "smart_buy"]
    | _Code
)
StatusCode = (
    Literal[
        "created",
        "waiting_position",
        "waiting_targets",
        "pending_reduce_funds",
        "panic_sell_pending",
        "cancellation_pending",
        "cancelled",
        "failed",
        "finished",
        "idle",
        "to_process",
        "order_placed",
        "trailing_activated",
        "smart_sell",
    ]
    | _Code
)
"""SmartTrade, position and step status values seen so far (reference section 11.3)."""
TradePurpose = Literal["position", "take_profit", "stop_loss", "reduce_funds"] | _Code
TriggerCondition = Literal["greater", "less", "greater_or_equal", "less_or_equal"] | _Code

TERMINAL_STATUSES = frozenset({"cancelled", "failed", "finished"})
"""``status.basic_type`` values of a SmartTrade that is done (``successfully_*`` too)."""


class ResponseModel(BaseModel):
    """Base of every inbound model: unknown fields kept, declared fields validated, lenient.

    Frozen: an answer is a record of what the server said (``model_copy(update=...)`` makes a
    changed copy), so the empty default of a sub-object can be one shared instance (``empty``).
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        coerce_numbers_to_str=True,
        defer_build=True,
        frozen=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        """``null`` reads as ``{}``; a model that takes another shape overrides this (one call)."""
        return {} if data is None else data


_M = TypeVar("_M", bound=ResponseModel)


@functools.cache
def empty(model: type[_M]) -> Callable[[], _M]:
    """The default factory of a sub-object field: one shared empty ``model``, made on first use.

    Sharing is safe because response models are frozen; it saves validating a fresh empty model
    for every field an answer leaves out. A model with a list or dict field cannot be shared (a
    caller appending to one answer's list would change every later answer): it is refused, and
    such a field takes the model itself as its factory.
    """
    mutable = [
        name for name, field in model.model_fields.items() if field.default_factory in (list, dict)
    ]
    if mutable:
        raise TypeError(f"{model.__name__}.{mutable[0]} is a list or dict: no shared empty")
    return functools.cache(model)
