"""``keep``: keep a spot account hedged (the keeper, see ``threecommas_hedge.keeper``).

``keep --spot-account ID --futures-account ID [policy flags]`` ticks every ``--interval`` seconds
until Ctrl-C or SIGTERM (the tick in progress finishes first); ``--once`` runs one tick,
``--dry-run`` decides and journals without sending a write. Each tick prints a table on a
terminal, else one line per action (``--log-format json``: a JSON object). ``keep status``
reads the journal only: the last ticks, the open hedges with their targets and what the keeper
does next. Paper unless ``--real`` (asks first unless ``--yes``); the policy flags also come from
the config file's profiles, like every option. ``--fake`` without the account ids keeps the fake's
demo spot bag hedged on its futures account and prints their ids.
"""

from __future__ import annotations

from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich import box
from rich.table import Table

from .console import EXIT_USAGE, CliError, flag_error, make_console
from .options import parse_decimal

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from threecommas_hedge.keeper import KeeperPolicy, SqliteJournal, TickReport

    from .session import Session

__all__ = ["keep"]

Action = Literal["run", "status"]
LogFormat = Literal["text", "json"]
Rearm = Literal["never", "cooldown", "immediately"]
_FLAGS = {  # a KeeperPolicy field -> its flag, where the names differ
    "spot_account_id": "spot-account",
    "futures_account_id": "futures-account",
    "take_profit_percent": "tp-percent",
    "stop_loss_percent": "sl-percent",
    "cooldown_seconds": "cooldown",
}
_POLICY = "Policy"
_RUN = "Running"


def _decimal_option(flag: str, help_text: str, panel: str = _POLICY) -> Any:
    return typer.Option(
        flag, parser=parse_decimal, help=help_text, rich_help_panel=panel, show_default=False
    )


