"""The keeper's opens are first sends (fresh tags): the entry drift check applies to them."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from threecommas_hedge.keeper import AsyncKeeper, Holding, Keeper, KeeperPolicy, SqliteJournal
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_an_open_priced_away_from_the_market_is_refused_and_nothing_sent(mode: str) -> None:
    fake = FakeThreeCommas()
    fake.set_price(PAIR, D(62000))  # the bag is priced at 60,000: 3.33 % away, over the 1 %
    spot, futures = fake.add_account("spot"), fake.add_account()
    policy = KeeperPolicy(
        spot_account_id=spot,
        futures_account_id=futures,
        take_profit_percent=D(-8),
        stop_loss_percent=D(3),
    )

    def bag(account_id: int) -> dict[str, Holding]:
        return {"BTC": Holding(D(1), D(60000))}

    report: Any
    if mode == "sync":
        with fake.client(_sleep=lambda seconds: None) as client:
            sync = Keeper(client, policy, journal=SqliteJournal(":memory:"), balances=bag)
            report = sync.run_once()
    else:
        async with fake.async_client(_sleep=_no_sleep) as aclient:
            keeper = AsyncKeeper(aclient, policy, journal=SqliteJournal(":memory:"), balances=bag)
            report = await keeper.run_once()
    assert [(a.kind, a.asset) for a in report.actions] == [("open", "BTC")]
    assert report.outcomes == ("failed",)
    assert "62000" in report.errors["BTC"] and "60000" in report.errors["BTC"]
    assert [r for r in fake.requests if r.method == "POST"] == []
    assert fake.smart_trades() == []
