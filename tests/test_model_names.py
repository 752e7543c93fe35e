"""Request parts are named ``...Params``: no two public classes share a name; old names work."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import threecommas_hedge
from threecommas_hedge import models
from threecommas_hedge.models import requests, responses, smart_trade_params, smart_trades

RENAMED = (
    "EntryTrigger",
    "Leverage",
    "Position",
    "PositionConditional",
    "PositionUpdate",
    "PriceValue",
    "StopLoss",
    "StopLossConditional",
    "StopLossTimeout",
    "StopLossTrailing",
    "TakeProfit",
    "TakeProfitStep",
    "Trailing",
    "TriggerPrice",
    "Units",
)


KNOWN_SHARED: dict[str, set[str]] = {}
"""Shared names that remain; a new one fails the test (so does removing one without this list)."""


def _public_modules() -> list[ModuleType]:
    found = [threecommas_hedge]
    for info in pkgutil.walk_packages(threecommas_hedge.__path__, "threecommas_hedge."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            found.append(importlib.import_module(info.name))
        except ImportError:  # an optional extra (numpy, typer...) that is not installed
            continue
    return found


def _public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    return list(names) if names is not None else [n for n in vars(module) if not n.startswith("_")]


def test_no_two_public_classes_share_a_name() -> None:
    by_name: dict[str, set[str]] = {}
    for module in _public_modules():
        for name in _public_names(module):
            value = getattr(module, name)
            if isinstance(value, type) and value.__module__.startswith("threecommas_hedge"):
                by_name.setdefault(value.__name__, set()).add(
                    f"{value.__module__}.{value.__qualname__}"
                )
    shared = {name: where for name, where in by_name.items() if len(where) > 1}
    assert shared == KNOWN_SHARED


def test_the_walk_sees_both_sides_of_each_old_clash() -> None:
    modules = {module.__name__ for module in _public_modules()}
    assert {smart_trades.__name__, smart_trade_params.__name__} <= modules
    for name in ("Leverage", "Position", "StopLoss", "TakeProfit", "Trailing"):
        assert getattr(smart_trades, name).__name__ == name  # the response entity
        assert getattr(smart_trade_params, f"{name}Params").__name__ == f"{name}Params"


@pytest.mark.parametrize("name", RENAMED)
def test_old_request_names_are_aliases_of_the_params_classes(name: str) -> None:
    params = getattr(smart_trade_params, f"{name}Params")
    assert getattr(requests, name) is params
    assert getattr(models, name) is params
    assert not hasattr(smart_trade_params, name)  # one name per class where it is defined


def test_old_response_module_path_still_imports() -> None:
    assert responses.SmartTrade is smart_trades.SmartTrade is models.SmartTrade
    assert responses.Position is smart_trades.Position
    assert responses.Position is not models.Position  # models.Position is the request part


def test_unknown_model_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchModel"):
        _ = models.NoSuchModel  # type: ignore[attr-defined]
