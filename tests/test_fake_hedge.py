"""Downstream-style tests: the article's hedge against the fake, through the pytest fixture."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from threecommas_hedge import AsyncThreeCommas, ThreeCommas
from threecommas_hedge._exceptions import AuthenticationError, UnprocessableEntityError
from threecommas_hedge.models import SmartTrade
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"
ENTRY = Decimal("60000")
UNITS = Decimal("0.5")
MAKER = Decimal("0.0002")  # the fake's default fee schedule, written out
TAKER = Decimal("0.0005")


def hedge(
    account_id: int, *, take_profit: str = "55000", stop_loss: str = "61800"
) -> dict[str, Any]:
    """The article's Smart Short: market sell 0.5 at 1x isolated, TP 55,000, SL 61,800."""
    return {
        "account_id": account_id,
        "pair": PAIR,
        "leverage": {"enabled": True, "type": "isolated", "value": 1},
        "position": {"type": "sell", "order_type": "market", "units": {"value": str(UNITS)}},
        "take_profit": {
            "enabled": True,
            "steps": [
                {
                    "order_type": "limit",
                    "volume": "100",
                    "price": {"value": take_profit, "type": "last"},
                }
            ],
        },
        "stop_loss": {
            "enabled": True,
            "order_type": "market",
            "conditional": {"price": {"value": stop_loss, "type": "last"}},
        },
    }


@pytest.fixture
def fake(threecommas_fake: FakeThreeCommas) -> FakeThreeCommas:
    assert isinstance(threecommas_fake, FakeThreeCommas)
    assert threecommas_fake.requests == []
    threecommas_fake.set_price(PAIR, ENTRY)
    return threecommas_fake


def test_the_fixture_is_fresh_for_each_test(threecommas_fake: FakeThreeCommas) -> None:
    assert threecommas_fake.smart_trades() == []
    assert threecommas_fake.price(PAIR) is None


def test_hedge_closes_at_take_profit_with_2500_profit(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client() as client:
        created = SmartTrade.model_validate(
            client.request("POST", "/v2/smart_trades", json=hedge(account_id))
        )
        assert created.data.type == "smart_cover"
        assert created.status.basic_type == "created"
        opened = SmartTrade.model_validate(client.request("GET", f"/v2/smart_trades/{created.id}"))
        assert opened.status.basic_type == "waiting_targets"
        assert opened.data.entered_amount == UNITS
        assert opened.data.average_enter_price_without_commission == ENTRY
        fake.set_price(PAIR, Decimal("55000"))
        closed = SmartTrade.model_validate(client.request("GET", f"/v2/smart_trades/{created.id}"))
    assert closed.status.basic_type == "finished"
    assert closed.is_terminal
    assert closed.data.finished is True
    assert closed.data.closed_at is not None
    assert closed.data.average_close_price_without_commission == Decimal("55000")
    assert closed.data.closed_amount == UNITS
    expected = UNITS * (ENTRY - Decimal("55000"))
    assert expected == Decimal("2500")
    # net of the default fees: the market entry pays taker 0.05 %, the limit TP maker 0.02 %
    assert closed.profit.volume == expected - UNITS * ENTRY * TAKER - UNITS * 55000 * MAKER
    assert closed.take_profit.steps[0].status.basic_type == "finished"
    assert closed.stop_loss.status.basic_type == "cancelled"


async def test_hedge_closes_at_take_profit_async(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    async with fake.async_client() as client:
        assert isinstance(client, AsyncThreeCommas)
        created = await client.request("POST", "/v2/smart_trades", json=hedge(account_id))
        await client.request("GET", f"/v2/smart_trades/{created['id']}")
        fake.set_price(PAIR, Decimal("55000"))
        closed = SmartTrade.model_validate(
            await client.request("GET", f"/v2/smart_trades/{created['id']}")
        )
    assert closed.status.basic_type == "finished"
    assert closed.profit.volume == Decimal("2500") - Decimal("15") - Decimal("5.5")


def test_hedge_stopped_at_61800_loses_900(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client() as client:
        trade_id = client.request("POST", "/v2/smart_trades", json=hedge(account_id))["id"]
        for price in ("61000", "61799.99", "61800"):
            fake.set_price(PAIR, Decimal(price))
        trade = SmartTrade.model_validate(client.request("GET", f"/v2/smart_trades/{trade_id}"))
    assert trade.status.basic_type == "finished"
    fees = UNITS * (ENTRY + Decimal("61800")) * TAKER  # market entry and market stop: taker
    assert trade.profit.volume == UNITS * (ENTRY - Decimal("61800")) - fees == Decimal("-930.45")
    assert trade.stop_loss.status.basic_type == "finished"
    assert trade.take_profit.steps[0].status.basic_type == "cancelled"


def test_a_price_between_the_targets_keeps_the_hedge_open(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client() as client:
        trade_id = client.request("POST", "/v2/smart_trades", json=hedge(account_id))["id"]
        fake.set_price(PAIR, Decimal("58000"))
        trade = SmartTrade.model_validate(client.request("GET", f"/v2/smart_trades/{trade_id}"))
    assert trade.status.basic_type == "waiting_targets"
    assert trade.profit.volume == UNITS * (ENTRY - Decimal("58000")) - UNITS * ENTRY * TAKER


def test_wrong_secret_is_answered_401_signature_invalid(fake: FakeThreeCommas) -> None:
    fake.add_account()
    http = httpx.Client(transport=fake.transport)
    client = ThreeCommas(api_key=fake.api_key, api_secret="not-the-secret", http_client=http)
    with http, client, pytest.raises(AuthenticationError) as caught:
        client.request("GET", "/v2/smart_trades")
    assert caught.value.status_code == 401
    assert caught.value.error == "signature_invalid"
    assert caught.value.error_description == "Provided signature is invalid"
    assert fake.requests[-1].status == 401
    assert "signature" not in fake.requests[-1].headers
    assert "apikey" not in fake.requests[-1].headers


def test_short_with_take_profit_above_the_price_gets_422(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client() as client, pytest.raises(UnprocessableEntityError) as caught:
        client.request("POST", "/v2/smart_trades", json=hedge(account_id, take_profit="65000"))
    error = caught.value
    assert error.status_code == 422
    assert error.error == "record_invalid"
    assert error.error_description == "Invalid parameters"
    assert error.error_attributes == {
        "take_profit[steps][0][price][value]": ["must be below 60000 for a sell position"]
    }
    assert fake.smart_trades() == []


def test_short_with_stop_loss_below_the_price_gets_422(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client() as client, pytest.raises(UnprocessableEntityError) as caught:
        client.request("POST", "/v2/smart_trades", json=hedge(account_id, stop_loss="59000"))
    assert list(caught.value.error_attributes) == ["stop_loss[conditional][price][value]"]
