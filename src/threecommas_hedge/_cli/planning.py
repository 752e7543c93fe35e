"""From the hedge flags to a checked plan: builder, payload, summary and the two scenarios.

The builder does every check; its :class:`~threecommas_hedge.HedgeValidationError` is turned into
a usage error naming the flag that caused it (``--tp=61000: ...``, ``--sl: ...``). The scenario
comes in two views: ``bare`` (no fees, no funding: the article's figures) and ``costed`` (the fee
and funding estimate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.hedge.builder import HedgeBuilder, HedgeSummary, SpotPosition
from threecommas_hedge.hedge.liquidation import Exchange, LeverageBracket
from threecommas_hedge.hedge.scenario import HedgeScenario, RiskReward, ScenarioRow
from threecommas_hedge.models.smart_trade_params import SmartTradeCreate

from .console import flag_error
from .options import HedgeFlags

PLACEHOLDER_ACCOUNT_ID = 1
"""The account id the request model checks when ``--account-id`` is not given; never shown."""

NO_ACCOUNT_NOTE = "account_id is null: pass --account-id (your futures account's id) to send it"

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Costs:
    """Fee and funding assumptions, as rates (0.0005 = 0.05 %).

    Fees go by order type (maker for resting limits, taker for market fills); ``entry_fee_rate``
    and ``exit_fee_rate``, when set, override the entry's and every exit's.
    """

    maker_fee_rate: Decimal
    taker_fee_rate: Decimal
    entry_fee_rate: Decimal | None
    exit_fee_rate: Decimal | None
    funding_rate: Decimal
    funding_hours: Decimal
    days: Decimal


@dataclass(frozen=True)
class LiquidationModel:
    """How the liquidation price is estimated: the market's brackets (empty: the conservative
    ``1/(2L)``), the exchange's formula and the buffer a stop loss keeps from it (a fraction)."""

    brackets: tuple[LeverageBracket, ...] = ()
    exchange: Exchange = "binance"
    buffer: Decimal = Decimal("0.01")


@dataclass(frozen=True)
class HedgePlan:
    """A checked hedge: what the builder decided, the body to send, and its scenarios."""

    summary: HedgeSummary
    payload: SmartTradeCreate
    bare: HedgeScenario
    costed: HedgeScenario
    costs: Costs
    account_given: bool

    def payload_document(self) -> dict[str, Any]:
        """The body as shown to people: ``account_id`` is null when ``--account-id`` was not
        given (the id in ``payload`` is then only there to let the request model check it)."""
        document = self.payload.model_dump(mode="json", exclude_none=True)
        if not self.account_given:
            document["account_id"] = None
        return document

    @property
    def breakeven_with_fees(self) -> Decimal | None:
        """Where spot + hedge net zero counting the fees only (no funding)."""
        return self.costed.model_copy(update={"funding_rate": Decimal(0)}).breakeven_price()

    @property
    def breakeven_with_costs(self) -> Decimal | None:
        """Where spot + hedge net zero counting the fees and the funding over the holding days."""
        return self.costed.breakeven_price()

    @property
    def risk(self) -> RiskReward:
        """Reward at the take profits and risk at the stop, before fees and funding."""
        return self.bare.risk_reward()

    @property
    def risk_with_fees(self) -> RiskReward:
        """The same with the entry and exit fees."""
        return self.costed.risk_reward()

    def at(self, price: Decimal) -> tuple[ScenarioRow, ScenarioRow]:
        """The bare and the costed row at ``price``."""
        return self.bare.at(price), self.costed.at(price)

    def rows(self) -> list[tuple[ScenarioRow, ScenarioRow]]:
        """Bare and costed rows at the default grid of prices (TP, SL, breakeven, +-5/10/20 %)."""
        return [(self.bare.at(row.price), row) for row in self.costed.table()]


def pair_of(flags: HedgeFlags) -> str:
    """The futures pair of the hedge: ``--pair``, else the asset's USDT-M perpetual."""
    return flags.pair or f"USDT_{flags.asset.strip().upper()}USDT"


