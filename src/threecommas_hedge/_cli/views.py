"""Rich views of what the API returns: SmartTrades (one or a list) and accounts."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from threecommas_hedge._writes.client_tag import without_client_tag
from threecommas_hedge.hedge.position import status_of
from threecommas_hedge.models import Account, SmartTrade

from . import fmt
from .buyback import unmanaged_quantity

_CLOSED_BY = {
    "take_profit": "take profit",
    "stop_loss": "stop loss",
    "market": "closed at market",
    "reduce_funds": "reduced",
    "cancelled": "cancelled",
    "failed": "failed",
}
_SIDE = {"sell": "short", "buy": "long"}


def _pair(pair: str) -> str:
    """``USDT_BTCUSDT`` -> ``BTCUSDT`` (the quote prefix repeats the market)."""
    return pair.split("_", 1)[1] if "_" in pair else pair


def _opt_price(value: Decimal | None) -> str:
    return "-" if value is None else fmt.price(value)


def _status(trade: SmartTrade, bought_back_by: int | None = None) -> str:
    status = status_of(trade)
    title = trade.status.title or trade.status.code or "?"
    if unmanaged_quantity(trade) > 0:
        if bought_back_by is not None:
            return f"{title} (open short bought back by SmartTrade {bought_back_by})"
        return f"{title}: position open, not managed (`close {trade.id}` buys it back)"
    if status.closed_by is not None:
        return f"{title} ({_CLOSED_BY[status.closed_by]})"
    return title


_SHORT_CLOSED_BY = {
    "take_profit": "TP hit",
    "stop_loss": "SL hit",
    "market": "closed at market",
    "reduce_funds": "reduced",
    "cancelled": "cancelled",
    "failed": "failed",
}


def _short_status(trade: SmartTrade) -> str:
    """The status in a few words, for one line of the list."""
    if unmanaged_quantity(trade) > 0:
        return "cancelled, short open"
    closed_by = status_of(trade).closed_by
    if closed_by is not None:
        return _SHORT_CLOSED_BY[closed_by]
    return trade.status.title or trade.status.code or "?"


def _profit(trade: SmartTrade) -> Text:
    value = trade.profit.usd
    if value is None:
        return Text("-")
    return Text(fmt.money(value), style="green" if value >= 0 else "red")


def trade_table(trades: Iterable[SmartTrade]) -> Table:
    """One line per SmartTrade: id, pair, status, signed quantity (negative: short), entry,
    the first take-profit level (``(of N)``: N steps in all), stop loss, profit; one line
    each within 80 columns."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("ID", no_wrap=True)
    table.add_column("Pair", no_wrap=True)
    table.add_column("Status", no_wrap=True, overflow="ellipsis", max_width=18)
    for header in ("Qty", "Entry", "TP 1", "SL", "Profit"):
        table.add_column(header, justify="right", no_wrap=True)
    for trade in trades:
        status = status_of(trade)
        tps = [price for price in status.take_profit_prices if price is not None]
        tp = fmt.price(tps[0]) + (f" (of {len(tps)})" if len(tps) > 1 else "") if tps else "-"
        units = trade.position.units.value
        sign = "-" if trade.position.type == "sell" else "+"
        size = "?" if units is None else f"{sign}{fmt.number(units)}"
        table.add_row(
            str(trade.id),
            _pair(trade.pair),
            _short_status(trade),
            size,
            _opt_price(status.average_entry or trade.position.price.value),
            tp,
            _opt_price(status.stop_loss_price),
            _profit(trade),
        )
    return table


def trade_view(trade: SmartTrade, bought_back_by: int | None = None) -> RenderableType:
    """Everything about one SmartTrade a hedger checks (``bought_back_by``: the buy-back that
    closed the short a cancel left open)."""
    status = status_of(trade)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    kind = trade.data.type or "smart trade"
    grid.add_row("SmartTrade", f"{trade.id} {trade.pair} ({kind})")
    account = trade.account
    grid.add_row("Account", f"{account.id} {account.name or ''} ({account.type or '?'})".strip())
    grid.add_row("Status", _status(trade, bought_back_by))
    side = _SIDE.get(trade.position.type or "", trade.position.type or "?")
    units = trade.position.units.value
    entry = status.average_entry or trade.position.price.value
    position = f"{side} {fmt.number(units) if units is not None else '?'}"
    position += f" ({trade.position.order_type or '?'} entry"
    position += f" at {fmt.price(entry)})" if entry is not None else ")"
    grid.add_row("Position", position)
    if status.closed_quantity:
        exit_price = f" at {fmt.price(status.average_exit)}" if status.average_exit else ""
        grid.add_row("Closed", f"{fmt.number(status.closed_quantity)}{exit_price}")
    steps = trade.take_profit.steps if trade.take_profit.enabled else []
    if not steps:
        grid.add_row("Take profit", "none")
    for number, step in enumerate(steps, start=1):
        level = (
            _opt_price(step.price.value)
            if step.price.value is not None
            else (f"{step.price.percent}% from entry")
        )
        state = step.status.title or step.status.code or "?"
        grid.add_row(
            "Take profit" if len(steps) == 1 else f"Take profit {number}",
            f"{level} for {fmt.number(step.volume or Decimal(100))}%, {step.order_type} ({state})",
        )
    stop = trade.stop_loss
    if stop.enabled:
        trailing = ", trailing" if stop.conditional.trailing.enabled else ""
        breakeven = ", breakeven" if stop.breakeven else ""
        state = stop.status.title or stop.status.code or "?"
        grid.add_row(
            "Stop loss",
            f"{_opt_price(status.stop_loss_price)}, conditional {stop.order_type or '?'}"
            f"{trailing}{breakeven} ({state})",
        )
    else:
        grid.add_row("Stop loss", "none")
    leverage = trade.leverage
    if leverage.enabled:
        value = fmt.number(leverage.value) if leverage.value is not None else "?"
        grid.add_row("Leverage", f"{value}x {leverage.type or ''}".strip())
    if trade.data.liquidation_price is not None:
        grid.add_row("Liquidation", f"~{fmt.price(trade.data.liquidation_price)}")
    if trade.profit.usd is not None:
        pct = f" ({trade.profit.percent}%)" if trade.profit.percent is not None else ""
        grid.add_row("Profit", Text(fmt.money(trade.profit.usd) + pct))
    note = without_client_tag(trade.note_text)
    if note:
        grid.add_row("Note", note)
    if trade.data.created_at is not None:
        grid.add_row("Created", trade.data.created_at.isoformat(timespec="seconds"))
    return grid


def accounts_table(accounts: Iterable[Account]) -> Table:
    """One line per connected account: id, kind, SmartTrade support, name and market."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("ID", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("SmartTrade", no_wrap=True)
    table.add_column("Name (market)", overflow="fold")
    for account in accounts:
        kind = ("paper " if account.is_paper else "real ") + (
            "futures" if account.is_futures else "spot"
        )
        market = account.market_code or account.exchange_name
        table.add_row(
            str(account.id),
            Text(kind, style="cyan" if account.is_paper else "bold red"),
            "yes" if account.smart_trading_supported else "no",
            f"{account.name or ''} ({market})" if market else account.name or "",
        )
    return table
