"""Market-data entities: supported markets, and a pair's ticker with its trading rules.

The currency-rates endpoints use camelCase keys (``minPrice``, ``priceStep``...); the models expose
snake_case attributes and accept either spelling. Market pairs are a bare ``list[str]``.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR

from pydantic import Field

from ._base import ResponseModel
from ._types import ResponseDecimal
from .accounts import LeverageType
from .rules import MarketRules

__all__ = ["CurrencyRates", "CurrencyRatesWithLeverage", "FormField", "FormFields", "MarketInfo"]

MARGIN_LEVERAGE_CODES = frozenset({"cross", "isolated"})
"""Leverage types whose cap counts for ``CurrencyRatesWithLeverage.max_leverage``."""


class FormField(ResponseModel):
    """One credential field of a market's connect form."""

    field: str | None = None
    localized_name: str | None = None


class FormFields(ResponseModel):
    """Required and optional credential fields of a market's connect form."""

    required: list[FormField] = Field(default_factory=list)
    optional: list[FormField] = Field(default_factory=list)


class MarketInfo(ResponseModel):
    """A supported market (``GET /ver1/accounts/market_list``)."""

    market_name: str | None = None
    market_code: str | None = None
    market_url: str | None = None
    market_icon: str | None = None
    help_link: str | None = None
    form_fields: FormFields = Field(default_factory=FormFields)  # lists: not shared
    available_connection_flows: list[str] = Field(default_factory=list)
    third_party_allowed: bool | None = None
    trusted_ips: list[str] = Field(default_factory=list)
    trusted_ips_input_type: str | None = None
    fast_connect_action_name: str | None = None


class CurrencyRates(ResponseModel):
    """Ticker and trading rules of a pair (``GET /ver1/accounts/currency_rates``); all optional."""

    last: ResponseDecimal | None = None
    bid: ResponseDecimal | None = None
    ask: ResponseDecimal | None = None
    orderbook_last: ResponseDecimal | None = None
    orderbook_bid: ResponseDecimal | None = None
    orderbook_ask: ResponseDecimal | None = None
    orderbook_price_currency: str | None = None
    strategy_name: str | None = None
    contract_strategy_name: str | None = None
    instrument_kind: str | None = Field(default=None, alias="instrumentKind")
    min_price: ResponseDecimal | None = Field(default=None, alias="minPrice")
    max_price: ResponseDecimal | None = Field(default=None, alias="maxPrice")
    price_step: ResponseDecimal | None = Field(default=None, alias="priceStep")
    min_lot_size: ResponseDecimal | None = Field(default=None, alias="minLotSize")
    max_lot_size: ResponseDecimal | None = Field(default=None, alias="maxLotSize")
    lot_step: ResponseDecimal | None = Field(default=None, alias="lotStep")
    max_market_buy_amount: ResponseDecimal | None = Field(default=None, alias="maxMarketBuyAmount")
    max_market_sell_amount: ResponseDecimal | None = Field(
        default=None, alias="maxMarketSellAmount"
    )
    min_market_buy_amount: ResponseDecimal | None = Field(default=None, alias="minMarketBuyAmount")
    min_market_sell_amount: ResponseDecimal | None = Field(
        default=None, alias="minMarketSellAmount"
    )
    min_total: ResponseDecimal | None = Field(default=None, alias="minTotal")
    max_total: ResponseDecimal | None = Field(default=None, alias="maxTotal")
    min_market_total: ResponseDecimal | None = Field(default=None, alias="minMarketTotal")
    bid_multiplier_up: ResponseDecimal | None = Field(default=None, alias="bidMultiplierUp")
    bid_multiplier_down: ResponseDecimal | None = Field(default=None, alias="bidMultiplierDown")
    ask_multiplier_up: ResponseDecimal | None = Field(default=None, alias="askMultiplierUp")
    ask_multiplier_down: ResponseDecimal | None = Field(default=None, alias="askMultiplierDown")

    @property
    def max_leverage(self) -> int | None:
        """Highest leverage these rates state; plain currency rates state none."""
        return None

    def to_market_rules(self, max_leverage: int | None = None) -> MarketRules:
        """The rules the hedge builder enforces: tick, lot step, minimum lot and minimum total.

        ``max_leverage`` (e.g. from the account's leverage data) wins over any cap stated here.
        """
        return MarketRules(
            price_step=self.price_step,
            lot_step=self.lot_step,
            min_lot=self.min_lot_size,
            min_notional=self.min_total,
            max_leverage=self.max_leverage if max_leverage is None else max_leverage,
        )


class CurrencyRatesWithLeverage(CurrencyRates):
    """Currency rates plus the leverage types (``.../currency_rates_with_leverage_data``)."""

    leverage_data: list[LeverageType] = Field(default_factory=list)

    @property
    def max_leverage(self) -> int | None:
        """Largest cap (rounded down) of the cross/isolated types; ``None`` when none states one."""
        stated = (e.leverage_cap for e in self.leverage_data if e.code in MARGIN_LEVERAGE_CODES)
        caps = [cap for cap in stated if cap is not None]
        if not caps:
            return None
        cap = int(max(caps).to_integral_value(rounding=ROUND_FLOOR))
        return cap if cap >= 1 else None
