"""``threecommas-hedge demo``: the article's hedge, end to end, on the embedded fake 3Commas.

1 BTC held at 60,000, a 0.5 BTC Smart Short with TP 55,000 and SL 61,800. The review, the
payload, then the trade is created (paper) on the fake and the market is walked down to 55,000
(the take profit fills) and, with a second identical hedge, up to 62,000 (the stop fills at
61,800). Each outcome is valued from the fills the fake reports, as the article's tables:
-2,500 net at 55,000 and +1,100 net at 62,000 before costs. Nothing leaves the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated

import typer
from rich.console import Console

from threecommas_hedge._client import ThreeCommas
from threecommas_hedge.hedge.builder import HedgeBuilder, SpotPosition
from threecommas_hedge.hedge.pnl import HedgePnL, pnl_of
from threecommas_hedge.hedge.status import status_of
from threecommas_hedge.models import SmartTrade
from threecommas_hedge.testing import FakeThreeCommas

from . import chart, fmt, render, risk
from .console import make_console
from .options import (
    DEFAULT_DAYS,
    DEFAULT_FUNDING_HOURS,
    DEFAULT_FUNDING_RATE,
    DEFAULT_MAKER_FEE,
    DEFAULT_TAKER_FEE,
    PlotOption,
)
from .planning import Costs, HedgePlan, plan_from_builder

PAIR = "USDT_BTCUSDT"
SPOT = SpotPosition(asset="BTC", quantity=Decimal(1), price=Decimal(60000))
HEDGE_QUANTITY = Decimal("0.5")
TAKE_PROFIT = Decimal(55000)
STOP_LOSS = Decimal(61800)
DROP = (Decimal(58000), Decimal(56000), Decimal(55000))
RISE = (Decimal(61000), Decimal(61800), Decimal(62000))
_HUNDRED = Decimal(100)
_CLOSED_BY = {"take_profit": "the take profit", "stop_loss": "the stop loss"}


def article_plan(account_id: int) -> HedgePlan:
    """The article's hedge under the default cost assumptions."""
    builder = (
        HedgeBuilder(SPOT, account_id=account_id, pair=PAIR)
        .hedge(quantity=HEDGE_QUANTITY)
        .take_profit(price=TAKE_PROFIT)
        .stop_loss(price=STOP_LOSS)
        .note("threecommas-hedge demo: the article's hedge")
    )
    costs = Costs(
        maker_fee_rate=DEFAULT_MAKER_FEE / _HUNDRED,
        taker_fee_rate=DEFAULT_TAKER_FEE / _HUNDRED,
        entry_fee_rate=None,
        exit_fee_rate=None,
        funding_rate=DEFAULT_FUNDING_RATE / _HUNDRED,
        funding_hours=DEFAULT_FUNDING_HOURS,
        days=DEFAULT_DAYS,
    )
    return plan_from_builder(builder, costs)


def demo(
    plot: PlotOption = None,
    portfolio: Annotated[
        bool, typer.Option("--portfolio", help="hedge a whole account (BTC, ETH, SOL, ...) instead")
    ] = False,
) -> None:
    """Replay the article's hedge offline, on a simulated exchange (no account needed).

    1 BTC held at 60,000, hedged by a 0.5 BTC Smart Short with TP 55,000 and SL 61,800: the
    review, the payload, then a drop to 55,000 and a rise to 62,000. Nothing is sent to 3Commas.
    """
    if portfolio:
        from .portfolio import run_demo

        run_demo()
        return
    if plot is not None:
        chart.require_matplotlib()
    console = make_console()
    fake = FakeThreeCommas()
    account_id = fake.add_account("futures", "paper")
    fake.set_price(PAIR, SPOT.price)
    plan = article_plan(account_id)
    console.print(
        "[bold]Offline demo on a simulated exchange[/]: a fake 3Commas inside this process. "
        "No account, no network, no real order.",
        "\nYou hold 1 BTC at 60,000 and hedge 0.5 BTC with a Smart Short: market entry, "
        "take profit 55,000, stop loss 61,800, 1x isolated.\n",
    )
    console.rule("Review before Create trade")
    console.print(render.review(plan))
    console.print(render.warnings(plan))
    console.print("\n[bold]Payload[/] (POST /v2/smart_trades)")
    console.print(render.payload(plan))
    with fake.client() as client:
        console.rule("A. Price drops to 55,000")
        _replay(console, fake, client, plan, DROP)
        console.rule("B. Price rises to 62,000")
        _replay(console, fake, client, plan, RISE)
    console.print(render.costs_note(plan))
    console.print()
    console.print(chart.text_chart(plan, width=console.width))
    console.rule("C. Over a day of random prices")
    risk.demo_section(console, plan)
    console.print(
        "\nRan offline on a simulated exchange: nothing was sent to 3Commas.\n"
        "Your own numbers: threecommas-hedge plan --spot-qty 1 --price 60000 --ratio 0.5 "
        "--tp 55000 --sl 61800\n"
        "Send it (paper): threecommas-hedge create ... --account-id ID (see "
        "threecommas-hedge accounts)",
        markup=False,
    )
    if plot is not None:
        chart.write_png(plan, plot)
        console.print(f"Payoff chart written to {plot}", markup=False, soft_wrap=True)


def _replay(
    console: Console,
    fake: FakeThreeCommas,
    client: ThreeCommas,
    plan: HedgePlan,
    path: Sequence[Decimal],
) -> None:
    """Create the hedge at 60,000, walk the market along ``path``, print the outcome."""
    fake.set_price(PAIR, SPOT.price)
    trade: SmartTrade = client.smart_trades.create(plan.payload)
    console.print(
        f"Created paper SmartTrade {trade.id} on the simulated account "
        f"{plan.summary.account_id} ({trade.status.title}). Market: "
        + " -> ".join(fmt.price(price) for price in (SPOT.price, *path)),
        markup=False,
    )
    for price in path:
        fake.set_price(PAIR, price)
    trade = client.smart_trades.get(trade.id)
    status = status_of(trade)
    final = path[-1]
    closed = _CLOSED_BY.get(status.closed_by or "", status.closed_by or "nothing")
    exit_price = fmt.price(status.average_exit) if status.average_exit is not None else "-"
    console.print(
        f"The hedge was closed by {closed} at {exit_price} ({trade.status.title}).",
        markup=False,
    )
    fills = pnl_of(trade, SPOT, final)
    costed = plan.costed.at(final)  # fees by order type on these fills, funding over the days
    title = f"Net effect at {fmt.price(final)}"
    bare = _outcome(fills, Decimal(0), Decimal(0))
    with_costs = _outcome(fills, costed.fees, costed.funding)
    console.print(render.outcome_table(title, bare, with_costs, days=plan.costs.days))
    predicted = plan.bare.at(final).net
    verdict = "matches" if predicted == bare.net else "differs from"
    console.print(
        f"[dim]The scenario math predicted net {fmt.money(predicted)} before trading: the "
        f"replay {verdict} it.[/]\n"
    )


def _outcome(pnl: HedgePnL, fees: Decimal, funding: Decimal) -> render.Outcome:
    """The replay's fills (gross, from the fake's report) with the given costs."""
    hedge = pnl.hedge_realized + pnl.hedge_unrealized
    return render.Outcome(
        spot=pnl.spot_pnl,
        hedge=hedge,
        fees=fees,
        funding=funding,
        net=pnl.spot_pnl + hedge - fees + funding,
    )
