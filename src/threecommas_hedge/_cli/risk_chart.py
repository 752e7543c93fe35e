"""Figures of a risk run (``risk --plot``) and of a sweep (``sweep --plot``), with matplotlib.

Drawn on a bare ``Figure`` (Agg, no pyplot state), as the payoff chart is. Floats here are for
display only.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import chart, fmt
from .planning import HedgePlan

if TYPE_CHECKING:  # pragma: no cover
    from threecommas_hedge.risk import RiskReport, SweepResult
    from threecommas_hedge.risk.outcomes import FloatArray

_SCATTER = 2000
_SAMPLES = 24
_GREEN, _BLUE, _RED = "#2a9d8f", "#457b9d", "#e63946"


def write_report_png(
    plan: HedgePlan,
    report: RiskReport,
    samples: FloatArray | None,
    step_seconds: int,
    path: Path,
) -> None:
    """PnL distributions, the payoff at the horizon per path, and sample paths with the levels."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 8), dpi=80, layout="constrained")
    grid = figure.add_gridspec(2, 2)
    _distributions(figure.add_subplot(grid[0, 0]), report)
    _payoff(figure.add_subplot(grid[0, 1]), plan, report)
    _sample_paths(figure.add_subplot(grid[1, :]), plan, samples, step_seconds)
    s = plan.summary
    figure.suptitle(
        f"{fmt.number(s.spot_quantity)} {s.asset} hedged by a {fmt.number(s.quantity)} "
        f"{s.asset} short over {report.paths:,} paths"
    )
    chart.save_png(figure, path)


def _distributions(axes: Any, report: RiskReport) -> None:
    import numpy as np

    hedged, unhedged = report.hedged, report.unhedged
    edges = np.histogram_bin_edges(np.concatenate([hedged.pnl, unhedged.pnl]), bins=60)
    axes.hist(unhedged.pnl, bins=edges, color=_BLUE, alpha=0.45, label="unhedged (spot)")
    axes.hist(hedged.pnl, bins=edges, color=_GREEN, alpha=0.6, label="hedged")
    pairs = ((unhedged, _BLUE, "unhedged", "right"), (hedged, _GREEN, "hedged", "left"))
    for dist, colour, name, side in pairs:
        loss = float(dist.var())
        axes.axvline(-loss, color=colour, linestyle="--", linewidth=1)
        axes.annotate(
            f" VaR 95 % {name}\n {loss:,.0f} ",
            xy=(-loss, 0.97),
            xycoords=("data", "axes fraction"),
            va="top",
            ha=side,
            fontsize=8,
            color=colour,
        )
    axes.set_title("PnL at the horizon")
    axes.set_xlabel("PnL (quote)")
    axes.set_ylabel("paths")
    axes.legend(loc="upper right", fontsize=8)


def _payoff(axes: Any, plan: HedgePlan, report: RiskReport) -> None:
    import numpy as np

    s = plan.summary
    final = float(s.spot_price) + report.unhedged.pnl / float(s.spot_quantity)
    keep = np.linspace(0, len(final) - 1, min(len(final), _SCATTER)).astype(int)
    axes.scatter(
        final[keep],
        report.hedged.pnl[keep],
        s=4,
        alpha=0.35,
        color=_GREEN,
        label="hedged, each path",
    )
    order = np.sort(final)
    axes.plot(
        order, (order - float(s.spot_price)) * float(s.spot_quantity), color=_BLUE, label="unhedged"
    )
    points = chart.payoff(plan, 121)
    axes.plot(
        [float(point.price) for point in points],
        [float(point.net) for point in points],
        color="black",
        linewidth=1,
        linestyle=":",
        label="scenario (straight move, no fees)",
    )
    axes.axhline(0, color="grey", linewidth=0.6)
    axes.set_xlim(float(order[0]), float(order[-1]))
    axes.set_title("Payoff at the horizon against the final price")
    axes.set_xlabel(f"{s.asset} price at the horizon")
    axes.set_ylabel("PnL (quote)")
    axes.legend(fontsize=8)


