"""``client.portfolio``: hedge a whole spot account, one Smart Short per coin, as one set.

``plan()`` reads the two accounts, the spot balances, the futures pairs and each candidate pair's
price and rules, then calls the pure :func:`~threecommas_hedge.hedge.portfolio.plan_portfolio`.
``open(plan)`` creates the legs that are not open yet: each leg's note carries the plan's tag and
its asset, so a second run after a crash, a timeout or a partial failure opens only the missing
legs. ``status(tag)`` and ``close(tag)`` find the legs by that tag alone.

Each operation is one generator flow of steps (an :class:`Endpoint`, or a :class:`_Create` sent
through the client's safe create); the sync and async classes only drive it, so every request goes
through the mode guard, the rate budget and the retry rules like any other.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from threecommas_hedge._exceptions import HedgeValidationError, ThreeCommasError
from threecommas_hedge.hedge.portfolio import (
    PortfolioLeg,
    PortfolioPlan,
    futures_pair,
    plan_portfolio,
)
from threecommas_hedge.hedge.position import HedgeStatus, status_of
from threecommas_hedge.models import MarketRules, SmartTrade
from threecommas_hedge.models.accounts import Account, Balance

from ._endpoint import Endpoint, list_of
from .accounts import PATH as ACCOUNTS_PATH
from .accounts import _get as _account
from .market import _pairs, _rates
from .smart_trades import ListStatus, list_page, list_query

if TYPE_CHECKING:
    from threecommas_hedge._client import AsyncThreeCommas, ThreeCommas

__all__ = ["AsyncPortfolio", "LegStatus", "Portfolio", "PortfolioResult", "PortfolioStatus"]

_PER_PAGE = 100
_LEG = re.compile(r"\[tchp:([0-9a-f]{12}):([A-Z0-9]+)\]")


@dataclass(frozen=True)
class _Create:
    leg: PortfolioLeg


@dataclass(frozen=True)
class _Close:
    trade_id: int


Step = Endpoint[Any] | _Create | _Close
Flow = Generator[Step, Any, Any]


@dataclass(frozen=True)
class PortfolioResult:
    """What ``open`` did: legs opened now, legs already open from this plan, and failures."""

    opened: dict[str, SmartTrade]
    existing: dict[str, SmartTrade]
    failed: dict[str, ThreeCommasError]


@dataclass(frozen=True)
class LegStatus:
    """One open or finished leg of a plan: its trade and :class:`HedgeStatus`."""

    asset: str
    trade: SmartTrade
    status: HedgeStatus


@dataclass(frozen=True)
class PortfolioStatus:
    """Every leg of a plan found by its tag, and the legs' combined PnL (quote, as reported)."""

    tag: str
    legs: tuple[LegStatus, ...]

    @property
    def pnl(self) -> Decimal:
        """The sum of the legs' reported profit (``profit.usd`` when the server gives it)."""
        return sum((leg.trade.profit.usd or Decimal(0) for leg in self.legs), Decimal(0))


def leg_of(trade: SmartTrade, tag: str) -> str | None:
    """The asset of ``trade`` when its note marks it as a leg of plan ``tag``."""
    for found_tag, asset in _LEG.findall(trade.note or ""):
        if found_tag == tag:
            return str(asset)
    return None


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


def plan_flow(spot_account_id: int, futures_account_id: int, settings: Mapping[str, Any]) -> Flow:
    """Read the accounts, balances, listed pairs, prices and rules; return the plan."""
    spot: Account = yield _account(spot_account_id)
    futures: Account = yield _account(futures_account_id)
    _check_accounts(spot, futures)
    market = futures.market_code or ""
    path = f"{ACCOUNTS_PATH}/{spot_account_id}/account_table_data"
    rows: list[Balance] = yield Endpoint("POST", path, list_of(Balance))
    balances: dict[str, Decimal] = {}
    for row in rows:
        asset = row.currency_code.upper()
        balances[asset] = balances.get(asset, Decimal(0)) + row.position
    listed = set((yield _pairs(market)))
    prices: dict[str, Decimal] = {}
    rules: dict[str, MarketRules] = {}
    excluded = {asset.upper() for asset in settings.get("exclude", ())}
    for asset, quantity in sorted(balances.items()):
        pair = futures_pair(asset)
        if pair not in listed or asset in excluded or quantity <= 0:
            continue
        rates = yield _rates(pair, market, "smart_trade")
        price = rates.last or rates.bid
        if price is not None and price > 0:
            prices[pair] = price
            rules[pair] = rates.to_market_rules(None)
    return plan_portfolio(
        balances,
        spot_account_id=spot_account_id,
        futures_account_id=futures_account_id,
        listed_pairs=listed,
        prices=prices,
        rules=rules,
        **settings,
    )


def _tagged(tag: str, status: ListStatus, account_id: int | None) -> Flow:
    """Every SmartTrade whose note marks it as a leg of ``tag``: (asset, trade) pairs."""
    query = list_query(
        account_id=account_id, pair=None, type=None, status=status, order_by=None,
        order_direction=None, from_=None, to=None, base=None, quote=None, per_page=_PER_PAGE,
    )  # fmt: skip
    found: list[tuple[str, SmartTrade]] = []
    page = 1
    while True:
        trades: list[SmartTrade] = yield list_page(query, page)
        for trade in trades:
            asset = leg_of(trade, tag)
            if asset is not None:
                found.append((asset, trade))
        if len(trades) < _PER_PAGE:
            return found
        page += 1


