"""One keeper tick as a sans-I/O generator: it yields the API calls it needs as values
(:class:`Op`) and gets their answers sent back; the sync and async keepers only perform them.

Order within a tick: read holdings, the futures market's listed pairs (its market code and each
pair's rules are read once per keeper and kept) and the futures account's active trades (one
paginated read, not one per coin), settle writes whose outcome was unknown by their client tag,
find how vanished hedges ended (a GET each, only then), plan the targets and decide, then for each
write journal it ``pending``, send it and journal its outcome.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from threecommas_hedge._exceptions import ThreeCommasError, WriteOutcomeUnknownError
from threecommas_hedge._writes.client_tag import client_tag_of, new_client_tag
from threecommas_hedge.hedge.builder import HedgeBuilder, SpotPosition
from threecommas_hedge.hedge.portfolio import STABLECOINS, PortfolioPlan
from threecommas_hedge.hedge.position import status_of
from threecommas_hedge.models import Account, MarketRules, SmartTrade
from threecommas_hedge.models.accounts import Balance

from .decide import Action, Exit, HedgeView, Holding, Market, decide, plan_of
from .journal import SqliteJournal
from .policy import KeeperPolicy

__all__ = [
    "Close",
    "GetTrade",
    "ListActive",
    "MarketCache",
    "Op",
    "Open",
    "ReadAccount",
    "ReadHoldings",
    "ReadPairs",
    "ReadRules",
    "Resize",
    "Steps",
    "TickReport",
    "holdings_of",
]

logger = logging.getLogger("threecommas_hedge.keeper")


@dataclass(frozen=True)
class ReadHoldings:
    """Read the spot bag -> ``Mapping[str, Holding]``, or balance rows (``holdings_of``)."""

    account_id: int


@dataclass(frozen=True)
class ReadAccount:
    """Read one account -> ``Account`` (for the futures account's market code)."""

    account_id: int


@dataclass(frozen=True)
class ReadPairs:
    """The pairs a market lists -> ``list[str]``."""

    market_code: str


@dataclass(frozen=True)
class ReadRules:
    """A pair's trading rules (lot step, minimum lot and total) -> ``MarketRules``."""

    pair: str
    market_code: str


@dataclass
class MarketCache:
    """What a keeper keeps between ticks: the futures market's code and the rules of each pair
    it has read (they change rarely; the listed pairs are read every tick)."""

    market_code: str | None = None
    rules: dict[str, MarketRules] = field(default_factory=dict)


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
    """Open the hedge ``builder`` with ``client_tag`` -> the hedge (its ``trade``). ``fresh``:
    the tag was just made for this attempt (sent at once), else it retries an unsettled open
    (looked for first)."""

    builder: HedgeBuilder
    client_tag: str
    fresh: bool = True


@dataclass(frozen=True)
class Resize:
    """Take ``trade``'s short to ``quantity`` (add or reduce funds) -> the hedge (its ``trade``)."""

    trade: SmartTrade
    spot: SpotPosition
    quantity: Decimal
    rules: MarketRules | None = None


@dataclass(frozen=True)
class Close:
    """Close the short at market -> ``SmartTrade``."""

    trade_id: int


Op = (
    ReadHoldings
    | ReadAccount
    | ReadPairs
    | ReadRules
    | ListActive
    | GetTrade
    | Open
    | Resize
    | Close
)
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
    opened: Mapping[str, int] = field(default_factory=dict)
    """The SmartTrade id of each hedge this tick opened."""


def holdings_of(rows: Iterable[Balance]) -> dict[str, Holding]:
    """Holdings from balance rows (``client.accounts.balances``: ``currency_code``, ``position``,
    ``current_price_usd``), summed per coin; a coin without a price gets price 0 (the keeper
    then leaves its hedge alone)."""
    found: dict[str, Holding] = {}
    for row in rows:
        asset = row.currency_code.upper()
        held = found.get(asset, Holding(Decimal(0), Decimal(0)))
        price = row.current_price_usd if row.current_price_usd is not None else held.price
        found[asset] = Holding(held.quantity + row.position, price)
    return found


class Steps:
    """Steps a tick flow for a loop: ``next()`` the op to perform (None when done), then
    ``answer(value)`` or ``fail(error)``; ``result()`` at the end."""

    def __init__(self, flow: TickFlow) -> None:
        self._flow = flow
        self._answer: Any = None
        self._failure: BaseException | None = None
        self._report: TickReport | None = None

    def next(self) -> Op | None:
        """The next op, or None once the flow returned its report."""
        answer, failure = self._answer, self._failure
        self._answer, self._failure = None, None
        try:
            return self._flow.throw(failure) if failure is not None else self._flow.send(answer)
        except StopIteration as done:
            self._report = done.value
            return None

    def result(self) -> TickReport:
        """The flow's report (once ``next()`` returned None)."""
        if self._report is None:
            raise RuntimeError("the tick is not over")
        return self._report

    def answer(self, value: Any) -> None:
        """The op's answer, sent into the flow."""
        self._answer = value

    def fail(self, error: BaseException) -> None:
        """The op's error, thrown into the flow."""
        self._failure = error


def _view(trade: SmartTrade) -> HedgeView:
    status = status_of(trade)
    quantity = (
        status.open_quantity if status.entered else (trade.position.units.value or Decimal(0))
    )
    resizable = status.entered and trade.status.code == "waiting_targets"
    return HedgeView(trade.id, quantity, resizable)


def _builder(plan: PortfolioPlan, asset: str) -> HedgeBuilder:
    """The plan's leg of ``asset``, noted as the keeper's (not as a portfolio plan's leg)."""
    return plan.leg(asset).builder.note(f"keeper {asset}")


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
    policy: KeeperPolicy,
    journal: SqliteJournal,
    now: float,
    log_format: str = "text",
    cache: MarketCache | None = None,
) -> TickFlow:
    """One tick (see the module docstring); ``cache`` carries market data between ticks."""
    tick_id = journal.start_tick(now, dry_run=policy.dry_run)
    error: str | None = None
    try:
        report = yield from _tick(
            policy, journal, tick_id, now, log_format, cache if cache is not None else MarketCache()
        )
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        journal.finish_tick(tick_id, now, error)
    return report


