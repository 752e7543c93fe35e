"""A live hedge as data (the old import path of every name): status, PnL, edits, resizing.

Pure functions of a :class:`~threecommas_hedge.models.SmartTrade` (the short) and the
:class:`~threecommas_hedge.hedge.builder.SpotPosition` it protects, one job a module:
:mod:`.status`, :mod:`.pnl`, :mod:`.edits`, :mod:`.resize`, :mod:`.drift`. ``Hedge`` and
``AsyncHedge`` (:mod:`threecommas_hedge.live`) add the requests; the names of ``wait_until``
(:mod:`threecommas_hedge.live.wait`) are re-exported here too.
"""

from threecommas_hedge.live.wait import (
    MIN_POLL_SECONDS,
    HedgeTimeoutError,
    HedgeWaitError,
    WaitCondition,
)

from .drift import DEFAULT_MAX_ENTRY_DRIFT, EntryDrift, EntryDriftWarning
from .edits import edit_body
from .pnl import FeeSource, HedgePnL, pnl_of
from .resize import ResizePlan, check_close, check_reduce, plan_resize
from .status import EDITABLE_STATUSES, ClosedBy, HedgeStatus, Stage, market_price, status_of

__all__ = [
    "DEFAULT_MAX_ENTRY_DRIFT",
    "EDITABLE_STATUSES",
    "MIN_POLL_SECONDS",
    "ClosedBy",
    "EntryDrift",
    "EntryDriftWarning",
    "FeeSource",
    "HedgePnL",
    "HedgeStatus",
    "HedgeTimeoutError",
    "HedgeWaitError",
    "ResizePlan",
    "Stage",
    "WaitCondition",
    "check_close",
    "check_reduce",
    "edit_body",
    "market_price",
    "plan_resize",
    "pnl_of",
    "status_of",
]
