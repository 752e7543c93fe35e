"""Mode guard against the fake: a paper write never reaches a real account, nor the reverse.

The fake honours ``Forced-Mode``: a paper client sees only paper accounts, so a real account is
refused as one the key cannot check. An account of real kind that a paper client does see (what a
server ignoring the header would show) is refused by its kind. Either way no write leaves.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import threecommas_hedge as th
from threecommas_hedge._guard import ModeMismatchError
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"


def order(account_id: int) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "pair": PAIR,
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
    }


def writes(fake: FakeThreeCommas) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.requests if r.method != "GET"]


@pytest.fixture
def fake() -> FakeThreeCommas:
    fake = FakeThreeCommas(rate_limits=False)
    fake.set_price(PAIR, Decimal("60000"))
    return fake


def test_paper_create_on_a_real_account_is_refused_before_sending(fake: FakeThreeCommas) -> None:
    real = fake.add_account("spot", "real")
    fake.add_account("spot", "paper")
    with fake.client() as client:
        with pytest.raises(ModeMismatchError) as info:
            client.smart_trades.create(order(real))
        assert isinstance(info.value, th.ThreeCommasError)
        assert (info.value.account_id, info.value.mode) == (real, "paper")
        assert [(r.method, r.path) for r in fake.requests] == [("GET", "/ver1/accounts")]
        # the escape hatch is guarded too; an id missing from the cached list is read once more
        with pytest.raises(ModeMismatchError):
            client.request("POST", "/v2/smart_trades", json=order(real))
    assert [(r.method, r.path) for r in fake.requests] == [("GET", "/ver1/accounts")] * 2
    assert fake.smart_trades() == []


def test_an_account_of_real_kind_seen_in_paper_mode_is_refused(fake: FakeThreeCommas) -> None:
    lookalike = fake.add_account("spot", "paper", market_code="binance", exchange_name="Binance")
    with fake.client() as client, pytest.raises(ModeMismatchError, match="is a real account"):
        client.smart_trades.create(order(lookalike))
    assert writes(fake) == []
    assert fake.smart_trades() == []


async def test_async_paper_client_refuses_a_real_account(fake: FakeThreeCommas) -> None:
    real = fake.add_account("spot", "real")
    async with fake.async_client() as client:
        with pytest.raises(ModeMismatchError):
            await client.smart_trades.create(order(real))
    assert writes(fake) == []


def test_paper_create_on_a_paper_account_goes_out_in_paper_mode(fake: FakeThreeCommas) -> None:
    paper = fake.add_account("spot", "paper")
    with fake.client() as client:
        created = client.smart_trades.create(order(paper))
    assert [trade["id"] for trade in fake.smart_trades()] == [created.id]
    assert [r.mode for r in fake.requests] == ["paper", "paper"]


def test_real_mode_with_an_allow_list(fake: FakeThreeCommas) -> None:
    real, other_real = fake.add_account("spot", "real"), fake.add_account("spot", "real")
    with fake.client(mode="real", allowed_account_ids=[real]) as client:
        with pytest.raises(ModeMismatchError, match="allowed_account_ids"):
            client.smart_trades.create(order(other_real))
        assert fake.requests == []  # refused without even reading the accounts
        created = client.smart_trades.create(order(real))
    assert [trade["id"] for trade in fake.smart_trades()] == [created.id]
    assert writes(fake) == ["POST /v2/smart_trades"]
    assert fake.requests[-1].mode == "real"


def test_real_mode_refuses_a_paper_account(fake: FakeThreeCommas) -> None:
    paper = fake.add_account("spot", "paper")
    lookalike = fake.add_account("spot", "real", market_code="paper_trading")
    with fake.client(mode="real") as client:
        with pytest.raises(ModeMismatchError):  # invisible in real mode: cannot be checked
            client.smart_trades.create(order(paper))
        with pytest.raises(ModeMismatchError, match="is a paper account"):
            client.smart_trades.create(order(lookalike))
    assert writes(fake) == []


def test_paper_client_cannot_touch_a_real_trade(fake: FakeThreeCommas) -> None:
    real = fake.add_account("spot", "real")
    with fake.client(mode="real") as client:
        trade_id = client.smart_trades.create(order(real)).id
    fake.requests.clear()
    with fake.client() as client:
        with pytest.raises(th.NotFoundError):  # the guard's read of the trade: not in paper
            client.smart_trades.close_by_market(trade_id)
        with pytest.raises(th.NotFoundError):
            client.request("DELETE", f"/v2/smart_trades/{trade_id}")
    assert writes(fake) == []
    assert fake.smart_trade(trade_id)["status"]["basic_type"] == "waiting_targets"
