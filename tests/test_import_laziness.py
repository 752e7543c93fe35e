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


def test_the_fake_with_an_hmac_key_imports_no_cryptography() -> None:
    loaded = _loaded_after(
        "from threecommas_hedge.testing import FakeThreeCommas\n"
        "with FakeThreeCommas().client() as client:\n"
        "    client.accounts.list()\n"
    )
    assert "threecommas_hedge.testing._auth" in loaded
    assert not {m for m in loaded if m.split(".")[0] == "cryptography"}


def test_an_rsa_identity_still_signs_and_verifies() -> None:
    import httpx

    from threecommas_hedge._signing import RsaSigner, signature_preimage
    from threecommas_hedge.testing._auth import Identity

    identity = Identity("rsa")
    assert identity.private_key is not None and identity.api_secret is None
    signer = RsaSigner(identity.private_key)
    url = "https://api.3commas.io/public/api/v2/smart_trades?id=1"
    request = httpx.Request("GET", url)
    preimage = signature_preimage(request.url.raw_path, b"", body_separator=signer.body_separator)
    signed = httpx.Request(
        "GET", url, headers={"Apikey": identity.api_key, "Signature": signer.sign(preimage)}
    )
    assert identity.verify(signed)
    forged = httpx.Request("GET", url, headers={"Apikey": identity.api_key, "Signature": "AAAA"})
    assert not identity.verify(forged)
    with pytest.raises(ValueError, match="auth must be"):
        Identity("dsa")  # type: ignore[arg-type]


def test_the_risk_package_loads_each_module_on_first_use() -> None:
    assert not {
        m
        for m in _loaded_after("import threecommas_hedge.risk")
        if m.startswith("threecommas_hedge.risk.")
    }
    loaded = _loaded_after("from threecommas_hedge.risk import gbm_paths, RiskReport")
    assert {"threecommas_hedge.risk.paths", "threecommas_hedge.risk.report"} <= loaded
    assert not loaded & {
        "threecommas_hedge.risk.evaluate",
        "threecommas_hedge.risk.ratio",
        "threecommas_hedge.risk.sweep",
    }


def test_every_public_risk_name_is_its_module_object() -> None:
    import importlib
    import types

    from threecommas_hedge import risk

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = risk.nope  # type: ignore[attr-defined]
    for name in risk.__all__:
        value = getattr(risk, name)
        assert not isinstance(value, types.ModuleType), name
        assert value.__module__.startswith("threecommas_hedge.risk."), name
        assert value is getattr(importlib.import_module(value.__module__), name)
        assert name in dir(risk)


def test_importing_a_risk_module_first_keeps_the_function_of_the_same_name() -> None:
    code = (
        "import types\n"
        "import threecommas_hedge.risk.sweep\n"
        "from threecommas_hedge.risk.evaluate import evaluate as direct\n"
        "from threecommas_hedge import risk\n"
        "from threecommas_hedge.risk import evaluate, sweep\n"
        "assert evaluate is direct and risk.evaluate is direct\n"
        "assert not isinstance(sweep, types.ModuleType) and sweep is risk.sweep\n"
    )
    assert "threecommas_hedge.risk.sweep" in _loaded_after(code)


def test_the_risk_package_without_numpy_says_how_to_get_it() -> None:
    probe = "import sys\nsys.modules['numpy'] = None\nimport threecommas_hedge.risk\n"
    out = subprocess.run(  # noqa: S603 - runs this interpreter
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert out.returncode == 1
    assert "threecommas_hedge.risk needs numpy: pip install 'threecommas-hedge[risk]'" in out.stderr