def builder_from_flags(flags: HedgeFlags) -> HedgeBuilder:
    """The builder for the flags; raises :class:`CliError` naming the flag at fault."""
    _check_flags(flags)
    if flags.price is None:
        raise flag_error("--price", "give the current price of the asset (needed offline)")
    with flag_errors(flags):
        asset = flags.asset.strip().upper()
        spot = SpotPosition(asset=asset, quantity=flags.spot_qty, price=flags.price)
        builder = HedgeBuilder(
            spot, account_id=flags.account_id or PLACEHOLDER_ACCOUNT_ID, pair=pair_of(flags)
        )
        model = liquidation_of(flags)
        builder = builder.hedge(
            flags.ratio, quantity=flags.hedge_qty, allow_over_hedge=flags.over_hedge
        ).leverage(
            flags.leverage,
            flags.margin,
            brackets=model.brackets or None,
            liquidation_buffer=model.buffer,
            exchange=model.exchange,
        )
        if flags.entry == "limit" and flags.entry_price is not None:
            builder = builder.limit_entry(flags.entry_price)
        elif flags.entry == "conditional" and flags.entry_price is not None:
            builder = builder.conditional_entry(flags.entry_price)
        for target in flags.tp:
            builder = builder.take_profit(price=target.level, volume=target.volume)
        for target in flags.tp_percent:
            builder = builder.take_profit(percent=target.level, volume=target.volume)
        if flags.trailing_tp is not None:
            builder = builder.trailing_take_profit(flags.trailing_tp)
        if flags.sl is not None or flags.sl_percent is not None:
            builder = builder.stop_loss(
                price=flags.sl, percent=flags.sl_percent, trailing=flags.trailing_sl
            )
        if flags.breakeven:
            builder = builder.move_to_breakeven()
        if flags.note is not None:
            builder = builder.note(flags.note)
        builder.summary()
    return builder


def plan_from_flags(flags: HedgeFlags) -> HedgePlan:
    """Check the flags, build the payload and both scenarios."""
    builder = builder_from_flags(flags)
    costs = Costs(
        maker_fee_rate=flags.maker_fee / _HUNDRED,
        taker_fee_rate=flags.taker_fee / _HUNDRED,
        entry_fee_rate=_rate(flags.entry_fee),
        exit_fee_rate=_rate(flags.exit_fee),
        funding_rate=flags.funding_rate / _HUNDRED,
        funding_hours=flags.funding_hours,
        days=flags.days,
    )
    return plan_from_builder(
        builder,
        costs,
        wallet_balance=flags.wallet_balance,
        account_given=flags.account_id is not None,
        liquidation=liquidation_of(flags),
    )


def liquidation_of(flags: HedgeFlags) -> LiquidationModel:
    """The liquidation model of ``--mmr``, ``--exchange`` and ``--liquidation-buffer``."""
    if not 0 <= flags.liquidation_buffer < _HUNDRED:
        raise flag_error(
            "--liquidation-buffer",
            f"a % of the entry from 0 to below 100 (got {flags.liquidation_buffer})",
        )
    floors = [bracket.floor for bracket in flags.mmr]
    if flags.mmr and (min(floors) != 0 or len(set(floors)) != len(floors)):
        raise flag_error("--mmr", "one rate per floor, and the lowest bracket starts at 0")
    for bracket in flags.mmr:
        if not 0 <= bracket.rate < _HUNDRED or bracket.floor < 0:
            raise flag_error(
                f"--mmr={bracket.text}", "a rate in % from 0 to below 100 from a floor >= 0"
            )
    brackets = LeverageBracket.ladder((b.floor, b.rate / _HUNDRED) for b in flags.mmr)
    return LiquidationModel(brackets, flags.exchange, flags.liquidation_buffer / _HUNDRED)


def plan_from_builder(
    builder: HedgeBuilder,
    costs: Costs,
    *,
    wallet_balance: Decimal | None = None,
    account_given: bool = True,
    liquidation: LiquidationModel = LiquidationModel(),
) -> HedgePlan:
    """The plan of an already checked builder under ``costs``; ``liquidation`` must be the
    builder's own model (its scenarios estimate the liquidation price with it)."""
    summary = builder.summary()
    payload = builder.build()
    bare = HedgeScenario.from_payload(
        builder.spot,
        payload,
        entry_price=summary.entry,
        wallet_balance=wallet_balance,
        brackets=liquidation.brackets,
        exchange=liquidation.exchange,
        liquidation_buffer=liquidation.buffer,
    )
    costed = bare.model_copy(
        update={
            "maker_fee_rate": costs.maker_fee_rate,
            "taker_fee_rate": costs.taker_fee_rate,
            "entry_fee_rate": costs.entry_fee_rate,
            "exit_fee_rate": costs.exit_fee_rate,
            "funding_rate": costs.funding_rate,
            "funding_interval_hours": costs.funding_hours,
            "holding_days": costs.days,
        }
    )
    return HedgePlan(summary, payload, bare, costed, costs, account_given)


