"""The hedge flags of ``plan``, ``create`` and ``replay``, their parsers, and option decorators.

Percent flags are in percent as people write them: ``--entry-fee 0.05`` is 0.05 %, ``--tp-percent
-8`` is 8 % below the entry. Decimals are parsed as ``Decimal`` (never float) and a bad one is a
usage error naming its flag.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from threecommas_hedge.hedge._costs import DEFAULT_FEES

EntryChoice = Literal["market", "limit", "conditional"]
MarginChoice = Literal["isolated", "cross"]
ExchangeChoice = Literal["binance", "bybit"]

DEFAULT_MAKER_FEE = (DEFAULT_FEES.maker * 100).normalize()
DEFAULT_TAKER_FEE = (DEFAULT_FEES.taker * 100).normalize()
DEFAULT_FUNDING_RATE = Decimal(0)
DEFAULT_FUNDING_HOURS = Decimal(8)
DEFAULT_DAYS = Decimal(7)
DEFAULT_LIQUIDATION_BUFFER = Decimal(1)
"""Cost defaults: the library's default fee schedule in % (``DEFAULT_FEES``, the one the fake
charges: Binance USDT-M default tier), no funding assumed (the output shows what +/- 0.01 % per
8 h would do), held one week."""

REQUIRED = inspect.Parameter.empty
"""The default of a flag that must be given."""


def parse_decimal(text: str | Decimal) -> Decimal:
    """A finite decimal from the command line; anything else is a ``BadParameter``."""
    if isinstance(text, Decimal):  # a default value
        return text
    try:
        value = Decimal(text.strip().replace("_", ""))
    except (InvalidOperation, AttributeError):
        raise typer.BadParameter(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise typer.BadParameter(f"{text!r} is not a finite number")
    from threecommas_hedge.models._types import decimal_bound_error  # the library's bounds

    bound = decimal_bound_error(value)
    if bound is not None:
        raise typer.BadParameter(f"{_shown(text)} {bound}")
    return value


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(f"{text[:37]}...")


@dataclass(frozen=True)
class TargetOption:
    """A ``--tp``/``--tp-percent`` value: ``LEVEL[:VOLUME]`` as typed (``text``) and parsed."""

    level: Decimal
    volume: Decimal | None
    text: str


def parse_target(text: str) -> TargetOption:
    """``55000`` or ``55000:50`` (level, then the % of the position the step closes)."""
    level, separator, volume = text.partition(":")
    if separator and not volume.strip():
        raise typer.BadParameter(f"{text!r}: give a volume after ':' or leave the ':' out")
    try:
        return TargetOption(
            parse_decimal(level), parse_decimal(volume) if separator else None, text.strip()
        )
    except typer.BadParameter:
        raise typer.BadParameter(f"{text!r} is not LEVEL or LEVEL:VOLUME") from None


@dataclass(frozen=True)
class BracketOption:
    """A ``--mmr`` value: a maintenance-margin rate in % from a notional floor (0 if not given)."""

    floor: Decimal
    rate: Decimal
    text: str


def parse_bracket(text: str) -> BracketOption:
    """``0.4`` (0.4 % from notional 0) or ``250000:1`` (1 % from a notional of 250,000)."""
    floor, separator, rate = text.partition(":")
    try:
        if not separator:
            return BracketOption(Decimal(0), parse_decimal(floor), text.strip())
        return BracketOption(parse_decimal(floor), parse_decimal(rate), text.strip())
    except typer.BadParameter:
        raise typer.BadParameter(f"{text!r} is not RATE or FLOOR:RATE") from None


_HEDGE = "Hedge"
_EXITS = "Take profit and stop loss"
_COSTS = "Costs (estimates)"
_LIQUIDATION = "Liquidation"


def _option(
    name: str,
    annotation: Any,
    default: Any,
    flag: str,
    help_text: str,
    panel: str,
    **extra: Any,
) -> inspect.Parameter:
    option = typer.Option(
        flag,
        help=help_text,
        rich_help_panel=panel,
        show_default=default not in (None, REQUIRED),
        **extra,
    )
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[annotation, option],
    )


def _decimal(name: str, default: Any, flag: str, help_text: str, panel: str) -> inspect.Parameter:
    """A decimal flag; ``default=REQUIRED`` makes it required, ``None`` optional."""
    annotation = Decimal | None if default is None else Decimal
    return _option(
        name,
        annotation,
        default,
        flag,
        help_text,
        panel,
        parser=parse_decimal,
        metavar="NUMBER",
    )


@dataclass(frozen=True)
class HedgeFlags:
    """Every hedge flag as typed (``None``: not given)."""

    asset: str
    spot_qty: Decimal
    price: Decimal | None
    ratio: Decimal | None
    hedge_qty: Decimal | None
    over_hedge: bool
    leverage: int
    margin: MarginChoice
    wallet_balance: Decimal | None
    entry: EntryChoice
    entry_price: Decimal | None
    tp: list[TargetOption]
    tp_percent: list[TargetOption]
    trailing_tp: Decimal | None
    sl: Decimal | None
    sl_percent: Decimal | None
    trailing_sl: bool
    breakeven: bool
    maker_fee: Decimal
    taker_fee: Decimal
    entry_fee: Decimal | None
    exit_fee: Decimal | None
    funding_rate: Decimal
    funding_hours: Decimal
    days: Decimal
    account_id: int | None
    pair: str | None
    note: str | None
    liquidation_buffer: Decimal
    exchange: ExchangeChoice
    mmr: list[BracketOption]


HEDGE_PARAMETERS: tuple[inspect.Parameter, ...] = (
    _option("asset", str, "BTC", "--asset", "Asset held on spot (the base currency).", _HEDGE),
    _decimal("spot_qty", REQUIRED, "--spot-qty", "Quantity held on spot.", _HEDGE),
    _decimal(
        "price",
        None,
        "--price",
        "Current price (spot value, market entry); required offline, `create` reads the "
        "market's last price when it is left out.",
        _HEDGE,
    ),
    _decimal("ratio", None, "--ratio", "Hedge this fraction of the holding (0.5 = half).", _HEDGE),
    _decimal("hedge_qty", None, "--hedge-qty", "Or short this quantity of the asset.", _HEDGE),
    _option(
        "over_hedge", bool, False, "--over-hedge", "Allow a short larger than the holding.", _HEDGE
    ),
    _option("leverage", int, 1, "--leverage", "Integer leverage of the short.", _HEDGE, min=1),
    _option("margin", MarginChoice, "isolated", "--margin", "Margin type.", _HEDGE),
    _decimal(
        "wallet_balance",
        None,
        "--wallet-balance",
        "Futures wallet balance behind the short (needed with --margin cross).",
        _HEDGE,
    ),
    _option("entry", EntryChoice, "market", "--entry", "How the short enters.", _HEDGE),
    _decimal(
        "entry_price",
        None,
        "--entry-price",
        "Limit price (--entry limit) or trigger (--entry conditional).",
        _HEDGE,
    ),
    _option(
        "tp",
        list[TargetOption] | None,
        None,
        "--tp",
        "Take-profit price, optionally :VOLUME in % of the position (repeatable).",
        _EXITS,
        parser=parse_target,
        metavar="PRICE[:VOLUME]",
    ),
    _option(
        "tp_percent",
        list[TargetOption] | None,
        None,
        "--tp-percent",
        "Take profit as % from the entry, negative for a short (-8), optionally :VOLUME.",
        _EXITS,
        parser=parse_target,
        metavar="PCT[:VOLUME]",
    ),
    _decimal("trailing_tp", None, "--trailing-tp", "Trail the last take profit by this %.", _EXITS),
    _decimal("sl", None, "--sl", "Stop-loss price (above the entry).", _EXITS),
    _decimal("sl_percent", None, "--sl-percent", "Or stop loss as % above the entry (3).", _EXITS),
    _option(
        "trailing_sl",
        bool,
        False,
        "--trailing-sl",
        "Trail the stop loss down with the price.",
        _EXITS,
    ),
    _option(
        "breakeven",
        bool,
        False,
        "--breakeven",
        "Move the stop loss to the entry once the first take profit fills.",
        _EXITS,
    ),
    _decimal(
        "maker_fee",
        DEFAULT_MAKER_FEE,
        "--maker-fee",
        "Fee rate of resting limit fills (limit entry, limit take profits), in %.",
        _COSTS,
    ),
    _decimal(
        "taker_fee",
        DEFAULT_TAKER_FEE,
        "--taker-fee",
        "Fee rate of market fills (market entry, stop loss, trailing close), in %.",
        _COSTS,
    ),
    _decimal(
        "entry_fee", None, "--entry-fee", "Override: fee rate of the entry fill, in %.", _COSTS
    ),
    _decimal(
        "exit_fee", None, "--exit-fee", "Override: fee rate of every exit fill, in %.", _COSTS
    ),
    _decimal(
        "funding_rate",
        DEFAULT_FUNDING_RATE,
        "--funding-rate",
        "Funding rate per interval, in % (positive: the short receives it).",
        _COSTS,
    ),
    _decimal(
        "funding_hours",
        DEFAULT_FUNDING_HOURS,
        "--funding-hours",
        "Hours between funding payments.",
        _COSTS,
    ),
    _decimal("days", DEFAULT_DAYS, "--days", "Days the hedge is held (for funding).", _COSTS),
    _option(
        "account_id",
        int | None,
        None,
        "--account-id",
        "3Commas futures account id (from `accounts`).",
        _HEDGE,
        min=1,
    ),
    _option("pair", str | None, None, "--pair", "3Commas pair; default USDT_<ASSET>USDT.", _HEDGE),
    _option("note", str | None, None, "--note", "A note stored with the trade.", _HEDGE),
    _decimal(
        "liquidation_buffer",
        DEFAULT_LIQUIDATION_BUFFER,
        "--liquidation-buffer",
        "Refuse a stop loss less than this % of the entry before the liquidation price.",
        _LIQUIDATION,
    ),
    _option(
        "exchange",
        ExchangeChoice,
        "binance",
        "--exchange",
        "Liquidation formula of this exchange.",
        _LIQUIDATION,
    ),
    _option(
        "mmr",
        list[BracketOption] | None,
        None,
        "--mmr",
        "The market's maintenance-margin rate in %, or FLOOR:RATE per bracket (repeatable); "
        "default: the conservative 1/(2 x leverage).",
        _LIQUIDATION,
        parser=parse_bracket,
        metavar="[FLOOR:]RATE",
    ),
)


def with_flags(
    parameters: tuple[inspect.Parameter, ...], record: Callable[..., Any], keyword: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A decorator giving a command the options ``parameters`` after its own; it receives them
    as one ``record(**values)`` in its ``keyword`` argument. Decorators of this kind stack."""
    names = tuple(parameter.name for parameter in parameters)

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [
            parameter
            for parameter in inspect.signature(command, eval_str=True).parameters.values()
            if parameter.name != keyword
        ]

        @functools.wraps(command)
        def run(**kwargs: Any) -> None:
            values = {name: kwargs.pop(name) for name in names}
            command(**{keyword: record(**values)}, **kwargs)

        signature = inspect.Signature([*own, *parameters])
        run.__signature__ = signature  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
        return run

    return decorate


def _hedge_flags(**values: Any) -> HedgeFlags:
    for repeatable in ("tp", "tp_percent", "mmr"):
        values[repeatable] = values[repeatable] or []
    return HedgeFlags(**values)


with_hedge_flags = with_flags(HEDGE_PARAMETERS, _hedge_flags, "flags")
"""Give a command every hedge flag after its own; it receives them as ``flags``."""


def plot_option(help_text: str) -> Any:
    """The ``--plot FILE`` option of a command, with its own help: ``Annotated[Path | None,
    plot_option("...")]``."""
    return typer.Option("--plot", help=help_text, metavar="FILE", dir_okay=False)


PlotOption = Annotated[
    Path | None, plot_option("Also write the payoff chart to this PNG file (needs matplotlib).")
]
CsvOption = Annotated[
    Path | None,
    typer.Option(
        "--csv",
        help="Also write the scenario table to this CSV file.",
        metavar="FILE",
        dir_okay=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document (decimals as strings).")
]
