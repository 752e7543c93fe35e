"""Commands that talk to 3Commas: create, list, show, edit, close, cancel, accounts.

Each write says which mode it used. ``--real`` writes ask for confirmation unless ``--yes``.
``edit`` and ``close`` go through a ``Hedge`` (``client.hedges.get``): the edit or close is checked
against the trade fetched, before the confirmation and before anything is sent.
"""

from __future__ import annotations

import inspect
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console

from threecommas_hedge._exceptions import (
    APIStatusError,
    HedgeValidationError,
    NotFoundError,
    ThreeCommasError,
)
from threecommas_hedge._guard import ModeMismatchError
from threecommas_hedge.hedge.position import (
    DEFAULT_MAX_ENTRY_DRIFT,
    EntryDrift,
    check_close,
    status_of,
)
from threecommas_hedge.models import Account, CurrencyRates, SmartTrade
from threecommas_hedge.resources.smart_trades import ListStatus

from . import fmt, render, views
from .buyback import buy_back_body, find_buy_back, unmanaged_quantity
from .console import EXIT_FAILURE, EXIT_USAGE, CliError, flag_error, make_console, waiting
from .options import HedgeFlags, JsonOption, parse_decimal, with_flags, with_hedge_flags
from .planning import builder_from_flags, pair_of, plan_from_flags
from .session import (
    BaseUrlOption,
    Connection,
    FakeOption,
    RealOption,
    RealReadOption,
    Session,
    YesOption,
    connect,
    other_mode,
)

TradeId = Annotated[int, typer.Argument(help="SmartTrade id (see `list`).", min=1)]


@dataclass(frozen=True)
class SessionFlags:
    """Where a command goes (``--fake``, ``--base-url``, ``--real``), whether it may skip the
    confirmation (``--yes``, writes only) and ``--json``."""

    fake: bool
    base_url: str | None
    real: bool
    as_json: bool
    yes: bool = False


