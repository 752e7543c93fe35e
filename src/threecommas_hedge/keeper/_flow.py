"""One keeper tick as a sans-I/O generator: it yields the API calls it needs as values
(:class:`Op`) and gets their answers sent back; the sync and async keepers only perform them.

Order within a tick: read holdings and the futures account's active trades (one paginated read,
not one per coin), settle writes whose outcome was unknown by their client tag, find how vanished
hedges ended (a GET each, only then), decide, then for each write journal it ``pending``, send
it and journal its outcome.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from threecommas_hedge._exceptions import ThreeCommasError, WriteOutcomeUnknownError
from threecommas_hedge._writes.client_tag import client_tag_of, new_client_tag
from threecommas_hedge.hedge.builder import HedgeBuilder, SpotPosition
from threecommas_hedge.hedge.position import status_of
from threecommas_hedge.models import SmartTrade

from .decide import Action, Exit, HedgeView, Holding, decide
from .journal import SqliteJournal
from .policy import KeeperPolicy

__all__ = ["Close", "GetTrade", "ListActive", "Op", "Open", "ReadHoldings", "Resize", "TickReport"]

logger = logging.getLogger("threecommas_hedge.keeper")


@dataclass(frozen=True)
class ReadHoldings:
    """Read the spot bag -> ``Mapping[str, Holding]``."""

    account_id: int


@dataclass(frozen=True)
class ListActive:
    """List the futures account's active SmartTrades -> ``list[SmartTrade]``."""

    account_id: int


@dataclass(frozen=True)
class GetTrade:
    """GET one SmartTrade -> ``SmartTrade``."""

    trade_id: int


@dataclass(frozen=True)
class Open:
    """Open the hedge ``builder`` with ``client_tag`` -> ``SmartTrade``; ``fresh``: the tag was
    just made for this attempt (sent at once), else it retries an unsettled open (looked for
    first)."""

    builder: HedgeBuilder
    client_tag: str
    fresh: bool = True


@dataclass(frozen=True)
class Resize:
    """Take ``trade``'s short to ``quantity`` (add or reduce funds) -> ``SmartTrade``."""

    trade: SmartTrade
    spot: SpotPosition
    quantity: Decimal


@dataclass(frozen=True)
class Close:
    """Close the short at market -> ``SmartTrade``."""

    trade_id: int


Op = ReadHoldings | ListActive | GetTrade | Open | Resize | Close
TickFlow = Generator[Op, Any, "TickReport"]


@dataclass(frozen=True)
class TickReport:
    """One tick: its journal id, when (keeper clock), the actions decided and each one's outcome
    (``ok``, ``failed``, ``unknown``, ``dry_run`` for writes, ``decided`` otherwise)."""

    tick_id: int
    at: float
    actions: tuple[Action, ...]
    outcomes: tuple[str, ...] = ()
    dry_run: bool = False
    errors: Mapping[str, str] = field(default_factory=dict)


def _view(trade: SmartTrade) -> HedgeView:
    status = status_of(trade)
    quantity = (
        status.open_quantity if status.entered else (trade.position.units.value or Decimal(0))
    )
    resizable = status.entered and trade.status.code == "waiting_targets"
    return HedgeView(trade.id, quantity, resizable)


def _builder(policy: KeeperPolicy, action: Action, holding: Holding) -> HedgeBuilder:
    spot = SpotPosition(asset=action.asset, quantity=holding.quantity, price=holding.price)
    builder = HedgeBuilder(
        spot, account_id=policy.futures_account_id, pair=policy.pair_of(action.asset)
    ).hedge(ratio=policy.ratio_of(action.asset))
    if policy.leverage != 1:
        builder = builder.leverage(policy.leverage)
    if policy.take_profit_percent is not None:
        builder = builder.take_profit(percent=policy.take_profit_percent)
    if policy.stop_loss_percent is not None:
        builder = builder.stop_loss(percent=policy.stop_loss_percent)
    return builder.note(f"keeper {action.asset}")


def log_line(action: Action, outcome: str, fmt: str, error: str | None = None) -> str:
    """The structured line logged per action (``fmt`` ``json`` or ``text``)."""
    fields: dict[str, Any] = {
        "event": "keeper.action",
        "kind": action.kind,
        "asset": action.asset,
        "detail": action.detail,
        "quantity": None if action.quantity is None else f"{action.quantity.normalize():f}",
        "trade_id": action.trade_id,
        "outcome": outcome,
    }
    if error is not None:
        fields["error"] = error
    if fmt == "json":
        return json.dumps(fields, sort_keys=True)
    return " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)


