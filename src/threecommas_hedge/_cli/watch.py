"""``watch ID``: a live table of one hedge (both legs when the spot holding is given), refreshed
every ``--interval`` seconds until the short is closed.

It polls through :meth:`~threecommas_hedge.resources.hedges.Hedge.wait_until` (one GET per
update, at least one second apart, with the client's sleep). On a terminal the table is redrawn
in place; otherwise each update is printed in turn, so a log keeps the whole history. ``--once``
or ``--updates N`` stop early; exit 0 either way.
"""

from __future__ import annotations

import itertools
from contextlib import nullcontext
from decimal import Decimal
from typing import Annotated

import typer
from rich import box
from rich.live import Live
from rich.table import Table
from rich.text import Text

from threecommas_hedge.hedge.builder import SpotPosition
from threecommas_hedge.hedge.position import MIN_POLL_SECONDS, HedgeTimeoutError, market_price
from threecommas_hedge.resources.hedges import Hedge

from . import fmt
from .buyback import unmanaged_quantity
from .console import flag_error, make_console, waiting
from .options import parse_decimal
from .session import BaseUrlOption, Connection, FakeOption, RealReadOption, Session, connect

__all__ = ["hedge_table", "watch"]


def _signed(value: Decimal) -> Text:
    return Text(fmt.money(value), style="green" if value >= 0 else "red")


def hedge_table(hedge: Hedge, caption: str | None = None) -> Table:
    """Status, fills, targets and the PnL of both legs at the trade's current price."""
    trade, status = hedge.trade, hedge.status
    table = Table(
        title=f"Hedge {trade.id} {trade.pair}",
        caption=caption,
        box=box.SIMPLE_HEAD,
        show_header=False,
        pad_edge=False,
    )
    table.add_column(style="bold", no_wrap=True)
    table.add_column(justify="right", overflow="fold")
    stage = status.stage.replace("_", " ")
    if unmanaged_quantity(trade) > 0:
        stage = "position open, not managed"
    elif status.closed_by is not None:
        stage += f" ({status.closed_by.replace('_', ' ')})"
    table.add_row("Status", f"{stage}: {trade.status.title or status.code or '?'}")
    price = market_price(trade)
    table.add_row("Price", "-" if price is None else fmt.price(price))
    entry = f" at {fmt.price(status.average_entry)}" if status.average_entry else ""
    table.add_row(
        "Short",
        f"{fmt.number(status.open_quantity)} open of {fmt.number(status.entered_quantity)} "
        f"entered{entry}",
    )
    if status.closed_quantity:
        exit_ = f" at {fmt.price(status.average_exit)}" if status.average_exit else ""
        table.add_row("Closed", f"{fmt.number(status.closed_quantity)}{exit_}")
    levels = [
        ("-" if level is None else fmt.price(level))
        + (" filled" if number in status.tp_steps_filled else "")
        for number, level in enumerate(status.take_profit_prices, start=1)
    ]
    table.add_row("Take profit", ", ".join(levels) or "none")
    stop = "none" if status.stop_loss_price is None else fmt.price(status.stop_loss_price)
    table.add_row("Stop loss", stop + (" filled" if status.stop_loss_filled else ""))
    if price is not None:
        pnl = hedge.pnl(price)
        table.add_row("Hedge realized", _signed(pnl.hedge_realized))
        table.add_row("Hedge unrealized", _signed(pnl.hedge_unrealized))
        table.add_row(f"Fees ({fmt.rate(pnl.fee_rate)})", _signed(-pnl.fees))
        table.add_row("Hedge PnL", _signed(pnl.hedge_pnl))
        if hedge.spot is not None:
            table.add_row("Spot PnL", _signed(pnl.spot_pnl))
            table.add_row("Net", _signed(pnl.net))
    return table


def watch(
    trade_id: Annotated[
        int, typer.Argument(help="SmartTrade id of the short (see `list`).", min=1)
    ],
    interval: Annotated[
        float,
        typer.Option(
            "--interval", min=MIN_POLL_SECONDS, help="Seconds between updates (one request each)."
        ),
    ] = 5.0,
    once: Annotated[bool, typer.Option("--once", help="Show one update and stop.")] = False,
    updates: Annotated[
        int | None,
        typer.Option("--updates", min=1, help="Stop after this many updates.", show_default=False),
    ] = None,
    spot_qty: Annotated[
        Decimal | None,
        typer.Option(
            "--spot-qty",
            parser=parse_decimal,
            metavar="QTY",
            help="Quantity held on spot: adds the spot leg and the net (with --spot-price).",
            show_default=False,
        ),
    ] = None,
    spot_price: Annotated[
        Decimal | None,
        typer.Option(
            "--spot-price",
            parser=parse_decimal,
            metavar="PRICE",
            help="Reference price the spot leg is measured from.",
            show_default=False,
        ),
    ] = None,
    asset: Annotated[str, typer.Option("--asset", help="Asset held on spot.")] = "BTC",
    fake: FakeOption = False,
    base_url: BaseUrlOption = None,
    real: RealReadOption = False,
) -> None:
    """Watch a hedge until it is closed: status, fills, targets and PnL (read only)."""
    if (spot_qty is None) != (spot_price is None):
        raise flag_error("--spot-qty/--spot-price", "give both, or neither")
    spot = None
    if spot_qty is not None and spot_price is not None:
        spot = SpotPosition(asset=asset, quantity=spot_qty, price=spot_price)
    limit = 1 if once else updates
    console = make_console()
    with connect(Connection(fake=fake, base_url=base_url, real=real)) as session:
        with waiting(make_console(stderr=True), f"Fetching SmartTrade {trade_id}..."):
            hedge = session.client.hedges.get(trade_id, spot=spot)
        counter = itertools.count(1)
        live = Live(hedge_table(hedge), console=console, auto_refresh=False)
        with live if console.is_terminal else nullcontext():

            def show(current: Hedge) -> None:
                caption = _caption(session, next(counter), limit, interval)
                table = hedge_table(current, caption)
                if console.is_terminal:
                    live.update(table, refresh=True)
                else:
                    console.print(table, end="\n\n")

            try:
                hedge.wait_until(
                    "closed",
                    timeout=float("inf"),
                    poll=interval,
                    max_polls=limit,
                    on_poll=show,
                )
            except HedgeTimeoutError:
                return


def _caption(session: Session, number: int, limit: int | None, interval: float) -> str:
    count = f"update {number}" + ("" if limit is None else f" of {limit}")
    return f"{count}, every {interval:g} s ({session.target.mode} mode, {session.where})"
