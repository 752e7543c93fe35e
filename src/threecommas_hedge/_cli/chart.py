"""The payoff chart: spot, hedge and net PnL against the price, as text or as a PNG; and the
price path of a replay with the hedge's levels.

The text chart is drawn with rich (no extra dependency); the PNG needs matplotlib (the ``plot``
extra), imported only when ``--plot`` is used and drawn on a bare ``Figure`` (Agg, no pyplot
state). Values come from the bare scenario (no fees, no funding): the article's view.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.text import Text

from . import fmt
from .console import EXIT_USAGE, CliError
from .planning import HedgePlan

if TYPE_CHECKING:
    from threecommas_hedge.hedge._prices import PriceRow
    from threecommas_hedge.hedge.simulate import SimulationResult

_SERIES = (("spot", "·", "cyan"), ("hedge", "x", "yellow"), ("net", "●", "bold green"))
"""Name, glyph and style, drawn in this order (the net is drawn last, on top)."""
_LABEL_WIDTH = 10
_MARGIN = Decimal("0.03")
_SPAN = Decimal("0.15")


@dataclass(frozen=True)
class Point:
    """Spot, hedge and net PnL at one price."""

    price: Decimal
    spot: Decimal
    hedge: Decimal
    net: Decimal

    def value(self, name: str) -> Decimal:
        """The series ``name`` (spot, hedge or net)."""
        return {"spot": self.spot, "hedge": self.hedge, "net": self.net}[name]


def price_range(plan: HedgePlan) -> tuple[Decimal, Decimal]:
    """From 15 % below to 15 % above the entry, widened to show every TP and the SL."""
    entry = plan.summary.entry
    low, high = entry * (1 - _SPAN), entry * (1 + _SPAN)
    levels = [tp.price for tp in plan.summary.take_profits]
    if plan.summary.stop_loss is not None:
        levels.append(plan.summary.stop_loss.price)
    low = min([low, *(level * (1 - _MARGIN) for level in levels)])
    high = max([high, *(level * (1 + _MARGIN) for level in levels)])
    return low, high


def payoff(plan: HedgePlan, count: int) -> list[Point]:
    """``count`` evenly spaced points over :func:`price_range`."""
    low, high = price_range(plan)
    step = (high - low) / (count - 1)
    points = []
    for index in range(count):
        row = plan.bare.at(low + step * index)
        points.append(Point(row.price, row.spot_pnl, row.hedge_pnl, row.net))
    return points


def text_chart(plan: HedgePlan, *, width: int = 80, height: int = 13) -> RenderableType:
    """The payoff drawn in characters, at most ``width`` columns wide."""
    columns = max(20, min(64, width - _LABEL_WIDTH - 2))
    points = payoff(plan, columns)
    values = [point.value(name) for point in points for name, _, _ in _SERIES]
    top, bottom = max([*values, Decimal(0)]), min([*values, Decimal(0)])
    scale = (top - bottom) / (height - 1) if top > bottom else Decimal(1)

    def row_of(value: Decimal) -> int:
        return int(((top - value) / scale).to_integral_value())

    cells: list[list[tuple[str, str]]] = [[(" ", "")] * columns for _ in range(height)]
    zero = row_of(Decimal(0))
    cells[zero] = [("─", "dim")] * columns
    entry_column = _column_of(plan.summary.entry, points)
    for line in cells:
        if line[entry_column][0] == " ":
            line[entry_column] = ("┊", "dim")
    for name, glyph, style in _SERIES:
        previous: int | None = None
        for column, point in enumerate(points):
            row = row_of(point.value(name))
            start, stop = (row, row) if previous is None else sorted((previous, row))
            for filled in range(start, stop + 1):
                cells[filled][column] = (glyph, style)
            previous = row
    lines = [
        _line(cells[index], _axis_label(index, zero, top, bottom, height))
        for index in range(height)
    ]
    indent = " " * (_LABEL_WIDTH + 1)
    lines.append(
        Text(indent + _ticks(points, plan.summary.entry, columns), style="dim", no_wrap=True)
    )
    lines.append(
        Text(f"{indent}● net  x hedge  · spot  ┊ entry  (no fees)", style="dim", no_wrap=True)
    )
    return Group(Text("Payoff at the close of the hedge", style="bold"), *lines)


def _ticks(points: list[Point], entry: Decimal, columns: int) -> str:
    """Price labels under the first column, the entry and the last column."""
    low, high, middle = fmt.price(points[0].price), fmt.price(points[-1].price), fmt.price(entry)
    left = _column_of(entry, points) - len(middle) // 2
    left = max(len(low) + 1, min(left, columns - len(high) - len(middle) - 1))
    return low.ljust(left) + middle + high.rjust(columns - left - len(middle))


def _column_of(price: Decimal, points: list[Point]) -> int:
    low, high = points[0].price, points[-1].price
    return int(((price - low) / (high - low) * (len(points) - 1)).to_integral_value())


def _axis_label(index: int, zero: int, top: Decimal, bottom: Decimal, height: int) -> str:
    if index == 0:
        return fmt.whole(top)
    if index == height - 1:
        return fmt.whole(bottom)
    return "0" if index == zero else ""


def _line(cells: list[tuple[str, str]], label: str) -> Text:
    text = Text(label.rjust(_LABEL_WIDTH)[:_LABEL_WIDTH] + " ", style="dim", no_wrap=True)
    for glyph, style in cells:
        text.append(glyph, style=style or None)
    return text


@dataclass(frozen=True)
class Line:
    """A vertical reference line of the PNG chart, named in its legend."""

    label: str
    price: Decimal
    color: str
    style: str


def reference_lines(plan: HedgePlan, low: Decimal, high: Decimal) -> list[Line]:
    """Entry, each take profit, the stop loss and (within ``low``..``high``) the liquidation."""
    summary = plan.summary
    lines = [Line(f"entry {fmt.price(summary.entry)}", summary.entry, "grey", ":")]
    for number, tp in enumerate(summary.take_profits, start=1):
        name = "take profit" if len(summary.take_profits) == 1 else f"take profit {number}"
        lines.append(Line(f"{name} {fmt.price(tp.price)}", tp.price, "green", "--"))
    if summary.stop_loss is not None:
        price = summary.stop_loss.price
        lines.append(Line(f"stop loss {fmt.price(price)}", price, "red", "--"))
    liquidation = plan.bare.liquidation_price()
    if liquidation is not None and low <= liquidation <= high:
        lines.append(Line(f"liquidation ~{fmt.price(liquidation)}", liquidation, "black", "-."))
    return lines


def require_matplotlib() -> None:
    """Fail early, with one line, when ``--plot`` is asked for without matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CliError(
            "--plot needs matplotlib: pip install 'threecommas-hedge[plot]'", EXIT_USAGE
        ) from None


