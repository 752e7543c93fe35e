"""``threecommas-hedge risk`` and ``sweep``: the hedge replayed over many price paths.

Both take the ``plan`` flags (the hedge, its costs, ``--days`` as the horizon) and the path flags
of :mod:`.simulation`. ``risk`` prints the report and a text histogram (``--plot`` a figure,
``--json`` a document); ``sweep`` replays the same paths for a grid of ratios, stop losses and
take profits and prints the grid and the best settings (``--plot`` a heatmap). The demo's risk
section is here too. numpy (the ``risk`` extra) is imported when a command runs, never before.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console

from threecommas_hedge.hedge.builder import SpotPosition

from . import chart, fmt, risk_chart, risk_views
from .console import CliError, flag_error, make_console
from .options import (
    HedgeFlags,
    JsonOption,
    parse_decimal,
    plot_option,
    with_flags,
    with_hedge_flags,
)
from .planning import HedgePlan, builder_from_flags, plan_from_flags
from .simulation import (
    BlockOption,
    DriftOption,
    HistoryOption,
    PathsOption,
    PathSpec,
    Samples,
    SeedOption,
    StepOption,
    VolOption,
    all_paths,
    chunks,
    path_spec,
    progress_bar,
    require_numpy,
)

if TYPE_CHECKING:  # pragma: no cover
    from threecommas_hedge.risk import RiskReport

ObjectiveChoice = Literal["cvar", "var", "stdev", "cost", "effectiveness"]
_OBJECTIVES = {
    "cvar": "lowest CVaR 95 %",
    "var": "lowest VaR 95 %",
    "stdev": "lowest standard deviation",
    "cost": "lowest expected cost",
    "effectiveness": "highest effectiveness",
}
RISK_PATHS = 10_000
SWEEP_PATHS = 2_000

RiskPlotOption = Annotated[
    Path | None,
    plot_option("Also write a figure: PnL distributions, payoff, sample paths (needs matplotlib)."),
]
HeatmapOption = Annotated[
    Path | None,
    plot_option("Also write a heatmap of the hedged CVaR over the grid (needs matplotlib)."),
]


@dataclass(frozen=True)
class PathFlags:
    """The path flags of ``risk`` and ``sweep`` as typed (see :func:`.simulation.path_spec`)."""

    vol: Decimal | None
    drift: Decimal
    history: Path | None
    block: int
    step: int | None
    paths: int
    seed: int | None


def with_path_flags(paths: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the path flags (``--paths`` defaulting to ``paths``) as ``path_flags``."""
    options = (
        ("vol", VolOption, None),
        ("drift", DriftOption, Decimal(0)),
        ("history", HistoryOption, None),
        ("block", BlockOption, 60),
        ("step", StepOption, None),
        ("paths", PathsOption, paths),
        ("seed", SeedOption, None),
    )
    parameters = tuple(
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for name, kind, default in options
    )
    return with_flags(parameters, PathFlags, "path_flags")


ListOption = Annotated[str | None, typer.Option(metavar="A,B,...")]


_FEES = ("maker_fee_rate", "taker_fee_rate", "entry_fee_rate", "exit_fee_rate")
_FEE_WORDS = {
    "maker_fee_rate": "maker (resting limits)",
    "taker_fee_rate": "taker (market fills)",
    "entry_fee_rate": "on the entry",
    "exit_fee_rate": "on each exit",
}


def _fees(plan: HedgePlan) -> dict[str, Decimal]:
    """The fee rates the plan sets (by order type and/or by leg: entry and exit override)."""
    costs = asdict(plan.costs)
    return {name: costs[name] for name in _FEES if costs.get(name) is not None}


def cost_options(plan: HedgePlan, wallet_balance: Decimal | None) -> dict[str, Any]:
    """The plan's fee, funding and liquidation assumptions (``--mmr``, ``--exchange``) as
    :func:`~threecommas_hedge.risk.evaluate` takes them."""
    costs = plan.costs
    return {
        **_fees(plan),
        "funding_rate": costs.funding_rate,
        "funding_interval_hours": costs.funding_hours,
        "brackets": plan.bare.brackets,
        "exchange": plan.bare.exchange,
        "wallet_balance": wallet_balance,
    }


def _spot(plan: HedgePlan) -> SpotPosition:
    s = plan.summary
    return SpotPosition(asset=s.asset, quantity=s.spot_quantity, price=s.spot_price)


def _spec(plan: HedgePlan, flags: HedgeFlags, path_flags: PathFlags) -> PathSpec:
    """The paths start at the plan's spot price; ``--days`` is their horizon."""
    return path_spec(start=plan.summary.spot_price, days=flags.days, **asdict(path_flags))


