"""The builder refuses pairs and ids that cannot be real, naming the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from threecommas_hedge import HedgeBuilder, HedgeValidationError, SpotPosition

SPOT = SpotPosition("BTC", Decimal(1), Decimal(60000))


@pytest.mark.parametrize(
    "pair",
    [
        "../x",
        "USDT_../../x",
        "USDT BTC",
        "USDT_BTC ",
        " USDT_BTC",
        "USDT_BTC\n",
        "USDT_\x00BTC",
        "USDT_BTC\u202e",
        "USDT/BTC",
        "USDTBTC",
        "_BTC",
        "USDT_",
        "USDT__BTC",
        "USDT_BTC?x=1",
        "USDT_BTC%2F",
        "USDT_" + "B" * 60,
        "",
    ],
)
def test_a_pair_that_is_no_3commas_pair_is_refused(pair: str) -> None:
    with pytest.raises(HedgeValidationError) as info:
        HedgeBuilder(SPOT, account_id=1, pair=pair)
    assert info.value.field == "pair"
    assert "QUOTE_BASE" in info.value.rule


@pytest.mark.parametrize(
    "pair",
    ["USDT_BTCUSDT", "USDT_BTC", "BTC_ETH", "USDT_1000PEPE", "USD_BTC-PERPETUAL", "usdt_btc"],
)
def test_real_pairs_are_accepted(pair: str) -> None:
    assert HedgeBuilder(SPOT, account_id=1, pair=pair).pair == pair


@pytest.mark.parametrize("account_id", [2**63, 10**30, -1, 0])
def test_an_account_id_beyond_63_bits_or_below_1_is_refused(account_id: int) -> None:
    with pytest.raises(HedgeValidationError) as info:
        HedgeBuilder(SPOT, account_id=account_id, pair="USDT_BTCUSDT")
    assert info.value.field == "account_id"


def test_the_largest_63_bit_account_id_is_accepted() -> None:
    builder = HedgeBuilder(SPOT, account_id=2**63 - 1, pair="USDT_BTCUSDT")
    assert builder.account_id == 2**63 - 1


@pytest.mark.parametrize("value", [2**63, 10**40])
def test_other_whole_numbers_are_bounded_too(value: Any) -> None:
    builder = HedgeBuilder(SPOT, account_id=1, pair="USDT_BTCUSDT")
    with pytest.raises(HedgeValidationError) as info:
        builder.stop_loss(price=Decimal(61000), timeout=value)
    assert info.value.field == "stop_loss.timeout"


@pytest.mark.parametrize("asset", ["BTC\n", "B TC", "../x", "\x00"])
def test_a_spot_asset_with_control_characters_or_separators_is_refused(asset: str) -> None:
    with pytest.raises(HedgeValidationError) as info:
        SpotPosition(asset, Decimal(1), Decimal(60000))
    assert info.value.field == "spot.asset"


@pytest.mark.parametrize("pair", ["../x", "USDT BTC", "USDT_BTC\n", "USDT_BTC\x7f"])
def test_request_models_refuse_the_same_pairs(pair: str) -> None:
    from pydantic import ValidationError

    from threecommas_hedge.models import SmartTradeCreate

    body = {
        "account_id": 1,
        "pair": pair,
        "position": {"type": "sell", "order_type": "market", "units": {"value": "1"}},
    }
    with pytest.raises(ValidationError, match="pair"):
        SmartTradeCreate.model_validate(body)
    with pytest.raises(ValidationError, match="account_id"):
        SmartTradeCreate.model_validate({**body, "pair": "USDT_BTC", "account_id": 2**63})
