"""A fresh client tag (the keeper's): ``smart_trades.create(client_tag=..., fresh=True)`` or a
``FreshClientTag`` sends at once, with no look for an earlier attempt; an unknown outcome is
still reconciled by the tag; a re-run with the plain tag still finds the trade."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from threecommas_hedge._writes.client_tag import client_tag_of, new_client_tag
from threecommas_hedge._writes.safe_writes import FreshClientTag
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"
CREATE = "/v2/smart_trades"


def short(account_id: int) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "pair": PAIR,
        "leverage": {"enabled": True, "type": "isolated", "value": 1},
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
    }


async def _no_sleep(seconds: float) -> None:
    return None


class Api:
    """One fake and a sync or async client on it (sleeps cost no time)."""

    def __init__(self, mode: str, stack: AsyncExitStack) -> None:
        self.fake = FakeThreeCommas()
        self.fake.set_price(PAIR, "60000")
        self.account = self.fake.add_account()
        self.mode, self.stack = mode, stack

    async def create(self, **options: Any) -> Any:
        if self.mode == "sync":
            client = self.stack.enter_context(self.fake.client(_sleep=lambda seconds: None))
            return client.smart_trades.create(short(self.account), **options)
        aclient = await self.stack.enter_async_context(self.fake.async_client(_sleep=_no_sleep))
        return await aclient.smart_trades.create(short(self.account), **options)

    def calls(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.fake.requests if r.path == CREATE]


@pytest.fixture(params=["sync", "async"])
async def api(request: Any) -> AsyncIterator[Api]:
    async with AsyncExitStack() as stack:
        yield Api(request.param, stack)


@pytest.mark.parametrize("how", ["keyword", "marker"])
async def test_a_fresh_tag_is_sent_at_once(api: Api, how: str) -> None:
    tag = new_client_tag()
    options = {"client_tag": tag, "fresh": True} if how == "keyword" else {}
    if how == "marker":
        options = {"client_tag": FreshClientTag(tag)}
    trade = await api.create(**options)
    assert api.calls() == [f"POST {CREATE}"]  # no list before the POST
    assert trade.client_tag == tag and type(trade.client_tag) is str
    assert not trade.recovered
    assert client_tag_of(api.fake.smart_trades()[0]["note"]) == tag


async def test_a_given_tag_that_is_not_fresh_is_looked_for_first(api: Api) -> None:
    await api.create(client_tag=new_client_tag())
    assert api.calls()[0] == f"GET {CREATE}" and api.calls()[-1] == f"POST {CREATE}"


async def test_an_unknown_outcome_of_a_fresh_create_is_still_reconciled(api: Api) -> None:
    tag = new_client_tag()
    api.fake.fail_next("timeout", after_commit=True, method="POST", path=CREATE)
    trade = await api.create(client_tag=tag, fresh=True)
    assert trade.recovered and trade.client_tag == tag
    assert api.calls()[:2] == [f"POST {CREATE}", f"GET {CREATE}"]
    assert len(api.fake.smart_trades()) == 1


async def test_a_rerun_with_the_same_tag_not_fresh_finds_the_trade(api: Api) -> None:
    tag = new_client_tag()
    first = await api.create(client_tag=FreshClientTag(tag))
    again = await api.create(client_tag=tag)
    assert again.recovered and again.id == first.id
    assert api.calls().count(f"POST {CREATE}") == 1
    assert len(api.fake.smart_trades()) == 1