def _keyword(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


_WHERE = (_keyword("fake", FakeOption, False), _keyword("base_url", BaseUrlOption, None))
_JSON = _keyword("as_json", JsonOption, False)
with_read_session = with_flags(
    (*_WHERE, _keyword("real", RealReadOption, False), _JSON), SessionFlags, "cli"
)
"""The options of a command that only reads: received as ``cli``."""
with_write_session = with_flags(
    (*_WHERE, _keyword("real", RealOption, False), _keyword("yes", YesOption, False), _JSON),
    SessionFlags,
    "cli",
)
"""The options of a command that writes (``--yes`` too): received as ``cli``."""


@contextmanager
def _session(cli: SessionFlags, trade_id: int | None = None) -> Iterator[tuple[Session, Console]]:
    """A session whose mode refusals name the real cause: an account or trade of the other
    mode (``--real`` given or missing) rather than a bare 404 or "not among the accounts"."""
    target = Connection(fake=cli.fake, base_url=cli.base_url, real=cli.real)
    with connect(target) as session:
        try:
            yield session, make_console(stderr=True)
        except ModeMismatchError as error:
            if error.account_id is None:
                raise
            hint = _other_mode_account(session, error.account_id)
            if hint is None:
                raise
            raise CliError(hint, EXIT_USAGE) from None
        except NotFoundError:
            hint = None if trade_id is None else _other_mode_trade(session, trade_id)
            if hint is None:
                raise
            raise CliError(hint, EXIT_USAGE) from None


def _mode_fix(session: Session) -> str:
    return "drop --real" if session.target.real else "add --real"


def _other_mode_account(session: Session, account_id: int) -> str | None:
    """Why a write to ``account_id`` was refused, when it is an account of the other mode."""
    with other_mode(session) as client:
        try:
            found = any(account.id == account_id for account in client.accounts.list())
        except ThreeCommasError:
            return None
    if not found:
        return None
    kind = "real" if session.target.real is False else "paper"
    return f"account {account_id} is a {kind} account; {_mode_fix(session)}"


def _other_mode_trade(session: Session, trade_id: int) -> str | None:
    """Why SmartTrade ``trade_id`` was not found, when it is a trade of the other mode."""
    with other_mode(session) as client:
        try:
            client.smart_trades.get(trade_id)
        except ThreeCommasError:
            return None
    kind = "real" if session.target.real is False else "paper"
    return f"SmartTrade {trade_id} is a {kind}-mode trade; {_mode_fix(session)}"


def _confirm_real(session: Session, action: str, yes: bool) -> None:
    """Ask before a real-money write; declining exits 1 with nothing sent."""
    if not session.target.real or yes:
        return
    question = f"{action} in REAL mode (real money) on {session.where}?"
    if not typer.confirm(question, default=False, err=True):
        raise CliError("not confirmed: nothing was sent", EXIT_FAILURE)


def _print_trade(trade: SmartTrade, as_json: bool, headline: str | None = None) -> None:
    if as_json:
        typer.echo(json.dumps(trade.model_dump(mode="json", exclude_none=True), indent=2))
        return
    console = make_console()
    if headline:
        console.print(headline)
    console.print(views.trade_view(trade))


def _mode_line(session: Session) -> str:
    return f"{session.target.mode} mode, {session.where}"


MaxDriftOption = Annotated[
    Decimal,
    typer.Option(
        "--max-drift",
        help="Refuse a market entry when the live price is more than this % from --price.",
        metavar="PERCENT",
        parser=parse_decimal,
    ),
]


@with_hedge_flags
@with_write_session
def create(
    max_drift: MaxDriftOption = DEFAULT_MAX_ENTRY_DRIFT * 100,
    *,
    cli: SessionFlags,
    flags: HedgeFlags,
) -> None:
    """Create the hedge (a Smart Short) on your futures account: paper unless --real.

    Shows the review first. Without --account-id, the one futures account of the mode is used.
    A market entry at a given --price is refused when the live price has moved beyond
    --max-drift from it (its take profit and stop loss would be off).
    """
    if max_drift < 0:
        raise flag_error("--max-drift", f"must not be negative (got {max_drift})")
    if flags.price is not None:
        plan_from_flags(flags)  # every flag checked before any request
    with _session(cli) as (session, status):
        if flags.account_id is None:
            flags = replace(flags, account_id=_pick_account(session, status))
        source = None
        if flags.price is None:
            price, source = _market_price(session, status, flags)
            flags = replace(flags, price=price)
        else:
            if session.fake is not None and session.fake.price(pair_of(flags)) is None:
                session.fake.set_price(pair_of(flags), flags.price)  # a market to start from
            _check_drift(session, status, flags, max_drift / 100)
        plan = plan_from_flags(flags)
        account_id = plan.summary.account_id
        if not cli.as_json:
            console = make_console()
            if source is not None:
                console.print(f"Price        {fmt.price(plan.summary.spot_price)} ({source})")
            console.print(render.review(plan))
            console.print(render.warnings(plan))
        _confirm_real(session, f"Create this hedge on account {account_id}", cli.yes)
        with waiting(status, "Creating the SmartTrade..."):
            trade = session.client.smart_trades.create(plan.payload)
        _print_trade(
            trade,
            cli.as_json,
            f"\n[bold green]Created[/] SmartTrade {trade.id} ({_mode_line(session)})",
        )


def _check_drift(session: Session, status: Console, flags: HedgeFlags, tolerance: Decimal) -> None:
    """Refuse a market entry whose live price (bid, else last) is beyond ``tolerance`` from
    --price: the rule ``client.hedges.open`` applies (``EntryDrift``), nothing sent."""
    drift = EntryDrift.of(builder_from_flags(flags), tolerance)
    if drift is None:
        return
    rates, market = _rates(session, status, flags)
    live = None if rates is None else (rates.bid if rates.bid is not None else rates.last)
    if live is None or live <= 0:
        raise flag_error(
            "--price",
            f"3Commas gave no price for {pair_of(flags)} on {market} to check the entry against",
        )
    try:
        drift.check_market(live)
    except HedgeValidationError as error:
        raise flag_error("--price", error.rule.replace("max_entry_drift", "--max-drift")) from None


def _market_price(session: Session, status: Console, flags: HedgeFlags) -> tuple[Decimal, str]:
    """The pair's last price on the account's market, and where it came from."""
    rates, market = _rates(session, status, flags)
    price = None if rates is None else rates.last
    if price is None or price <= 0:
        raise flag_error(
            "--price", f"3Commas gave no price for {pair_of(flags)} on {market}; pass --price"
        )
    return price, f"last price on {market}"


def _rates(
    session: Session, status: Console, flags: HedgeFlags
) -> tuple[CurrencyRates | None, str]:
    """The pair's rates on the account's market (``None``: unknown there), and the market.

    The account is looked up in the mode's account list, as the mode guard does: an account of
    the other mode is refused as the guard would refuse the write, before any other request.
    """
    pair = pair_of(flags)
    account_id = flags.account_id
    assert account_id is not None
    with waiting(status, f"Fetching the price of {pair}..."):
        account = next((a for a in session.client.accounts.list() if a.id == account_id), None)
        if account is None:
            raise ModeMismatchError(
                f"refused a write to account {account_id}: it is not among the accounts this "
                "API key can see (GET /ver1/accounts)",
                account_id=account_id,
                mode="real" if session.target.real else "paper",
            )
        market = account.market_code or ""
        try:
            rates = session.client.market.currency_rates(pair, market) if market else None
        except APIStatusError as error:
            if not 400 <= error.status_code < 500:
                raise
            rates = None  # an unknown pair on that market
    return rates, market or "its market"


def _pick_account(session: Session, status: Console) -> int:
    """The one futures account that supports SmartTrades in the session's mode."""
    with waiting(status, "Looking up your futures account..."):
        accounts = list(session.client.accounts.list())
    paper = not session.target.real
    fits = [
        account
        for account in accounts
        if account.is_futures
        and account.is_paper == paper
        and account.smart_trading_supported is not False
    ]
    if len(fits) == 1:
        return fits[0].id
    kind = "paper" if paper else "real"
    found = ", ".join(f"{a.id} ({a.name or a.market_code})" for a in fits) or "none"
    raise flag_error(
        "--account-id",
        f"not given, and {len(fits)} {kind} futures accounts support SmartTrades: {found}",
    )


@with_read_session
def list_trades(
    status_filter: Annotated[
        ListStatus, typer.Option("--status", help="Which SmartTrades to list.")
    ] = "active",
    pair: Annotated[str | None, typer.Option("--pair", help="Only this pair.")] = None,
    account_id: Annotated[
        int | None, typer.Option("--account-id", help="Only this account.", min=1)
    ] = None,
    all_types: Annotated[
        bool, typer.Option("--all-types", help="Every SmartTrade, not only Smart Shorts.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.", min=1)] = 20,
    *,
    cli: SessionFlags,
) -> None:
    """List your hedges (Smart Shorts), newest first."""
    with (
        _session(cli) as (session, status),
        waiting(status, "Fetching SmartTrades..."),
    ):
        listing = session.client.smart_trades.list(
            account_id=account_id,
            pair=pair,
            type=None if all_types else "smart_cover",
            status=status_filter,
            per_page=min(limit, 100),
        )
        trades = list(itertools.islice(listing, limit))
    if cli.as_json:
        documents = [trade.model_dump(mode="json", exclude_none=True) for trade in trades]
        typer.echo(json.dumps(documents, indent=2))
        return
    console = make_console()
    if not trades:
        console.print(f"No {status_filter} SmartTrades ({_mode_line(session)}).")
        return
    console.print(views.trade_table(trades))


@with_read_session
def show(
    trade_id: TradeId,
    *,
    cli: SessionFlags,
) -> None:
    """Show one SmartTrade: status, position, targets, liquidation, profit."""
    with (
        _session(cli, trade_id) as (session, status),
        waiting(status, f"Fetching SmartTrade {trade_id}..."),
    ):
        trade = session.client.smart_trades.get(trade_id)
        buy_back = find_buy_back(session.client, trade) if unmanaged_quantity(trade) else None
    if cli.as_json or buy_back is None:
        _print_trade(trade, cli.as_json)
    else:
        make_console().print(views.trade_view(trade, bought_back_by=buy_back.id))


@with_write_session
def edit(
    trade_id: TradeId,
    tp: Annotated[
        list[Decimal] | None,
        typer.Option(
            "--tp",
            parser=parse_decimal,
            metavar="PRICE",
            help="New take-profit price, one per working step in order (repeatable).",
        ),
    ] = None,
    tp_percent: Annotated[
        list[Decimal] | None,
        typer.Option(
            "--tp-percent",
            parser=parse_decimal,
            metavar="PCT",
            help="Or as % from the entry, negative for a short (repeatable).",
        ),
    ] = None,
    sl: Annotated[
        Decimal | None,
        typer.Option("--sl", parser=parse_decimal, metavar="PRICE", help="New stop-loss price."),
    ] = None,
    sl_percent: Annotated[
        Decimal | None,
        typer.Option(
            "--sl-percent", parser=parse_decimal, metavar="PCT", help="Or as % above the entry."
        ),
    ] = None,
    *,
    cli: SessionFlags,
) -> None:
    """Move the take profit and/or the stop loss of a hedge (checked before sending)."""
    if not (tp or tp_percent or sl is not None or sl_percent is not None):
        raise flag_error("--tp/--sl", "give a new take profit and/or stop loss")
    namer = _edit_flag_namer(bool(tp), sl is not None)
    levels: dict[str, Any] = {
        "take_profit": tp or None,
        "take_profit_percent": tp_percent or None,
        "stop_loss": sl,
        "stop_loss_percent": sl_percent,
    }
    with _session(cli, trade_id) as (session, status):
        with waiting(status, f"Fetching SmartTrade {trade_id}..."):
            hedge = session.client.hedges.get(trade_id)
        try:
            hedge.edit_body(**levels)
        except HedgeValidationError as error:
            raise flag_error(namer(error.field), error.rule) from None
        _confirm_real(session, f"Edit SmartTrade {trade_id}", cli.yes)
        with waiting(status, f"Editing SmartTrade {trade_id}..."):
            hedge.adjust(**levels)
    _print_trade(hedge.trade, cli.as_json, f"[bold green]Edited[/] ({_mode_line(session)})")


def _edit_flag_namer(tp_price: bool, sl_price: bool) -> Callable[[str], str]:
    def name(field: str) -> str:
        if field.startswith("take_profit"):
            return "--tp" if tp_price else "--tp-percent"
        if field.startswith("stop_loss"):
            return "--sl" if sl_price else "--sl-percent"
        return "edit"

    return name


@with_write_session
def close(
    trade_id: TradeId,
    *,
    cli: SessionFlags,
) -> None:
    """Close a hedge now at market (the short is bought back; your spot stays).

    A cancelled hedge whose short is still open is bought back with a market buy of the
    remaining units on the same account and pair (once: a second close finds it).
    """
    with _session(cli, trade_id) as (session, status):
        with waiting(status, f"Fetching SmartTrade {trade_id}..."):
            hedge = session.client.hedges.get(trade_id)
        if unmanaged_quantity(hedge.trade) > 0:
            _buy_back(session, status, hedge.trade, cli.yes, cli.as_json)
            return
        try:
            check_close(hedge.trade)
        except HedgeValidationError as error:
            raise CliError(f"close {trade_id}: {error.rule}", EXIT_USAGE) from None
        _confirm_real(session, f"Close SmartTrade {trade_id} at market", cli.yes)
        with waiting(status, f"Closing SmartTrade {trade_id}..."):
            hedge.close()
    _print_trade(hedge.trade, cli.as_json, f"[bold]Closing at market[/] ({_mode_line(session)})")


def _buy_back(
    session: Session, status: Console, trade: SmartTrade, yes: bool, as_json: bool
) -> None:
    """Buy back the short a cancel left open, unless that was done already."""
    with waiting(status, "Looking for an earlier buy-back..."):
        done = find_buy_back(session.client, trade)
    if done is not None:
        raise CliError(
            f"close {trade.id}: the open short was already bought back by SmartTrade {done.id}",
            EXIT_USAGE,
        )
    quantity = unmanaged_quantity(trade)
    body = buy_back_body(trade, quantity)
    if not as_json:
        make_console().print(
            f"SmartTrade {trade.id} is cancelled but its short of {fmt.number(quantity)} is "
            f"still open: buying it back at market on account {body.account_id}."
        )
    _confirm_real(session, f"Buy back {fmt.number(quantity)} {trade.pair} at market", yes)
    with waiting(status, "Buying back the open short..."):
        created = session.client.smart_trades.create(body)
    _print_trade(
        created,
        as_json,
        f"[bold]Bought back[/] with SmartTrade {created.id} ({_mode_line(session)})",
    )


@with_write_session
def cancel(
    trade_id: TradeId,
    *,
    cli: SessionFlags,
) -> None:
    """Cancel a SmartTrade (an entered short stays open, unmanaged: `close` buys it back).

    Cancelling a hedge whose short has entered asks first, even in paper mode, unless --yes.
    """
    with _session(cli, trade_id) as (session, status):
        with waiting(status, f"Fetching SmartTrade {trade_id}..."):
            before = session.client.smart_trades.get(trade_id)
        open_short = status_of(before).open_quantity if not before.is_terminal else Decimal(0)
        if open_short > 0 and not cli.yes:
            question = (
                f"SmartTrade {trade_id} has a short of {fmt.number(open_short)} open: cancelling "
                f"leaves it open on the exchange with no take profit or stop loss "
                f"(`threecommas-hedge close {trade_id}` buys it back instead). Cancel anyway?"
            )
            if not typer.confirm(question, default=False, err=True):
                raise CliError("not confirmed: nothing was sent", EXIT_FAILURE)
        else:
            _confirm_real(session, f"Cancel SmartTrade {trade_id}", cli.yes)
        with waiting(status, f"Cancelling SmartTrade {trade_id}..."):
            trade = session.client.smart_trades.cancel(trade_id)
    _print_trade(trade, cli.as_json, f"[bold]Cancelling[/] ({_mode_line(session)})")
    if open_short > 0 and not cli.as_json:
        make_console(stderr=True).print(
            f"The short of {fmt.number(open_short)} stays open, not managed: "
            f"`threecommas-hedge close {trade_id}` buys it back at market.",
            markup=False,
            soft_wrap=True,
        )


@with_read_session
def accounts(
    *,
    cli: SessionFlags,
) -> None:
    """List your connected exchange accounts (use a futures account id for `create`)."""
    with (
        _session(cli) as (session, status),
        waiting(status, "Fetching accounts..."),
    ):
        found: list[Account] = list(session.client.accounts.list())
    if cli.as_json:
        documents: list[dict[str, Any]] = [
            account.model_dump(mode="json", exclude_none=True) for account in found
        ]
        typer.echo(json.dumps(documents, indent=2))
        return
    make_console().print(views.accounts_table(found))
