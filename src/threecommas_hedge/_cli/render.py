"""Rich views of a hedge plan: the review before "Create trade", the payload, scenario tables.

Every view fits an 80-column terminal: tables have no vertical borders and wrap long text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from threecommas_hedge.hedge._costs import DEFAULT_FEES
from threecommas_hedge.hedge._summary import mmr_text
from threecommas_hedge.hedge.scenario import FUNDING_NOTE, RiskReward, ScenarioRow

from . import fmt
from .planning import NO_ACCOUNT_NOTE, HedgePlan

_STATUS = {
    "open": "open",
    "partly_closed": "part closed",
    "trailing": "trailing",
    "take_profit": "closed",
    "stopped": "stopped",
    "liquidated": "liquidated",
}
_HUNDRED = Decimal(100)


def review(plan: HedgePlan) -> RenderableType:
    """What to check before "Create trade": direction, entry, size, TP, SL, estimated PnL and
    risk/reward, liquidation."""
    s = plan.summary
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    account = f"account {s.account_id}" if plan.account_given else "account not given"
    grid.add_row("Direction", f"Short (Smart Short) on {s.pair}, {account}")
    grid.add_row("Spot", f"{fmt.number(s.spot_quantity)} {s.asset} at {fmt.price(s.spot_price)}")
    entry_note = {"market": "now, at the price given", "limit": "limit order"}.get(
        s.entry_type, "when the price reaches the trigger"
    )
    grid.add_row("Entry", f"{s.entry_type.capitalize()} at {fmt.price(s.entry)} ({entry_note})")
    grid.add_row(
        "Size",
        f"{fmt.number(s.quantity)} {s.asset} short, {fmt.percent(s.ratio * _HUNDRED, signed=False)}"
        f" of the holding (notional {fmt.price(s.notional)})",
    )
    grid.add_row("Leverage", f"{s.leverage}x {s.margin}")
    grid.add_row("Margin", margin_text(plan))
    if not s.take_profits:
        grid.add_row("Take profit", "none")
    for number, tp in enumerate(s.take_profits, start=1):
        trailing = "" if tp.trailing_percent is None else f", trailing {tp.trailing_percent}%"
        label = "Take profit" if len(s.take_profits) == 1 else f"Take profit {number}"
        grid.add_row(
            label,
            f"{fmt.price(tp.price)} for {fmt.number(tp.volume)}% "
            f"({fmt.percent(tp.distance_percent)}), {tp.order_type}{trailing}",
        )
    if s.stop_loss is None:
        grid.add_row("Stop loss", "none (the hedge can run to liquidation)")
    else:
        sl = s.stop_loss
        trailing = ", trailing" if sl.trailing else ""
        grid.add_row(
            "Stop loss",
            f"{fmt.price(sl.price)} ({fmt.percent(sl.distance_percent)}), "
            f"conditional {sl.order_type}{trailing}",
        )
    if s.breakeven:
        grid.add_row("Breakeven", "SL moves to the entry when TP 1 fills")
    _estimates(grid, plan)
    grid.add_row("Liquidation", _liquidation(plan))
    return grid


def _estimates(grid: Table, plan: HedgePlan) -> None:
    """Estimated PnL of the hedge leg at TP and SL, the combined result, risk/reward."""
    bare, costed = plan.risk, plan.risk_with_fees
    grid.add_row("Fees", fee_schedule_text(plan))
    if bare.reward is not None and costed.reward is not None:
        grid.add_row(
            "PnL at TP",
            f"hedge {fmt.money(bare.reward)} ({fmt.money(costed.reward)} after fees)",
        )
    if bare.risk is not None and costed.risk is not None:
        grid.add_row(
            "PnL at SL",
            f"hedge {fmt.money(-bare.risk)} ({fmt.money(-costed.risk)} after fees)",
        )
    grid.add_row("Risk/reward", _ratio(bare, costed))
    breakeven = breakeven_text(plan)
    if breakeven is not None:
        grid.add_row("Net zero at", breakeven)


def fee_schedule_text(plan: HedgePlan) -> str:
    """The fee schedule the estimates assume: maker and taker, and whether it is the default."""
    c = plan.costs
    default = (c.maker_fee_rate, c.taker_fee_rate) == (DEFAULT_FEES.maker, DEFAULT_FEES.taker)
    text = f"maker {fmt.rate(c.maker_fee_rate)}, taker {fmt.rate(c.taker_fee_rate)}" + (
        " (the default schedule)" if default else ""
    )
    for name, rate in (("entry", c.entry_fee_rate), ("exits", c.exit_fee_rate)):
        if rate is not None:
            text += f"; {name} {fmt.rate(rate)} (override)"
    return text


def margin_text(plan: HedgePlan) -> str:
    """The initial margin the short ties up and, with a wallet balance, what it leaves free."""
    s = plan.summary
    margin = s.notional / Decimal(s.leverage)
    text = f"{fmt.money(margin).lstrip('+')} initial margin (notional / {s.leverage}x)"
    wallet = plan.bare.wallet_balance
    if wallet is not None:
        free = wallet - margin
        text += f"; leaves {fmt.money(free).lstrip('+')} of {fmt.money(wallet).lstrip('+')} free"
    return text


def breakeven_text(plan: HedgePlan) -> str | None:
    """Where spot + hedge net zero: with fees, and with fees and funding when funding is set
    (the same two figures, labelled alike, wherever a breakeven is shown)."""
    fees_only, with_costs = plan.breakeven_with_fees, plan.breakeven_with_costs
    if fees_only is None:
        return None
    text = f"{fmt.price(fees_only)} with fees"
    if plan.costs.funding_rate and with_costs is not None:
        days = fmt.number(plan.costs.days)
        text += f"; {fmt.price(with_costs)} with fees and {days} days of funding"
    return text + " (spot + hedge)"


def _ratio(bare: RiskReward, costed: RiskReward) -> str:
    if bare.ratio is None or costed.ratio is None:
        return "needs a take profit and a stop loss"
    return f"1 : {bare.ratio:.2f} ({costed.ratio:.2f} after fees)"


def _liquidation(plan: HedgePlan) -> str:
    s = plan.summary
    if s.margin == "cross":
        lp = plan.bare.liquidation_price()
        if lp is None:
            return "none with the wallet balance given"
        move = (lp - s.entry) / s.entry * _HUNDRED
        return f"~{fmt.price(lp)} ({fmt.percent(move)}; cross, wallet balance given)"
    # the scenario's price: it uses --wallet-balance when given, as the JSON and the rows do
    lp = plan.bare.liquidation_price()
    if lp is None:
        return "none (this short cannot be liquidated)"
    distance = (lp - s.entry) / s.entry * _HUNDRED
    return (
        f"~{fmt.price(lp)} ({fmt.percent(distance)} from entry; "
        f"{mmr_text(s.maintenance_margin_rate)})"
    )


def payload(plan: HedgePlan) -> RenderableType:
    """The ``POST /v2/smart_trades`` body, as sent (decimals as strings); without
    ``--account-id`` its ``account_id`` is null, with a note saying so."""
    text = Text(json.dumps(plan.payload_document(), indent=2), no_wrap=False, overflow="fold")
    if plan.account_given:
        return text
    return Group(text, Text(NO_ACCOUNT_NOTE, style="dim"))


def scenario_table(plan: HedgePlan) -> Table:
    """Spot, hedge and net at the default price grid, before and after costs."""
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        title="Scenarios (price moves straight from the entry)",
        title_justify="left",
    )
    net_with_costs = f"Net* {fmt.number(plan.costs.days)}d"  # with the holding period assumed
    for header in ("Price", "Move", "Spot", "Hedge", "Net", net_with_costs):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("At", overflow="fold")
    entry = plan.summary.entry
    for bare, costed in plan.rows():
        move = (bare.price - entry) / entry * _HUNDRED
        table.add_row(
            fmt.price(bare.price),
            f"{move:+.1f}%",
            fmt.whole(bare.spot_pnl),
            fmt.whole(bare.hedge_pnl),
            _net(bare.net, whole=True),
            _net(costed.net, whole=True),
            _status(costed),
        )
    return table


def _status(row: ScenarioRow) -> str:
    label = row.label.replace("liquidation", "liq.")
    return "; ".join(filter(None, (label, _STATUS[row.status])))


def _net(value: Decimal, *, whole: bool = False) -> Text:
    text = fmt.whole(value) if whole else fmt.money(value)
    return Text(text, style="green" if value >= 0 else "red")


@dataclass(frozen=True)
class Outcome:
    """Both legs at one price: spot, hedge (gross), fees paid, funding received, net."""

    spot: Decimal
    hedge: Decimal
    fees: Decimal
    funding: Decimal
    net: Decimal


def outcome_table(title: str, bare: Outcome, costed: Outcome, *, days: Decimal) -> Table:
    """One price outcome as the article's Spot / Hedge / Net lines, with the costed column
    (funding over ``days``, the holding period it assumes)."""
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        title=title,
        title_justify="left",
        title_style="bold",
    )
    table.add_column("", no_wrap=True)
    table.add_column("No fees, no funding", justify="right", no_wrap=True)
    table.add_column(f"With fees + {fmt.number(days)} d funding*", justify="right", no_wrap=True)
    table.add_row("Spot", fmt.money(bare.spot), fmt.money(costed.spot))
    table.add_row("Hedge", fmt.money(bare.hedge), fmt.money(costed.hedge))
    table.add_row("Fees", "", fmt.money(-costed.fees))
    table.add_row("Funding", "", fmt.money(costed.funding))
    table.add_row("Net", _net(bare.net), _net(costed.net), style="bold")
    return table


def costs_note(plan: HedgePlan) -> Text:
    """The cost assumptions and the funding caveat (``*`` in the tables)."""
    c = plan.costs
    funding = plan.costed.funding_estimate
    overrides = "".join(
        f"; {name} {fmt.rate(rate)} (override)"
        for name, rate in (("entry", c.entry_fee_rate), ("every exit", c.exit_fee_rate))
        if rate is not None
    )
    note = Text(
        f"* Estimate: fees by order type, taker {fmt.rate(c.taker_fee_rate)} (market entry, stop "
        f"loss, trailing close, the open part) and maker {fmt.rate(c.maker_fee_rate)} (limit "
        f"entry, limit take profits){overrides}; funding {fmt.rate(c.funding_rate)} every "
        f"{fmt.number(c.funding_hours)}h for {fmt.number(c.days)} days on the notional at entry "
        f"({fmt.price(plan.summary.notional)}): {fmt.money(funding)} for the short. "
        f"{FUNDING_NOTE} Rates change; pass --maker-fee, --taker-fee, --funding-rate, --days.",
        style="dim",
    )
    note.append(f"\n{funding_what_if(plan)}")
    return note


FUNDING_WHAT_IF = Decimal("0.0001")
"""The funding rate per 8 h the plan shows both ways (0.01 %, Binance's usual baseline)."""


def funding_what_if(plan: HedgePlan) -> str:
    """What +/- 0.01 % per 8 h over the plan's holding period would do to the short."""
    what_if = plan.costed.model_copy(
        update={"funding_rate": FUNDING_WHAT_IF, "funding_interval_hours": Decimal(8)}
    ).funding_estimate
    return (
        f"At +/-{fmt.rate(FUNDING_WHAT_IF)} per 8h for {fmt.number(plan.costs.days)} days the "
        f"short would receive {fmt.money(what_if)} / pay {fmt.money(-what_if)}."
    )


def warnings(plan: HedgePlan) -> RenderableType:
    """The scenario's warnings that are not already in the review, one per line."""
    lines = [
        Text(f"! {text}", style="yellow")
        for text in plan.costed.warnings()
        if text != FUNDING_NOTE and "leverage brackets" not in text
    ]
    return Group(*lines)