def write_png(plan: HedgePlan, path: Path) -> None:
    """Draw spot, hedge and net against the price into the PNG file ``path``."""
    from matplotlib.figure import Figure

    points = payoff(plan, 241)
    prices = [float(point.price) for point in points]  # display only: matplotlib needs floats
    figure = Figure(figsize=(8, 4.5), dpi=100, layout="constrained")
    axes = figure.subplots()
    for name, _, _ in _SERIES:
        axes.plot(prices, [float(point.value(name)) for point in points], label=name)
    axes.axhline(0, color="grey", linewidth=0.8)
    summary = plan.summary
    draw_lines(axes.axvline, reference_lines(plan, points[0].price, points[-1].price))
    axes.set_title(
        f"{fmt.number(summary.spot_quantity)} {summary.asset} spot hedged by a "
        f"{fmt.number(summary.quantity)} {summary.asset} short (no fees)"
    )
    axes.set_xlabel(f"{summary.asset} price")
    axes.set_ylabel("PnL (quote)")
    axes.legend(fontsize="small")
    save_png(figure, path)


_PATH_REACH = Decimal("1.5")
"""A liquidation line is drawn when within 1.5 times the path's highest price."""
_MARKERS = {"entered": ("o", "grey"), "take_profit": ("v", "green"), "stop_loss": ("^", "red")}


def write_path_png(
    plan: HedgePlan, rows: list[PriceRow], result: SimulationResult, path: Path
) -> None:
    """Draw a replay's price path with the entry, TP, SL and liquidation lines and its fills."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), dpi=100, layout="constrained")
    axes = figure.subplots()
    closes = [float(row.close) for row in rows]  # display only: matplotlib needs floats
    axes.plot(range(len(rows)), closes, color="tab:blue", linewidth=1, label="price")
    high = max(row.close for row in rows) * _PATH_REACH
    draw_lines(axes.axhline, reference_lines(plan, Decimal(0), high))
    for event in result.events:
        marker = _MARKERS.get(event.kind)
        if marker is not None and event.index is not None and event.fill_price is not None:
            axes.plot(event.index, float(event.fill_price), marker[0], color=marker[1])
    summary = plan.summary
    axes.set_title(f"Replay: {fmt.number(summary.quantity)} {summary.asset} short, {result.status}")
    axes.set_xlabel("step (price line of the file)")
    axes.set_ylabel(f"{summary.asset} price")
    axes.legend(fontsize="small")
    save_png(figure, path)


def draw_lines(draw: Any, lines: list[Line]) -> None:
    """Draw each reference line with ``axes.axvline`` or ``axes.axhline``, named in the legend."""
    for line in lines:
        draw(
            float(line.price),
            color=line.color,
            linestyle=line.style,
            linewidth=0.8,
            label=line.label,
        )


def save_png(figure: Any, path: Path) -> None:
    """Write ``figure`` as PNG; a path that cannot be written is a one-line ``--plot`` error."""
    try:
        figure.savefig(path, format="png")
    except OSError as error:
        raise CliError(
            f"--plot: cannot write {path}: {error.strerror or error}", EXIT_USAGE
        ) from None