def replay(
    plan: HedgePlan, spec: PathSpec, wallet_balance: Decimal | None, console: Console
) -> tuple[RiskReport, Samples]:
    """Replay ``plan`` over the paths of ``spec``, with a progress bar on long runs."""
    from threecommas_hedge.risk import evaluate

    samples = Samples(chunks(spec))
    with progress_bar(console, "Replaying the hedge") as update:
        report = evaluate(
            _spot(plan),
            plan.payload,
            samples,
            step_seconds=spec.step_seconds,
            progress=update,
            **cost_options(plan, wallet_balance),
        )
    return report, samples


@with_hedge_flags
@with_path_flags(RISK_PATHS)
def risk(
    as_json: JsonOption = False,
    plot: RiskPlotOption = None,
    *,
    path_flags: PathFlags,
    flags: HedgeFlags,
) -> None:
    """How much risk does the hedge remove? Replay it over thousands of price paths.

    Prints hedged vs unhedged mean PnL, VaR and CVaR 95 %, the odds of the take profit, the stop
    loss and liquidation, the expected cost and the effectiveness, and a histogram. --days is the
    horizon of the paths. Example:
    threecommas-hedge risk --spot-qty 1 --price 60000 --ratio 0.5 --tp 55000 --sl 61800
    --vol 60 --days 1 --seed 7
    """
    require_numpy()
    if plot is not None:
        chart.require_matplotlib()
    hedge = plan_from_flags(flags)
    spec = _spec(hedge, flags, path_flags)
    report, samples = replay(hedge, spec, flags.wallet_balance, make_console(stderr=True))
    if as_json:
        document = {
            "paths": spec.to_dict(),
            "costs": _costs_document(hedge),
            "payload": hedge.payload.model_dump(mode="json", exclude_none=True),
            "report": report.to_dict(),
        }
        typer.echo(json.dumps(document, indent=2))
    else:
        console = make_console()
        print_report(console, hedge, spec, report)
    if plot is not None:
        risk_chart.write_report_png(hedge, report, samples.rows, spec.step_seconds, plot)
        make_console(stderr=True).print(f"Figure written to {plot}", markup=False, soft_wrap=True)


def print_report(console: Console, plan: HedgePlan, spec: PathSpec, report: RiskReport) -> None:
    """The header lines, the report table, its notes and the histogram."""
    console.print(risk_views.summary_lines([
        f"Hedge: {hedge_line(plan)}",
        f"Paths: {spec.describe()}",
        f"Costs: {costs_line(plan)}",
    ]))  # fmt: skip
    console.print()
    console.print(risk_views.report_table(report))
    console.print(risk_views.report_notes(report))
    console.print()
    console.print(risk_views.histogram(report))


def hedge_line(plan: HedgePlan) -> str:
    """The hedge in one line: size, entry, take profits, stop, leverage."""
    s = plan.summary
    parts = [
        f"short {fmt.number(s.quantity)} {s.asset} ({fmt.number(s.ratio * 100)} % of "
        f"{fmt.number(s.spot_quantity)} {s.asset}), {s.entry_type} entry at {fmt.price(s.entry)}"
    ]
    if s.take_profits:
        parts.append("TP " + ", ".join(fmt.price(tp.price) for tp in s.take_profits))
    if s.stop_loss is not None:
        parts.append(
            f"SL {fmt.price(s.stop_loss.price)}" + (" trailing" if s.stop_loss.trailing else "")
        )
    parts.append(f"{s.leverage}x {s.margin}")
    return "; ".join(parts)


def costs_line(plan: HedgePlan) -> str:
    """The fee and funding assumptions in one line."""
    c = plan.costs
    fees = ", ".join(f"{fmt.rate(rate)} {_FEE_WORDS[name]}" for name, rate in _fees(plan).items())
    return (
        f"fees {fees}; funding {fmt.rate(c.funding_rate)} every {fmt.number(c.funding_hours)}h "
        "while open (positive: the short receives it)"
    )


def _costs_document(plan: HedgePlan) -> dict[str, str]:
    c = plan.costs
    return {
        **{name: str(rate) for name, rate in _fees(plan).items()},
        "funding_rate": str(c.funding_rate),
        "funding_interval_hours": str(c.funding_hours),
    }


def _levels(flag: str, text: str | None, *, allow_none: bool) -> list[Decimal | None] | None:
    if text is None:
        return None
    values: list[Decimal | None] = []
    for item in text.split(","):
        item = item.strip()
        if allow_none and item.lower() == "none":
            values.append(None)
            continue
        try:
            value = parse_decimal(item)
        except typer.BadParameter:
            raise flag_error(
                flag, f"{item!r} is not a number{' or none' if allow_none else ''}"
            ) from None
        if value <= 0:
            raise flag_error(flag, f"values must be positive (got {item})")
        values.append(value)
    return values


