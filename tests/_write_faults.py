"""What the write-safety tests share: the use case's hedge body, a fake to break, and a caller
that runs the sync or the async client alike (``test_write_safety``, ``test_safety_faults``)."""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Any

import threecommas_hedge as th
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"


def hedge(account_id: int, note: str | None = None) -> dict[str, Any]:
    """The use case's Smart Short: sell 0.5 BTC at market, TP 55,000, SL 61,800."""
    body: dict[str, Any] = {
        "account_id": account_id,
        "pair": PAIR,
        "leverage": {"enabled": True, "type": "isolated", "value": 1},
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
        "take_profit": {
            "enabled": True,
            "steps": [{"order_type": "limit", "volume": "100", "price": {"value": "55000"}}],
        },
        "stop_loss": {
            "enabled": True,
            "order_type": "market",
            "conditional": {"price": {"value": "61800", "type": "last"}},
        },
    }
    if note is not None:
        body["note"] = note
    return body


def fake_at_60000() -> FakeThreeCommas:
    """A fake without rate limits (faults, not pacing, are under test), BTC at 60,000."""
    fake = FakeThreeCommas(rate_limits=False)
    fake.set_price(PAIR, Decimal("60000"))
    return fake


class Api:
    """``await api.call("smart_trades.create", ...)`` or ``await api("create", ...)`` (on
    ``client.smart_trades``), sync or async alike."""

    def __init__(self, client: th.ThreeCommas | th.AsyncThreeCommas) -> None:
        self.client = client

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        target: Any = self.client
        for part in name.split("."):
            target = getattr(target, part)
        result = target(*args, **kwargs)
        return await result if inspect.isawaitable(result) else result

    async def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return await self.call(f"smart_trades.{name}", *args, **kwargs)


async def no_sleep(seconds: float) -> None:
    """An async sleep that does not wait."""