def _sample_paths(
    axes: Any, plan: HedgePlan, samples: FloatArray | None, step_seconds: int
) -> None:
    import numpy as np

    s = plan.summary
    if samples is not None:
        hours = np.arange(samples.shape[1]) * step_seconds / 3600
        for row in samples[:_SAMPLES]:
            axes.plot(hours, row, linewidth=0.7, alpha=0.6)
    levels: list[tuple[Decimal, str, str, str]] = [(s.entry, "grey", "-", "entry")]
    levels += [
        (tp.price, "green", "--", f"take profit {fmt.price(tp.price)}") for tp in s.take_profits
    ]
    if s.stop_loss is not None:
        levels.append((s.stop_loss.price, "red", "--", f"stop loss {fmt.price(s.stop_loss.price)}"))
    lp = plan.bare.liquidation_price()
    if lp is not None and samples is not None and float(lp) < float(samples.max()) * 1.5:
        levels.append((lp, "black", ":", f"liquidation ~{fmt.price(lp)}"))
    for level, colour, style, label in levels:
        axes.axhline(float(level), color=colour, linestyle=style, linewidth=1, label=label)
    shown = 0 if samples is None else min(len(samples), _SAMPLES)
    axes.set_title(f"Sample paths ({shown})")
    axes.set_xlabel("hours")
    axes.set_ylabel(f"{s.asset} price")
    axes.legend(fontsize=8, loc="upper left")


def write_heatmap_png(result: SweepResult, objective: str, path: Path) -> None:
    """Hedged CVaR 95 % over the first two swept settings (one panel per third-setting value)."""
    import numpy as np
    from matplotlib.figure import Figure

    dims = list(result.dimensions) or ["ratio"]
    x_dim = dims[0]
    y_dim = dims[1] if len(dims) > 1 else None
    z_dim = dims[2] if len(dims) > 2 else None
    z_values = _unique(result, z_dim) if z_dim else [None]
    figure = Figure(figsize=(5.5 * len(z_values), 4.5), dpi=90, layout="constrained")
    panels = figure.subplots(1, len(z_values), squeeze=False)[0]
    xs = _unique(result, x_dim)
    ys: list[Decimal | None] = _unique(result, y_dim) if y_dim else [None]
    for axes, z in zip(panels, z_values, strict=True):
        cells = np.full((len(ys), len(xs)), np.nan)
        for row in result.rows:
            if z_dim and _get(row, z_dim) != z:
                continue
            if row.report is None:
                continue
            i = ys.index(_get(row, y_dim)) if y_dim else 0
            cells[i, xs.index(_get(row, x_dim))] = float(row.report.hedged.cvar())
        image = axes.imshow(cells, cmap="RdYlGn_r", aspect="auto", origin="lower")
        for (i, j), value in np.ndenumerate(cells):
            text = "refused" if np.isnan(value) else f"{value:,.0f}"
            axes.text(j, i, text, ha="center", va="center", fontsize=8)
        axes.set_xticks(range(len(xs)), [_label(x_dim, v) for v in xs])
        axes.set_xlabel(x_dim.replace("_", " "))
        if y_dim:
            axes.set_yticks(range(len(ys)), [_label(y_dim, v) for v in ys])
            axes.set_ylabel(y_dim.replace("_", " "))
        else:
            axes.set_yticks([])
        title = "hedged CVaR 95 %"
        if z_dim:
            title += f", {z_dim.replace('_', ' ')} {_label(z_dim, z)}"
        axes.set_title(title)
        figure.colorbar(image, ax=axes, shrink=0.8)
    figure.suptitle(f"Sweep (best by {objective})")
    chart.save_png(figure, path)


def _get(row: Any, dim: str | None) -> Decimal | None:
    return None if dim is None else getattr(row, dim)


def _unique(result: SweepResult, dim: str | None) -> list[Decimal | None]:
    seen: list[Decimal | None] = []
    for row in result.rows:
        value = _get(row, dim)
        if value not in seen:
            seen.append(value)
    return seen


def _label(dim: str, value: Decimal | None) -> str:
    if value is None:
        return "none"
    return fmt.number(value) if dim == "ratio" else fmt.price(value)
