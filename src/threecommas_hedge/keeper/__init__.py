"""Keep an account hedged: a keeper that follows the spot bag, re-arms, and survives restarts.

``Keeper(client, policy, journal=SqliteJournal(path), clock=time.time)``; ``run_once()`` reads
the spot bag and the keeper's hedges, decides with the pure :func:`decide` and acts, journaling
every write before it goes out; ``run(interval_seconds)`` loops. ``AsyncKeeper`` is the same on
an async client.
"""

from ._flow import TickReport, holdings_of, log_line
from ._keeper import AsyncKeeper, Keeper
from .decide import Action, Exit, HedgeView, Holding, MarketView, decide, plan_of
from .journal import SqliteJournal
from .policy import KeeperPolicy

__all__ = [
    "Action",
    "AsyncKeeper",
    "Exit",
    "HedgeView",
    "Holding",
    "Keeper",
    "KeeperPolicy",
    "MarketView",
    "SqliteJournal",
    "TickReport",
    "decide",
    "holdings_of",
    "log_line",
    "plan_of",
]
