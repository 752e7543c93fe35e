"""Writes under injected faults: a hedge is never placed twice, a close or funds change never twice.

For each fault (timeout or reset before/after the server acts, 503 before/after commit, a proxy's
502 HTML page before/after commit), sync and async: a write whose answer was lost is never sent
again. After commit, the effect exists once and the call returns it (found by the check); before
commit, nothing exists and the call raises ``WriteOutcomeUnknownError`` with the client tag after
looking over its window (not finding it is no evidence). A re-run with the tag creates it once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

import threecommas_hedge as th
from _write_faults import PAIR, Api, fake_at_60000, hedge, no_sleep
from threecommas_hedge import WriteOutcomeUnknownError
from threecommas_hedge._writes.client_tag import client_tag_of
from threecommas_hedge.testing import FakeThreeCommas

FAULTS = [
    pytest.param("timeout", False, id="timeout-before-commit"),
    pytest.param("timeout", True, id="timeout-after-commit"),
    pytest.param("reset", False, id="reset-before-commit"),
    pytest.param("reset", True, id="reset-after-commit"),
    pytest.param(503, False, id="503-before-commit"),
    pytest.param(503, True, id="503-after-commit"),
    pytest.param(502, False, id="502-html-before-commit"),
    pytest.param(502, True, id="502-html-after-commit"),
]


@pytest.fixture
def fake() -> FakeThreeCommas:
    return fake_at_60000()


@pytest.fixture
def account_id(fake: FakeThreeCommas) -> int:
    return fake.add_account()  # a paper USDT-M futures account


@pytest.fixture(params=["sync", "async"])
async def api(request: pytest.FixtureRequest, fake: FakeThreeCommas) -> AsyncIterator[Api]:
    if request.param == "sync":
        with fake.client(_sleep=lambda seconds: None) as client:
            yield Api(client)
    else:
        async with fake.async_client(_sleep=no_sleep) as async_client:
            yield Api(async_client)


@pytest.fixture
def trade_id(fake: FakeThreeCommas, account_id: int) -> int:
    """An open hedge (entered, waiting for its targets), made before any fault is armed."""
    with fake.client() as client:
        created = client.smart_trades.create(hedge(account_id))
    assert fake.smart_trade(created.id)["status"]["basic_type"] == "waiting_targets"
    fake.requests.clear()
    return created.id


def posts(fake: FakeThreeCommas, path: str) -> int:
    return sum(1 for request in fake.requests if request.method == "POST" and request.path == path)


def trades_of(fake: FakeThreeCommas, trade_id: int, purpose: str) -> list[dict[str, Any]]:
    with fake.client() as client:
        trades = client.request("GET", f"/v2/smart_trades/{trade_id}/trades")
    return [trade for trade in trades if trade["trade_purpose"] == purpose]


# ---------------------------------------------------------------- create


LOOKS = 6
"""Looks over the default 10 s window: at 0, 0.5, 1.5, 3.5, 7.5 and 10 s (sleeps patched)."""


@pytest.mark.parametrize(("fault", "after_commit"), FAULTS)
async def test_create_under_a_fault_places_at_most_one_hedge(
    fake: FakeThreeCommas, account_id: int, api: Api, fault: Any, after_commit: bool
) -> None:
    fake.fail_next(fault, after_commit=after_commit, method="POST", path="/v2/smart_trades")
    if after_commit:
        created = await api("create", hedge(account_id, note="hedge #1"))
        tag = created.client_tag
        assert created.recovered is True
        assert created.position.type == "sell"
    else:
        with pytest.raises(WriteOutcomeUnknownError) as info:
            await api("create", hedge(account_id, note="hedge #1"))
        assert fake.smart_trades() == []
        tag = str(info.value.client_tag)
        created = await api("create", hedge(account_id, note="hedge #1"), client_tag=tag)
        assert created.recovered is False and created.client_tag == tag
    stored = fake.smart_trades()
    assert [trade["id"] for trade in stored] == [created.id]
    assert stored[0]["note"] == f"hedge #1 [tch:{tag}]"
    sent = [request.json for request in fake.requests if request.method == "POST"]
    assert len(sent) == (1 if after_commit else 2)  # the second is the caller's re-run
    assert all(body == sent[0] for body in sent)  # same body, same tag
    listing = [r for r in fake.requests if r.method == "GET" and r.path == "/v2/smart_trades"]
    assert len(listing) == (1 if after_commit else 2 * LOOKS)  # the window, the re-run's window
    assert (listing[0].query["account_id"], listing[0].query["pair"]) == (str(account_id), PAIR)
    assert listing[0].query["status"] == "all"


async def test_create_without_a_fault_sends_once_and_tags_the_note(
    fake: FakeThreeCommas, account_id: int, api: Api
) -> None:
    created = await api("create", hedge(account_id))
    assert created.recovered is False
    assert fake.smart_trade(created.id)["note"] == f"[tch:{created.client_tag}]"
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", "/ver1/accounts"),  # the mode guard
        ("POST", "/v2/smart_trades"),
    ]
    again = await api("create", hedge(account_id))
    assert again.client_tag != created.client_tag


async def test_unreadable_state_leaves_the_outcome_unknown_and_names_the_tag(
    fake: FakeThreeCommas, account_id: int, api: Api
) -> None:
    fake.fail_next("timeout", after_commit=True, method="POST", path="/v2/smart_trades")
    fake.fail_next(403, method="GET", path="/v2/smart_trades")  # a read that cannot succeed
    with pytest.raises(WriteOutcomeUnknownError) as info:
        await api("create", hedge(account_id))
    stored = fake.smart_trades()
    assert len(stored) == 1
    assert client_tag_of(stored[0]["note"]) == info.value.client_tag
    assert str(info.value.client_tag) in str(info.value)
    assert isinstance(info.value.__cause__, th.PermissionDeniedError)
    assert posts(fake, "/v2/smart_trades") == 1  # never sent again blind


async def test_a_failing_read_is_tried_again_within_the_window(
    fake: FakeThreeCommas, account_id: int, api: Api
) -> None:
    fake.fail_next("timeout", after_commit=True, method="POST", path="/v2/smart_trades")
    for _ in range(3):  # the listing and its two retries: the first look fails
        fake.fail_next(503, method="GET", path="/v2/smart_trades")
    created = await api("create", hedge(account_id))
    assert created.recovered is True
    assert [trade["id"] for trade in fake.smart_trades()] == [created.id]


async def test_a_refusal_is_raised_as_is_and_not_checked(
    fake: FakeThreeCommas, account_id: int, api: Api
) -> None:
    body = hedge(account_id)
    body["position"]["units"]["value"] = "0.00000001"  # below the market's minimum
    fake.fail_next(422, method="POST", path="/v2/smart_trades")
    with pytest.raises(th.UnprocessableEntityError):
        await api("create", body)
    assert fake.smart_trades() == []
    assert [r.path for r in fake.requests].count("/v2/smart_trades") == 1  # no listing


async def test_a_note_without_room_for_the_tag_is_refused_before_sending(
    fake: FakeThreeCommas, account_id: int, api: Api
) -> None:
    with pytest.raises(th.HedgeValidationError, match="note"):
        await api("create", hedge(account_id, note="n" * 282))
    assert fake.requests == []
    created = await api("create", hedge(account_id, note="n" * 281))
    assert len(fake.smart_trade(created.id)["note"]) == 300


# ---------------------------------------------------------------- close_by_market


@pytest.mark.parametrize(("fault", "after_commit"), FAULTS)
async def test_close_by_market_under_a_fault_closes_at_most_once(
    fake: FakeThreeCommas, trade_id: int, api: Api, fault: Any, after_commit: bool
) -> None:
    path = f"/v2/smart_trades/{trade_id}/close_by_market"
    fake.fail_next(fault, after_commit=after_commit, method="POST", path=path)
    if after_commit:
        closed = await api("close_by_market", trade_id)
        assert closed.id == trade_id
        assert closed.status.code in ("panic_sell_pending", "finished")
    else:
        with pytest.raises(WriteOutcomeUnknownError):
            await api("close_by_market", trade_id)
    assert posts(fake, path) == 1
    state = fake.smart_trade(trade_id)
    closed_amount = Decimal(state["data"]["closed_amount"])
    assert closed_amount == (Decimal("0.5") if after_commit else 0)


# ---------------------------------------------------------------- add / reduce funds


@pytest.mark.parametrize(("fault", "after_commit"), FAULTS)
@pytest.mark.parametrize(
    ("action", "purpose"), [("add_funds", "position"), ("reduce_funds", "reduce_funds")]
)
async def test_funds_under_a_fault_change_at_most_once(
    fake: FakeThreeCommas,
    trade_id: int,
    api: Api,
    fault: Any,
    after_commit: bool,
    action: str,
    purpose: str,
) -> None:
    path = f"/v2/smart_trades/{trade_id}/{action}"
    fake.fail_next(fault, after_commit=after_commit, method="POST", path=path)
    payload = {"order_type": "market", "units": {"value": "0.1"}}
    before = len(trades_of(fake, trade_id, purpose))
    if after_commit:
        result = await api(action, trade_id, payload)
        assert result.id == trade_id
    else:
        with pytest.raises(WriteOutcomeUnknownError):
            await api(action, trade_id, payload)
    assert posts(fake, path) == 1
    assert len(trades_of(fake, trade_id, purpose)) == before + (1 if after_commit else 0)


async def test_an_invalid_funds_payload_sends_nothing(
    fake: FakeThreeCommas, trade_id: int, api: Api
) -> None:
    with pytest.raises(ValueError, match="price is required for a limit order"):
        await api("add_funds", trade_id, {"order_type": "limit", "units": {"value": "0.1"}})
    assert fake.requests == []
