"""Market data (``/ver1/accounts/market_*``, ``currency_rates*``): unsigned, no credentials sent.

``rules()`` gives the builder its ``MarketRules``: tick, lot step, minimum lot and minimum total
from ``currency_rates`` with ``limit_type=smart_trade`` (the ``bot`` limits apply to bots), and the
leverage cap from ``currency_rates_with_leverage_data`` (two requests; one with
``with_leverage=False``).
"""

from __future__ import annotations

import builtins
from typing import Literal

from threecommas_hedge.models.market import CurrencyRates, CurrencyRatesWithLeverage, MarketInfo
from threecommas_hedge.models.rules import MarketRules

from ._endpoint import Endpoint, list_of, read_response
from ._resource import AsyncResource, SyncResource

__all__ = ["AsyncMarket", "LimitType", "Market"]

LimitType = Literal["bot", "smart_trade"]

PATH = "/ver1/accounts"


def _text(value: str, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _list() -> Endpoint[list[MarketInfo]]:
    return Endpoint("GET", f"{PATH}/market_list", list_of(MarketInfo), auth=False)


def _pairs(market_code: str) -> Endpoint[list[str]]:
    params = {"market_code": _text(market_code, "market_code")}
    return Endpoint("GET", f"{PATH}/market_pairs", list_of(str), params=params, auth=False)


def _rates(pair: str, market_code: str, limit_type: LimitType) -> Endpoint[CurrencyRates]:
    params = {
        "pair": _text(pair, "pair"),
        "market_code": _text(market_code, "market_code"),
        "limit_type": _text(limit_type, "limit_type"),
    }
    path = f"{PATH}/currency_rates"
    return Endpoint("GET", path, CurrencyRates.model_validate, params=params, auth=False)


def _rates_with_leverage(pair: str, market_code: str) -> Endpoint[CurrencyRatesWithLeverage]:
    params = {"pair": _text(pair, "pair"), "market_code": _text(market_code, "market_code")}
    path = f"{PATH}/currency_rates_with_leverage_data"
    parse = CurrencyRatesWithLeverage.model_validate
    return Endpoint("GET", path, parse, params=params, auth=False)


def _rules(rates: CurrencyRates, leverage: CurrencyRatesWithLeverage | None) -> MarketRules:
    cap = None if leverage is None else leverage.max_leverage

    def to_rules(data: CurrencyRates) -> MarketRules:
        return data.to_market_rules(cap)

    return read_response("currency_rates", to_rules, rates)


class Market(SyncResource):
    """``client.market``: supported markets, pairs, tickers and trading rules (unsigned)."""

    def list(self) -> builtins.list[MarketInfo]:
        """The markets 3Commas supports."""
        return self._call(_list())

    def pairs(self, market_code: str) -> builtins.list[str]:
        """The pairs of a market, e.g. ``["USDT_BTC", ...]`` (``market_code`` of an Account)."""
        return self._call(_pairs(market_code))

    def currency_rates(
        self, pair: str, market_code: str, *, limit_type: LimitType = "smart_trade"
    ) -> CurrencyRates:
        """Ticker and trading limits of ``pair``; ``limit_type="bot"`` for bot limits."""
        return self._call(_rates(pair, market_code, limit_type))

    def currency_rates_with_leverage_data(
        self, pair: str, market_code: str
    ) -> CurrencyRatesWithLeverage:
        """Ticker and limits plus the leverage types of ``pair``."""
        return self._call(_rates_with_leverage(pair, market_code))

    def rules(self, pair: str, market_code: str, *, with_leverage: bool = True) -> MarketRules:
        """Tick, lot step, minimum lot and total (SmartTrade limits) and the leverage cap."""
        rates = self._call(_rates(pair, market_code, "smart_trade"))
        if not with_leverage:
            return _rules(rates, None)
        leverage = self._call(_rates_with_leverage(pair, market_code))
        return _rules(rates, leverage)


class AsyncMarket(AsyncResource):
    """``client.market`` of ``AsyncThreeCommas`` (see ``Market``)."""

    async def list(self) -> builtins.list[MarketInfo]:
        """The markets 3Commas supports."""
        return await self._call(_list())

    async def pairs(self, market_code: str) -> builtins.list[str]:
        """The pairs of a market, e.g. ``["USDT_BTC", ...]`` (``market_code`` of an Account)."""
        return await self._call(_pairs(market_code))

    async def currency_rates(
        self, pair: str, market_code: str, *, limit_type: LimitType = "smart_trade"
    ) -> CurrencyRates:
        """Ticker and trading limits of ``pair``; ``limit_type="bot"`` for bot limits."""
        return await self._call(_rates(pair, market_code, limit_type))

    async def currency_rates_with_leverage_data(
        self, pair: str, market_code: str
    ) -> CurrencyRatesWithLeverage:
        """Ticker and limits plus the leverage types of ``pair``."""
        return await self._call(_rates_with_leverage(pair, market_code))

    async def rules(
        self, pair: str, market_code: str, *, with_leverage: bool = True
    ) -> MarketRules:
        """Tick, lot step, minimum lot and total (SmartTrade limits) and the leverage cap."""
        rates = await self._call(_rates(pair, market_code, "smart_trade"))
        if not with_leverage:
            return _rules(rates, None)
        leverage = await self._call(_rates_with_leverage(pair, market_code))
        return _rules(rates, leverage)
