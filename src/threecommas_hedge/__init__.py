"""Hedge a spot holding with a 3Commas Smart Short.

A typed SmartTrade v2 client (sync and async), a ``HedgeBuilder`` for Smart Short payloads, scenario
and risk math, a price-path simulator and a fake 3Commas for tests.

Public names are imported lazily (PEP 562) so that ``import threecommas_hedge`` stays as cheap as
importing httpx and pydantic: a name's module loads the first time the name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # client
    "ThreeCommas": "._client",
    "AsyncThreeCommas": "._client",
    # signing
    "HmacSigner": "._signing",
    "RsaSigner": "._signing",
    "Signer": "._signing",
    "explain_signature": "._signing",
    # errors
    "ThreeCommasError": "._exceptions",
    "APIError": "._exceptions",
    "APIConnectionError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "APIStatusError": "._exceptions",
    "BadRequestError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "NotFoundError": "._exceptions",
    "UnprocessableEntityError": "._exceptions",
    "RateLimitError": "._exceptions",
    "IPBannedError": "._exceptions",
    "InternalServerError": "._exceptions",
    "APIRedirectError": "._exceptions",
    "ConfigurationError": "._exceptions",
    "APIResponseValidationError": "._exceptions",
    "HedgeValidationError": "._exceptions",
    "RequestValidationError": "._exceptions",
    # request models
    "SmartTradeCreate": ".models",
    "SmartTradeUpdate": ".models",
    "FundsRequest": ".models",
    "MarketRules": ".models",
    # response models
    "SmartTrade": ".models",
    "Trade": ".models",
    "Account": ".models",
    "ReduceFundsInfo": ".models",
    "LeverageType": ".models",
    "MarketInfo": ".models",
    "CurrencyRates": ".models",
    "CurrencyRatesWithLeverage": ".models",
    "ApiErrorBody": ".models",
    # hedging
    "SpotPosition": ".hedge.builder",
    "HedgeBuilder": ".hedge.builder",
    "HedgeSummary": ".hedge.builder",
    "TakeProfitSummary": ".hedge.builder",
    "StopLossSummary": ".hedge.builder",
    "HedgeScenario": ".hedge.scenario",
    "ScenarioRow": ".hedge.scenario",
    "LeverageBracket": ".hedge.liquidation",
    "liquidation_price": ".hedge.liquidation",
    "simulate": ".hedge.simulate",
    "SimulationResult": ".hedge.simulate",
    # safety, live hedges, engine
    "HedgeWaitError": ".live.wait",
    "HedgeTimeoutError": ".live.wait",
    "WriteNotAppliedError": "._exceptions",
    "WriteOutcomeUnknownError": "._exceptions",
    "ModeMismatchError": "._exceptions",
    "RateLimits": "._ratelimit",
    "RateLimiter": "._ratelimit",
    "Budget": "._ratelimit",
    "CreatedSmartTrade": "._writes.safe_writes",
    "client_tag_of": "._writes.client_tag",
    "Paginator": ".resources",
    "AsyncPaginator": ".resources",
    "Hedge": ".live.hedges",
    "AsyncHedge": ".live.hedges",
    "HedgeStatus": ".hedge.position",
    "HedgePnL": ".hedge.position",
    "SmartTradeEngine": ".hedge.simulate",
    "SimEvent": ".hedge.simulate",
    "RiskReward": ".hedge.scenario",
}

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIRedirectError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "ApiErrorBody",
    "AsyncHedge",
    "AsyncPaginator",
    "AsyncThreeCommas",
    "AuthenticationError",
    "BadRequestError",
    "Budget",
    "ConfigurationError",
    "CreatedSmartTrade",
    "CurrencyRates",
    "CurrencyRatesWithLeverage",
    "FundsRequest",
    "Hedge",
    "HedgeBuilder",
    "HedgePnL",
    "HedgeScenario",
    "HedgeStatus",
    "HedgeSummary",
    "HedgeTimeoutError",
    "HedgeValidationError",
    "HedgeWaitError",
    "HmacSigner",
    "IPBannedError",
    "InternalServerError",
    "LeverageBracket",
    "LeverageType",
    "MarketInfo",
    "MarketRules",
    "ModeMismatchError",
    "NotFoundError",
    "Paginator",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "RateLimits",
    "ReduceFundsInfo",
    "RequestValidationError",
    "RiskReward",
    "RsaSigner",
    "ScenarioRow",
    "Signer",
    "SimEvent",
    "SimulationResult",
    "SmartTrade",
    "SmartTradeCreate",
    "SmartTradeEngine",
    "SmartTradeUpdate",
    "SpotPosition",
    "StopLossSummary",
    "TakeProfitSummary",
    "ThreeCommas",
    "ThreeCommasError",
    "Trade",
    "UnprocessableEntityError",
    "WriteNotAppliedError",
    "WriteOutcomeUnknownError",
    "__version__",
    "client_tag_of",
    "explain_signature",
    "liquidation_price",
    "simulate",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._client import AsyncThreeCommas, ThreeCommas
    from ._exceptions import (
        APIConnectionError,
        APIError,
        APIRedirectError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        HedgeValidationError,
        InternalServerError,
        IPBannedError,
        ModeMismatchError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RequestValidationError,
        ThreeCommasError,
        UnprocessableEntityError,
        WriteNotAppliedError,
        WriteOutcomeUnknownError,
    )
    from ._ratelimit import Budget, RateLimiter, RateLimits
    from ._signing import HmacSigner, RsaSigner, Signer, explain_signature
    from ._writes.client_tag import client_tag_of
    from ._writes.safe_writes import CreatedSmartTrade
    from .hedge.builder import (
        HedgeBuilder,
        HedgeSummary,
        SpotPosition,
        StopLossSummary,
        TakeProfitSummary,
    )
    from .hedge.liquidation import LeverageBracket, liquidation_price
    from .hedge.position import HedgePnL, HedgeStatus
    from .hedge.scenario import HedgeScenario, RiskReward, ScenarioRow
    from .hedge.simulate import SimEvent, SimulationResult, SmartTradeEngine, simulate
    from .live.hedges import AsyncHedge, Hedge
    from .live.wait import HedgeTimeoutError, HedgeWaitError
    from .models import (
        Account,
        ApiErrorBody,
        CurrencyRates,
        CurrencyRatesWithLeverage,
        FundsRequest,
        LeverageType,
        MarketInfo,
        MarketRules,
        ReduceFundsInfo,
        SmartTrade,
        SmartTradeCreate,
        SmartTradeUpdate,
        Trade,
    )
    from .resources import AsyncPaginator, Paginator


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'threecommas_hedge' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
