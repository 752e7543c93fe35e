"""Rich views of a risk run: the report table, a text histogram, the sweep grid.

Every figure comes from the report as ``Decimal``; these functions only format it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from . import fmt

if TYPE_CHECKING:  # pragma: no cover
    from threecommas_hedge.risk import RiskReport, RiskRow, SweepResult, SweepRow

_HUNDRED = Decimal(100)
_BAR = 18


def _value(row: RiskRow, value: Decimal | None) -> str:
    if value is None:
        return ""
    if row.kind == "money":
        return fmt.money(value) if row.label in ("Mean PnL", "Expected cost") else _amount(value)
    return f"{value * _HUNDRED:.1f} %"


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def report_table(report: RiskReport) -> Table:
    """Hedged vs unhedged statistics, then the hedge's exits, cost and effectiveness."""
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        title=f"PnL at the horizon over {report.paths:,} paths",
        title_justify="left",
        title_style="bold",
    )
    table.add_column("", no_wrap=True)
    table.add_column("Hedged", justify="right", no_wrap=True)
    table.add_column("Unhedged", justify="right", no_wrap=True)
    for row in report.table():
        table.add_row(row.label, _value(row, row.hedged), _value(row, row.unhedged))
    return table


def report_notes(report: RiskReport) -> Text:
    """What the figures mean, in one dim paragraph."""
    return Text(
        "VaR/CVaR: the loss not exceeded on 95 % of paths / the mean loss on the worst 5 %. "
        "Expected cost: the hedge leg's mean result after fees and funding (negative: it "
        "costs money). Effectiveness: the share of the spot's PnL variance the hedge removes. "
        "A short still open at the horizon is marked to the last price.",
        style="dim",
    )


def histogram(report: RiskReport, bins: int = 12) -> RenderableType:
    """Both PnL distributions over the same bins, as bars of block characters."""
    import numpy as np

    hedged, unhedged = report.hedged.pnl, report.unhedged.pnl
    low = float(min(hedged.min(), unhedged.min()))
    high = float(max(hedged.max(), unhedged.max()))
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, bins + 1)
    counts = [np.histogram(values, bins=edges)[0] for values in (hedged, unhedged)]
    peak = max(int(c.max()) for c in counts) or 1
    table = Table(
        box=None,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        title="Paths by PnL at the horizon",
        title_justify="left",
        title_style="bold",
    )
    table.add_column("PnL from", justify="right", no_wrap=True)
    table.add_column("to", justify="right", no_wrap=True)
    table.add_column("Hedged", no_wrap=True)
    table.add_column("Unhedged", no_wrap=True)
    for index in range(bins):
        cells = [
            Text(f"{_blocks(int(c[index]), peak)} {int(c[index]):,}", style=style)
            for c, style in zip(counts, ("green", "cyan"), strict=True)
        ]
        table.add_row(
            fmt.whole(Decimal(f"{edges[index]:.2f}")),
            fmt.whole(Decimal(f"{edges[index + 1]:.2f}")),
            *cells,
        )
    return table


def _blocks(count: int, peak: int) -> str:
    eighths = round(count / peak * _BAR * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (" ▏▎▍▌▋▊▉"[rest] if rest else "")


def sweep_table(result: SweepResult, best: SweepRow, objective: str) -> RenderableType:
    """Every combination with its figures; the best one marked."""
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        title=f"Sweep: hedged PnL over {_paths(result)} paths (best by {objective})",
        title_justify="left",
        title_style="bold",
        caption="=: the plan's own setting; none: no stop loss / no take profit",
        caption_justify="left",
    )
    for header in ("Ratio", "Stop", "Target", "Mean", "VaR 95", "CVaR 95", "Cost", "Eff.", "P(SL)"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for row in result.rows:
        mark = "◀" if row is best else ""
        settings = [_setting(result, "ratio", row.ratio, fmt.number)]
        settings.append(_setting(result, "stop_loss", row.stop_loss, fmt.price))
        settings.append(_setting(result, "take_profit", row.take_profit, fmt.price))
        report = row.report
        if report is None:
            table.add_row(
                *settings, Text(f"refused: {row.error}", style="yellow"), "", "", "", "", "", ""
            )
            continue
        table.add_row(
            *settings,
            fmt.whole(report.hedged.mean),
            f"{report.hedged.var():,.0f}",
            f"{report.hedged.cvar():,.0f}",
            fmt.whole(report.expected_cost),
            _percent(report.effectiveness),
            _percent(report.probabilities.stop_loss),
            mark,
            style="bold" if mark else None,
        )
    return table


def best_line(result: SweepResult, best: SweepRow, objective: str) -> Text:
    """The winning settings in words."""
    parts = []
    if "ratio" in result.dimensions and best.ratio is not None:
        parts.append(f"ratio {fmt.number(best.ratio)}")
    if "stop_loss" in result.dimensions:
        parts.append(
            "no stop loss" if best.stop_loss is None else f"stop loss {fmt.price(best.stop_loss)}"
        )
    if "take_profit" in result.dimensions:
        parts.append(
            "no take profit"
            if best.take_profit is None
            else f"take profit {fmt.price(best.take_profit)}"
        )
    return Text(
        f"Best by {objective}: " + (", ".join(parts) or "the hedge as planned"), style="bold"
    )


def _setting(result: SweepResult, name: str, value: Decimal | None, show: object) -> str:
    if name not in result.dimensions:
        return "="
    if value is None:
        return "none"
    assert callable(show)
    text: str = show(value)
    return text


def _percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * _HUNDRED:.1f}%"


def _paths(result: SweepResult) -> str:
    reports = [row.report for row in result.rows if row.report is not None]
    return f"{reports[0].paths:,}" if reports else "0"


def summary_lines(lines: Sequence[str]) -> RenderableType:
    """Plain dim lines (assumptions)."""
    return Group(*(Text(line, style="dim") for line in lines))
