"""``threecommas-hedge replay``: a hedge replayed through the simulator along a file of prices.

The prices are read exactly (``Decimal``) by the shared price-file reader: a ``close`` column, or
Binance's kline layout. The short enters at the file's first price (a market entry) and the
simulator fills its take profits, stop loss and liquidation as the prices pass them, with the
fees by fill type and funding at the file's own times.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .console import EXIT_USAGE, CliError, flag_error, make_console
from .options import HedgeFlags, JsonOption, plot_option, with_hedge_flags

if TYPE_CHECKING:
    from rich.console import RenderableType

    from threecommas_hedge.hedge._prices import PriceRow
    from threecommas_hedge.hedge.simulate import SimEvent, SimulationResult

    from .planning import HedgePlan

PricesArgument = Annotated[
    Path,
    typer.Argument(
        help="CSV of prices: a header naming a close column, or Binance klines (close = 5th).",
        metavar="PRICES.csv",
        dir_okay=False,
        show_default=False,
    ),
]
PathPlotOption = Annotated[
    Path | None,
    plot_option(
        "Also draw the price path with the entry, TP, SL and liquidation lines to this PNG file "
        "(needs matplotlib)."
    ),
]


@dataclass(frozen=True)
class Replay:
    """The replayed plan, the file's rows and what the simulator reports, valued at the end."""

    plan: HedgePlan
    rows: list[PriceRow]
    result: SimulationResult
    hedge_open: Decimal
    spot: Decimal

    @property
    def last(self) -> Decimal:
        """The file's last price."""
        return self.rows[-1].close

    @property
    def hedge(self) -> Decimal:
        """The short's gross PnL: realized, plus what is still open valued at the last price."""
        return self.result.realized_pnl + self.hedge_open

    @property
    def net(self) -> Decimal:
        """Spot plus hedge, after fees, with funding."""
        return self.spot + self.hedge - self.result.fees + self.result.funding

    def line_of(self, event: SimEvent) -> int | None:
        """The file line of the price at which ``event`` happened."""
        return None if event.index is None else self.rows[event.index].line


@with_hedge_flags
def replay(
    prices: PricesArgument,
    as_json: JsonOption = False,
    plot: PathPlotOption = None,
    *,
    flags: HedgeFlags,
) -> None:
    """Replay a hedge along a file of prices: its fills, then spot, hedge and net at the end.

    Offline: the simulator fills the entry at the first price, then the take profits, stop loss
    and liquidation as the prices pass them. --price defaults to the file's first price. Example:
    threecommas-hedge replay BTCUSDT-1m-2024-05.csv --spot-qty 1 --ratio 0.5 --tp 55000 --sl 61800
    """
    from . import chart

    if plot is not None:
        chart.require_matplotlib()
    outcome = run_replay(prices, flags)
    if as_json:
        typer.echo(json.dumps(replay_document(prices, outcome), indent=2))
    else:
        console = make_console()
        for renderable in report(prices, outcome):
            console.print(renderable)
    if plot is not None:
        chart.write_path_png(outcome.plan, outcome.rows, outcome.result, plot)
        make_console(stderr=True).print(
            f"Price path chart written to {plot}", markup=False, soft_wrap=True
        )


def run_replay(prices: Path, flags: HedgeFlags) -> Replay:
    """Read the file, check the flags against it and replay the plan through the simulator."""
    from dataclasses import replace

    from threecommas_hedge.hedge._prices import read_price_rows
    from threecommas_hedge.hedge.simulate import SmartTradeEngine

    from .planning import plan_from_flags

    for flag, value in (("--entry-fee", flags.entry_fee), ("--exit-fee", flags.exit_fee)):
        if value is not None:
            raise flag_error(flag, "replay charges fees by fill type: use --maker-fee/--taker-fee")
    try:
        rows = read_price_rows(prices)
    except ValueError as error:
        raise CliError(str(error), EXIT_USAGE) from None
    timed = rows[0].time is not None
    if flags.funding_rate and not timed:
        raise flag_error("--funding-rate", f"{prices} has no time column to settle funding by")
    start = flags.price if flags.price is not None else rows[0].close
    plan = plan_from_flags(replace(flags, price=start))
    costs, liquidation = plan.costs, plan.bare  # the plan's own brackets and formula
    engine = SmartTradeEngine(
        plan.payload,
        maker_fee_rate=costs.maker_fee_rate,
        taker_fee_rate=costs.taker_fee_rate,
        brackets=liquidation.brackets,
        exchange=liquidation.exchange,
        wallet_balance=flags.wallet_balance,
        funding_rate=costs.funding_rate,
        funding_interval_hours=costs.funding_hours,
    )
    first_time = rows[0].time
    for index, row in enumerate(rows):
        if not engine.active:
            break
        now = None
        if row.time is not None and first_time is not None:
            now = Decimal(row.time - first_time) / 1000
        engine.step(row.close, index=index, now_seconds=now)
    last = rows[-1].close
    hedge_open = engine.unrealized_pnl(last) if engine.status == "open" else Decimal(0)
    spot = plan.summary.spot_quantity * (last - start)
    return Replay(plan, rows, engine.result(), hedge_open, spot)


