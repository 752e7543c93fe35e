"""Market data the fake serves: supported markets, pairs, and currency rates with trading rules."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from threecommas_hedge.models import MarketRules
from threecommas_hedge.models._types import format_decimal

from ._accounts import leverage_data

__all__ = ["MARKETS", "currency_rates", "market_list"]

MARKETS: dict[str, str] = {
    "binance": "Binance Spot",
    "binance_futures": "Binance Futures USDT-M",
    "paper_trading": "Binance Spot account simulator",
    "paper_trading_futures": "Binance Futures USDT-M account simulator",
}
"""Market codes the fake knows (those of `FakeAccount`'s defaults) and their names."""


def is_futures_market(market_code: str) -> bool:
    """Whether a market code names a futures market."""
    return "futures" in market_code


def market_list(extra_codes: Iterable[str] = ()) -> list[dict[str, Any]]:
    """``GET /ver1/accounts/market_list``: the known markets, with the keys of the example."""
    names = dict(MARKETS)
    for code in extra_codes:
        names.setdefault(code, code)
    return [
        {
            "market_name": name,
            "market_url": "https://www.binance.com",
            "market_icon": "https://3commas.io/img/exchanges/binance.png",
            "help_link": "https://help.3commas.io",
            "market_code": code,
            "form_fields": {
                "required": [
                    {"field": "secret", "localized_name": "API Secret:"},
                    {"field": "api_key", "localized_name": "API Key:"},
                ],
                "optional": [],
            },
            "available_connection_flows": ["form"],
            "third_party_allowed": False,
            "trusted_ips": ["127.0.0.1"],
            "trusted_ips_input_type": "inline",
            "fast_connect_action_name": code,
        }
        for code, name in names.items()
    ]


def currency_rates(
    market_code: str,
    pair: str,
    price: Decimal,
    rules: MarketRules | None,
    *,
    with_leverage: bool = False,
) -> dict[str, Any]:
    """Ticker and trading rules of ``pair``: one price for last/bid/ask, the rules that are set."""
    text = format_decimal(price)
    quote = pair.split("_", 1)[0]
    futures = is_futures_market(market_code)
    body: dict[str, Any] = {
        "last": text,
        "bid": text,
        "ask": text,
        "orderbook_ask": text,
        "orderbook_bid": text,
        "orderbook_last": text,
        "orderbook_price_currency": quote,
        "strategy_name": "orderbook_price",
        "contract_strategy_name": "orderbook_price",
    }
    if with_leverage:
        max_leverage = rules.max_leverage if rules is not None else None
        body["leverage_data"] = [
            entry
            for entry in leverage_data("futures" if futures else "spot", max_leverage)
            if entry["code"] != "none"
        ]
    body["instrumentKind"] = "linear_futures" if futures else "spot"
    if rules is not None:
        for name, value in (
            ("priceStep", rules.price_step),
            ("minLotSize", rules.min_lot),
            ("lotStep", rules.lot_step),
            ("minTotal", rules.min_notional),
        ):
            if value is not None:
                body[name] = format_decimal(value)
    return body
