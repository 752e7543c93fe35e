"""Typed endpoint groups bound to a client: ``client.smart_trades``, ``.accounts``, ``.market``."""

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
