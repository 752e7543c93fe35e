"""``plan --json``: the whole plan as one JSON document for scripts, every decimal a string.

Top-level keys: ``payload`` (the create body, as sent), ``summary`` (what the builder decided),
``scenarios`` (rows at the default price grid, before and after costs), ``liquidation``,
``breakeven``, ``risk_reward`` and ``costs`` (assumptions and the funding estimate), ``notes``.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

from threecommas_hedge.hedge.scenario import FUNDING_NOTE, RiskReward
from threecommas_hedge.models._types import format_decimal

from .planning import NO_ACCOUNT_NOTE, HedgePlan
from .rounding import Rounding

_HUNDRED = Decimal(100)


def _d(value: Decimal | None) -> str | None:
    return None if value is None else format_decimal(value)


def plan_document(plan: HedgePlan) -> dict[str, Any]:
    """The JSON-ready document of ``plan`` (decimals as plain strings, ``None`` as null)."""
    s = plan.summary
    r = rounding_of(plan)
    lp = plan.bare.liquidation_price()
    distance = plan.bare.liquidation_distance()
    notes = [text for text in plan.costed.warnings() if text != FUNDING_NOTE]
    if not plan.account_given:
        notes.append(NO_ACCOUNT_NOTE)
    return {
        "payload": plan.payload_document(),
        "summary": {
            "direction": s.direction,
            "asset": s.asset,
            "pair": s.pair,
            "account_id": s.account_id if plan.account_given else None,
            "spot_quantity": _d(s.spot_quantity),
            "spot_price": _d(s.spot_price),
            "quantity": _d(s.quantity),
            "ratio": _d(s.ratio),
            "notional": r.money(s.notional),
            "entry_type": s.entry_type,
            "entry": r.price(s.entry),
            "take_profits": [
                {
                    "price": r.price(tp.price),
                    "volume": _d(tp.volume),
                    "distance_percent": r.percent(tp.distance_percent),
                    "order_type": tp.order_type,
                    "trailing_percent": _d(tp.trailing_percent),
                }
                for tp in s.take_profits
            ],
            "stop_loss": None
            if s.stop_loss is None
            else {
                "price": r.price(s.stop_loss.price),
                "distance_percent": r.percent(s.stop_loss.distance_percent),
                "order_type": s.stop_loss.order_type,
                "trailing": s.stop_loss.trailing,
            },
            "breakeven": s.breakeven,
            "leverage": s.leverage,
            "margin": s.margin,
        },
        "scenarios": scenario_rows(plan),
        "liquidation": {
            "price": r.price(lp),
            "distance_percent": None if distance is None else r.percent(distance * _HUNDRED),
            "margin": s.margin,
            "maintenance_margin_rate": _d(s.maintenance_margin_rate),
        },
        "breakeven": {
            "price": r.price(plan.bare.breakeven_price()),
            "price_with_fees": r.price(plan.breakeven_with_fees),
            "price_with_costs": r.price(plan.breakeven_with_costs),
        },
        "risk_reward": {
            "gross": _risk(plan.risk, r),
            "with_fees": _risk(plan.risk_with_fees, r),
        },
        "costs": {
            "entry_fee_rate": _d(plan.costs.entry_fee_rate),
            "exit_fee_rate": _d(plan.costs.exit_fee_rate),
            "funding_rate": _d(plan.costs.funding_rate),
            "funding_interval_hours": _d(plan.costs.funding_hours),
            "holding_days": _d(plan.costs.days),
            "funding_estimate": r.money(plan.costed.funding_estimate),
            "funding_note": FUNDING_NOTE,
        },
        "notes": notes,
    }


def scenario_rows(plan: HedgePlan) -> list[dict[str, Any]]:
    """The scenario table as rows (decimals as plain strings, one rounding per column): the
    ``scenarios`` of the JSON document and the lines of ``plan --csv``."""
    entry, r = plan.summary.entry, rounding_of(plan)
    return [
        {
            "price": r.price(bare.price),
            "move_percent": r.percent((bare.price - entry) / entry * _HUNDRED),
            "label": costed.label,
            "status": costed.status,
            "spot_pnl": r.money(bare.spot_pnl),
            "hedge_pnl": r.money(bare.hedge_pnl),
            "net": r.money(bare.net),
            "fees": r.money(costed.fees),
            "funding": r.money(costed.funding),
            "net_with_costs": r.money(costed.net),
        }
        for bare, costed in plan.rows()
    ]


def rounding_of(plan: HedgePlan) -> Rounding:
    """The rounding of ``plan``'s figures (its entry and notional)."""
    return Rounding.of(plan.summary.entry, plan.summary.notional)


def write_scenarios_csv(plan: HedgePlan, path: Path) -> None:
    """Write the scenario table to ``path`` as CSV with a header line."""
    rows = scenario_rows(plan)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["price"])
        writer.writeheader()
        writer.writerows(rows)


def _risk(risk: RiskReward, r: Rounding) -> dict[str, Any]:
    return {
        "reward": r.money(risk.reward),
        "risk": r.money(risk.risk),
        "ratio": r.percent(risk.ratio),
        "targets": [
            {
                "price": r.price(t.price),
                "volume": _d(t.volume),
                "gross": r.money(t.gross),
                "fees": r.money(t.fees),
            }
            for t in risk.targets
        ],
    }
