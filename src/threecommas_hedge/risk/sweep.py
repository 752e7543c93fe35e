"""``sweep``: the same paths replayed for a grid of hedge ratios, stop losses and take profits.

The builder is the hedge as planned (it must build); each grid value replaces one setting:

- a ratio: ``hedge(ratio=...)``;
- a stop loss: the trigger price, the stop's other settings (order type, trailing, timeout,
  price type) kept from the builder's; ``None``: no stop loss (and no move-to-breakeven);
- a take profit: one step at that price closing the whole short (the builder's first step's
  order and price types, its last step's trailing, kept); ``None``: no take profit.

A combination the builder refuses (a stop beyond liquidation, breakeven with one step) is kept
in the grid with its error instead of a report.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import numpy as np

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.hedge.builder import HedgeBuilder, HedgeSummary, SpotPosition

from ._run import Progress
from .evaluate import evaluate
from .outcomes import FloatArray
from .report import RiskReport
from .statistics import DEFAULT_LEVEL

__all__ = ["SweepResult", "SweepRow", "sweep"]

Objective = Literal["cvar", "var", "stdev", "cost", "effectiveness"]
_MINIMISED: dict[str, Callable[[RiskReport, float], Decimal]] = {
    "cvar": lambda report, level: report.hedged.cvar(level),
    "var": lambda report, level: report.hedged.var(level),
    "stdev": lambda report, level: report.hedged.stdev,
    "cost": lambda report, level: -report.expected_cost,
    "effectiveness": lambda report, level: -(report.effectiveness or Decimal(0)),
}
_KEEP = object()


@dataclass(frozen=True)
class SweepRow:
    """One combination: the values it set (``None`` for "none" or "not swept": see
    :attr:`SweepResult.dimensions`), and its report, or the builder's error."""

    ratio: Decimal | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    report: RiskReport | None
    error: str | None = None


