"""The fake's account balances: ``account_table_data``, its summary, ``pie_chart_data``,
``load_balances`` and ``active_trading_entities`` in the official shapes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._accounts import render_account

if TYPE_CHECKING:
    from ._call import Call, Reply
    from ._state import FakeState

__all__ = [
    "STABLECOINS",
    "account_table_data",
    "active_trading_entities",
    "load_balances",
    "pie_chart_data",
    "summary_table_data",
    "usd_price",
]

STABLECOINS = frozenset({"USDT", "USDC", "BUSD", "TUSD", "DAI", "FDUSD", "USD"})
_HUNDRED = Decimal(100)


def usd_price(state: FakeState, code: str, given: Decimal | None) -> Decimal:
    """The coin's USD price: the one given, 1 for a stablecoin, else its USDT pair's (or 0)."""
    if given is not None:
        return given
    if code in STABLECOINS:
        return Decimal(1)
    return state.prices.get(f"USDT_{code}USDT", state.prices.get(f"USDT_{code}", Decimal(0)))


def _rows(state: FakeState, account_ids: list[int]) -> list[dict[str, Any]]:
    held: dict[str, tuple[Decimal, Decimal | None, int]] = {}
    for account_id in account_ids:
        for code, (amount, price) in state.balances.get(account_id, {}).items():
            before = held.get(code, (Decimal(0), price, account_id))[0]
            held[code] = (before + amount, price, account_id)
    btc_usd = usd_price(state, "BTC", None)
    values = {
        code: amount * usd_price(state, code, price) for code, (amount, price, _) in held.items()
    }
    total = sum(values.values(), Decimal(0))
    rows = []
    for code, (amount, price, account_id) in sorted(held.items()):
        usd = usd_price(state, code, price)
        btc_value = values[code] / btc_usd if btc_usd else Decimal(0)
        rows.append(
            {
                "currency_code": code,
                "currency_name": code,
                "currency_icon": None,
                "currency_slug": code.lower(),
                "percentage": str(values[code] * _HUNDRED / total) if total else "0",
                "position": str(amount),
                "position_available": str(amount),
                "position_type": 0,
                "borrowed": 0,
                "on_orders": 0,
                "on_orders_with_leverage": 0,
                "on_orders_long": 0,
                "on_orders_short": 0,
                "equity": str(amount),
                "current_price": str(usd / btc_usd) if btc_usd else "0",
                "current_price_usd": str(usd),
                "day_change_percent": 0,
                "day_change_percent_btc": 0,
                "day_change_percent_usd": 0,
                "btc_value": str(btc_value),
                "usd_value": str(values[code]),
                "available_long": str(amount),
                "available_short": 0,
                "available_with_leverage_long": str(amount),
                "available_with_leverage_short": 0,
                "account_id": account_id,
                "is_wallet": False,
            }
        )
    return rows


def account_table_data(state: FakeState, call: Call) -> Reply:
    """One row per coin held on the account."""
    account = state.account(call.ids["account_id"], call.mode)
    return 201, _rows(state, [account.id])


def summary_table_data(state: FakeState, call: Call) -> Reply:
    """The rows summed over every account of the caller's mode."""
    return 201, _rows(state, [account.id for account in state.visible_accounts(call.mode)])


def pie_chart_data(state: FakeState, call: Call) -> Reply:
    """One slice per coin: amount, values and share."""
    account = state.account(call.ids["account_id"], call.mode)
    return 201, [
        {
            "code": row["currency_code"],
            "coinmarketcapid": None,
            "name": row["currency_code"],
            "y": row["percentage"],
            "percentage": row["percentage"],
            "amount": row["position"],
            "btc_value": row["btc_value"],
            "usd_value": row["usd_value"],
            "account_id": account.id,
        }
        for row in _rows(state, [account.id])
    ]


def load_balances(state: FakeState, call: Call) -> Reply:
    """The Account entity (the fake's balances are always current)."""
    account = state.account(call.ids["account_id"], call.mode)
    usd = sum((Decimal(row["usd_value"]) for row in _rows(state, [account.id])), Decimal(0))
    return 201, render_account(account, usd_amount=usd, updated_at=state.clock.utcnow())


def active_trading_entities(state: FakeState, call: Call) -> Reply:
    """Counts of what runs on the account: only SmartTrades exist in the fake."""
    account = state.account(call.ids["account_id"], call.mode)
    active = sum(
        1
        for trade in state.trades.values()
        if trade.account.id == account.id and not trade.terminal
    )
    return 200, {
        "data": {
            "active_bots_count": 0,
            "active_deals_count": 0,
            "active_smart_trades_count": active,
            "active_orders_count": 0,
            "active_grid_bots_count": 0,
        }
    }
