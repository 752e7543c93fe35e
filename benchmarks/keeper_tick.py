"""A keeper tick for N coins against the in-process fake: time per tick and API calls per tick.

Run: ``python -m benchmarks.keeper_tick [coins]`` (default 50). Reports the first tick (opens
every hedge), a quiet tick (everything within the band) and a tick where every bag grew past the
band (a resize each), with the requests of each by method. The rate budget's waits are on the
fake's clock, so the times are the client's and the fake's own work.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from threecommas_hedge.keeper import Holding, Keeper, KeeperPolicy, SqliteJournal
from threecommas_hedge.testing import FakeThreeCommas


def run(coins: int = 50) -> dict[str, Any]:
    """Three ticks over ``coins`` coins; per tick: seconds and requests by method."""
    fake = FakeThreeCommas()
    assets = [f"C{i:03d}" for i in range(coins)]
    for asset in assets:
        fake.set_price(f"USDT_{asset}USDT", Decimal("100"))
    spot, futures = fake.add_account("spot"), fake.add_account()
    bag = dict.fromkeys(assets, Decimal("10"))
    policy = KeeperPolicy(spot_account_id=spot, futures_account_id=futures, min_value=Decimal(50))
    results: dict[str, Any] = {"coins": coins}
    with fake.client(write_check_window=1.0) as client:
        keeper = Keeper(
            client,
            policy,
            journal=SqliteJournal(":memory:"),
            balances=lambda _: {a: Holding(q, Decimal("100")) for a, q in bag.items()},
        )
        for label in ("open", "quiet", "resize"):
            if label == "resize":
                bag.update(dict.fromkeys(assets, Decimal("20")))
            fake.advance(5)
            before = len(fake.requests)
            start = time.perf_counter()
            report = keeper.run_once()
            seconds = time.perf_counter() - start
            calls = Counter(r.method for r in fake.requests[before:])
            assert set(report.outcomes) <= {"ok", "decided"}, report.errors
            results[label] = {"seconds": round(seconds, 4), "requests": dict(calls)}
    return results


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
