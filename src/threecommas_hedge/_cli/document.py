"""``plan --json``: the whole plan as one JSON document for scripts, every decimal a string.

Top-level keys: ``payload`` (the create body, as sent), ``summary`` (what the builder decided),
``scenarios`` (rows at the default price grid, before and after costs), ``liquidation``,
``breakeven``, ``risk_reward`` and ``costs`` (assumptions and the funding estimate), ``notes``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from threecommas_hedge.hedge.scenario import FUNDING_NOTE, RiskReward
from threecommas_hedge.models._types import format_decimal

from .planning import HedgePlan

_HUNDRED = Decimal(100)


def _d(value: Decimal | None) -> str | None:
    return None if value is None else format_decimal(value)


def plan_document(plan: HedgePlan) -> dict[str, Any]:
    """The JSON-ready document of ``plan`` (decimals as plain strings, ``None`` as null)."""
    s = plan.summary
    lp = plan.bare.liquidation_price()
    distance = plan.bare.liquidation_distance()
    notes = [text for text in plan.costed.warnings() if text != FUNDING_NOTE]
    if not plan.account_given:
        notes.append("payload.account_id is a placeholder: pass --account-id")
    return {
        "payload": plan.payload.model_dump(mode="json", exclude_none=True),
        "summary": {
            "direction": s.direction,
            "asset": s.asset,
            "pair": s.pair,
            "account_id": s.account_id if plan.account_given else None,
            "spot_quantity": _d(s.spot_quantity),
            "spot_price": _d(s.spot_price),
            "quantity": _d(s.quantity),
            "ratio": _d(s.ratio),
            "notional": _d(s.notional),
            "entry_type": s.entry_type,
            "entry": _d(s.entry),
            "take_profits": [
                {
                    "price": _d(tp.price),
                    "volume": _d(tp.volume),
                    "distance_percent": _d(tp.distance_percent),
                    "order_type": tp.order_type,
                    "trailing_percent": _d(tp.trailing_percent),
                }
                for tp in s.take_profits
            ],
            "stop_loss": None
            if s.stop_loss is None
            else {
                "price": _d(s.stop_loss.price),
                "distance_percent": _d(s.stop_loss.distance_percent),
                "order_type": s.stop_loss.order_type,
                "trailing": s.stop_loss.trailing,
            },
            "breakeven": s.breakeven,
            "leverage": s.leverage,
            "margin": s.margin,
        },
        "scenarios": [
            {
                "price": _d(bare.price),
                "move_percent": _d((bare.price - s.entry) / s.entry * _HUNDRED),
                "label": costed.label,
                "status": costed.status,
                "spot_pnl": _d(bare.spot_pnl),
                "hedge_pnl": _d(bare.hedge_pnl),
                "net": _d(bare.net),
                "fees": _d(costed.fees),
                "funding": _d(costed.funding),
                "net_with_costs": _d(costed.net),
            }
            for bare, costed in plan.rows()
        ],
        "liquidation": {
            "price": _d(lp),
            "distance_percent": None if distance is None else _d(distance * _HUNDRED),
            "margin": s.margin,
            "maintenance_margin_rate": _d(s.maintenance_margin_rate),
        },
        "breakeven": {
            "price": _d(plan.bare.breakeven_price()),
            "price_with_costs": _d(plan.costed.breakeven_price()),
        },
        "risk_reward": {
            "gross": _risk(plan.risk),
            "with_fees": _risk(plan.risk_with_fees),
        },
        "costs": {
            "maker_fee_rate": _d(plan.costs.maker_fee_rate),
            "taker_fee_rate": _d(plan.costs.taker_fee_rate),
            "entry_fee_rate": _d(plan.costs.entry_fee_rate),
            "exit_fee_rate": _d(plan.costs.exit_fee_rate),
            "funding_rate": _d(plan.costs.funding_rate),
            "funding_interval_hours": _d(plan.costs.funding_hours),
            "holding_days": _d(plan.costs.days),
            "funding_estimate": _d(plan.costed.funding_estimate),
            "funding_note": FUNDING_NOTE,
        },
        "notes": notes,
    }


def _risk(risk: RiskReward) -> dict[str, Any]:
    return {
        "reward": _d(risk.reward),
        "risk": _d(risk.risk),
        "ratio": _d(risk.ratio),
        "targets": [
            {"price": _d(t.price), "volume": _d(t.volume), "gross": _d(t.gross), "fees": _d(t.fees)}
            for t in risk.targets
        ],
    }
