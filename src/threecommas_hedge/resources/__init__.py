"""Endpoint groups bound to a client: ``client.smart_trades``, ``.accounts``, ``.market``.

Each method builds an ``Endpoint`` (input checked before anything is sent) and runs it through the
client's loop (``_resource``); writes go through ``threecommas_hedge._writes``. The live hedges
(``client.hedges``) are in ``threecommas_hedge.live``; ``hedges.py`` keeps their old import path.
"""

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