def tick_flow(
    policy: KeeperPolicy, journal: SqliteJournal, now: float, log_format: str = "text"
) -> TickFlow:
    """One tick (see the module docstring)."""
    tick_id = journal.start_tick(now, dry_run=policy.dry_run)
    error: str | None = None
    try:
        report = yield from _tick(policy, journal, tick_id, now, log_format)
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        journal.finish_tick(tick_id, now, error)
    return report


def _tick(
    policy: KeeperPolicy, journal: SqliteJournal, tick_id: int, now: float, log_format: str
) -> TickFlow:
    holdings: Mapping[str, Holding] = yield ReadHoldings(policy.spot_account_id)
    active: list[SmartTrade] = yield ListActive(policy.futures_account_id)
    by_id = {trade.id: trade for trade in active}
    by_tag = {tag: t for t in active if (tag := client_tag_of(t.note)) is not None}
    retry_tags = _reconcile(journal, by_tag, now)
    hedges: dict[str, HedgeView] = {}
    trades: dict[str, SmartTrade] = {}
    for asset, trade_id in journal.hedges().items():
        trade = by_id.get(trade_id)
        if trade is None:
            trade = yield GetTrade(trade_id)
            if trade.is_terminal:
                closed_by = status_of(trade).closed_by
                seen = (
                    Exit(trade_id, closed_by, now)
                    if closed_by in ("take_profit", "stop_loss")
                    else None
                )
                journal.hedge_ended(asset, seen)
                continue
        hedges[asset], trades[asset] = _view(trade), trade
    actions = decide(holdings, hedges, journal.exits(), policy, now)
    outcomes: list[str] = []
    errors: dict[str, str] = {}
    for action in actions:
        outcome, message = yield from _act(
            policy, journal, tick_id, now, action, holdings, trades, retry_tags
        )
        outcomes.append(outcome)
        if message is not None:
            errors[action.asset] = message
        logger.info(log_line(action, outcome, log_format, message))
    return TickReport(tick_id, now, actions, tuple(outcomes), policy.dry_run, errors)


def _reconcile(
    journal: SqliteJournal, by_tag: Mapping[str, SmartTrade], now: float
) -> dict[str, str]:
    """Settle opens whose outcome is unknown by their tag; the tags still unseen, per asset
    (the next open of that asset reuses it, so the create looks for it first)."""
    unseen: dict[str, str] = {}
    for row in journal.unsettled():
        if row.kind != "open" or row.client_tag is None:
            journal.settle(row.id, "reconciled", error="state re-read before deciding")
            continue
        trade = by_tag.get(row.client_tag)
        if trade is not None:
            journal.settle(row.id, "ok", trade_id=trade.id)
            journal.hedge_opened(row.asset, trade.id, row.client_tag, now)
        else:
            unseen[row.asset] = row.client_tag
    return unseen


def _act(
    policy: KeeperPolicy,
    journal: SqliteJournal,
    tick_id: int,
    now: float,
    action: Action,
    holdings: Mapping[str, Holding],
    trades: Mapping[str, SmartTrade],
    retry_tags: Mapping[str, str],
) -> Generator[Op, Any, tuple[str, str | None]]:
    if action.kind not in ("open", "resize", "close"):
        journal.record(tick_id, action, outcome="decided")
        return "decided", None
    tag: str | None = None
    op: Op
    try:
        if action.kind == "open":
            retry = retry_tags.get(action.asset)
            tag = retry or new_client_tag()
            op = Open(_builder(policy, action, holdings[action.asset]), tag, fresh=retry is None)
            op.builder.build()
        elif action.kind == "resize":
            holding = holdings[action.asset]
            spot = SpotPosition(asset=action.asset, quantity=holding.quantity, price=holding.price)
            op = Resize(trades[action.asset], spot, action.quantity or Decimal(0))
        else:
            op = Close(trades[action.asset].id)
    except ThreeCommasError as exc:
        journal.record(tick_id, action, outcome="failed")
        return "failed", str(exc)
    if policy.dry_run:
        journal.record(tick_id, action, outcome="dry_run", client_tag=tag)
        return "dry_run", None
    row = journal.record(tick_id, action, outcome="pending", client_tag=tag)
    try:
        trade: SmartTrade = yield op
    except WriteOutcomeUnknownError as exc:
        journal.settle(row, "unknown", error=str(exc))
        return "unknown", str(exc)
    except ThreeCommasError as exc:
        journal.settle(row, "failed", error=str(exc))
        return "failed", str(exc)
    journal.settle(row, "ok", trade_id=trade.id)
    if action.kind == "open":
        journal.hedge_opened(action.asset, trade.id, tag, now)
    return "ok", None
