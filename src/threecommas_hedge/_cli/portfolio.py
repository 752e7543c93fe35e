"""``threecommas-hedge portfolio plan|open|status|close`` and ``demo --portfolio``.

- ``portfolio plan BALANCES --price PAIR=PRICE``: offline, from a JSON file (``account_table_data``
  rows, or a ``{"COIN": amount}`` object) or a CSV file (``coin,amount``).
- ``portfolio plan|open --spot-account ID --futures-account ID``: from the live accounts (balances,
  pairs, prices, rules and leverage caps from the API). ``open`` is paper unless ``--real``, and a
  ``--real`` open asks first unless ``--yes`` (the rules of ``create``); it prints the plan's tag.
- ``portfolio status --tag TAG``: every leg's status and the combined spot + short PnL (from a new
  process: the spot leg is the hedged part of each holding).
- ``portfolio close --tag TAG``: close every open leg at market (``--real`` asks unless ``--yes``).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from .console import EXIT_FAILURE, EXIT_USAGE, CliError, flag_error, make_console
from .options import JsonOption, parse_decimal
from .session import BaseUrlOption, FakeOption, RealOption, YesOption

if TYPE_CHECKING:
    from rich.console import Console

    from threecommas_hedge.hedge.portfolio import PortfolioPlan
    from threecommas_hedge.resources.portfolio import PortfolioResult, PortfolioStatus

    from .session import Session

MOVES = (Decimal("-0.2"), Decimal("-0.1"), Decimal("0.1"))
ACTIONS = ("plan", "open", "status", "close")


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
    table = Table(
        "move", "coin", "spot PnL", "short PnL", "of which fees", "net",
        title="Scenarios (each short stops at its TP/SL; default maker/taker fees)",
    )  # fmt: skip
    for row in plan.scenario(moves=MOVES):
        style = "bold" if row.asset == "TOTAL" else None
        table.add_row(
            f"{row.move * 100:+.0f}%", row.asset, f"{row.spot_pnl:.2f}", f"{row.hedge_pnl:.2f}",
            f"{-row.fees:.2f}", f"{row.net:.2f}", style=style,
        )  # fmt: skip
    console.print(table)


def run_demo() -> None:
    """Offline: BTC, ETH, SOL, a stablecoin and a dust coin on the fake, planned and opened."""
    from threecommas_hedge.testing import FakeThreeCommas

    from .session import add_demo_bag

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


def _settings(
    ratio: str, min_value: str, tp_percent: str | None, sl_percent: str | None, leverage: int,
    exclude: list[str] | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "ratio": _decimal("--ratio", ratio),
        "min_value": _decimal("--min-value", min_value),
        "take_profit_percent": None if tp_percent is None else _decimal("--tp-percent", tp_percent),
        "stop_loss_percent": None if sl_percent is None else _decimal("--sl-percent", sl_percent),
        "leverage": leverage,
        "exclude": tuple(exclude or ()),
    }


def _decimal(flag: str, text: str) -> Decimal:
    try:
        return parse_decimal(text)
    except typer.BadParameter as error:
        raise flag_error(flag, str(error)) from None


def _plan_offline(path: Path, price: list[str] | None, settings: dict[str, Any]) -> PortfolioPlan:
    from threecommas_hedge.hedge.portfolio import plan_portfolio

    prices: dict[str, Decimal] = {}
    for item in price or ():
        pair, sign, value = item.partition("=")
        if not sign or not pair.strip():
            raise flag_error("--price", f"PAIR=PRICE expected (got {item!r})")
        prices[pair.strip()] = _decimal("--price", value)
    return plan_portfolio(
        _balances(path), spot_account_id=1, futures_account_id=1, listed_pairs=prices,
        prices=prices, **settings,
    )  # fmt: skip


def _accounts(
    spot_account: int | None, futures_account: int | None, action: str
) -> tuple[int, int]:
    if spot_account is None or futures_account is None:
        missing = "--spot-account" if spot_account is None else "--futures-account"
        where = "" if action != "plan" else " (or a balances file)"
        raise flag_error(missing, f"portfolio {action} needs both account ids{where}")
    return spot_account, futures_account


def _show_result(console: Console, result: PortfolioResult, tag: str, mode: str) -> None:
    def names(trades: dict[str, Any]) -> str:
        return ", ".join(f"{asset} (#{trade.id})" for asset, trade in sorted(trades.items()))

    console.print(f"Opened ({mode}): {names(result.opened) or 'none'}")
    console.print(f"Already open: {names(result.existing) or 'none'}")
    for asset, error in sorted(result.failed.items()):
        console.print(f"Failed: {asset}: {error}")
    console.print(f"Plan tag: {tag} (see `threecommas-hedge portfolio status --tag {tag}`)")


def _show_status(console: Console, status: PortfolioStatus) -> None:
    table = Table(
        "coin", "trade", "pair", "stage", "open short", "spot PnL", "short PnL", "net",
        title=f"Portfolio {status.tag}",
    )  # fmt: skip
    for leg in status.legs:
        pnl = leg.hedge_pnl
        cells = ("-", "-", "-") if pnl is None else (pnl.spot_pnl, pnl.hedge_pnl, pnl.net)
        table.add_row(
            leg.asset, str(leg.trade.id), leg.trade.pair, leg.status.stage,
            str(leg.status.open_quantity), *(_money(cell) for cell in cells),
        )  # fmt: skip
    table.add_row(
        "TOTAL", "", "", "", "", _money(status.spot_pnl), _money(status.short_pnl),
        _money(status.pnl), style="bold",
    )  # fmt: skip
    console.print(table)
    console.print(f"Combined PnL (spot + shorts): {_money(status.pnl)}")


def _money(value: Decimal | str) -> str:
    return value if isinstance(value, str) else f"{value:.2f}"


def _status_json(status: PortfolioStatus) -> dict[str, Any]:
    return {
        "tag": status.tag,
        "pnl": str(status.pnl),
        "spot_pnl": str(status.spot_pnl),
        "short_pnl": str(status.short_pnl),
        "legs": [
            {
                "asset": leg.asset,
                "trade_id": leg.trade.id,
                "pair": leg.trade.pair,
                "stage": leg.status.stage,
                "open_quantity": str(leg.status.open_quantity),
                "fees": str(leg.hedge_pnl.fees if leg.hedge_pnl is not None else 0),
                "pnl": str(leg.pnl),
            }
            for leg in status.legs
        ],
    }


def portfolio(
    action: Annotated[str, typer.Argument(help="plan, open, status or close")],
    balances: Annotated[
        Path | None,
        typer.Argument(help="plan offline from this balances JSON or CSV file", exists=True),
    ] = None,
    spot_account: Annotated[
        int | None, typer.Option("--spot-account", help="spot account id (plan, open)", min=1)
    ] = None,
    futures_account: Annotated[
        int | None,
        typer.Option("--futures-account", help="futures account id (plan, open)", min=1),
    ] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="the plan's tag (status, close)")] = None,
    price: Annotated[
        list[str] | None, typer.Option("--price", help="PAIR=PRICE, repeatable (offline plan)")
    ] = None,
    ratio: Annotated[str, typer.Option(help="hedge ratio for every coin")] = "0.5",
    min_value: Annotated[str, typer.Option(help="quote value below which a coin is dust")] = "0",
    tp_percent: Annotated[
        str | None, typer.Option("--tp-percent", help="take profit, percent from entry (-8)")
    ] = None,
    sl_percent: Annotated[
        str | None, typer.Option("--sl-percent", help="stop loss, percent from entry (3)")
    ] = None,
    leverage: Annotated[int, typer.Option(help="leverage of every short", min=1)] = 1,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="coin never hedged, repeatable")
    ] = None,
    fake: FakeOption = False,
    base_url: BaseUrlOption = None,
    real: RealOption = False,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Plan, open, follow or close one Smart Short per coin of a spot account."""
    if action not in ACTIONS:
        raise CliError(f"portfolio {action}: unknown action (use one of {', '.join(ACTIONS)})")
    settings = _settings(ratio, min_value, tp_percent, sl_percent, leverage, exclude)
    if action == "plan" and balances is not None:
        show_plan(make_console(), _plan_offline(balances, price, settings))
        return
    if action in ("plan", "open"):
        accounts = _accounts(spot_account, futures_account, action)
    elif not tag:
        raise flag_error("--tag", f"portfolio {action} needs the plan's tag (printed by open)")
    from .manage import SessionFlags, _confirm_real, _mode_line, _session

    with _session(SessionFlags(fake, base_url, real, as_json, yes)) as (session, _):
        client = session.client
        console = make_console()
        if action in ("plan", "open"):
            plan = _live_plan(session, accounts, settings)
            if action == "plan" or not as_json:
                show_plan(console, plan)
            if action == "plan":
                return
            what = f"Open {len(plan.legs)} Smart Shorts on account {accounts[1]}"
            _confirm_real(session, what, yes)
            _open(session, plan, as_json, _mode_line(session))
        elif action == "status":
            status = client.portfolio.status(tag or "")
            if as_json:
                typer.echo(json.dumps(_status_json(status), indent=2))
            else:
                _show_status(console, status)
        else:
            _confirm_real(session, f"Close every open leg of plan {tag} at market", yes)
            closed = client.portfolio.close(tag or "")
            names = ", ".join(f"{a} (#{t.id})" for a, t in sorted(closed.items()))
            console.print(f"Closed ({_mode_line(session)}): {names or 'nothing was open'}")


def _live_plan(session: Session, accounts: tuple[int, int], settings: dict[str, Any]) -> Any:
    """The plan from the accounts; an account of the other mode is named (add/drop --real)."""
    from threecommas_hedge._exceptions import NotFoundError

    from .manage import _other_mode_account

    try:
        return session.client.portfolio.plan(*accounts, **settings)
    except NotFoundError:
        for account_id in accounts:
            hint = _other_mode_account(session, account_id)
            if hint is not None:
                raise CliError(hint, EXIT_USAGE) from None
        raise


def _open(session: Session, plan: PortfolioPlan, as_json: bool, mode: str) -> None:
    result = session.client.portfolio.open(plan)
    if as_json:
        typer.echo(json.dumps({
            "tag": plan.tag,
            "opened": {asset: trade.id for asset, trade in result.opened.items()},
            "existing": {asset: trade.id for asset, trade in result.existing.items()},
            "failed": {asset: str(error) for asset, error in result.failed.items()},
        }, indent=2))  # fmt: skip
    else:
        _show_result(make_console(), result, plan.tag, mode)
    if result.failed:
        raise CliError(f"{len(result.failed)} leg(s) failed: re-run open to retry", EXIT_FAILURE)
