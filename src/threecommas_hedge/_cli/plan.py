"""``threecommas-hedge plan``: review any hedge offline, as text or as one JSON document."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from .console import flag_error, make_console
from .options import CsvOption, HedgeFlags, JsonOption, PlotOption, with_hedge_flags

if TYPE_CHECKING:
    from rich.console import Console

    from .planning import HedgePlan


def print_plan(console: Console, plan: HedgePlan) -> None:
    """The review, the payload, the scenario table and the payoff chart."""
    from . import chart, render

    console.print(render.review(plan))
    console.print(render.warnings(plan))
    console.print()
    console.print("[bold]Payload[/] (POST /v2/smart_trades)")
    console.print(render.payload(plan))
    console.print()
    console.print(render.scenario_table(plan))
    console.print(render.costs_note(plan))
    console.print()
    console.print(chart.text_chart(plan, width=console.width))


@with_hedge_flags
def plan(
    as_json: JsonOption = False,
    plot: PlotOption = None,
    csv_file: CsvOption = None,
    *,
    flags: HedgeFlags,
) -> None:
    """Review a hedge offline: payload, estimated PnL, risk/reward, liquidation, scenarios.

    No account and no network: nothing is sent. Example (the article's hedge):
    threecommas-hedge plan --spot-qty 1 --price 60000 --ratio 0.5 --tp 55000 --sl 61800
    """
    from . import chart  # the library loads only when the command runs, not for --help
    from .document import plan_document, write_scenarios_csv
    from .planning import plan_from_flags

    if plot is not None:
        chart.require_matplotlib()
    hedge = plan_from_flags(flags)
    if as_json:
        typer.echo(json.dumps(plan_document(hedge), indent=2))
    else:
        print_plan(make_console(), hedge)
    if csv_file is not None:
        try:
            write_scenarios_csv(hedge, csv_file)
        except OSError as error:
            raise flag_error("--csv", f"cannot write {csv_file}: {error.strerror}") from None
        make_console(stderr=True).print(
            f"Scenario table written to {csv_file}", markup=False, soft_wrap=True
        )
    if plot is not None:
        chart.write_png(hedge, plot)
        make_console(stderr=True).print(
            f"Payoff chart written to {plot}", markup=False, soft_wrap=True
        )