@dataclass(frozen=True)
class SweepResult:
    """Every combination in grid order (ratios outermost, take profits innermost)."""

    rows: tuple[SweepRow, ...]
    dimensions: tuple[str, ...]
    """Which settings were swept: ``ratio``, ``stop_loss``, ``take_profit``."""

    def best(
        self,
        objective: Objective | Callable[[RiskReport], Any] = "cvar",
        *,
        level: float | Decimal = DEFAULT_LEVEL,
    ) -> SweepRow:
        """The combination that does best: ``cvar`` (default), ``var`` or ``stdev`` of the
        hedged PnL lowest, ``cost`` (the mean hedge-leg result highest: cheapest),
        ``effectiveness`` highest, or the lowest value of a callable on the report."""
        if callable(objective):
            score: Callable[[RiskReport], Any] = objective
        elif objective in _MINIMISED:
            rank = _MINIMISED[objective]
            score = lambda report: rank(report, float(level))  # noqa: E731
        else:
            raise ValueError(
                f"objective must be one of {', '.join(_MINIMISED)} or a callable, got {objective!r}"
            )
        valid = [row for row in self.rows if row.report is not None]
        if not valid:
            raise ValueError("no combination of the sweep could be built: see the rows' errors")
        return min(valid, key=lambda row: score(row.report))  # type: ignore[arg-type]

    def to_dict(self, level: float | Decimal = DEFAULT_LEVEL) -> dict[str, Any]:
        """A JSON-ready grid (decimals as strings), with each row's report summary or error."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "dimensions": list(self.dimensions),
            "rows": [
                {
                    "ratio": text(row.ratio),
                    "stop_loss": text(row.stop_loss),
                    "take_profit": text(row.take_profit),
                    "report": None if row.report is None else row.report.to_dict(level),
                    "error": row.error,
                }
                for row in self.rows
            ],
        }


def sweep(
    spot: SpotPosition,
    builder: HedgeBuilder,
    paths: FloatArray,
    *,
    ratios: Sequence[Decimal] | None = None,
    stop_losses: Sequence[Decimal | None] | None = None,
    take_profits: Sequence[Decimal | None] | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> SweepResult:
    """Replay every combination of the given values over ``paths`` (see the module docstring).

    ``options`` go to :func:`~threecommas_hedge.risk.evaluate` (fees, funding, brackets,
    horizon, step_seconds, highs/lows). ``paths`` must be one array: it is replayed once per
    combination. ``progress`` is called with the path-steps done over the whole grid.
    """
    if not isinstance(builder, HedgeBuilder):
        raise TypeError("builder must be a HedgeBuilder (the hedge as planned)")
    if not isinstance(paths, np.ndarray):
        raise TypeError("paths must be one array: a sweep replays them for every combination")
    try:
        base = builder.summary()
    except HedgeValidationError as error:
        raise ValueError(f"builder: the planned hedge must build first: {error}") from None
    grid = {
        "ratio": _values("ratios", ratios, allow_none=False),
        "stop_loss": _values("stop_losses", stop_losses, allow_none=True),
        "take_profit": _values("take_profits", take_profits, allow_none=True),
    }
    dimensions = tuple(name for name, values in grid.items() if values != [_KEEP])
    combinations = list(itertools.product(*grid.values()))
    rows = []
    for number, (ratio, stop, target) in enumerate(combinations):
        report_progress = None
        if progress is not None:
            report_progress = _scaled(progress, number, len(combinations))
        try:
            variant = _variant(builder, base, ratio, stop, target)
            payload = variant.build()
        except HedgeValidationError as error:
            rows.append(_row(ratio, stop, target, None, str(error)))
            continue
        report = evaluate(spot, payload, paths, progress=report_progress, **options)
        rows.append(_row(ratio, stop, target, report, None))
    return SweepResult(rows=tuple(rows), dimensions=dimensions)


def _values(name: str, values: Sequence[Any] | None, *, allow_none: bool) -> list[Any]:
    if values is None:
        return [_KEEP]
    items = list(values)
    if not items:
        raise ValueError(f"{name}: give at least one value, or leave it out")
    for item in items:
        if item is None and allow_none:
            continue
        if isinstance(item, bool) or not isinstance(item, (Decimal, int)):
            raise TypeError(f"{name}: values must be Decimal prices, got {item!r}")
    return items


def _row(
    ratio: Any, stop: Any, target: Any, report: RiskReport | None, error: str | None
) -> SweepRow:
    def value(item: Any) -> Decimal | None:
        return None if item is _KEEP or item is None else Decimal(item)

    return SweepRow(value(ratio), value(stop), value(target), report, error)


def _variant(
    builder: HedgeBuilder, base: HedgeSummary, ratio: Any, stop: Any, target: Any
) -> HedgeBuilder:
    if ratio is not _KEEP:
        builder = builder.hedge(ratio=ratio)
    if stop is not _KEEP:
        builder = builder.without_stop_loss()
        if stop is not None:
            settings = base.stop_loss
            if settings is None:
                builder = builder.stop_loss(price=stop)
            else:
                builder = builder.stop_loss(
                    price=stop,
                    order_type=settings.order_type,
                    trailing=settings.trailing,
                    timeout=settings.timeout,
                    price_type=settings.price_type,
                )
            if base.breakeven:
                builder = builder.move_to_breakeven()
    if target is not _KEEP:
        builder = builder.without_take_profit()
        if target is not None:
            steps = base.take_profits
            if steps:
                builder = builder.take_profit(
                    price=target, order_type=steps[0].order_type, price_type=steps[0].price_type
                )
                if steps[-1].trailing_percent is not None:
                    builder = builder.trailing_take_profit(steps[-1].trailing_percent)
            else:
                builder = builder.take_profit(price=target)
    return builder


def _scaled(progress: Progress, number: int, count: int) -> Progress:
    def report(done: int, total: int | None) -> None:
        if total is None:
            progress(done, None)
        else:
            progress(number * total + done, count * total)

    return report
