"""Entry drift on ``hedges.open`` with a client tag: a fresh tag is a first send (checked), only a
re-run with a known tag (the short may exist) skips the check."""

from __future__ import annotations

import warnings
from decimal import Decimal as D

import pytest

from threecommas_hedge import HedgeBuilder, HedgeValidationError, SpotPosition
from threecommas_hedge._writes.client_tag import new_client_tag
from threecommas_hedge._writes.safe_writes import FreshClientTag
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"
SPOT = SpotPosition(asset="BTC", quantity=D(1), price=D(60000))


def creates(fake: FakeThreeCommas) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path == "/v2/smart_trades")


def by_price(account_id: int) -> HedgeBuilder:
    return (
        HedgeBuilder(SPOT, account_id=account_id, pair=PAIR)
        .hedge(ratio=D("0.5"))
        .take_profit(price=D(55000))
        .stop_loss(price=D(61800))
    )


def test_a_fresh_tag_open_beyond_the_tolerance_is_refused(
    threecommas_fake: FakeThreeCommas,
) -> None:
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61000))  # 1.67 % above the 60,000 typed, default tolerance 1 %
    with fake.client() as client, pytest.raises(HedgeValidationError) as refused:
        client.hedges.open(by_price(account_id), client_tag=FreshClientTag(new_client_tag()))
    assert refused.value.field == "price"
    assert "61000" in str(refused.value) and "60000" in str(refused.value)
    assert creates(fake) == 0


def test_a_fresh_tag_open_within_the_tolerance_is_sent(
    threecommas_fake: FakeThreeCommas,
) -> None:
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(60500))  # 0.83 %
    with fake.client() as client:
        client.hedges.open(by_price(account_id), client_tag=FreshClientTag(new_client_tag()))
    assert creates(fake) == 1


def test_a_rerun_with_a_known_tag_skips_the_check(threecommas_fake: FakeThreeCommas) -> None:
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61000))
    with fake.client() as client, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hedge = client.hedges.open(by_price(account_id), client_tag=new_client_tag())
    assert creates(fake) == 1
    assert hedge.trade.id > 0


async def test_async_fresh_tag_open_is_checked_and_a_rerun_is_not(
    threecommas_fake: FakeThreeCommas,
) -> None:
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61000))
    async with fake.async_client() as client:
        with pytest.raises(HedgeValidationError):
            await client.hedges.open(
                by_price(account_id), client_tag=FreshClientTag(new_client_tag())
            )
        assert creates(fake) == 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            await client.hedges.open(by_price(account_id), client_tag=new_client_tag())
        assert creates(fake) == 1
