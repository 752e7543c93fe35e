"""One keeper tick as one sans-I/O flow (``threecommas_hedge._flows``): reads by endpoint, writes
by the live hedge's flows (``live.flows``) and the safe writes, run by the client's ``_run`` (sync
or async); the keepers only start it.

Order within a tick: read holdings, the futures market's listed pairs (its market code and each
pair's rules are read once per keeper and kept) and the futures account's active trades (one
paginated read, not one per coin), settle writes whose outcome was unknown by their client tag,
find how vanished hedges ended (a GET each, only then), plan the targets and decide, then for each
write journal it ``pending``, send it and journal its outcome.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

# the endpoint groups first: importing _writes.safe_writes alone fails (it needs them loaded)
from threecommas_hedge.resources import accounts, market, smart_trades  # isort: skip
from threecommas_hedge._exceptions import ThreeCommasError, WriteOutcomeUnknownError
from threecommas_hedge._flows import Flow, endpoint_flow
from threecommas_hedge._writes.client_tag import client_tag_of, new_client_tag
from threecommas_hedge._writes.safe_writes import FreshClientTag, safe_close
from threecommas_hedge.hedge.builder import HedgeBuilder, SpotPosition
from threecommas_hedge.hedge.drift import DEFAULT_MAX_ENTRY_DRIFT
from threecommas_hedge.hedge.portfolio import STABLECOINS, PortfolioPlan
from threecommas_hedge.hedge.position import status_of
from threecommas_hedge.live import flows
from threecommas_hedge.live.state import HedgeState
from threecommas_hedge.models import MarketRules, SmartTrade
from threecommas_hedge.models.accounts import Balance
from threecommas_hedge.resources._endpoint import list_of
from threecommas_hedge.resources._pagination import _PageWalk
from threecommas_hedge.resources._params import MAX_PER_PAGE

from .decide import Action, Exit, HedgeView, Holding, MarketView, decide, plan_of
from .journal import SqliteJournal
from .policy import KeeperPolicy

__all__ = ["MarketCache", "TickFlow", "TickReport", "holdings_of", "log_line", "tick_flow"]

logger = logging.getLogger("threecommas_hedge.keeper")


@dataclass
class MarketCache:
    """What a keeper keeps between ticks: the futures market's code and the rules of each pair
    it has read (they change rarely; the listed pairs are read every tick)."""

    market_code: str | None = None
    rules: dict[str, MarketRules] = field(default_factory=dict)


if TYPE_CHECKING:
    from threecommas_hedge._base_client import BaseClient

TickFlow = Flow["TickReport"]


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
    client: BaseClient,
    policy: KeeperPolicy,
    journal: SqliteJournal,
    now: float,
    log_format: str = "text",
    cache: MarketCache | None = None,
    holdings: Mapping[str, Holding] | None = None,
) -> TickFlow:
    """One tick (see the module docstring) on ``client``; ``cache`` carries market data between
    ticks; ``holdings``: the spot bag already read (else read from the spot account)."""
    tick_id = journal.start_tick(now, dry_run=policy.dry_run)
    error: str | None = None
    tick = _Tick(client, policy, journal, tick_id, now)
    try:
        report = yield from _tick(
            tick, log_format, cache if cache is not None else MarketCache(), holdings
        )
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        journal.finish_tick(tick_id, now, error)
    return report


@dataclass(frozen=True)
class _Tick:
    """What every step of one tick uses."""

    client: BaseClient
    policy: KeeperPolicy
    journal: SqliteJournal
    tick_id: int
    now: float


@dataclass(frozen=True)
class _Seen:
    """What the tick read and planned, that its writes are made from."""

    holdings: Mapping[str, Holding]
    trades: Mapping[str, SmartTrade]
    retry_tags: Mapping[str, str]
    plan: PortfolioPlan
    market_code: str | None  # the futures market's, read once per keeper
    prices: Mapping[str, Decimal]  # pair -> sell price, for the pairs whose rates this tick read


def _market(
    tick: _Tick, holdings: Mapping[str, Holding], cache: MarketCache, prices: dict[str, Decimal]
) -> Flow[MarketView]:
    """The listed pairs (one read) and the rules of each pair a coin worth hedging needs (read
    once per keeper; a pair whose rules cannot be read is left out this tick, with the error).
    The sell price of each pair read this tick goes to ``prices``: an open's drift check uses
    it instead of reading the same rates again."""
    client, policy = tick.client, tick.policy
    if cache.market_code is None:
        account = yield from endpoint_flow(client, accounts._get(policy.futures_account_id))
        cache.market_code = account.market_code or ""
    listed = frozenset((yield from endpoint_flow(client, market._pairs(cache.market_code))))
    unreadable: dict[str, str] = {}
    for asset, holding in sorted(holdings.items()):
        pair = policy.pair_of(asset)
        wanted = policy.ratio_of(asset) > 0 and holding.value >= policy.min_value
        wanted = wanted and asset not in policy.exclude and asset not in STABLECOINS
        if wanted and pair in listed and pair not in cache.rules:
            rates = market._rates(pair, cache.market_code, "smart_trade")
            try:
                read = yield from endpoint_flow(client, rates)
                cache.rules[pair] = market._rules(read, None)
            except ThreeCommasError as exc:
                unreadable[pair] = str(exc)
                continue
            price = flows.sell_price(read)
            if price is not None:
                prices[pair] = price
    return MarketView(listed, dict(cache.rules), unreadable)


def _active(client: BaseClient, account_id: int) -> Flow[list[SmartTrade]]:
    """The account's active SmartTrades, page after page (as ``smart_trades.list``)."""
    query = smart_trades.list_query(
        account_id=account_id,
        pair=None,
        type=None,
        status="active",
        order_by="created_at",
        order_direction="DESC",
        from_=None,
        to=None,
        base=None,
        quote=None,
        per_page=MAX_PER_PAGE,
    )
    walk: _PageWalk[SmartTrade] = _PageWalk(MAX_PER_PAGE, lambda trade: trade.id)
    found: list[SmartTrade] = []
    while not walk.done:
        page = yield from endpoint_flow(client, smart_trades.list_page(query, walk.page))
        found += walk.accept(page)
    return found


