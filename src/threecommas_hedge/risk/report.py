"""What a risk run found: both PnL distributions, exit probabilities, cost and effectiveness."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import numpy as np

from .outcomes import LIQUIDATION, OPEN, STOP_LOSS, Outcomes
from .statistics import DEFAULT_LEVEL, PnLDistribution, to_decimal

__all__ = ["ExitProbabilities", "RiskReport", "RiskRow"]

_PLACES = Decimal("0.000001")


def _share(count: int, total: int) -> Decimal:
    return (Decimal(count) / Decimal(total)).quantize(_PLACES)


@dataclass(frozen=True)
class ExitProbabilities:
    """Shares of paths (0 to 1) by what the hedge did before the horizon.

    ``take_profit``: any take-profit step filled (trailing included); ``stop_loss``: the stop
    closed the rest (also after a partial take profit); ``liquidation``; ``still_open``: entered
    and not fully closed at the horizon; ``entered``: the entry filled; ``steps``: each
    take-profit step, in the payload's order.
    """

    entered: Decimal
    take_profit: Decimal
    stop_loss: Decimal
    liquidation: Decimal
    still_open: Decimal
    steps: tuple[Decimal, ...]

    @staticmethod
    def of(outcomes: Outcomes) -> ExitProbabilities:
        """Count the outcomes of every path."""
        total = len(outcomes.status)
        filled = outcomes.step_index >= 0
        return ExitProbabilities(
            entered=_share(int(np.count_nonzero(outcomes.entry_index >= 0)), total),
            take_profit=_share(int(np.count_nonzero(filled.any(axis=0))), total),
            stop_loss=_share(int(np.count_nonzero(outcomes.reason == STOP_LOSS)), total),
            liquidation=_share(int(np.count_nonzero(outcomes.reason == LIQUIDATION)), total),
            still_open=_share(int(np.count_nonzero(outcomes.status == OPEN)), total),
            steps=tuple(_share(int(np.count_nonzero(row)), total) for row in filled),
        )


RowKind = Literal["money", "probability", "ratio"]


@dataclass(frozen=True)
class RiskRow:
    """One printable line of a report: a figure for the hedged and the unhedged position
    (``None`` where it does not apply)."""

    label: str
    hedged: Decimal | None
    unhedged: Decimal | None
    kind: RowKind


@dataclass(frozen=True, eq=False)
class RiskReport:
    """The hedge replayed over many paths (see :func:`~threecommas_hedge.risk.evaluate`).

    ``unhedged`` is the spot leg alone, ``hedged`` the spot leg plus the hedge leg after fees
    and funding, ``hedge`` the hedge leg alone; their ``pnl`` arrays are in path order.
    ``expected_cost`` is the mean hedge-leg result (negative: the hedge costs money on average).
    ``effectiveness`` is ``1 - Var(hedged) / Var(unhedged)`` (1: all the variance removed;
    ``None`` when the paths do not move). ``outcomes`` holds the engine's per-path record.
    """

    hedged: PnLDistribution
    unhedged: PnLDistribution
    hedge: PnLDistribution
    probabilities: ExitProbabilities
    expected_cost: Decimal
    effectiveness: Decimal | None
    paths: int
    horizon_seconds: float
    outcomes: Outcomes

    @staticmethod
    def build(spot_pnl: np.ndarray, outcomes: Outcomes, horizon_seconds: float) -> RiskReport:
        """The report of a replay: ``spot_pnl`` per path and the engine's outcomes."""
        hedge = outcomes.result
        hedged = spot_pnl + hedge
        spread = float(np.var(spot_pnl))
        effectiveness = to_decimal(1.0 - float(np.var(hedged)) / spread) if spread > 0 else None
        return RiskReport(
            hedged=PnLDistribution(hedged),
            unhedged=PnLDistribution(spot_pnl),
            hedge=PnLDistribution(hedge),
            probabilities=ExitProbabilities.of(outcomes),
            expected_cost=to_decimal(float(np.mean(hedge))),
            effectiveness=effectiveness,
            paths=len(spot_pnl),
            horizon_seconds=horizon_seconds,
            outcomes=outcomes,
        )

    def table(self, level: float | Decimal = DEFAULT_LEVEL) -> tuple[RiskRow, ...]:
        """The report as rows: statistics of both positions, then the hedge's exits and cost."""
        percent = f"{float(level) * 100:g} %"
        hedged, unhedged, odds = self.hedged, self.unhedged, self.probabilities
        rows = [
            RiskRow("Mean PnL", hedged.mean, unhedged.mean, "money"),
            RiskRow("Standard deviation", hedged.stdev, unhedged.stdev, "money"),
            RiskRow(f"VaR {percent}", hedged.var(level), unhedged.var(level), "money"),
            RiskRow(f"CVaR {percent}", hedged.cvar(level), unhedged.cvar(level), "money"),
            RiskRow("P(take profit)", odds.take_profit, None, "probability"),
        ]
        if len(odds.steps) > 1:
            rows += [
                RiskRow(f"P(take profit step {number})", share, None, "probability")
                for number, share in enumerate(odds.steps, 1)
            ]
        rows += [
            RiskRow("P(stop loss)", odds.stop_loss, None, "probability"),
            RiskRow("P(liquidation)", odds.liquidation, None, "probability"),
            RiskRow("P(still open)", odds.still_open, None, "probability"),
        ]
        if odds.entered != 1:
            rows.append(RiskRow("P(entered)", odds.entered, None, "probability"))
        rows += [
            RiskRow("Expected cost", self.expected_cost, None, "money"),
            RiskRow("Effectiveness", self.effectiveness, None, "ratio"),
        ]
        return tuple(rows)

    def to_dict(self, level: float | Decimal = DEFAULT_LEVEL) -> dict[str, Any]:
        """A JSON-ready summary (decimals as strings)."""
        odds = self.probabilities

        def distribution(d: PnLDistribution) -> dict[str, str]:
            return {
                "mean": str(d.mean),
                "stdev": str(d.stdev),
                "var": str(d.var(level)),
                "cvar": str(d.cvar(level)),
                "p05": str(d.quantile(0.05)),
                "median": str(d.quantile(0.5)),
                "p95": str(d.quantile(0.95)),
            }

        return {
            "paths": self.paths,
            "horizon_seconds": self.horizon_seconds,
            "level": str(level),
            "hedged": distribution(self.hedged),
            "unhedged": distribution(self.unhedged),
            "probabilities": {
                "entered": str(odds.entered),
                "take_profit": str(odds.take_profit),
                "stop_loss": str(odds.stop_loss),
                "liquidation": str(odds.liquidation),
                "still_open": str(odds.still_open),
                "steps": [str(share) for share in odds.steps],
            },
            "expected_cost": str(self.expected_cost),
            "effectiveness": None if self.effectiveness is None else str(self.effectiveness),
        }
