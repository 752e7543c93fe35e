"""Request encoding: the query string and the JSON body, exactly the bytes that are signed and sent.

Decimals are sent as plain-notation strings, floats are refused, a pydantic request model is encoded
straight from the model (None fields left out).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import quote

import pydantic
from pydantic_core import PydanticSerializationError

from ._guard import ACCOUNT_FIELD
from .models._scalars import format_decimal

QueryValue = str | int | Decimal | bool | Enum
"""A query parameter value; ``None`` values are left out. Floats are refused: use Decimal."""


@dataclass(frozen=True)
class JsonBody:
    """A JSON body encoded once: ``content`` is what is sent and signed.

    ``fields`` are the top-level members of ``content`` the mode guard reads, taken from the value
    that was encoded so that the body is never decoded again: the whole object for a plain value,
    only ``account_id`` (when sent) for a model.
    """

    content: bytes
    fields: Mapping[str, Any]


def encode_query(params: Mapping[str, QueryValue | None]) -> str:
    """The query string: sorted by name, every name and value percent-encoded once (space %20)."""
    pairs = []
    for name in sorted(params):
        value = params[name]
        if value is None:
            continue
        pairs.append(f"{quote(name, safe='')}={quote(_query_text(name, value), safe='')}")
    return "&".join(pairs)


def encode_body(payload: Any) -> bytes:
    """Compact JSON bytes (ASCII); Decimals become plain-notation strings, floats are refused.

    A pydantic model (a request body) is encoded straight from the model, None fields left out:
    the same bytes as encoding its ``model_dump(mode="json", exclude_none=True)``.
    """
    return json_body(payload).content


def json_body(payload: Any) -> JsonBody:
    """``payload`` encoded once (see ``encode_body``), with the fields the mode guard reads."""
    if isinstance(payload, pydantic.BaseModel):  # loads pydantic.main on first use
        content = _model_json(payload)
        return JsonBody(content, _model_guard_fields(payload, content))
    data = _jsonable(payload)
    content = json.dumps(data, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode(
        "ascii"
    )
    return JsonBody(content, data if isinstance(data, dict) else {})


def _query_text(name: str, value: QueryValue) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, (str, int)):
        return str(value)
    raise TypeError(
        f"query parameter {name!r}: expected str, int, Decimal or bool, got {type(value).__name__}"
    )


def _model_json(model: pydantic.BaseModel) -> bytes:
    serializer = model.__pydantic_serializer__
    try:
        content = serializer.to_json(model, exclude_none=True)
        if not content.isascii():  # rare: escaping costs every body ~2 us, so only when needed
            content = serializer.to_json(model, exclude_none=True, ensure_ascii=True)
    except PydanticSerializationError:  # e.g. a lone surrogate, which json.dumps escapes
        content = b"\x7f"
    if b"\x7f" in content:  # json.dumps escapes DEL, pydantic does not: keep the bytes identical
        content = json_body(model.model_dump(mode="json", exclude_none=True)).content
    return content


def _model_guard_fields(model: pydantic.BaseModel, content: bytes) -> Mapping[str, Any]:
    account_id = getattr(model, ACCOUNT_FIELD, None)
    if account_id is None:  # None fields are not sent
        return {}
    if type(account_id) is int:  # sent as this very number
        return {ACCOUNT_FIELD: account_id}
    decoded = json.loads(content)  # any other type: what the bytes say
    return decoded if isinstance(decoded, dict) else {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return _jsonable(value.value)
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be str, got {type(key).__name__}")
            result[key] = _jsonable(item)
        return result
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, float):
        raise TypeError("floats are not sent: use Decimal for amounts, prices and percentages")
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"cannot send the non-finite decimal {value}")
    return format_decimal(value)
