"""The fake's exchange accounts and how they are written out (Account entity, leverage data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from threecommas_hedge.hedge._costs import DEFAULT_FEES, FeeSchedule
from threecommas_hedge.models._types import format_decimal

from ._clock import iso

__all__ = ["AccountKind", "AccountMode", "FakeAccount", "leverage_data", "render_account"]

AccountKind = Literal["spot", "futures"]
AccountMode = Literal["paper", "real"]

_MARKETS: dict[tuple[AccountKind, AccountMode], tuple[str, str]] = {
    ("spot", "real"): ("binance", "Binance Spot"),
    ("futures", "real"): ("binance_futures", "Binance Futures USDT-M"),
    ("spot", "paper"): ("paper_trading", "Binance Spot account simulator"),
    ("futures", "paper"): ("paper_trading_futures", "Binance Futures USDT-M account simulator"),
}


@dataclass
class FakeAccount:
    """One connected account: spot or futures, paper or real, with its fee schedule (maker for
    resting limit fills, taker for market and marketable ones)."""

    id: int
    kind: AccountKind
    mode: AccountMode
    name: str
    market_code: str
    exchange_name: str
    fees: FeeSchedule
    created_at: datetime
    smart_trading_supported: bool = True

    @classmethod
    def make(
        cls,
        account_id: int,
        kind: AccountKind,
        mode: AccountMode,
        *,
        created_at: datetime,
        name: str | None = None,
        market_code: str | None = None,
        exchange_name: str | None = None,
        commission: Decimal | None = None,
        fees: FeeSchedule | None = None,
        smart_trading_supported: bool = True,
    ) -> FakeAccount:
        """An account with the market names 3Commas uses for its kind and mode, unless given.

        ``fees`` defaults to :data:`~threecommas_hedge.hedge._costs.DEFAULT_FEES`; a
        ``commission`` rate instead charges that one rate on every fill."""
        if kind not in ("spot", "futures"):
            raise ValueError("kind must be 'spot' or 'futures'")
        if mode not in ("paper", "real"):
            raise ValueError("mode must be 'paper' or 'real'")
        if commission is not None and fees is not None:
            raise ValueError("give commission (one rate) or fees (maker and taker), not both")
        if commission is not None and commission < 0:
            raise ValueError("commission is a fee rate and cannot be negative")
        if commission is not None:
            fees = FeeSchedule(maker=commission, taker=commission)
        default_code, default_exchange = _MARKETS[(kind, mode)]
        label = "Paper Account" if mode == "paper" else "My"
        return cls(
            id=account_id,
            kind=kind,
            mode=mode,
            name=name or f"{label} {exchange_name or default_exchange} {account_id}",
            market_code=market_code or default_code,
            exchange_name=exchange_name or default_exchange,
            fees=fees or DEFAULT_FEES,
            created_at=created_at,
            smart_trading_supported=smart_trading_supported,
        )

    @property
    def commission(self) -> Decimal:
        """The one rate a trade reports as ``data.commission``: the taker rate (the rate of the
        market fills; resting limit fills are charged the lower maker rate)."""
        return self.fees.taker

    def summary(self) -> dict[str, Any]:
        """The ``account`` block inside a SmartTrade."""
        return {
            "id": self.id,
            "type": self.market_code,
            "name": self.name,
            "market": self.exchange_name,
            "link": f"/accounts/{self.id}",
        }


def render_account(
    account: FakeAccount, *, usd_amount: Decimal, updated_at: datetime
) -> dict[str, Any]:
    """The Account entity, with the keys of the official example."""
    zero = "0.0"
    usd = format_decimal(usd_amount)

    def money(amount: str) -> dict[str, str]:
        return {"currency": "USD", "amount": amount}

    return {
        "id": account.id,
        "auto_balance_period": 12,
        "auto_balance_portfolio_id": None,
        "auto_balance_portfolio": None,
        "auto_balance_currency_change_limit": None,
        "autobalance_enabled": False,
        "hedge_mode_available": account.kind == "futures",
        "hedge_mode_enabled": False,
        "is_locked": False,
        "smart_trading_supported": account.smart_trading_supported,
        "smart_selling_supported": account.smart_trading_supported,
        "available_for_trading": {},
        "stats_supported": True,
        "trading_supported": True,
        "market_buy_supported": True,
        "market_sell_supported": True,
        "conditional_buy_supported": True,
        "bots_allowed": True,
        "bots_ttp_allowed": True,
        "bots_tsl_allowed": True,
        "gordon_bots_available": True,
        "multi_bots_allowed": True,
        "created_at": iso(account.created_at),
        "updated_at": iso(updated_at),
        "last_auto_balance": None,
        "fast_convert_available": account.kind == "spot",
        "grid_bots_allowed": True,
        "api_key_invalid": False,
        "market_icon": "https://3commas.io/img/exchanges/binance.png",
        "deposit_enabled": account.mode == "paper",
        "include_in_summary": True,
        "supported_market_types": [account.kind],
        "primary_display_currency_profit_percentage": money(zero),
        "primary_display_currency_profit": money(zero),
        "day_profit_primary_display_currency_percentage": money(zero),
        "day_profit_primary_display_currency": money(zero),
        "primary_display_currency_amount": money(usd),
        "total_primary_display_currency_profit": money(zero),
        "available_include_in_summary": True,
        "name": account.name,
        "auto_balance_method": None,
        "auto_balance_error": None,
        "customer_id": None,
        "subaccount_name": None,
        "lock_reason": None,
        "btc_amount": zero,
        "usd_amount": usd,
        "day_profit_btc": zero,
        "day_profit_usd": zero,
        "day_profit_btc_percentage": zero,
        "day_profit_usd_percentage": zero,
        "btc_profit": zero,
        "usd_profit": zero,
        "usd_profit_percentage": zero,
        "btc_profit_percentage": zero,
        "total_btc_profit": zero,
        "total_usd_profit": zero,
        "pretty_display_type": account.exchange_name.replace(" ", ""),
        "exchange_name": account.exchange_name,
        "market_code": account.market_code,
        "api_keys_state": "ok",
    }


def leverage_data(kind: AccountKind, max_leverage: int | None) -> list[dict[str, Any]]:
    """Leverage types of a market: only ``none`` on spot; ``cross`` and ``isolated`` on futures."""
    entries: list[dict[str, Any]] = [
        {
            "code": "none",
            "name": "Not specified",
            "can_set_leverage_value": False,
            "max_leverage": None,
            "available_leverage_values": [],
            "valid": {},
        }
    ]
    if kind == "spot":
        return entries
    cap = None if max_leverage is None else f"{max_leverage}.0"
    for code, name in (("cross", "Cross"), ("isolated", "Isolated")):
        entries.append(
            {
                "code": code,
                "name": name,
                "can_set_leverage_value": True,
                "available_leverage_values": [],
                "max_leverage": cap,
                "valid": {"min": "1.0", "max": cap},
            }
        )
    return entries
