"""Endpoint groups bound to a client: ``client.smart_trades``, ``.accounts``, ``.market``.

Each method builds an ``Endpoint`` (input checked before anything is sent) and runs it through the
client's loop (``_resource``); writes go through ``threecommas_hedge._writes``. The live hedges
(``client.hedges``) are in ``threecommas_hedge.live``; ``hedges.py`` keeps their old import path.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "Accounts": "accounts",
    "AsyncAccounts": "accounts",
    "AsyncMarket": "market",
    "AsyncPaginator": "_pagination",
    "AsyncSmartTrades": "smart_trades",
    "AsyncTrades": "smart_trades",
    "Market": "market",
    "Paginator": "_pagination",
    "SmartTrades": "smart_trades",
    "Trades": "smart_trades",
}
"""Each public name and its module: a group loads on first use (the client's properties)."""

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._pagination import AsyncPaginator, Paginator
    from .accounts import Accounts, AsyncAccounts
    from .market import AsyncMarket, Market
    from .smart_trades import AsyncSmartTrades, AsyncTrades, SmartTrades, Trades

__all__ = [
    "Accounts",
    "AsyncAccounts",
    "AsyncMarket",
    "AsyncPaginator",
    "AsyncSmartTrades",
    "AsyncTrades",
    "Market",
    "Paginator",
    "SmartTrades",
    "Trades",
]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
