"""The keeper's decision step, pure: holdings, its open hedges, the exits it saw, policy, now
(and what the futures market lists, with its rules) -> actions. No I/O; the same inputs always
give the same actions.

Targets come from the portfolio planner (:func:`~threecommas_hedge.hedge.portfolio.plan_portfolio`):
a coin is hedged on its listed futures pair, its short rounded to the market's lot step, and a
coin the planner skips is skipped with the planner's reason. A hedge whose coin should no longer
be hedged (ratio 0, sold, dust, below the market's minimum after rounding) is closed; one whose
coin is excluded, unlisted or refused by a check is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from threecommas_hedge.hedge.portfolio import STABLECOINS, PortfolioPlan, plan_portfolio
from threecommas_hedge.models import MarketRules

from .policy import KeeperPolicy

__all__ = [
    "Action",
    "ActionKind",
    "Exit",
    "HedgeView",
    "Holding",
    "MarketView",
    "decide",
    "plan_of",
]

ActionKind = Literal["open", "resize", "close", "wait", "skip"]
_BELOW_MINIMUM = "below the market's minimum"  # the planner's reason after rounding


@dataclass(frozen=True)
class Holding:
    """A coin in the spot bag: quantity and quote price."""

    quantity: Decimal
    price: Decimal

    @property
    def value(self) -> Decimal:
        """Quote value of the holding."""
        return self.quantity * self.price


@dataclass(frozen=True)
class HedgeView:
    """One of the keeper's open shorts: trade id, open (or ordered) base quantity, and whether
    the API takes add/reduce funds now (``False`` while an entry or action is under way)."""

    trade_id: int
    quantity: Decimal
    resizable: bool = True


@dataclass(frozen=True)
class Exit:
    """A hedge closed by its take profit or stop loss, first seen at ``seen_at`` (keeper clock)."""

    trade_id: int
    reason: Literal["take_profit", "stop_loss"]
    seen_at: float


@dataclass(frozen=True)
class MarketView:
    """What the futures account can trade: its ``listed`` pairs (None: every pair counts as
    listed), ``rules`` per pair (lot step, minimum lot and total) and the pairs whose rules could
    not be read (pair -> error: their coins are skipped, their hedges left alone)."""

    listed: frozenset[str] | None = None
    rules: Mapping[str, MarketRules] = field(default_factory=dict)
    unreadable: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """What the keeper does (or why it does nothing) for one coin. ``quantity`` is the short's
    target for open/resize; ``trade_id`` the hedge acted on."""

    kind: ActionKind
    asset: str
    detail: str
    quantity: Decimal | None = None
    trade_id: int | None = None


def plan_of(
    holdings: Mapping[str, Holding], policy: KeeperPolicy, market: MarketView | None = None
) -> PortfolioPlan:
    """The portfolio plan of ``holdings`` under ``policy`` on ``market``: a leg (builder, rounded
    short) per coin to hedge, the planner's reason per coin skipped."""
    market = market if market is not None else MarketView()
    pairs = {asset: policy.pair_of(asset) for asset in holdings}
    listed = set(pairs.values()) if market.listed is None else set(market.listed)
    plan = plan_portfolio(
        {asset: holding.quantity for asset, holding in holdings.items()},
        spot_account_id=policy.spot_account_id,
        futures_account_id=policy.futures_account_id,
        listed_pairs=listed - set(market.unreadable),
        prices={pairs[a]: h.price for a, h in holdings.items() if h.price > 0},
        rules=market.rules,
        ratio=policy.ratio,
        ratios=policy.ratios,
        take_profit_percent=policy.take_profit_percent,
        stop_loss_percent=policy.stop_loss_percent,
        leverage=policy.leverage,
        exclude=policy.exclude,
        min_value=policy.min_value,
        margin=policy.quote,
    )
    skipped = {
        asset: (
            f"market rules of {pairs[asset]} not read: {market.unreadable[pairs[asset]]}"
            if pairs.get(asset) in market.unreadable and why.startswith("no futures pair")
            else why
        )
        for asset, why in plan.skipped.items()
    }
    return replace(plan, skipped=skipped)


def decide(
    holdings: Mapping[str, Holding],
    hedges: Mapping[str, HedgeView],
    exits: Mapping[str, Exit],
    policy: KeeperPolicy,
    now: float,
    plan: PortfolioPlan | None = None,
) -> tuple[Action, ...]:
    """One action per coin held or hedged, in asset order (see the module docstring).

    ``plan``: :func:`plan_of` the same holdings (default: every pair listed, no market rules).
    """
    plan = plan if plan is not None else plan_of(holdings, policy)
    targets = {leg.asset: leg.quantity for leg in plan.legs}
    assets = sorted(set(holdings) | set(hedges))
    return tuple(
        _one(a, holdings.get(a), hedges.get(a), exits.get(a), policy, now, targets.get(a),
             plan.skipped.get(a, "nothing held"))
        for a in assets
    )  # fmt: skip


def _one(
    asset: str,
    holding: Holding | None,
    hedge: HedgeView | None,
    exit_: Exit | None,
    policy: KeeperPolicy,
    now: float,
    target: Decimal | None,
    skipped: str,
) -> Action:
    trade_id = hedge.trade_id if hedge else None
    if asset in policy.exclude:
        return Action("skip", asset, "excluded", trade_id=trade_id)
    if asset in STABLECOINS or asset == policy.quote:
        return Action("skip", asset, "stablecoin / margin coin: not hedged")
    if holding is not None and holding.quantity > 0 and holding.price <= 0:
        return Action("skip", asset, "no price for the coin", trade_id=trade_id)
    if target is None:
        quantity = holding.quantity if holding is not None else Decimal(0)
        value = holding.value if holding is not None else Decimal(0)
        unwanted = (
            policy.ratio_of(asset) == 0
            or quantity <= 0
            or value < policy.min_value
            or skipped.startswith(_BELOW_MINIMUM)
        )
        if hedge is not None and unwanted:
            return Action("close", asset, skipped, trade_id=hedge.trade_id)
        return Action("skip", asset, skipped, trade_id=trade_id)
    ratio = policy.ratio_of(asset)
    if hedge is not None:
        allowed = target * policy.band
        off = hedge.quantity - target
        if abs(off) <= allowed:
            return Action("skip", asset, "within band", target, hedge.trade_id)
        if not hedge.resizable:
            return Action("wait", asset, "hedge busy, resize next tick", target, hedge.trade_id)
        way = "above" if off > 0 else "below"
        detail = f"short {hedge.quantity.normalize():f} is {way} target {target.normalize():f}"
        return Action("resize", asset, detail, target, hedge.trade_id)
    if exit_ is not None and policy.rearm != "immediately":
        why = exit_.reason.replace("_", " ")
        if policy.rearm == "never":
            return Action("wait", asset, f"{why} exit: rearm is never", trade_id=exit_.trade_id)
        ready_at = exit_.seen_at + policy.cooldown_seconds
        if now < ready_at:
            return Action(
                "wait",
                asset,
                f"{why} exit: cooldown until {ready_at:.0f}",
                target,
                exit_.trade_id,
            )
    return Action("open", asset, f"short {target.normalize():f} at ratio {ratio}", target)
