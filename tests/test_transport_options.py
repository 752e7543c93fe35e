"""``with_options`` copies: the write-check window and ``max_wait`` per copy, pool shared."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from threecommas_hedge import ThreeCommas, WriteOutcomeUnknownError
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"
CREATE = "/v2/smart_trades"


def hedge(account_id: int) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "pair": PAIR,
        "leverage": {"enabled": True, "type": "isolated", "value": 1},
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
        "take_profit": {
            "enabled": True,
            "steps": [{"order_type": "limit", "volume": "100", "price": {"value": "55000"}}],
        },
        "stop_loss": {"enabled": False},
    }


def test_with_options_sets_the_write_check_window() -> None:
    fake = FakeThreeCommas()
    account_id = fake.add_account()
    fake.set_price(PAIR, 60000)
    client = ThreeCommas(
        api_key=fake.api_key,
        api_secret=fake.api_secret,
        http_client=httpx.Client(transport=fake.transport),
        rate_limit=False,
        _sleep=fake.advance,
    )
    quick = client.with_options(write_check_window=0)
    patient = client.with_options(write_check_window=30)
    fake.lag(seconds=15)  # a saved trade shows in the list only 15 s later
    fake.fail_next("timeout", after_commit=True, method="POST", path=CREATE)
    with pytest.raises(WriteOutcomeUnknownError):
        quick.smart_trades.create(hedge(account_id))
    fake.fail_next("timeout", after_commit=True, method="POST", path=CREATE)
    created = patient.smart_trades.create(hedge(account_id))  # seen within its 30 s
    assert created.id in {trade["id"] for trade in fake.smart_trades()}
    assert len(fake.smart_trades()) == 2  # one per create: neither was sent twice
    assert client._write_check_window == 10.0  # the original keeps its own


@pytest.mark.parametrize("bad", [-1, float("nan"), "3"])
def test_with_options_checks_the_window(bad: Any) -> None:
    client = ThreeCommas(api_key="k", api_secret="s")
    with pytest.raises(ValueError, match="write_check_window"):
        client.with_options(write_check_window=bad)


def test_with_options_sets_max_wait() -> None:
    client = ThreeCommas(api_key="k", api_secret="s")
    copy = client.with_options(max_wait=2.5)
    assert (copy._max_wait, client._max_wait) == (2.5, None)
    assert copy.rate_limiter is client.rate_limiter
