"""The keeper's decision step, pure: holdings, its open hedges, the exits it saw, policy, now ->
actions. No I/O; the same inputs always give the same actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .policy import KeeperPolicy

__all__ = ["Action", "ActionKind", "Exit", "HedgeView", "Holding", "decide"]

ActionKind = Literal["open", "resize", "close", "wait", "skip"]
STABLECOINS = frozenset({"USDT", "USDC", "BUSD", "DAI", "TUSD", "FDUSD", "USDP", "USD"})


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
class Action:
    """What the keeper does (or why it does nothing) for one coin. ``quantity`` is the short's
    target for open/resize; ``trade_id`` the hedge acted on."""

    kind: ActionKind
    asset: str
    detail: str
    quantity: Decimal | None = None
    trade_id: int | None = None


def decide(
    holdings: Mapping[str, Holding],
    hedges: Mapping[str, HedgeView],
    exits: Mapping[str, Exit],
    policy: KeeperPolicy,
    now: float,
) -> tuple[Action, ...]:
    """One action per coin held or hedged, in asset order (see the module docstring)."""
    assets = sorted(set(holdings) | set(hedges))
    return tuple(_one(a, holdings.get(a), hedges.get(a), exits.get(a), policy, now) for a in assets)


def _one(
    asset: str,
    holding: Holding | None,
    hedge: HedgeView | None,
    exit_: Exit | None,
    policy: KeeperPolicy,
    now: float,
) -> Action:
    ratio = policy.ratio_of(asset)
    if asset in policy.exclude:
        return Action("skip", asset, "excluded", trade_id=hedge.trade_id if hedge else None)
    if asset in STABLECOINS or asset == policy.quote:
        return Action("skip", asset, "stablecoin")
    quantity = holding.quantity if holding is not None else Decimal(0)
    value = holding.value if holding is not None else Decimal(0)
    reason = (
        "ratio 0"
        if ratio == 0
        else f"worth {value.normalize():f}, below min_value {policy.min_value}"
        if value < policy.min_value or quantity <= 0
        else None
    )
    if reason is not None:
        if hedge is None:
            return Action("skip", asset, reason)
        return Action("close", asset, reason, trade_id=hedge.trade_id)
    target = quantity * ratio
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
