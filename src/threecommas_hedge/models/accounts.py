"""Account entities: ``GET /ver1/accounts[/{id}]`` and the account's leverage data.

``Account.is_paper`` and ``Account.is_futures`` are the rules the write guard relies on; the
current docs define no boolean for either, so both are derived from server-given names only (never
from the user's own account label).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, Field, field_validator

from ._base import ApiDatetime, LeverageKind, ResponseModel, empty
from ._types import ApiId, ResponseDecimal

__all__ = [
    "Account",
    "ActiveTradingEntities",
    "Balance",
    "CurrencyAmount",
    "LeverageRange",
    "LeverageType",
    "PieChartSlice",
]

PAPER_MARKERS = ("paper", "simulator")
"""Substrings (any case) of ``market_code`` / ``exchange_name`` that mark the paper simulator."""
FUTURES_MARKER = "futures"
"""Case-insensitive substring of a market type or ``market_code`` that marks a futures account."""


class CurrencyAmount(ResponseModel):
    """``{currency, amount}``: a balance or profit in the user's display currency."""

    currency: str | None = None
    amount: ResponseDecimal | None = None


class Account(ResponseModel):
    """A connected exchange account or wallet, with capabilities, balances and profits."""

    id: ApiId
    name: str | None = Field(default=None, description="the user's label; never used for rules")
    exchange_name: str | None = None
    market_code: str | None = None
    market_icon: str | None = None
    pretty_display_type: str | None = None
    subaccount_name: str | None = None
    customer_id: str | None = None
    supported_market_types: list[str] = Field(default_factory=list)
    smart_trading_supported: bool | None = None
    smart_selling_supported: bool | None = None
    trading_supported: bool | None = None
    market_buy_supported: bool | None = None
    market_sell_supported: bool | None = None
    conditional_buy_supported: bool | None = None
    hedge_mode_available: bool | None = None
    hedge_mode_enabled: bool | None = None
    is_locked: bool | None = None
    lock_reason: str | None = None
    api_key_invalid: bool | None = None
    api_keys_state: str | None = None
    stats_supported: bool | None = None
    bots_allowed: bool | None = None
    bots_ttp_allowed: bool | None = None
    bots_tsl_allowed: bool | None = None
    multi_bots_allowed: bool | None = None
    grid_bots_allowed: bool | None = None
    fast_convert_available: bool | None = None
    deposit_enabled: bool | None = None
    available_include_in_summary: bool | None = None
    include_in_summary: bool | None = None
    autobalance_enabled: bool | None = None
    last_auto_balance: ApiDatetime | None = None
    btc_amount: ResponseDecimal | None = None
    usd_amount: ResponseDecimal | None = None
    day_profit_btc: ResponseDecimal | None = None
    day_profit_usd: ResponseDecimal | None = None
    day_profit_btc_percentage: ResponseDecimal | None = None
    day_profit_usd_percentage: ResponseDecimal | None = None
    btc_profit: ResponseDecimal | None = None
    usd_profit: ResponseDecimal | None = None
    btc_profit_percentage: ResponseDecimal | None = None
    usd_profit_percentage: ResponseDecimal | None = None
    total_btc_profit: ResponseDecimal | None = None
    total_usd_profit: ResponseDecimal | None = None
    primary_display_currency_amount: CurrencyAmount | None = None
    primary_display_currency_profit: CurrencyAmount | None = None
    primary_display_currency_profit_percentage: CurrencyAmount | None = None
    day_profit_primary_display_currency: CurrencyAmount | None = None
    day_profit_primary_display_currency_percentage: CurrencyAmount | None = None
    total_primary_display_currency_profit: CurrencyAmount | None = None
    created_at: ApiDatetime | None = None
    updated_at: ApiDatetime | None = None

    @property
    def is_paper(self) -> bool:
        """Paper simulator: ``market_code`` or ``exchange_name`` contains "paper" or "simulator".

        Covers ``market_code == "paper_trading"`` and names such as "Binance Spot account
        simulator". The user's own ``name`` is ignored: a real account labelled "paper" stays real.
        """
        names = (self.market_code or "", self.exchange_name or "")
        return any(marker in text.lower() for text in names for marker in PAPER_MARKERS)

    @property
    def is_futures(self) -> bool:
        """Futures: a ``supported_market_types`` entry or ``market_code`` contains "futures"."""
        kinds = (*self.supported_market_types, self.market_code or "")
        return any(FUTURES_MARKER in kind.lower() for kind in kinds)


