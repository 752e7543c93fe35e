"""Every SmartTrade endpoint and the account and market-data calls, through ``client.request``."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from threecommas_hedge import ThreeCommas
from threecommas_hedge._exceptions import (
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)
from threecommas_hedge.models import Account, MarketRules, SmartTrade, Trade
from threecommas_hedge.models.accounts import LeverageType
from threecommas_hedge.models.market import CurrencyRates, CurrencyRatesWithLeverage, MarketInfo
from threecommas_hedge.models.responses import ReduceFundsInfo
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"
D = Decimal


@pytest.fixture
def fake() -> FakeThreeCommas:
    fake = FakeThreeCommas(rate_limits=False)
    fake.set_price(PAIR, D("60000"))
    return fake


@pytest.fixture
def client(fake: FakeThreeCommas) -> Iterator[ThreeCommas]:
    with fake.client() as client:
        yield client


def short(account_id: int, **position: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account_id": account_id,
        "pair": PAIR,
        "leverage": {"enabled": True, "type": "isolated", "value": 2},
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
        "take_profit": {
            "enabled": True,
            "steps": [
                {"order_type": "limit", "volume": "50", "price": {"value": "56000"}},
                {"order_type": "limit", "volume": "25", "price": {"value": "55000"}},
                {"order_type": "market", "volume": "25", "price": {"value": "54000"}},
            ],
        },
        "stop_loss": {
            "enabled": True,
            "order_type": "market",
            "conditional": {"price": {"value": "63000", "type": "last"}},
        },
    }
    body["position"].update(position)
    return body


def get(client: ThreeCommas, trade_id: int) -> SmartTrade:
    return SmartTrade.model_validate(client.request("GET", f"/v2/smart_trades/{trade_id}"))


def test_create_get_edit_force_start(fake: FakeThreeCommas, client: ThreeCommas) -> None:
    account_id = fake.add_account()
    body = short(account_id, order_type="limit", price={"value": "61000"})
    created = SmartTrade.model_validate(client.request("POST", "/v2/smart_trades", json=body))
    assert created.account.id == account_id
    assert created.account.type == "paper_trading_futures"
    assert created.is_position_not_filled is True

    waiting = get(client, created.id)
    assert waiting.status.basic_type == "waiting_position"
    assert waiting.position.status.basic_type == "order_placed"
    assert waiting.position.price.value == D("61000")
    assert waiting.data.force_start_available is True
    assert waiting.data.editable is True
    assert [step.status.basic_type for step in waiting.take_profit.steps] == ["idle"] * 3

    kept = waiting.take_profit.steps[0].id
    edit = {
        "position": {"units": {"value": "0.4"}, "price": {"value": "61500"}},
        "take_profit": {
            "enabled": True,
            "steps": [
                {"id": kept, "order_type": "limit", "volume": "60", "price": {"value": "57000"}},
                {"order_type": "limit", "volume": "40", "price": {"value": "56000"}},
            ],
        },
    }
    edited = SmartTrade.model_validate(
        client.request("PATCH", f"/v2/smart_trades/{created.id}", json=edit)
    )
    assert edited.position.units.value == D("0.4")
    assert edited.position.price.value == D("61500")
    assert edited.take_profit.steps[0].id == kept
    assert [step.price.value for step in edited.take_profit.steps] == [D("57000"), D("56000")]
    assert [step.position for step in edited.take_profit.steps] == [1, 2]

    started = client.request("POST", f"/v2/smart_trades/{created.id}/force_start")
    assert started["status"]["basic_type"] == "waiting_position"
    entered = get(client, created.id)
    assert entered.status.basic_type == "waiting_targets"
    assert entered.data.entered_amount == D("0.4")
    assert entered.data.average_enter_price_without_commission == D("60000")
    assert entered.data.force_start_available is False
    assert entered.data.panic_sell_available is True


def test_trades_funds_note_and_close(fake: FakeThreeCommas, client: ThreeCommas) -> None:
    account_id = fake.add_account()
    trade_id = client.request("POST", "/v2/smart_trades", json=short(account_id))["id"]
    trades = [
        Trade.model_validate(t)
        for t in client.request("GET", f"/v2/smart_trades/{trade_id}/trades")
    ]
    purposes = [(t.trade_purpose, t.status) for t in trades]
    assert purposes == [
        ("position", "finished"),
        ("take_profit", "order_placed"),
        ("take_profit", "order_placed"),
        ("take_profit", "to_process"),
        ("stop_loss", "to_process"),
    ]
    assert trades[0].realised_amount == D("0.5")
    assert trades[4].trigger_condition == "greater_or_equal"
    assert trades[4].trigger_price == D("63000")

    fake.set_price(PAIR, D("59000"))
    added = client.request(
        "POST",
        f"/v2/smart_trades/{trade_id}/add_funds",
        json={"order_type": "market", "units": {"value": "0.1"}},
    )
    assert added["id"] == trade_id
    after_add = get(client, trade_id)
    average = (D("0.5") * D("60000") + D("0.1") * D("59000")) / D("0.6")
    assert after_add.data.entered_amount == D("0.6")
    assert after_add.data.average_enter_price_without_commission == average

    info = ReduceFundsInfo.model_validate(
        client.request("GET", f"/v2/smart_trades/{trade_id}/reduce_funds_info")
    )
    assert info.max_reduce_funds_amount == D("0.6")
    reducing = SmartTrade.model_validate(
        client.request(
            "POST",
            f"/v2/smart_trades/{trade_id}/reduce_funds",
            json={"order_type": "market", "units": {"value": "0.2"}},
        )
    )
    assert reducing.status.basic_type == "pending_reduce_funds"
    assert reducing.reduce_funds.steps[0].status.basic_type == "idle"
    reduced = get(client, trade_id)
    assert reduced.status.basic_type == "waiting_targets"
    assert reduced.reduce_funds.steps[0].status.basic_type == "finished"
    assert reduced.data.closed_amount == D("0.2")

    noted = client.request(
        "POST", f"/v2/smart_trades/{trade_id}/set_note", json={"note": "hedge #1"}
    )
    assert (noted["note"], noted["note_raw"]) == ("hedge #1", "hedge #1")

    step = reduced.take_profit.steps[1]
    closing = SmartTrade.model_validate(
        client.request("POST", f"/v2/smart_trades/{trade_id}/trades/{step.id}/close_by_market")
    )
    assert closing.take_profit.steps[1].status.basic_type == "panic_sell_pending"
    closed_step = get(client, trade_id).take_profit.steps[1]
    assert closed_step.status.basic_type == "finished"
    # the step closes its 25 % of the (reduced) position at the market price
    assert closed_step.units.value == D("0.4") * D("25") / 100

    cancelled_step = reduced.take_profit.steps[2]
    after_cancel = SmartTrade.model_validate(
        client.request("DELETE", f"/v2/smart_trades/{trade_id}/trades/{cancelled_step.id}")
    )
    assert [s.status.basic_type for s in after_cancel.take_profit.steps] == [
        "order_placed",
        "finished",
        "cancelled",
    ]
    assert after_cancel.status.basic_type == "waiting_targets"

    panic = client.request("POST", f"/v2/smart_trades/{trade_id}/close_by_market")
    assert panic["status"]["basic_type"] == "panic_sell_pending"
    final = get(client, trade_id)
    assert final.status.basic_type == "finished"
    assert final.market_close.status.basic_type == "finished"
    assert final.market_close.price.value == D("59000") * (1 + D("0.0005"))  # taker, default
    assert final.data.closed_amount == D("0.6")
    assert final.data.panic_sell_available is False


def test_cancel_and_cancel_one_trade(fake: FakeThreeCommas, client: ThreeCommas) -> None:
    account_id = fake.add_account()
    first = client.request("POST", "/v2/smart_trades", json=short(account_id))["id"]
    answer = client.request("DELETE", f"/v2/smart_trades/{first}")
    assert answer["status"]["basic_type"] == "cancellation_pending"
    cancelled = get(client, first)
    assert cancelled.status.basic_type == "cancelled"
    assert cancelled.data.closed_at is not None
    assert cancelled.is_terminal

    second = client.request("POST", "/v2/smart_trades", json=short(account_id))["id"]
    trades = client.request("GET", f"/v2/smart_trades/{second}/trades")
    stop_loss_id = next(t["id"] for t in trades if t["trade_purpose"] == "stop_loss")
    client.request("DELETE", f"/v2/smart_trades/{second}/trades/{stop_loss_id}")
    assert get(client, second).status.basic_type == "cancelled"  # the stop loss takes it all


def test_not_found_and_not_allowed(fake: FakeThreeCommas, client: ThreeCommas) -> None:
    for method, path in [
        ("GET", "/v2/smart_trades/1"),
        ("PATCH", "/v2/smart_trades/1"),
        ("GET", "/v2/smart_trades/1/trades"),
        ("POST", "/v2/smart_trades/1/set_note"),
    ]:
        with pytest.raises(NotFoundError) as caught:
            client.request(method, path, json={"note": "x"} if method != "GET" else None)
        assert caught.value.error == "Not found"
        assert caught.value.error_description == "Smart Trade not found"
    account_id = fake.add_account()
    trade_id = client.request("POST", "/v2/smart_trades", json=short(account_id))["id"]
    with pytest.raises(NotFoundError):
        client.request("DELETE", f"/v2/smart_trades/{trade_id}/trades/42")
    with pytest.raises(PermissionDeniedError):
        client.request("POST", f"/v2/smart_trades/{trade_id}/force_start")
    fake.set_price(PAIR, D("64000"))  # stopped out
    with pytest.raises(BadRequestError) as caught:
        client.request("GET", f"/v2/smart_trades/{trade_id}/reduce_funds_info")
    assert caught.value.error == "Wrong param(s)"
    assert caught.value.error_description == "Reduce funds is not allowed in the current status"
    with pytest.raises(BadRequestError):
        client.request(
            "PATCH", f"/v2/smart_trades/{trade_id}", json={"leverage": {"enabled": False}}
        )
    with pytest.raises(PermissionDeniedError):
        client.request("DELETE", f"/v2/smart_trades/{trade_id}")


def test_funds_validation_answers_400_then_422(fake: FakeThreeCommas, client: ThreeCommas) -> None:
    account_id = fake.add_account()
    fake.set_rules(PAIR, MarketRules(lot_step=D("0.001"), min_notional=D("100")))
    trade_id = client.request("POST", "/v2/smart_trades", json=short(account_id))["id"]
    client.request("GET", f"/v2/smart_trades/{trade_id}")
    with pytest.raises(BadRequestError) as caught:
        client.request("POST", f"/v2/smart_trades/{trade_id}/add_funds", json={})
    assert caught.value.error == "record_invalid"
    with pytest.raises(UnprocessableEntityError) as caught:
        client.request(
            "POST",
            f"/v2/smart_trades/{trade_id}/add_funds",
            json={"order_type": "market", "units": {"value": "0.0015"}},
        )
    assert caught.value.error_attributes == {
        "units[value]": ["must be a multiple of 0.001"],
        "total": ["must be greater than or equal to 100"],
    }
    with pytest.raises(UnprocessableEntityError) as caught:
        client.request(
            "POST",
            f"/v2/smart_trades/{trade_id}/reduce_funds",
            json={"order_type": "market", "units": {"value": "0.6"}},
        )
    assert caught.value.error_attributes == {"entered_amount": ["Too small"]}


def test_list_filters_order_and_pages(fake: FakeThreeCommas, client: ThreeCommas) -> None:
    futures = fake.add_account()
    spot = fake.add_account("spot")
    fake.set_price("USDT_BTC", D("60000"))
    ids = [client.request("POST", "/v2/smart_trades", json=short(futures))["id"] for _ in range(3)]
    long_body = {
        "account_id": spot,
        "pair": "USDT_BTC",
        "position": {"type": "buy", "order_type": "market", "units": {"value": "0.01"}},
    }
    spot_id = client.request("POST", "/v2/smart_trades", json=long_body)["id"]
    client.request("DELETE", f"/v2/smart_trades/{ids[0]}")

    def listed(**params: Any) -> list[int]:
        return [t["id"] for t in client.request("GET", "/v2/smart_trades", params=params)]

    assert listed(order_by="created_at", order_direction="ASC") == [*ids, spot_id]
    assert listed(order_by="created_at") == [spot_id, *reversed(ids)]
    assert listed(account_id=spot) == [spot_id]
    assert listed(pair="USDT_BTC") == [spot_id]
    assert listed(base="BTCUSDT", order_by="created_at", order_direction="ASC") == ids
    assert (
        listed(type="smart_cover", status="active", order_by="created_at", order_direction="ASC")
        == ids[1:]
    )
    assert listed(status="cancelled") == [ids[0]]
    assert listed(status="finished") == [ids[0]]
    assert listed(type="smart_trade") == [spot_id]
    assert listed(per_page=2, page=1, order_by="created_at", order_direction="ASC") == ids[:2]
    assert listed(per_page=2, page=2, order_by="created_at", order_direction="ASC") == [
        ids[2],
        spot_id,
    ]
    assert listed(per_page=2, page=3) == []
    assert listed(to="2000-01-01T00:00:00.000Z") == []
    assert len(listed(**{"from": "2000-01-01T00:00:00.000Z"})) == 4
    assert client.request("GET", "/ver1/smart_trades", params={"per_page": 1}) != []
    for bad in ({"per_page": 101}, {"order_by": "id"}, {"status": "done"}, {"type": "short"}):
        with pytest.raises(UnprocessableEntityError) as caught:
            listed(**bad)
        assert list(caught.value.error_attributes) == list(bad)


def test_accounts_and_market_data(fake: FakeThreeCommas, client: ThreeCommas) -> None:
    futures = fake.add_account()
    spot = fake.add_account("spot", commission="0.001")
    fake.add_account("futures", "real")  # invisible in paper mode
    fake.set_rules(
        PAIR,
        MarketRules(
            price_step=D("0.1"),
            lot_step=D("0.001"),
            min_lot=D("0.001"),
            min_notional=D("5"),
            max_leverage=20,
        ),
    )
    accounts = [Account.model_validate(a) for a in client.request("GET", "/ver1/accounts")]
    assert [a.id for a in accounts] == [futures, spot]
    assert [(a.is_paper, a.is_futures) for a in accounts] == [(True, True), (True, False)]
    assert (
        Account.model_validate(client.request("GET", f"/ver1/accounts/{spot}")).market_code
        == "paper_trading"
    )
    for method in ("GET", "POST"):
        data = [
            LeverageType.model_validate(x)
            for x in client.request(
                method, f"/ver1/accounts/{futures}/leverage_data", params={"pair": PAIR}
            )
        ]
        assert [(x.code, x.leverage_cap) for x in data] == [
            ("none", None),
            ("cross", D(20)),
            ("isolated", D(20)),
        ]
    spot_leverage = client.request(
        "GET", f"/ver1/accounts/{spot}/leverage_data", params={"pair": PAIR}
    )
    assert [x["code"] for x in spot_leverage] == ["none"]
    assert client.request("GET", "/ver1/validate") == {"valid": True}

    markets = [
        MarketInfo.model_validate(m)
        for m in client.request("GET", "/ver1/accounts/market_list", auth=False)
    ]
    assert "paper_trading_futures" in {m.market_code for m in markets}
    pairs = client.request(
        "GET",
        "/ver1/accounts/market_pairs",
        params={"market_code": "paper_trading_futures"},
        auth=False,
    )
    assert pairs == [PAIR]
    rates = CurrencyRates.model_validate(
        client.request(
            "GET",
            "/ver1/accounts/currency_rates",
            params={
                "market_code": "paper_trading_futures",
                "pair": PAIR,
                "limit_type": "smart_trade",
            },
            auth=False,
        )
    )
    assert (rates.last, rates.bid, rates.ask) == (D("60000"),) * 3
    assert (rates.price_step, rates.lot_step, rates.min_lot_size, rates.min_total) == (
        D("0.1"),
        D("0.001"),
        D("0.001"),
        D("5"),
    )
    assert rates.instrument_kind == "linear_futures"
    with_leverage = CurrencyRatesWithLeverage.model_validate(
        client.request(
            "GET",
            "/ver1/accounts/currency_rates_with_leverage_data",
            params={"market_code": "paper_trading_futures", "pair": PAIR},
            auth=False,
        )
    )
    assert [x.leverage_cap for x in with_leverage.leverage_data] == [D(20), D(20)]
    with pytest.raises(UnprocessableEntityError) as caught:
        client.request(
            "GET",
            "/ver1/accounts/currency_rates",
            params={"market_code": "nope", "pair": "USDT_XYZ"},
            auth=False,
        )
    assert set(caught.value.error_attributes) == {"market_code", "pair"}
    with pytest.raises(UnprocessableEntityError):
        client.request("GET", "/ver1/accounts/market_pairs", auth=False)
    assert all(
        r.headers.get("apikey") is None
        for r in fake.requests
        if "market" in r.path or "currency" in r.path
    )


def test_resources_work_against_the_fake(fake: FakeThreeCommas, client: ThreeCommas) -> None:
    account_id = fake.add_account()
    trade = client.smart_trades.create(short(account_id))
    assert client.smart_trades.get(trade.id).status.basic_type == "waiting_targets"
    assert [t.id for t in client.smart_trades.list()] == [trade.id]
    assert len(client.smart_trades.trades.list(trade.id)) == 5
    assert client.accounts.get(account_id).is_futures
    assert client.market.pairs("paper_trading_futures") == [PAIR]