def keep(
    action: Annotated[
        Action,
        typer.Argument(help="`run` (the default): keep hedging; `status`: read the journal."),
    ] = "run",
    spot_account: Annotated[
        int | None,
        typer.Option("--spot-account", min=1, metavar="ID", help="Spot account holding the bag."),
    ] = None,
    futures_account: Annotated[
        int | None,
        typer.Option(
            "--futures-account", min=1, metavar="ID", help="Futures account the shorts go on."
        ),
    ] = None,
    ratio: Annotated[
        Decimal, _decimal_option("--ratio", "Hedge this fraction of each coin (0.5 = half).")
    ] = Decimal("0.5"),
    ratios: Annotated[
        list[str] | None,
        typer.Option(
            "--ratios",
            metavar="ASSET=RATIO",
            help="A coin's own ratio (repeatable; 0 leaves it unhedged).",
            rich_help_panel=_POLICY,
            show_default=False,
        ),
    ] = None,
    band: Annotated[
        Decimal,
        _decimal_option("--band", "Act only when a hedge is off its target by this share of it."),
    ] = Decimal("0.1"),
    tp_percent: Annotated[
        Decimal | None,
        _decimal_option("--tp-percent", "Take profit as % from the entry, negative (-8)."),
    ] = None,
    sl_percent: Annotated[
        Decimal | None, _decimal_option("--sl-percent", "Stop loss as % above the entry (3).")
    ] = None,
    leverage: Annotated[
        int,
        typer.Option("--leverage", min=1, help="Leverage of the shorts.", rich_help_panel=_POLICY),
    ] = 1,
    rearm: Annotated[
        Rearm,
        typer.Option(
            "--rearm", help="After a TP or SL exit, hedge again:", rich_help_panel=_POLICY
        ),
    ] = "cooldown",
    cooldown: Annotated[
        int,
        typer.Option(
            "--cooldown",
            min=0,
            metavar="SECONDS",
            help="With --rearm cooldown: wait this long after the exit.",
            rich_help_panel=_POLICY,
        ),
    ] = 3600,
    min_value: Annotated[
        Decimal, _decimal_option("--min-value", "Coins worth less (quote) are not hedged.")
    ] = Decimal(10),
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="ASSET",
            help="Never hedge this coin (repeatable).",
            rich_help_panel=_POLICY,
            show_default=False,
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run one tick and stop.", rich_help_panel=_RUN)
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Decide and journal, send no write.", rich_help_panel=_RUN),
    ] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            min=1,
            metavar="SECONDS",
            help="Seconds between ticks.",
            rich_help_panel=_RUN,
        ),
    ] = 60.0,
    journal: Annotated[
        Path,
        typer.Option(
            "--journal", dir_okay=False, metavar="PATH", help="The keeper's SQLite journal."
        ),
    ] = Path("keeper.sqlite"),
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format", help="One line per action: text or json (json: never a table)."
        ),
    ] = "text",
    fake: Annotated[
        bool, typer.Option("--fake", help="Run against an embedded fake 3Commas (offline).")
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="THREECOMMAS_BASE_URL",
            help="API root, e.g. the URL `threecommas-hedge fake-server` prints.",
            show_default=False,
        ),
    ] = None,
    real: Annotated[
        bool, typer.Option("--real", help="Real mode: trade real money (asks first unless --yes).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Keep a spot account hedged: follow the bag, re-arm after exits, survive restarts."""
    from threecommas_hedge.keeper import SqliteJournal

    if action == "status":
        if not journal.is_file():
            raise flag_error("--journal", f"{journal} does not exist (run `keep` first)")
        with closing(SqliteJournal(journal)) as book:
            _status(make_console(), book)
        return
    # with --fake, neither: the fake's accounts (printed)
    if (spot_account is None or futures_account is None) and not (
        fake and spot_account is None and futures_account is None
    ):
        raise flag_error("--spot-account/--futures-account", "both are needed to keep hedging")

    def policy(spot: int, futures: int) -> KeeperPolicy:
        return _policy(
            spot, futures, ratio, ratios, band, tp_percent, sl_percent, leverage, rearm,
            cooldown, min_value, exclude, dry_run,
        )  # fmt: skip

    accounts = (spot_account, futures_account)
    _run(policy, accounts, journal, once, interval, log_format, fake, base_url, real, yes)


def _policy(
    spot: int,
    futures: int,
    ratio: Decimal,
    ratios: list[str] | None,
    band: Decimal,
    tp_percent: Decimal | None,
    sl_percent: Decimal | None,
    leverage: int,
    rearm: Rearm,
    cooldown: int,
    min_value: Decimal,
    exclude: list[str] | None,
    dry_run: bool,
) -> KeeperPolicy:
    from threecommas_hedge._exceptions import HedgeValidationError
    from threecommas_hedge.keeper import KeeperPolicy

    overrides: dict[str, Decimal] = {}
    for item in ratios or ():
        asset, sep, value = item.partition("=")
        if not sep or not asset.strip():
            raise flag_error("--ratios", f"ASSET=RATIO, got {item!r}")
        overrides[asset.strip().upper()] = parse_decimal(value.strip())
    try:
        return KeeperPolicy(
            spot_account_id=spot, futures_account_id=futures, ratio=ratio, ratios=overrides,
            band=band, take_profit_percent=tp_percent, stop_loss_percent=sl_percent,
            leverage=leverage, rearm=rearm, cooldown_seconds=cooldown, min_value=min_value,
            exclude=tuple(a.upper() for a in exclude or ()), dry_run=dry_run,
        )  # fmt: skip
    except HedgeValidationError as error:
        name = error.field.split(".")[0]
        flag = _FLAGS.get(name, name.replace("_", "-"))
        raise CliError(f"--{flag}: {error}", EXIT_USAGE) from None


def _run(
    make_policy: Callable[[int, int], KeeperPolicy],
    accounts: tuple[int | None, int | None],
    journal: Path,
    once: bool,
    interval: float,
    log_format: LogFormat,
    fake: bool,
    base_url: str | None,
    real: bool,
    yes: bool,
) -> None:
    from threecommas_hedge.keeper import Keeper, SqliteJournal

    from .manage import SessionFlags, _confirm_real, _session

    console = make_console()
    spot, futures = accounts
    # the flags are checked before connecting when the ids are known
    known = make_policy(spot, futures) if spot is not None and futures is not None else None
    flags = SessionFlags(fake=fake, base_url=base_url, real=real, as_json=False, yes=yes)
    with _session(flags) as (session, _), closing(SqliteJournal(journal)) as book:
        policy = known or make_policy(*_fake_accounts(session))
        if not policy.dry_run:
            _confirm_real(session, f"Keep account {policy.spot_account_id} hedged", yes)
        keeper = Keeper(session.client, policy, journal=book, log_format=log_format)
        mode = f"{session.target.mode} mode{', dry run' if policy.dry_run else ''}"

        def show(report: TickReport) -> None:
            _show(console, report, log_format, f"{mode}, {session.where}")

        if once:
            show(keeper.run_once())
        else:
            keeper.run(interval, on_tick=show)


def _fake_accounts(session: Session) -> tuple[int, int]:
    """``--fake`` without account ids: the fake's first spot account (the demo bag) and first
    futures account, printed (on stderr) for the next run."""
    first: dict[str, int] = {}
    for account in session.client.accounts.list():
        kind = "futures" if "futures" in (account.market_code or "") else "spot"
        first.setdefault(kind, account.id)
    spot, futures = first.get("spot"), first.get("futures")
    if spot is None or futures is None:
        flag = "--spot-account" if spot is None else "--futures-account"
        raise flag_error(flag, "the fake has no such account: pass the id")
    make_console(stderr=True).print(
        f"Fake 3Commas: --spot-account {spot} --futures-account {futures}"
    )
    return spot, futures


def _show(console: Console, report: TickReport, log_format: LogFormat, where: str) -> None:
    """A table on a terminal (text format), else one line per action."""
    from threecommas_hedge.keeper import log_line

    if console.is_terminal and log_format == "text":
        console.print(_tick_table(report, where))
        return
    for action, outcome in zip(report.actions, report.outcomes, strict=True):
        line = log_line(action, outcome, log_format, report.errors.get(action.asset))
        console.print(line, soft_wrap=True, markup=False, highlight=False)


def _tick_table(report: TickReport, where: str) -> Table:
    table = Table(title=f"Tick {report.tick_id}", caption=where, box=box.SIMPLE_HEAD)
    for column in ("Coin", "Action", "Target", "Trade", "Outcome", "Why"):
        table.add_column(column, justify="right" if column in ("Target", "Trade") else "left")
    for action, outcome in zip(report.actions, report.outcomes, strict=True):
        why = report.errors.get(action.asset) or action.detail
        table.add_row(
            action.asset,
            action.kind,
            "-" if action.quantity is None else f"{action.quantity.normalize():f}",
            str(report.opened.get(action.asset, action.trade_id or "-")),
            outcome,
            why,
        )
    return table


def _status(console: Console, book: SqliteJournal) -> None:
    """The last ticks, the open hedges with their targets, and the next planned actions."""
    from datetime import datetime, timezone

    def when(moment: float | None) -> str:
        if moment is None:
            return "-"
        return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")

    ticks = Table(title="Last ticks", box=box.SIMPLE_HEAD)
    for column in ("Tick", "Started", "Dry run", "Error"):
        ticks.add_column(column)
    for tick in book.ticks(5):
        ticks.add_row(
            str(tick.id), when(tick.started_at), "yes" if tick.dry_run else "", tick.error or ""
        )
    console.print(ticks)
    decisions = book.last_decisions()
    targets = {row.asset: row.quantity for row in decisions}
    hedges = Table(title="Open hedges", box=box.SIMPLE_HEAD)
    for column in ("Coin", "Trade", "Target"):
        hedges.add_column(column)
    for asset, trade_id in sorted(book.hedges().items()):
        target = targets.get(asset)
        hedges.add_row(asset, str(trade_id), "-" if target is None else f"{target.normalize():f}")
    console.print(hedges)
    planned = Table(title="Next planned action (bag and market as at the last tick)")
    planned.box = box.SIMPLE_HEAD
    for column in ("Coin", "Next", "Last tick", "Why"):
        planned.add_column(column)
    for row in decisions:
        planned.add_row(
            row.asset, _next(row.kind, row.outcome), f"{row.kind} {row.outcome}", row.detail
        )
    console.print(planned)
    open_writes = book.unsettled()
    if open_writes:
        tags = ", ".join(f"{w.kind} {w.asset} ({w.outcome})" for w in open_writes)
        console.print(f"Writes to reconcile on the next tick: {tags}")


def _next(kind: str, outcome: str) -> str:
    """What the next tick does for a coin, from its last decision and that write's outcome."""
    if outcome == "ok":
        return "skip (done last tick)"
    if outcome in ("pending", "unknown"):
        return "reconcile by client tag"
    return kind  # decided, failed or dry run: decided again the same way