def open_flow(plan: PortfolioPlan) -> Flow:
    """Create each leg not already open from this plan; a failing leg does not stop the rest."""
    found = yield from _tagged(plan.tag, "active", plan.futures_account_id)
    existing = dict(found)
    opened: dict[str, SmartTrade] = {}
    failed: dict[str, ThreeCommasError] = {}
    for leg in plan.legs:
        if leg.asset in existing:
            continue
        try:
            opened[leg.asset] = yield _Create(leg)
        except ThreeCommasError as error:
            failed[leg.asset] = error
    return PortfolioResult(opened, existing, failed)


def status_flow(tag: str) -> Flow:
    """Every leg of ``tag`` (open or finished) with its status."""
    found = yield from _tagged(tag, "all", None)
    legs = tuple(LegStatus(asset, trade, status_of(trade)) for asset, trade in found)
    return PortfolioStatus(tag, legs)


def close_flow(tag: str) -> Flow:
    """Close every open leg of ``tag`` at market; the closed trades by asset."""
    found = yield from _tagged(tag, "active", None)
    closed: dict[str, SmartTrade] = {}
    for asset, trade in found:
        closed[asset] = yield _Close(trade.id)
    return closed


def _settings(
    ratio: Decimal,
    ratios: Mapping[str, Decimal] | None,
    take_profit_percent: Decimal | None,
    stop_loss_percent: Decimal | None,
    leverage: int,
    exclude: Iterable[str],
    min_value: Decimal,
) -> dict[str, Any]:
    return {
        "ratio": ratio,
        "ratios": ratios,
        "take_profit_percent": take_profit_percent,
        "stop_loss_percent": stop_loss_percent,
        "leverage": leverage,
        "exclude": tuple(exclude),
        "min_value": min_value,
    }


# --- drivers ----------------------------------------------------------------------------------


class Portfolio:
    """``client.portfolio``: plan, open, follow and close a whole account's hedge."""

    def __init__(self, client: ThreeCommas) -> None:
        self._client = client

    def _run(self, flow: Flow) -> Any:
        result: Any = None
        error: ThreeCommasError | None = None
        while True:
            try:
                step = flow.send(result) if error is None else flow.throw(error)
            except StopIteration as stop:
                return stop.value
            result, error = None, None
            try:
                if isinstance(step, _Create):
                    result = self._client.smart_trades.create(step.leg.payload)
                elif isinstance(step, _Close):
                    result = self._client.smart_trades.close_by_market(step.trade_id)
                else:
                    result = self._client.accounts._call(step)
            except ThreeCommasError as exc:
                error = exc

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
        min_value: Decimal = Decimal(0),
    ) -> PortfolioPlan:
        """Plan one Smart Short per coin of the spot account (nothing is sent but reads)."""
        settings = _settings(
            ratio, ratios, take_profit_percent, stop_loss_percent, leverage, exclude, min_value
        )
        plan: PortfolioPlan = self._run(plan_flow(spot_account_id, futures_account_id, settings))
        return plan

    def open(self, plan: PortfolioPlan) -> PortfolioResult:
        """Open the plan's missing legs (idempotent: re-running opens only what is missing)."""
        result: PortfolioResult = self._run(open_flow(plan))
        return result

    def status(self, tag: str) -> PortfolioStatus:
        """Every leg of the plan ``tag`` with its status and the combined PnL."""
        status: PortfolioStatus = self._run(status_flow(tag))
        return status

    def close(self, tag: str) -> dict[str, SmartTrade]:
        """Close every open leg of the plan ``tag`` at market; returns the closed legs."""
        closed: dict[str, SmartTrade] = self._run(close_flow(tag))
        return closed


class AsyncPortfolio:
    """``client.portfolio`` of ``AsyncThreeCommas`` (see :class:`Portfolio`)."""

    def __init__(self, client: AsyncThreeCommas) -> None:
        self._client = client

    async def _run(self, flow: Flow) -> Any:
        result: Any = None
        error: ThreeCommasError | None = None
        while True:
            try:
                step = flow.send(result) if error is None else flow.throw(error)
            except StopIteration as stop:
                return stop.value
            result, error = None, None
            try:
                if isinstance(step, _Create):
                    result = await self._client.smart_trades.create(step.leg.payload)
                elif isinstance(step, _Close):
                    result = await self._client.smart_trades.close_by_market(step.trade_id)
                else:
                    result = await self._client.accounts._call(step)
            except ThreeCommasError as exc:
                error = exc

    async def plan(
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
        min_value: Decimal = Decimal(0),
    ) -> PortfolioPlan:
        """Plan one Smart Short per coin of the spot account (nothing is sent but reads)."""
        settings = _settings(
            ratio, ratios, take_profit_percent, stop_loss_percent, leverage, exclude, min_value
        )
        plan: PortfolioPlan = await self._run(
            plan_flow(spot_account_id, futures_account_id, settings)
        )
        return plan

    async def open(self, plan: PortfolioPlan) -> PortfolioResult:
        """Open the plan's missing legs (idempotent: re-running opens only what is missing)."""
        result: PortfolioResult = await self._run(open_flow(plan))
        return result

    async def status(self, tag: str) -> PortfolioStatus:
        """Every leg of the plan ``tag`` with its status and the combined PnL."""
        status: PortfolioStatus = await self._run(status_flow(tag))
        return status

    async def close(self, tag: str) -> dict[str, SmartTrade]:
        """Close every open leg of the plan ``tag`` at market; returns the closed legs."""
        closed: dict[str, SmartTrade] = await self._run(close_flow(tag))
        return closed
