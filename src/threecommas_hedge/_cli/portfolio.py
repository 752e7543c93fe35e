"""``threecommas-hedge portfolio plan`` and ``demo --portfolio``: a whole account's hedge.

``portfolio plan BALANCES`` plans offline from a JSON file (``account_table_data`` rows, or a
``{"COIN": amount}`` object) or a CSV file (``coin,amount[,price]``) with ``--price PAIR=PRICE``.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from .console import CliError, make_console

if TYPE_CHECKING:
    from rich.console import Console

    from threecommas_hedge.hedge.portfolio import PortfolioPlan
    from threecommas_hedge.testing import FakeThreeCommas

MOVES = (Decimal("-0.2"), Decimal("-0.1"), Decimal("0.1"))


def show_plan(console: Console, plan: PortfolioPlan) -> None:
    """The legs, the skipped coins with reasons, and the scenario table with a total row."""
    legs = Table("coin", "pair", "held", "short", "value", title=f"Legs (plan tag {plan.tag})")
    for leg in plan.legs:
        legs.add_row(
            leg.asset, leg.pair, str(leg.spot.quantity), str(leg.quantity), f"{leg.value:.2f}"
        )
    console.print(legs)
    skipped = Table("coin", "why", title="Skipped")
    for coin, why in plan.skipped.items():
        skipped.add_row(coin, why)
    console.print(skipped)
    table = Table("move", "coin", "spot PnL", "short PnL", "net", title="Scenarios")
    for row in plan.scenario(moves=MOVES):
        style = "bold" if row.asset == "TOTAL" else None
        table.add_row(
            f"{row.move * 100:+.0f}%", row.asset, f"{row.spot_pnl:.2f}", f"{row.hedge_pnl:.2f}",
            f"{row.net:.2f}", style=style,
        )  # fmt: skip
    console.print(table)


def add_demo_bag(fake: FakeThreeCommas) -> int:
    """A paper spot account on ``fake`` holding BTC, ETH, SOL, USDT and dust DOGE (their USDT
    pairs priced); returns its id."""
    spot = fake.add_account("spot")
    prices = {"BTC": "60000", "ETH": "3000", "SOL": "150", "DOGE": "0.2"}
    for coin, price in prices.items():
        fake.set_price(f"USDT_{coin}USDT", Decimal(price))
    for coin, amount in {
        "BTC": "1",
        "ETH": "10",
        "SOL": "40",
        "USDT": "2000",
        "DOGE": "50",
    }.items():
        fake.set_balance(spot, coin, Decimal(amount))
    return spot


def run_demo() -> None:
    """Offline: BTC, ETH, SOL, a stablecoin and a dust coin on the fake, planned and opened."""
    from threecommas_hedge.testing import FakeThreeCommas

    console = make_console()
    fake = FakeThreeCommas()
    futures = fake.add_account("futures")
    spot = add_demo_bag(fake)
    console.print(
        "[bold]Offline portfolio demo[/] on a simulated exchange: nothing leaves the process."
    )
    with fake.client() as client:
        plan = client.portfolio.plan(
            spot, futures, ratio=Decimal("0.5"), take_profit_percent=Decimal("-8"),
            stop_loss_percent=Decimal("3"), min_value=Decimal("50"),
        )  # fmt: skip
        show_plan(console, plan)
        result = client.portfolio.open(plan)
        console.print(f"Opened (paper): {', '.join(sorted(result.opened))}")


def _balances(path: Path) -> dict[str, Decimal]:
    text = path.read_text()
    if path.suffix.lower() == ".csv":
        rows = [row for row in csv.reader(text.splitlines()) if row and row[0].lower() != "coin"]
        return {row[0].strip().upper(): Decimal(row[1].strip()) for row in rows}
    data: Any = json.loads(text, parse_float=Decimal)
    if isinstance(data, dict):
        return {str(k).upper(): Decimal(str(v)) for k, v in data.items()}
    return {str(r["currency_code"]).upper(): Decimal(str(r["position"])) for r in data}


def portfolio(
    action: Annotated[str, typer.Argument(help="plan (offline, from a balances file)")],
    balances: Annotated[Path, typer.Argument(help="balances JSON or CSV file", exists=True)],
    price: Annotated[
        list[str] | None, typer.Option("--price", help="PAIR=PRICE, repeatable")
    ] = None,
    ratio: Annotated[str, typer.Option(help="hedge ratio for every coin")] = "0.5",
    min_value: Annotated[str, typer.Option(help="quote value below which a coin is dust")] = "0",
) -> None:
    """Plan one Smart Short per coin of a spot account (offline, from a balances file)."""
    from threecommas_hedge.hedge.portfolio import plan_portfolio

    if action != "plan":
        raise CliError(f"portfolio {action}: only 'plan' (offline) is available yet")
    prices: dict[str, Decimal] = {}
    for item in price or ():
        pair, _, value = item.partition("=")
        prices[pair.strip()] = Decimal(value)
    plan = plan_portfolio(
        _balances(balances), spot_account_id=1, futures_account_id=1, listed_pairs=prices,
        prices=prices, ratio=Decimal(ratio), min_value=Decimal(min_value),
    )  # fmt: skip
    show_plan(make_console(), plan)