def _rate(percent: Decimal | None) -> Decimal | None:
    return None if percent is None else percent / _HUNDRED


def _check_flags(flags: HedgeFlags) -> None:
    """Rules between flags that the builder cannot see, or would word for Python callers."""
    if (flags.ratio is None) == (flags.hedge_qty is None):
        raise flag_error(
            "--ratio/--hedge-qty",
            "give exactly one: the share of the holding to hedge, or the quantity to short",
        )
    if flags.trailing_tp is not None and not (flags.tp or flags.tp_percent):
        raise flag_error("--trailing-tp", "needs --tp or --tp-percent (it trails the last one)")
    if flags.entry == "market" and flags.entry_price is not None:
        raise flag_error("--entry-price", "only with --entry limit or --entry conditional")
    if flags.entry != "market" and flags.entry_price is None:
        raise flag_error("--entry-price", f"needed with --entry {flags.entry}")
    if flags.trailing_sl and flags.sl is None and flags.sl_percent is None:
        raise flag_error("--trailing-sl", "needs --sl or --sl-percent")
    fees = (
        ("--maker-fee", flags.maker_fee),
        ("--taker-fee", flags.taker_fee),
        ("--entry-fee", flags.entry_fee),
        ("--exit-fee", flags.exit_fee),
    )
    for flag, rate in fees:
        if rate is not None and not 0 <= rate < _HUNDRED:
            raise flag_error(flag, f"a fee rate in % from 0 to below 100 (got {rate})")
    if flags.funding_hours <= 0:
        raise flag_error("--funding-hours", f"must be positive (got {flags.funding_hours})")
    if flags.days < 0:
        raise flag_error("--days", f"must not be negative (got {flags.days})")
    if flags.wallet_balance is not None and flags.wallet_balance < 0:
        raise flag_error("--wallet-balance", "must not be negative")
    if flags.margin == "cross" and flags.wallet_balance is None:
        raise flag_error(
            "--wallet-balance",
            "cross margin needs the futures wallet balance to estimate liquidation",
        )


@contextmanager
def flag_errors(flags: HedgeFlags) -> Iterator[None]:
    """Turn a ``HedgeValidationError`` raised in the block into a usage error naming the flag."""
    name = flag_namer(flags)
    try:
        yield
    except HedgeValidationError as error:
        rule = error.rule.replace("pass allow_over_hedge=True", "pass --over-hedge")
        raise flag_error(name(error.field), rule) from None


def flag_namer(flags: HedgeFlags) -> Callable[[str], str]:
    """A function naming the flag behind a builder field (``take_profit[1].price`` -> the
    second take-profit flag as typed, ``stop_loss.price`` -> ``--sl`` or ``--sl-percent``)."""
    steps = [f"--tp={target.text}" for target in flags.tp] + [
        f"--tp-percent={target.text}" for target in flags.tp_percent
    ]
    size = _given(("--ratio", flags.ratio), ("--hedge-qty", flags.hedge_qty))
    stop = _given(("--sl", flags.sl), ("--sl-percent", flags.sl_percent))
    fixed = {
        "spot": "--spot-qty",
        "spot.asset": "--asset",
        "spot.quantity": "--spot-qty",
        "spot.price": "--price",
        "account_id": "--account-id",
        "pair": "--pair",
        "hedge": size,
        "leverage": "--leverage",
        "leverage.margin": "--margin",
        "leverage.brackets": "--mmr",
        "leverage.exchange": "--exchange",
        "leverage.liquidation_buffer": "--liquidation-buffer",
        "limit_entry": "--entry-price",
        "conditional_entry": "--entry-price",
        "take_profit": "--tp/--tp-percent",
        "trailing_take_profit": "--trailing-tp",
        "stop_loss": stop,
        "move_to_breakeven": "--breakeven",
        "note": "--note",
        "rules": "--ratio/--hedge-qty",
    }

    def name(field: str) -> str:
        head = field.split(".", 1)[0]
        if head.startswith("take_profit[") and head.endswith("]"):
            index = int(head[len("take_profit[") : -1])
            return steps[index] if index < len(steps) else "--tp/--tp-percent"
        if field in fixed:
            return fixed[field]
        return fixed.get(head, field)

    return name


def _given(*options: tuple[str, Decimal | None]) -> str:
    """The one flag of a group that was given, else all of them joined by ``/``."""
    given = [flag for flag, value in options if value is not None]
    return given[0] if len(given) == 1 else "/".join(flag for flag, _ in options)
