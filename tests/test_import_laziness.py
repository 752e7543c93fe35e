"""Fast start: importing the client and the builder loads only what they need at import time.

Which of our modules are loaded is checked here (never a time: the figures are in benchmarks/).
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

import threecommas_hedge as th

NOT_AT_IMPORT = (
    # the request and response models: built when a body is built or an answer parsed
    "threecommas_hedge.models._types",
    "threecommas_hedge.models.smart_trade_params",
    "threecommas_hedge.models.smart_trades",
    "threecommas_hedge.models.accounts",
    "threecommas_hedge.models.rules",
    # the endpoint groups and the live hedges: loaded by the client's properties on first use
    "threecommas_hedge.resources.smart_trades",
    "threecommas_hedge.resources.accounts",
    "threecommas_hedge.resources.market",
    "threecommas_hedge.resources.portfolio",
    "threecommas_hedge.live.hedges",
    "threecommas_hedge.hedge.position",
)


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(  # noqa: S603 - runs this interpreter
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout))


def test_the_client_and_the_builder_import_no_model_or_endpoint_group() -> None:
    loaded = _loaded_after("from threecommas_hedge import ThreeCommas, HedgeBuilder")
    assert {"threecommas_hedge._client", "threecommas_hedge.hedge.builder"} <= loaded
    assert sorted(loaded.intersection(NOT_AT_IMPORT)) == []
    # pydantic's model machinery waits for the first model too (unless pydantic loads it itself)
    assert "pydantic.main" not in loaded - _loaded_after("import httpx, pydantic")


def test_each_part_loads_on_first_use() -> None:
    code = (
        "from decimal import Decimal as D\n"
        "from threecommas_hedge import ThreeCommas, HedgeBuilder, SpotPosition\n"
        "client = ThreeCommas(api_key='k', api_secret='s')\n"
        "client.smart_trades, client.hedges\n"
        "HedgeBuilder(SpotPosition('BTC', D('1'), D('60000')), account_id=1, pair='USDT_BTCUSDT')"
        ".hedge(ratio=D('0.5')).build()\n"
    )
    loaded = _loaded_after(code)
    for name in (
        "threecommas_hedge.resources.smart_trades",
        "threecommas_hedge.live.hedges",
        "threecommas_hedge.models.smart_trade_params",
        "threecommas_hedge.models.rules",
    ):
        assert name in loaded


def test_the_builder_default_is_no_rules_and_refuses_other_rules() -> None:
    from threecommas_hedge.models import MarketRules

    spot = th.SpotPosition("BTC", Decimal("1"), Decimal("60000"))
    builder = th.HedgeBuilder(spot, account_id=1, pair="USDT_BTCUSDT")
    assert builder.market_rules == MarketRules()
    with pytest.raises(th.HedgeValidationError, match="must be a MarketRules"):
        builder.rules({"tick_size": "0.1"})  # type: ignore[arg-type]


def test_lazy_client_properties_are_the_endpoint_groups() -> None:
    from threecommas_hedge.live.hedges import Hedges
    from threecommas_hedge.resources import SmartTrades

    with th.ThreeCommas(api_key="k", api_secret="s") as client:
        assert isinstance(client.smart_trades, SmartTrades)
        assert client.smart_trades is client.smart_trades
        assert isinstance(client.hedges, Hedges)
