"""Entry drift of a market hedge: refused before sending, re-anchored or warned after the fill.

With a client tag: a fresh tag is a first send (checked); only a re-run with a known tag (the
short may exist) skips the check."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from threecommas_hedge import HedgeBuilder, HedgeValidationError, SpotPosition
from threecommas_hedge._writes.client_tag import new_client_tag
from threecommas_hedge._writes.safe_writes import FreshClientTag
from threecommas_hedge.hedge.position import EntryDriftWarning
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"
SPOT = SpotPosition(asset="BTC", quantity=D(1), price=D(60000))


def creates(fake: FakeThreeCommas) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path == "/v2/smart_trades")


def by_percent(account_id: int, spot: SpotPosition = SPOT, pair: str = PAIR) -> HedgeBuilder:
    return (
        HedgeBuilder(spot, account_id=account_id, pair=pair)
        .hedge(ratio=D("0.5"))
        .take_profit(percent=D(-8))
        .stop_loss(percent=D(3))
    )


def by_price(account_id: int) -> HedgeBuilder:
    return (
        HedgeBuilder(SPOT, account_id=account_id, pair=PAIR)
        .hedge(ratio=D("0.5"))
        .take_profit(price=D(55000))
        .stop_loss(price=D(61800))
    )


def fresh_tag() -> FreshClientTag:
    return FreshClientTag(new_client_tag())


@pytest.mark.parametrize("tag", [lambda: None, fresh_tag], ids=["no tag", "fresh tag"])
def test_a_market_beyond_the_tolerance_is_refused_before_sending(
    threecommas_fake: FakeThreeCommas, tag: Callable[[], FreshClientTag | None]
) -> None:
    """Without a tag, and with a fresh one (a first send): only a known tag's re-run skips it."""
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61000))  # 1.67 % above the 60,000 typed, default tolerance 1 %
    with fake.client() as client, pytest.raises(HedgeValidationError) as refused:
        client.hedges.open(by_price(account_id), client_tag=tag())
    assert refused.value.field == "price"
    assert "61000" in str(refused.value) and "60000" in str(refused.value)
    assert creates(fake) == 0


@pytest.mark.parametrize("tag", [lambda: None, fresh_tag], ids=["no tag", "fresh tag"])
def test_a_market_within_the_tolerance_is_sent_and_the_tolerance_is_a_keyword(
    threecommas_fake: FakeThreeCommas, tag: Callable[[], FreshClientTag | None]
) -> None:
    """Without a tag, and with a fresh one (a first send, checked like one)."""
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(60500))  # 0.83 %
    with fake.client() as client:
        client.hedges.open(by_price(account_id), client_tag=tag())
        assert creates(fake) == 1
        with pytest.raises(HedgeValidationError):
            client.hedges.open(by_price(account_id), max_entry_drift=D("0.005"))
        assert creates(fake) == 1
        client.hedges.open(by_price(account_id), max_entry_drift=None)
        assert creates(fake) == 2


def test_an_altcoin_market_drift_is_refused(threecommas_fake: FakeThreeCommas) -> None:
    fake = threecommas_fake
    account_id = fake.add_account()
    pair = "USDT_DOGEUSDT"
    spot = SpotPosition(asset="DOGE", quantity=D(250000), price=D("0.1013"))
    fake.set_price(pair, D("0.0990"))  # 2.3 % below
    with fake.client() as client, pytest.raises(HedgeValidationError, match=r"0\.099"):
        client.hedges.open(by_percent(account_id, spot, pair))
    assert creates(fake) == 0


def test_a_fill_away_from_the_typed_price_re_anchors_percent_levels(
    threecommas_fake: FakeThreeCommas,
) -> None:
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61500))  # the user says 60,000; the short fills at 61,500 (2.5 %)
    with fake.client() as client, pytest.warns(EntryDriftWarning, match="re-anchored"):
        hedge = client.hedges.open(by_percent(account_id), market_price=D(60000))
    trade = hedge.trade
    assert trade.take_profit.steps[0].price.value == D(61500) * D("0.92")  # 56,580
    assert trade.stop_loss.conditional.price.value == D(61500) * D("1.03")  # 63,345
    assert [r.method for r in fake.requests][-1] == "PATCH"


def test_a_fill_away_from_the_typed_price_warns_for_absolute_levels(
    threecommas_fake: FakeThreeCommas,
) -> None:
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61500))
    with fake.client() as client, pytest.warns(EntryDriftWarning) as caught:
        hedge = client.hedges.open(by_price(account_id), market_price=D(60000))
    texts = [str(w.message) for w in caught]
    assert any("take profit keeps its absolute prices" in t for t in texts)
    assert any("stop loss keeps its absolute price" in t for t in texts)
    assert hedge.trade.stop_loss.conditional.price.value == D(61800)
    assert all(r.method != "PATCH" for r in fake.requests)


async def test_async_open_checks_the_drift_too(threecommas_fake: FakeThreeCommas) -> None:
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61000))
    async with fake.async_client() as client:
        with pytest.raises(HedgeValidationError):
            await client.hedges.open(by_price(account_id))
        assert creates(fake) == 0
        fake.set_price(PAIR, D(61500))
        with pytest.warns(EntryDriftWarning, match="re-anchored"):
            hedge = await client.hedges.open(by_percent(account_id), market_price=D(60000))
    assert hedge.trade.stop_loss.conditional.price.value == D(61500) * D("1.03")


def test_a_rerun_with_a_known_tag_skips_the_check(threecommas_fake: FakeThreeCommas) -> None:
    fake = threecommas_fake
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61000))
    # a known tag is looked for first (over the write-check window, kept short here)
    with fake.client(write_check_window=0.2) as client, warnings.catch_warnings():
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
    async with fake.async_client(write_check_window=0.2) as client:
        with pytest.raises(HedgeValidationError):
            await client.hedges.open(by_price(account_id), client_tag=fresh_tag())
        assert creates(fake) == 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            await client.hedges.open(by_price(account_id), client_tag=new_client_tag())
        assert creates(fake) == 1