class LeverageRange(ResponseModel):
    """Allowed leverage bounds ``{min, max}``; ``{}`` when the type takes no value."""

    min: ResponseDecimal | None = None
    max: ResponseDecimal | None = None


class LeverageType(ResponseModel):
    """One leverage type a market offers (account leverage data, currency rates' leverage_data)."""

    code: LeverageKind | None = None
    name: str | None = None
    can_set_leverage_value: bool | None = None
    max_leverage: ResponseDecimal | None = None
    available_leverage_values: list[ResponseDecimal] = Field(default_factory=list)
    valid: LeverageRange = Field(
        default_factory=empty(LeverageRange), validation_alias=AliasChoices("valid", "value")
    )

    @field_validator("available_leverage_values", mode="before")
    @classmethod
    def _flag_is_no_values(cls, value: Any) -> Any:
        # The docs type this as a boolean; the examples send a list.
        return [] if value is None or isinstance(value, bool) else value

    @property
    def leverage_cap(self) -> Decimal | None:
        """Highest stated leverage (``valid.max`` or ``max_leverage``); ``None``: no cap given."""
        caps = [cap for cap in (self.valid.max, self.max_leverage) if cap is not None]
        return max(caps, default=None)


class Balance(ResponseModel):
    """One coin held on an account (an ``account_table_data`` row); amounts read exactly.

    The API sends amounts as strings or JSON numbers (some in exponent form); the client decodes
    numbers from their text into ``Decimal``, never through a float.
    """

    currency_code: str
    currency_name: str | None = None
    position: ResponseDecimal = Decimal(0)
    position_available: ResponseDecimal | None = None
    position_type: str | int | None = None
    borrowed: ResponseDecimal | None = None
    on_orders: ResponseDecimal | None = None
    on_orders_with_leverage: ResponseDecimal | None = None
    on_orders_long: ResponseDecimal | None = None
    on_orders_short: ResponseDecimal | None = None
    equity: ResponseDecimal | None = None
    current_price: ResponseDecimal | None = Field(default=None, description="in BTC")
    current_price_usd: ResponseDecimal | None = None
    btc_value: ResponseDecimal | None = None
    usd_value: ResponseDecimal | None = None
    percentage: ResponseDecimal | None = None
    day_change_percent: ResponseDecimal | None = None
    day_change_percent_btc: ResponseDecimal | None = None
    day_change_percent_usd: ResponseDecimal | None = None
    available_long: ResponseDecimal | None = None
    available_short: ResponseDecimal | None = None
    available_with_leverage_long: ResponseDecimal | None = None
    available_with_leverage_short: ResponseDecimal | None = None
    account_id: int | None = None
    is_wallet: bool | None = None


class PieChartSlice(ResponseModel):
    """One coin of ``pie_chart_data``: its amount, values and share of the account."""

    code: str
    amount: ResponseDecimal | None = None
    btc_value: ResponseDecimal | None = None
    usd_value: ResponseDecimal | None = None
    percentage: ResponseDecimal | None = None
    y: ResponseDecimal | None = Field(default=None, description="the chart's value: percentage")


class ActiveTradingEntities(ResponseModel):
    """Counts of what is running on an account (``active_trading_entities``)."""

    active_bots_count: int = 0
    active_deals_count: int = 0
    active_smart_trades_count: int = 0
    active_orders_count: int = 0
    active_grid_bots_count: int = 0
