"""``client.portfolio``: hedge a whole spot account, one Smart Short per coin, as one set.

``plan()`` reads the two accounts, the spot balances, the futures pairs and each candidate pair's
price, rules and leverage cap, then calls the pure
:func:`~threecommas_hedge.hedge.portfolio.plan_portfolio`. ``open(plan)`` creates the legs that are
not open yet: each leg's note carries the plan's tag and its asset, so a second run after a crash,
a timeout or a partial failure opens only the missing legs. ``status(tag)`` and ``close(tag)`` find
the legs by that tag alone.

Each operation is a flow (``threecommas_hedge._flows``) run by the client's own loop, so every
request goes through the mode guard, the rate budget and the retry rules like any other, and the
sync and async classes differ only in ``await`` (and in the async ``open`` sending its legs
concurrently, up to ``concurrency`` at a time).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from threecommas_hedge._exceptions import HedgeValidationError, ThreeCommasError
from threecommas_hedge._flows import Flow, endpoint_flow
from threecommas_hedge._writes.safe_writes import safe_close, safe_create
from threecommas_hedge.hedge.builder import SpotPosition
from threecommas_hedge.hedge.portfolio import (
    PortfolioLeg,
    PortfolioPlan,
    futures_pair,
    plan_portfolio,
)
from threecommas_hedge.hedge.position import HedgePnL, HedgeStatus, market_price, pnl_of, status_of
from threecommas_hedge.models import MarketRules, SmartTrade
from threecommas_hedge.models.accounts import Account, Balance

from ._endpoint import Endpoint, list_of
from ._resource import AsyncResource, SyncResource
from .accounts import PATH as ACCOUNTS_PATH
from .accounts import _get as _account
from .market import _pairs, _rates, _rates_with_leverage, _rules
from .smart_trades import ListStatus, _action, create_endpoint, list_page, list_query
from .smart_trades import _get as _trade

if TYPE_CHECKING:
    from threecommas_hedge._base_client import BaseClient

__all__ = ["AsyncPortfolio", "LegStatus", "Portfolio", "PortfolioResult", "PortfolioStatus"]

_PER_PAGE = 100
_ZERO = Decimal(0)
_LEG = re.compile(r"\[tchp:([0-9a-f]{12}):([A-Z0-9]+)\]")
CONCURRENCY = 4
"""How many legs the async ``open`` sends at a time (the rate budget still spaces them)."""


@dataclass(frozen=True)
class PortfolioResult:
    """What ``open`` did: legs opened now, legs already open from this plan, and failures."""

    opened: dict[str, SmartTrade]
    existing: dict[str, SmartTrade]
    failed: dict[str, ThreeCommasError]


@dataclass(frozen=True)
class LegStatus:
    """One open or finished leg of a plan: its trade, :class:`HedgeStatus` and both legs' PnL.

    ``hedge_pnl`` is :func:`~threecommas_hedge.hedge.position.pnl_of` at the pair's price as the
    trade reports it (``None`` when it reports none or no fill prices): its ``spot_pnl`` is the
    spot holding given to ``status``, else the hedged part of it (the short's entered quantity,
    valued from the short's average entry), and ``net`` is spot + short after fees.
    """

    asset: str
    trade: SmartTrade
    status: HedgeStatus
    hedge_pnl: HedgePnL | None = None

    @property
    def pnl(self) -> Decimal:
        """Spot plus short PnL of this leg (quote); 0 when it cannot be valued."""
        return _ZERO if self.hedge_pnl is None else self.hedge_pnl.net


@dataclass(frozen=True)
class PortfolioStatus:
    """Every leg of a plan found by its tag, and the legs' combined PnL (quote)."""

    tag: str
    legs: tuple[LegStatus, ...]

    @property
    def pnl(self) -> Decimal:
        """Spot plus short PnL of every leg, after the shorts' fees (see :class:`LegStatus`)."""
        return sum((leg.pnl for leg in self.legs), _ZERO)

    @property
    def spot_pnl(self) -> Decimal:
        """The spot side of :attr:`pnl`."""
        return sum((pnl.spot_pnl for pnl in self._valued), _ZERO)

    @property
    def short_pnl(self) -> Decimal:
        """The shorts' side of :attr:`pnl` (realized + unrealized - fees)."""
        return sum((pnl.hedge_pnl for pnl in self._valued), _ZERO)

    @property
    def reported_pnl(self) -> Decimal:
        """The sum of the legs' server-reported profit (``profit.usd``), shorts only."""
        return sum((leg.trade.profit.usd or _ZERO for leg in self.legs), _ZERO)

    @property
    def _valued(self) -> list[HedgePnL]:
        return [leg.hedge_pnl for leg in self.legs if leg.hedge_pnl is not None]


def leg_of(trade: SmartTrade, tag: str) -> str | None:
    """The asset of ``trade`` when its note marks it as a leg of plan ``tag``."""
    for found_tag, asset in _LEG.findall(trade.note or ""):
        if found_tag == tag:
            return str(asset)
    return None


def leg_status(asset: str, trade: SmartTrade, spot: SpotPosition | None) -> LegStatus:
    """A leg's status and PnL; without ``spot``, the hedged part of the holding is the spot leg."""

    status = status_of(trade)
    price = market_price(trade) or status.average_exit or status.average_entry
    entry = status.average_entry
    if spot is None and entry is not None and status.entered_quantity > 0:
        spot = SpotPosition(asset, status.entered_quantity, entry)
    if price is None or price <= 0:
        return LegStatus(asset, trade, status)
    try:
        return LegStatus(asset, trade, status, pnl_of(trade, spot, price))
    except ValueError:  # fills reported without their average price
        return LegStatus(asset, trade, status)


# --- flows ------------------------------------------------------------------------------------


def _check_accounts(spot: Account, futures: Account) -> None:
    if not futures.is_futures:
        raise HedgeValidationError(
            "futures_account_id", f"account {futures.id} is not a futures account"
        )
    spot_exchange = (spot.exchange_name or spot.market_code or "").lower().split()[:1]
    futures_exchange = (futures.exchange_name or futures.market_code or "").lower().split()[:1]
    if spot_exchange != futures_exchange:
        raise HedgeValidationError(
            "futures_account_id",
            f"spot account {spot.id} ({spot.exchange_name}) and futures account {futures.id} "
            f"({futures.exchange_name}) are on different exchanges",
        )


def plan_flow(
    client: BaseClient, spot_account_id: int, futures_account_id: int, settings: Mapping[str, Any]
) -> Flow[PortfolioPlan]:
    """Read the accounts, balances, listed pairs, prices, rules and leverage caps; the plan."""
    spot = yield from endpoint_flow(client, _account(spot_account_id))
    futures = yield from endpoint_flow(client, _account(futures_account_id))
    _check_accounts(spot, futures)
    market = futures.market_code or ""
    path = f"{ACCOUNTS_PATH}/{spot_account_id}/account_table_data"
    rows = yield from endpoint_flow(client, Endpoint("POST", path, list_of(Balance)))
    balances: dict[str, Decimal] = {}
    for row in rows:
        asset = row.currency_code.upper()
        balances[asset] = balances.get(asset, _ZERO) + row.position
    listed = set((yield from endpoint_flow(client, _pairs(market))))
    prices: dict[str, Decimal] = {}
    rules: dict[str, MarketRules] = {}
    excluded = {asset.upper() for asset in settings.get("exclude", ())}
    for asset, quantity in sorted(balances.items()):
        pair = futures_pair(asset)
        if pair not in listed or asset in excluded or quantity <= 0:
            continue
        rates = yield from endpoint_flow(client, _rates(pair, market, "smart_trade"))
        price = rates.last or rates.bid
        if price is not None and price > 0:
            leverage = yield from endpoint_flow(client, _rates_with_leverage(pair, market))
            prices[pair] = price
            rules[pair] = _rules(rates, leverage)
    return plan_portfolio(
        balances,
        spot_account_id=spot_account_id,
        futures_account_id=futures_account_id,
        listed_pairs=listed,
        prices=prices,
        rules=rules,
        **settings,
    )


def tagged_flow(
    client: BaseClient, tag: str, status: ListStatus, account_id: int | None
) -> Flow[list[tuple[str, SmartTrade]]]:
    """Every SmartTrade whose note marks it as a leg of ``tag``: (asset, trade) pairs."""
    query = list_query(
        account_id=account_id, pair=None, type=None, status=status, order_by=None,
        order_direction=None, from_=None, to=None, base=None, quote=None, per_page=_PER_PAGE,
    )  # fmt: skip
    found: list[tuple[str, SmartTrade]] = []
    page = 1
    while True:
        trades = yield from endpoint_flow(client, list_page(query, page))
        for trade in trades:
            asset = leg_of(trade, tag)
            if asset is not None:
                found.append((asset, trade))
        if len(trades) < _PER_PAGE:
            return found
        page += 1


def leg_flow(client: BaseClient, leg: PortfolioLeg) -> Flow[SmartTrade | ThreeCommasError]:
    """Create one leg (safely: never twice); its failure is returned, not raised."""
    try:
        return (yield from safe_create(client, create_endpoint(leg.payload)))
    except ThreeCommasError as error:
        return error


def missing_legs(plan: PortfolioPlan, existing: Mapping[str, SmartTrade]) -> list[PortfolioLeg]:
    """The plan's legs with no open trade yet."""
    return [leg for leg in plan.legs if leg.asset not in existing]


def open_result(
    existing: Mapping[str, SmartTrade],
    outcomes: Iterable[tuple[str, SmartTrade | ThreeCommasError]],
) -> PortfolioResult:
    """Sort each leg's outcome into opened or failed."""
    opened: dict[str, SmartTrade] = {}
    failed: dict[str, ThreeCommasError] = {}
    for asset, outcome in outcomes:
        if isinstance(outcome, ThreeCommasError):
            failed[asset] = outcome
        else:
            opened[asset] = outcome
    return PortfolioResult(opened, dict(existing), failed)


def status_flow(
    client: BaseClient, tag: str, spot: Mapping[str, SpotPosition] | None
) -> Flow[PortfolioStatus]:
    """Every leg of ``tag`` (open or finished) with its status and PnL."""
    found = yield from tagged_flow(client, tag, "all", None)
    spots = spot or {}
    legs = tuple(leg_status(asset, trade, spots.get(asset)) for asset, trade in found)
    return PortfolioStatus(tag, legs)


def close_flow(client: BaseClient, tag: str) -> Flow[dict[str, SmartTrade]]:
    """Close every open leg of ``tag`` at market; the closed trades by asset."""
    found = yield from tagged_flow(client, tag, "active", None)
    closed: dict[str, SmartTrade] = {}
    for asset, trade in found:
        close = _action(trade.id, "close_by_market")
        closed[asset] = yield from safe_close(client, close, _trade(trade.id))
    return closed


def _settings(**settings: Any) -> dict[str, Any]:
    """The planner's settings, ``exclude`` as a tuple (a generator is read once)."""
    return {**settings, "exclude": tuple(settings["exclude"])}


# --- the two front ends -------------------------------------------------------------------------

_PlanT = TypeVar("_PlanT", PortfolioPlan, Awaitable[PortfolioPlan])


class _Planner(Generic[_PlanT]):
    """``plan``, written once: the sync front end returns the plan, the async one an awaitable."""

    def _start_plan(self, spot: int, futures: int, settings: Mapping[str, Any]) -> _PlanT:
        raise NotImplementedError

    def plan(
        self,
        spot_account_id: int,
        futures_account_id: int,
        *,
        ratio: Decimal = Decimal("0.5"),
        ratios: Mapping[str, Decimal] | None = None,
        take_profit_percent: Decimal | None = None,
        stop_loss_percent: Decimal | None = None,
        leverage: int = 1,
        exclude: Iterable[str] = (),
        min_value: Decimal = _ZERO,
    ) -> _PlanT:
        """Plan one Smart Short per coin of the spot account (nothing is sent but reads)."""
        settings = _settings(
            ratio=ratio, ratios=ratios, take_profit_percent=take_profit_percent,
            stop_loss_percent=stop_loss_percent, leverage=leverage, exclude=exclude,
            min_value=min_value,
        )  # fmt: skip
        return self._start_plan(spot_account_id, futures_account_id, settings)


class Portfolio(SyncResource, _Planner[PortfolioPlan]):
    """``client.portfolio``: plan, open, follow and close a whole account's hedge."""

    def _start_plan(self, spot: int, futures: int, settings: Mapping[str, Any]) -> PortfolioPlan:
        return self._run(plan_flow(self._client, spot, futures, settings))

    def open(self, plan: PortfolioPlan) -> PortfolioResult:
        """Open the plan's missing legs (idempotent: re-running opens only what is missing)."""
        existing = dict(
            self._run(tagged_flow(self._client, plan.tag, "active", plan.futures_account_id))
        )
        outcomes = [
            (leg.asset, self._run(leg_flow(self._client, leg)))
            for leg in missing_legs(plan, existing)
        ]
        return open_result(existing, outcomes)

    def status(
        self, tag: str, *, spot: Mapping[str, SpotPosition] | None = None
    ) -> PortfolioStatus:
        """Every leg of the plan ``tag`` with its status and the combined spot + short PnL.

        ``spot`` (asset -> holding, e.g. ``{leg.asset: leg.spot for leg in plan.legs}``) values
        the whole holding; without it the spot leg is the hedged part (see :class:`LegStatus`).
        """
        return self._run(status_flow(self._client, tag, spot))

    def close(self, tag: str) -> dict[str, SmartTrade]:
        """Close every open leg of the plan ``tag`` at market; returns the closed legs."""
        return self._run(close_flow(self._client, tag))


class AsyncPortfolio(AsyncResource, _Planner[Awaitable[PortfolioPlan]]):
    """``client.portfolio`` of ``AsyncThreeCommas`` (see :class:`Portfolio`)."""

    def _start_plan(
        self, spot: int, futures: int, settings: Mapping[str, Any]
    ) -> Awaitable[PortfolioPlan]:
        return self._run(plan_flow(self._client, spot, futures, settings))

    async def open(self, plan: PortfolioPlan, *, concurrency: int = CONCURRENCY) -> PortfolioResult:
        """Open the plan's missing legs, up to ``concurrency`` at a time (idempotent, see sync)."""
        import asyncio

        flow = tagged_flow(self._client, plan.tag, "active", plan.futures_account_id)
        existing = dict(await self._run(flow))
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(leg: PortfolioLeg) -> tuple[str, SmartTrade | ThreeCommasError]:
            async with gate:
                return leg.asset, await self._run(leg_flow(self._client, leg))

        outcomes = await asyncio.gather(*(one(leg) for leg in missing_legs(plan, existing)))
        return open_result(existing, outcomes)

    async def status(
        self, tag: str, *, spot: Mapping[str, SpotPosition] | None = None
    ) -> PortfolioStatus:
        """Every leg of the plan ``tag`` with its status and the combined PnL (see sync)."""
        return await self._run(status_flow(self._client, tag, spot))

    async def close(self, tag: str) -> dict[str, SmartTrade]:
        """Close every open leg of the plan ``tag`` at market; returns the closed legs."""
        return await self._run(close_flow(self._client, tag))