@with_hedge_flags
@with_path_flags(SWEEP_PATHS)
def sweep(
    ratios: Annotated[
        str | None,
        typer.Option("--ratios", help="Hedge ratios to try: 0.25,0.5,1.", metavar="A,B,..."),
    ] = None,
    stop_losses: Annotated[
        str | None,
        typer.Option(
            "--stop-losses", help="Stop-loss prices to try (none: no stop).", metavar="A,B,..."
        ),
    ] = None,
    take_profits: Annotated[
        str | None,
        typer.Option(
            "--take-profits",
            help="Take-profit prices to try (none: no take profit).",
            metavar="A,B,...",
        ),
    ] = None,
    objective: Annotated[
        ObjectiveChoice, typer.Option("--objective", help="What 'best' means.")
    ] = "cvar",
    as_json: JsonOption = False,
    plot: HeatmapOption = None,
    *,
    path_flags: PathFlags,
    flags: HedgeFlags,
) -> None:
    """Which ratio, stop loss and take profit remove the most risk? Replay each on the same paths.

    The hedge flags are the plan; --ratios, --stop-losses and --take-profits list the values to
    try in its place (comma-separated). Example:
    threecommas-hedge sweep --spot-qty 1 --price 60000 --ratio 0.5 --tp 55000 --sl 61800
    --vol 60 --days 1 --ratios 0.25,0.5,0.75,1 --stop-losses 61200,61800,63000,none --seed 7
    """
    from threecommas_hedge import risk as engine

    require_numpy()
    if plot is not None:
        chart.require_matplotlib()
    grid = {
        "ratios": _levels("--ratios", ratios, allow_none=False),
        "stop_losses": _levels("--stop-losses", stop_losses, allow_none=True),
        "take_profits": _levels("--take-profits", take_profits, allow_none=True),
    }
    if all(values is None for values in grid.values()):
        raise flag_error("--ratios/--stop-losses/--take-profits", "give at least one list to sweep")
    builder = builder_from_flags(flags)
    hedge = plan_from_flags(flags)
    spec = _spec(hedge, flags, path_flags)
    prices = all_paths(spec)
    with progress_bar(make_console(stderr=True), "Sweeping") as update:
        result = engine.sweep(
            builder.spot,
            builder,
            prices,
            progress=update,
            step_seconds=spec.step_seconds,
            **grid,  # type: ignore[arg-type]
            **cost_options(hedge, flags.wallet_balance),
        )
    best = result.best(objective)
    label = _OBJECTIVES[objective]
    if as_json:
        document = {"paths": spec.to_dict(), "objective": objective, **result.to_dict()}
        document["best"] = result.rows.index(best)
        typer.echo(json.dumps(document, indent=2))
    else:
        console = make_console()
        console.print(risk_views.summary_lines([
            f"Plan: {hedge_line(hedge)}",
            f"Paths: {spec.describe()}",
            f"Costs: {costs_line(hedge)}",
        ]))  # fmt: skip
        console.print()
        console.print(risk_views.sweep_table(result, best, label))
        console.print(risk_views.best_line(result, best, label))
    if plot is not None:
        risk_chart.write_heatmap_png(result, label, plot)
        make_console(stderr=True).print(f"Heatmap written to {plot}", markup=False, soft_wrap=True)


DEMO_PATHS = 2_000
DEMO_SEED = 7
DEMO_VOLATILITY = Decimal(60)
DEMO_STEP = 300
"""Seconds per step of the demo's paths: 5-minute closes over the day (288 steps) draw and
replay in a fifth of the time of ``risk``'s default minute; the hint line gives the flags that
reproduce the figures."""
DEMO_FLAGS = (
    f"--vol {DEMO_VOLATILITY} --days 1 --step {DEMO_STEP} --paths {DEMO_PATHS} --seed {DEMO_SEED}"
)


def demo_section(console: Console, plan: HedgePlan) -> None:
    """The demo's risk section: the article's hedge over random paths for a day (fixed seed)."""
    try:
        require_numpy()
    except CliError:  # the extra is optional: say how to get the section
        console.print("(pip install 'threecommas-hedge[risk]' for the risk section)", markup=False)
        return
    spec = path_spec(
        start=plan.summary.spot_price,
        days=Decimal(1),
        vol=DEMO_VOLATILITY,
        drift=Decimal(0),
        history=None,
        block=60,
        step=DEMO_STEP,
        paths=DEMO_PATHS,
        seed=DEMO_SEED,
    )
    report, _ = replay(plan, spec, None, make_console(stderr=True))
    console.print(f"Paths: {spec.describe()}", markup=False, style="dim")
    console.print(risk_views.report_table(report))
    console.print(
        "The same figures: threecommas-hedge risk --spot-qty 1 --price 60000 --ratio 0.5 "
        f"--tp 55000 --sl 61800 {DEMO_FLAGS} (or --history FILE for a coin's real returns)",
        markup=False,
    )