def describe(event: SimEvent) -> str:
    """One event in words: what, which step, how much at what price, why."""
    from . import fmt

    head = event.kind.replace("_", " ")
    if event.step is not None:
        head = f"{head} {event.step}"
    details = []
    if event.quantity is not None and event.fill_price is not None:
        details.append(f"{fmt.number(event.quantity)} at {fmt.price(event.fill_price)}")
    if event.level is not None:
        details.append(f"level {fmt.price(event.level)}")
    if event.amount is not None:
        details.append(f"amount {fmt.money(event.amount)}")
    if event.reason is not None:
        details.append(event.reason)
    return f"{head}: {', '.join(details)}" if details else head


def report(prices: Path, outcome: Replay) -> list[RenderableType]:
    """The text report: the path, the events table, the result."""
    from rich.table import Table
    from rich.text import Text

    from . import fmt

    result, rows = outcome.result, outcome.rows
    summary = outcome.plan.summary
    head = (
        f"Replay of {prices}: {len(rows)} prices\nPath {fmt.price(rows[0].close)} -> "
        f"{fmt.price(outcome.last)}, low {fmt.price(min(r.close for r in rows))}, high "
        f"{fmt.price(max(r.close for r in rows))}"
    )
    events = Table(title="Events", title_justify="left", box=None, pad_edge=False)
    events.add_column("Line", justify="right")
    events.add_column("Price", justify="right")
    events.add_column("Event")
    for event in result.events:
        line = outcome.line_of(event)
        events.add_row("-" if line is None else str(line), fmt.price(event.price), describe(event))
    if not result.events:
        events.add_row("-", "-", "nothing happened: the entry never filled")
    status = result.status.replace("_", " ")
    exit_text = "-" if result.exit_price is None else fmt.price(result.exit_price)
    entry_text = "-" if result.entry_price is None else fmt.price(result.entry_price)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Status", status)
    grid.add_row("Entry / exit", f"{entry_text} / {exit_text} (average)")
    grid.add_row(
        "Closed / open",
        f"{fmt.number(result.closed_quantity)} / "
        f"{fmt.number(result.remaining_quantity)} {summary.asset}",
    )
    grid.add_row(f"Spot at {fmt.price(outcome.last)}", fmt.money(outcome.spot))
    grid.add_row("Hedge (gross)", fmt.money(outcome.hedge))
    grid.add_row("Fees", fmt.money(-result.fees))
    grid.add_row("Funding", fmt.money(result.funding))
    grid.add_row("Net", fmt.money(outcome.net))
    return [Text(head), events, "", "[bold]Result[/]", grid]


def replay_document(prices: Path, outcome: Replay) -> dict[str, Any]:
    """The replay as one JSON document (decimals as strings)."""
    result = outcome.result

    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "file": str(prices),
        "prices": len(outcome.rows),
        "first_price": str(outcome.rows[0].close),
        "last_price": str(outcome.last),
        "events": [
            {
                "line": outcome.line_of(event),
                "kind": event.kind,
                "price": str(event.price),
                "fill_price": text(event.fill_price),
                "quantity": text(event.quantity),
                "level": text(event.level),
                "step": event.step,
                "reason": event.reason,
                "amount": text(event.amount),
            }
            for event in result.events
        ],
        "result": {
            "status": result.status,
            "entry_price": text(result.entry_price),
            "exit_price": text(result.exit_price),
            "closed_quantity": str(result.closed_quantity),
            "remaining_quantity": str(result.remaining_quantity),
            "spot_pnl": str(outcome.spot),
            "hedge_realized": str(result.realized_pnl),
            "hedge_unrealized": str(outcome.hedge_open),
            "fees": str(result.fees),
            "funding": str(result.funding),
            "net": str(outcome.net),
        },
    }
