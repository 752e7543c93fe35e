"""A request as the fake's route handlers see it, and what they answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._accounts import AccountMode

__all__ = ["Call", "Reply"]

Reply = tuple[int, Any]


@dataclass(frozen=True)
class Call:
    """A request as the handlers see it: path ids, query and body parameters, mode."""

    ids: dict[str, int]
    query: dict[str, str]
    params: dict[str, Any]
    body: Any
    mode: AccountMode
