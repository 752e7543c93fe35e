"""One rule table for the request models and the fake: a rule changed in it changes both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from pydantic import ValidationError

from threecommas_hedge.models import smart_trade_params as params
from threecommas_hedge.models.requests import SmartTradeCreate
from threecommas_hedge.testing._validation import check_create, fields


def _step(volume: str, *, trailing: dict[str, Any] | None = None) -> dict[str, Any]:
    step: dict[str, Any] = {"order_type": "limit", "volume": volume, "price": {"percent": "5"}}
    if trailing is not None:
        step["trailing"] = trailing
    return step


def _body(steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "account_id": 1,
        "pair": "USDT_BTCUSDT",
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
        "take_profit": {"enabled": True, "steps": steps},
        **extra,
    }


BREAKEVEN = {
    "enabled": True,
    "breakeven": True,
    "order_type": "market",
    "conditional": {"price": {"percent": "-5"}},
}

# (table entry, its new value as Python source, a body, the fake's key for it)
CASES = [
    ("MAX_TP_STEPS", "2", _body([_step("40"), _step("30"), _step("30")]), "take_profit[steps]"),
    (
        "MIN_TRAILING_PERCENT",
        "Decimal('2')",
        _body([_step("100", trailing={"enabled": True, "percent": "1"})]),
        "take_profit[steps][0][trailing][percent]",
    ),
    ("MAX_NOTE_LENGTH", "10", _body([_step("100")], note="n" * 11), "note"),
    ("TP_VOLUME_TOTAL", "Decimal(90)", _body([_step("100")]), "take_profit[steps]"),
    ("MIN_BREAKEVEN_TP_STEPS", "1", _body([_step("100")], stop_loss=BREAKEVEN), None),
]

PROBE = """
import json, sys
from decimal import Decimal
import threecommas_hedge.models._request_rules as rules
setattr(rules, sys.argv[1], eval(sys.argv[2]))  # the one edit, before anything reads the table
from pydantic import ValidationError
from threecommas_hedge.models.requests import SmartTradeCreate
from threecommas_hedge.testing._validation import check_create
body = json.loads(sys.argv[3])
try:
    SmartTradeCreate.model_validate(body)
    model_ok = True
except ValidationError:
    model_ok = False
print(json.dumps({"model_ok": model_ok, "fake": check_create(body)}))
"""


def _model_ok(body: dict[str, Any]) -> bool:
    try:
        SmartTradeCreate.model_validate(body)
    except ValidationError:
        return False
    return True


def _with_edit(name: str, value: str, body: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(  # noqa: S603 - runs this interpreter on our own probe
        [sys.executable, "-c", PROBE, name, value, json.dumps(body)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


@pytest.mark.parametrize(("name", "value", "body", "key"), CASES, ids=[c[0] for c in CASES])
def test_one_edit_of_the_table_reaches_the_models_and_the_fake(
    name: str, value: str, body: dict[str, Any], key: str | None
) -> None:
    before_model, before_fake = _model_ok(body), check_create(body)
    after = _with_edit(name, value, body)
    # the edit flips the verdict, and flips it the same way on both sides
    assert before_model == (before_fake == {})
    assert after["model_ok"] == (after["fake"] == {})
    assert after["model_ok"] != before_model
    if key is not None:
        assert key in after["fake"]
    else:
        assert "stop_loss[breakeven]" in before_fake


def test_the_fake_accepts_exactly_the_models_fields() -> None:
    for model in (
        params.TakeProfitStepParams,
        params.StopLossParams,
        params.PositionParams,
        SmartTradeCreate,
    ):
        assert fields(model) == tuple(model.model_fields)
    body = _body([_step("100")])
    body["take_profit"]["steps"][0]["units"] = {"value": "1"}  # a response-only field
    assert check_create(body) == {"take_profit[steps][0][units]": ["is not allowed"]}
    assert not _model_ok(body)
