"""The fake's SmartTrades move exactly like ``simulate``: fills, fees, timeouts, funds, statuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threecommas_hedge._exceptions import UnprocessableEntityError
from threecommas_hedge.hedge.simulate import simulate
from threecommas_hedge.models import MarketRules, SmartTrade
from threecommas_hedge.models.requests import SmartTradeCreate
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"
D = Decimal


def payload(account_id: int, side: str = "sell", **groups: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account_id": account_id,
        "pair": PAIR,
        "position": {"type": side, "order_type": "market", "units": {"value": "0.5"}},
    }
    body.update(groups)
    return body


def create(fake: FakeThreeCommas, body: dict[str, Any]) -> int:
    with fake.client(mode_guard=False) as client:
        return int(client.request("POST", "/v2/smart_trades", json=body)["id"])


def state(fake: FakeThreeCommas, trade_id: int) -> SmartTrade:
    return SmartTrade.model_validate(fake.smart_trade(trade_id))


def new_fake(price: str = "60000", commission: str = "0") -> tuple[FakeThreeCommas, int]:
    fake = FakeThreeCommas(rate_limits=False)
    account_id = fake.add_account(commission=commission)
    fake.set_price(PAIR, D(price))
    return fake, account_id


# --- same outcome as simulate on any path ----------------------------------------------------

SHORT_PLANS: list[dict[str, Any]] = [
    {
        "take_profit": {
            "enabled": True,
            "steps": [
                {"order_type": "limit", "volume": "50", "price": {"value": "57000"}},
                {"order_type": "market", "volume": "50", "price": {"percent": "-8"}},
            ],
        },
        "stop_loss": {
            "enabled": True,
            "breakeven": True,
            "order_type": "market",
            "conditional": {"price": {"value": "61800"}},
        },
    },
    {
        "take_profit": {
            "enabled": True,
            "steps": [
                {
                    "order_type": "market",
                    "volume": "100",
                    "price": {"value": "58000"},
                    "trailing": {"enabled": True, "percent": "1"},
                }
            ],
        },
        "stop_loss": {
            "enabled": True,
            "order_type": "market",
            "conditional": {"price": {"percent": "3"}, "trailing": {"enabled": True}},
        },
    },
    {
        "leverage": {"enabled": True, "type": "isolated", "value": 10},
        "stop_loss": {
            "enabled": True,
            "order_type": "limit",
            "price": {"value": "62500"},
            "conditional": {"price": {"value": "62000"}},
        },
    },
]

prices = st.lists(
    st.integers(min_value=52_000, max_value=68_000).map(lambda p: D(p)), min_size=1, max_size=25
)


@settings(max_examples=60, deadline=None)
@given(
    plan=st.sampled_from(range(len(SHORT_PLANS))), path=prices, fee=st.sampled_from(["0", "0.001"])
)
def test_set_price_replays_like_simulate(plan: int, path: list[Decimal], fee: str) -> None:
    fake, account_id = new_fake(commission=fee)
    body = payload(account_id, **SHORT_PLANS[plan])
    trade_id = create(fake, body)
    for price in path:
        fake.set_price(PAIR, price)
    trade = state(fake, trade_id)
    result = simulate(
        SmartTradeCreate.model_validate(body),
        [D("60000"), *path],
        maker_fee_rate=D(fee),
        taker_fee_rate=D(fee),
    )
    unrealized = -(path[-1] - D("60000")) * result.remaining_quantity
    assert trade.profit.volume == result.realized_pnl + unrealized - result.fees
    assert trade.data.closed_amount == result.closed_quantity
    assert trade.data.average_close_price_without_commission == result.exit_price
    expected_status = {
        "open": "waiting_targets",
        "closed": "finished",
        "liquidated": "failed",
    }[result.status]
    assert trade.status.basic_type == expected_status


# --- fees, timeouts and the other mechanics ---------------------------------------------------


def test_commission_enters_prices_and_profit() -> None:
    fake, account_id = new_fake(commission="0.001")
    take_profit = {
        "enabled": True,
        "steps": [{"order_type": "limit", "volume": "100", "price": {"value": "55000"}}],
    }
    trade_id = create(fake, payload(account_id, take_profit=take_profit))
    fake.set_price(PAIR, D("55000"))
    trade = state(fake, trade_id)
    fees = D("0.5") * D("60000") * D("0.001") + D("0.5") * D("55000") * D("0.001")
    assert fees == D("57.5")
    assert trade.profit.volume == D("2500") - fees
    assert trade.data.commission == D("0.001")
    assert trade.data.average_enter_price == D("60000") * (1 - D("0.001"))
    assert trade.data.average_close_price == D("55000") * (1 + D("0.001"))


def test_stop_loss_timeout_waits_on_the_clock() -> None:
    clock = [0.0]
    fake = FakeThreeCommas(rate_limits=False, clock=lambda: clock[0])
    account_id = fake.add_account(commission="0")  # the timer, not the fees
    fake.set_price(PAIR, D("60000"))
    stop_loss = {
        "enabled": True,
        "order_type": "market",
        "conditional": {"price": {"value": "61800"}},
        "timeout": {"enabled": True, "value": 60},
    }
    trade_id = create(fake, payload(account_id, stop_loss=stop_loss))
    fake.set_price(PAIR, D("62000"))
    fake.advance(59)
    assert state(fake, trade_id).status.basic_type == "waiting_targets"
    fake.set_price(PAIR, D("61000"))  # back inside: the timer resets
    fake.set_price(PAIR, D("61900"))
    fake.advance(59)
    assert state(fake, trade_id).status.basic_type == "waiting_targets"
    fake.advance(1)
    trade = state(fake, trade_id)
    assert trade.status.basic_type == "finished"
    assert trade.profit.volume == D("0.5") * (D("60000") - D("61900"))


def test_limit_entry_fills_when_reached_and_conditional_arms() -> None:
    fake, account_id = new_fake()
    limit = create(
        fake,
        payload(account_id)
        | {
            "position": {
                "type": "sell",
                "order_type": "limit",
                "units": {"value": "1"},
                "price": {"value": "61000"},
            }
        },
    )
    conditional = create(
        fake,
        payload(account_id)
        | {
            "position": {
                "type": "sell",
                "order_type": "conditional",
                "units": {"value": "1"},
                "price": {"value": "59000"},
                "conditional": {"order_type": "limit", "price": {"value": "59500"}},
            }
        },
    )
    fake.set_price(PAIR, D("60500"))
    assert state(fake, limit).status.basic_type == "waiting_position"
    assert state(fake, conditional).position.status.basic_type == "to_process"
    fake.set_price(PAIR, D("61000"))
    entered = state(fake, limit)
    assert entered.status.basic_type == "waiting_targets"
    assert entered.data.average_enter_price_without_commission == D("61000")
    fake.set_price(PAIR, D("59400"))  # crosses the trigger; the limit sell at 59000 is marketable
    armed = state(fake, conditional)
    assert armed.status.basic_type == "waiting_targets"
    assert armed.data.average_enter_price_without_commission == D("59400")


def test_limit_funds_orders_wait_for_their_price() -> None:
    fake, account_id = new_fake()
    trade_id = create(fake, payload(account_id))
    with fake.client(mode_guard=False) as client:
        client.request(
            "POST",
            f"/v2/smart_trades/{trade_id}/add_funds",
            json={"order_type": "limit", "units": {"value": "0.5"}, "price": {"value": "62000"}},
        )
        client.request(
            "POST",
            f"/v2/smart_trades/{trade_id}/reduce_funds",
            json={"order_type": "limit", "units": {"value": "0.25"}, "price": {"value": "58000"}},
        )
    assert state(fake, trade_id).status.basic_type == "pending_reduce_funds"
    fake.set_price(PAIR, D("61000"))
    assert state(fake, trade_id).data.entered_amount == D("0.5")
    fake.set_price(PAIR, D("62000"))  # the short adds by selling at 62,000
    trade = state(fake, trade_id)
    assert trade.data.entered_amount == D("1")
    assert trade.data.average_enter_price_without_commission == D("61000")
    fake.set_price(PAIR, D("58000"))  # and reduces by buying back at 58,000
    trade = state(fake, trade_id)
    assert trade.status.basic_type == "waiting_targets"
    assert trade.data.closed_amount == D("0.25")
    assert trade.profit.volume == D("0.25") * D("3000") + D("0.75") * D("3000")


def test_simple_and_held_trades() -> None:
    fake, account_id = new_fake()
    simple = create(fake, payload(account_id) | {"instant": True})
    held = create(
        fake,
        payload(account_id)
        | {
            "skip_enter_step": True,
            "position": {
                "type": "sell",
                "order_type": "market",
                "units": {"value": "1"},
                "price": {"value": "65000"},
            },
            "take_profit": {
                "enabled": True,
                "steps": [{"order_type": "limit", "volume": "100", "price": {"value": "59000"}}],
            },
        },
    )
    fake.set_price(PAIR, D("59000"))
    assert state(fake, simple).status.basic_type == "finished"
    assert state(fake, simple).data.type == "simple_sell"
    trade = state(fake, held)
    assert trade.data.type == "smart_buy"
    assert trade.position.status.basic_type == "smart_sell"
    assert trade.profit.volume == D("65000") - D("59000")


def test_liquidation_fails_the_trade() -> None:
    fake, account_id = new_fake()
    body = payload(account_id, leverage={"enabled": True, "type": "isolated", "value": 10})
    trade_id = create(fake, body)
    fake.set_price(PAIR, D("60000"))
    # no brackets: the conservative MMR 1/(2L) = 5% at 10x
    quantity, entry, mmr = D("0.5"), D("60000"), D("0.05")
    wallet = quantity * entry / 10
    expected = (wallet + quantity * entry) / (quantity * (1 + mmr))
    assert state(fake, trade_id).data.liquidation_price == expected
    fake.set_price(PAIR, D("66000"))
    trade = state(fake, trade_id)
    assert trade.status.basic_type == "failed"
    assert trade.status.error == "Position was liquidated"
    assert trade.profit.volume == -wallet


def test_edits_are_checked_against_the_market(fake_and_trade: tuple[FakeThreeCommas, int]) -> None:
    fake, trade_id = fake_and_trade
    with fake.client(mode_guard=False) as client:
        with pytest.raises(UnprocessableEntityError) as caught:
            client.request(
                "PATCH",
                f"/v2/smart_trades/{trade_id}",
                json={
                    "stop_loss": {
                        "enabled": True,
                        "order_type": "market",
                        "conditional": {"price": {"value": "57000"}},
                    }
                },
            )
        assert caught.value.error_attributes == {
            "stop_loss[conditional][price][value]": ["must be above 58000 for a sell position"]
        }
        with pytest.raises(UnprocessableEntityError) as caught:
            client.request(
                "PATCH",
                f"/v2/smart_trades/{trade_id}",
                json={"position": {"units": {"value": "1"}}},
            )
        assert caught.value.error_attributes == {
            "position": ["can only be edited before the entry fills"]
        }
        # a stop moved below the entry but above the market is fine for an open short
        moved = client.request(
            "PATCH",
            f"/v2/smart_trades/{trade_id}",
            json={
                "stop_loss": {
                    "enabled": True,
                    "order_type": "market",
                    "conditional": {"price": {"value": "59000"}},
                }
            },
        )
    assert moved["stop_loss"]["conditional"]["price"]["value"] == "59000"
    fake.set_price(PAIR, D("59000"))
    assert state(fake, trade_id).profit.volume == D("0.5") * D("1000")


@pytest.fixture
def fake_and_trade() -> tuple[FakeThreeCommas, int]:
    fake, account_id = new_fake()
    trade_id = create(fake, payload(account_id))
    fake.set_price(PAIR, D("58000"))
    return fake, trade_id


def test_market_rules_on_create() -> None:
    fake, account_id = new_fake()
    fake.set_rules(
        PAIR,
        MarketRules(
            price_step=D("0.5"),
            lot_step=D("0.001"),
            min_lot=D("0.01"),
            min_notional=D("1000"),
            max_leverage=5,
        ),
    )
    spot = fake.add_account("spot")
    body = payload(
        account_id,
        leverage={"enabled": True, "type": "cross", "value": 20},
        take_profit={
            "enabled": True,
            "steps": [{"order_type": "limit", "volume": "100", "price": {"value": "55000.25"}}],
        },
    )
    body["position"]["units"]["value"] = "0.0055"
    with fake.client(mode_guard=False) as client:
        with pytest.raises(UnprocessableEntityError) as caught:
            client.request("POST", "/v2/smart_trades", json=body)
        assert caught.value.error_attributes == {
            "leverage[value]": ["must be less than or equal to 5"],
            "position[units][value]": [
                "must be a multiple of 0.001",
                "must be greater than or equal to 0.01",
            ],
            "position.total": ["must be greater than or equal to 1000"],
            "take_profit[steps][0][price][value]": ["must be a multiple of 0.5"],
        }
        with pytest.raises(UnprocessableEntityError) as caught:
            client.request(
                "POST",
                "/v2/smart_trades",
                json=payload(spot, leverage={"enabled": True, "type": "cross", "value": 2}),
            )
        assert caught.value.error_attributes == {
            "leverage[enabled]": ["is not supported by a spot account"]
        }
        with pytest.raises(UnprocessableEntityError) as caught:
            client.request(
                "POST", "/v2/smart_trades", json=payload(account_id) | {"pair": "USDT_NOPE"}
            )
        assert list(caught.value.error_attributes) == ["pair"]


def test_a_cancelled_trade_stops_following_the_market() -> None:
    fake, account_id = new_fake()
    trade_id = create(fake, payload(account_id))
    fake.set_price(PAIR, D("58000"))
    assert state(fake, trade_id).profit.volume == D("0.5") * D("2000")
    with fake.client(mode_guard=False) as client:
        client.request("DELETE", f"/v2/smart_trades/{trade_id}")
    fake.set_price(PAIR, D("50000"))
    trade = state(fake, trade_id)
    assert trade.status.basic_type == "cancelled"
    assert trade.profit.volume == 0
    assert trade.data.cancel_available is False