def _tick(
    tick: _Tick,
    log_format: str,
    cache: MarketCache,
    holdings: Mapping[str, Holding] | None,
) -> TickFlow:
    client, policy, journal, now = tick.client, tick.policy, tick.journal, tick.now
    if holdings is None:
        rows = accounts._account_post(
            policy.spot_account_id, "account_table_data", list_of(Balance)
        )
        holdings = holdings_of((yield from endpoint_flow(client, rows)))
    prices: dict[str, Decimal] = {}
    listed = yield from _market(tick, holdings, cache, prices)
    active = yield from _active(client, policy.futures_account_id)
    by_id = {trade.id: trade for trade in active}
    by_tag = {tag: t for t in active if (tag := client_tag_of(t.note)) is not None}
    retry_tags = _reconcile(journal, by_tag, now)
    hedges: dict[str, HedgeView] = {}
    trades: dict[str, SmartTrade] = {}
    for asset, trade_id in journal.hedges().items():
        trade = by_id.get(trade_id)
        if trade is None:
            trade = yield from flows.get(client, trade_id)
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
    plan = plan_of(holdings, policy, listed)
    actions = decide(holdings, hedges, journal.exits(), policy, now, plan)
    outcomes: list[str] = []
    errors: dict[str, str] = {}
    opened: dict[str, int] = {}
    read = _Seen(holdings, trades, retry_tags, plan, cache.market_code or None, prices)
    for action in actions:
        outcome, message = yield from _act(tick, action, read)
        outcomes.append(outcome)
        if message is not None:
            errors[action.asset] = message
        if action.kind == "open" and outcome == "ok":
            opened[action.asset] = journal.hedges()[action.asset]
        logger.info(log_line(action, outcome, log_format, message))
    return TickReport(tick.tick_id, now, actions, tuple(outcomes), policy.dry_run, errors, opened)


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


def _write(tick: _Tick, action: Action, seen: _Seen) -> tuple[Flow[SmartTrade], str | None]:
    """The write flow of ``action`` (checked before anything is sent) and the open's tag: a fresh
    one (sent at once, entry drift checked) unless it retries an unsettled open (looked for
    first)."""
    client = tick.client
    if action.kind == "open":
        retry = seen.retry_tags.get(action.asset)
        tag = retry or FreshClientTag(new_client_tag())
        builder = _builder(seen.plan, action.asset)
        builder.build()
        write = flows.open_hedge(
            client,
            builder,
            max_entry_drift=DEFAULT_MAX_ENTRY_DRIFT,
            market_price=seen.prices.get(tick.policy.pair_of(action.asset)),
            client_tag=tag,
            market_code=seen.market_code,
        )
        return write, str(tag)
    trade = seen.trades[action.asset]
    if action.kind == "resize":
        holding = seen.holdings[action.asset]
        spot = SpotPosition(asset=action.asset, quantity=holding.quantity, price=holding.price)
        rules = seen.plan.leg(action.asset).builder.market_rules
        return _resize(client, trade, spot, rules, action.quantity), None
    close = smart_trades._action(trade.id, "close_by_market")
    return safe_close(client, close, smart_trades._get(trade.id)), None


def _resize(
    client: BaseClient,
    trade: SmartTrade,
    spot: SpotPosition,
    rules: MarketRules | None,
    quantity: Decimal | None,
) -> Flow[SmartTrade]:
    """Take ``trade``'s short to ``quantity`` (checked as the flow starts, as ``Hedge.resize``)."""
    state = HedgeState(trade, spot, rules=rules, fee_rate=None)
    plan = state.resize_plan(quantity=quantity or Decimal(0))
    return (yield from flows.resize(client, state, plan))


def _act(tick: _Tick, action: Action, seen: _Seen) -> Flow[tuple[str, str | None]]:
    journal, tick_id = tick.journal, tick.tick_id
    if action.kind not in ("open", "resize", "close"):
        journal.record(tick_id, action, outcome="decided")
        return "decided", None
    try:
        write, tag = _write(tick, action, seen)
    except ThreeCommasError as exc:
        journal.record(tick_id, action, outcome="failed")
        return "failed", str(exc)
    if tick.policy.dry_run:
        write.close()
        journal.record(tick_id, action, outcome="dry_run", client_tag=tag)
        return "dry_run", None
    row = journal.record(tick_id, action, outcome="pending", client_tag=tag)
    try:
        trade = yield from write
    except WriteOutcomeUnknownError as exc:
        journal.settle(row, "unknown", error=str(exc))
        return "unknown", str(exc)
    except ThreeCommasError as exc:
        journal.settle(row, "failed", error=str(exc))
        return "failed", str(exc)
    journal.settle(row, "ok", trade_id=trade.id)
    if action.kind == "open":
        journal.hedge_opened(action.asset, trade.id, tag, tick.now)
    return "ok", None