def _market(
    policy: KeeperPolicy, holdings: Mapping[str, Holding], cache: MarketCache
) -> Generator[Op, Any, Market]:
    """The listed pairs (one read) and the rules of each pair a coin worth hedging needs (read
    once per keeper; a pair whose rules cannot be read is left out this tick, with the error)."""
    if cache.market_code is None:
        account: Account = yield ReadAccount(policy.futures_account_id)
        cache.market_code = account.market_code or ""
    listed = frozenset((yield ReadPairs(cache.market_code)))
    unreadable: dict[str, str] = {}
    for asset, holding in sorted(holdings.items()):
        pair = policy.pair_of(asset)
        wanted = policy.ratio_of(asset) > 0 and holding.value >= policy.min_value
        wanted = wanted and asset not in policy.exclude and asset not in STABLECOINS
        if wanted and pair in listed and pair not in cache.rules:
            try:
                cache.rules[pair] = yield ReadRules(pair, cache.market_code)
            except ThreeCommasError as exc:
                unreadable[pair] = str(exc)
    return Market(listed, dict(cache.rules), unreadable)


def _tick(
    policy: KeeperPolicy,
    journal: SqliteJournal,
    tick_id: int,
    now: float,
    log_format: str,
    cache: MarketCache,
) -> TickFlow:
    read = yield ReadHoldings(policy.spot_account_id)
    holdings: Mapping[str, Holding] = read if isinstance(read, Mapping) else holdings_of(read)
    market = yield from _market(policy, holdings, cache)
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
    plan = plan_of(holdings, policy, market)
    actions = decide(holdings, hedges, journal.exits(), policy, now, plan)
    outcomes: list[str] = []
    errors: dict[str, str] = {}
    opened: dict[str, int] = {}
    for action in actions:
        outcome, message = yield from _act(
            policy, journal, tick_id, now, action, holdings, trades, retry_tags, plan
        )
        outcomes.append(outcome)
        if message is not None:
            errors[action.asset] = message
        if action.kind == "open" and outcome == "ok":
            opened[action.asset] = journal.hedges()[action.asset]
        logger.info(log_line(action, outcome, log_format, message))
    return TickReport(tick_id, now, actions, tuple(outcomes), policy.dry_run, errors, opened)


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
    plan: PortfolioPlan,
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
            op = Open(_builder(plan, action.asset), tag, fresh=retry is None)
            op.builder.build()
        elif action.kind == "resize":
            holding = holdings[action.asset]
            spot = SpotPosition(asset=action.asset, quantity=holding.quantity, price=holding.price)
            rules = plan.leg(action.asset).builder.market_rules
            op = Resize(trades[action.asset], spot, action.quantity or Decimal(0), rules)
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
        answer = yield op
        trade: SmartTrade = answer if isinstance(op, Close) else answer.trade
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
