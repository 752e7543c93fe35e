"""A keeper tick for N coins against the in-process fake: time per tick and API calls per tick.

Run: ``python -m benchmarks.keeper_tick [coins]`` (default 50), or ``python -m benchmarks.run
--only keeper``. Three ticks on one keeper: the first (opens every hedge), a quiet one (every
hedge within the band) and one where every bag grew past the band (a resize each), each with its
requests by method and path. The spot bag is read through ``client.accounts.balances`` (the
default path). The client and the fake share a virtual clock that the client's sleeps (the rate
budget's waits) move: ``seconds`` is the library's and the fake's own work, ``waited`` the time
the rate budget would make a real tick wait.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from contextlib import closing
from decimal import Decimal
from typing import Any

from threecommas_hedge.keeper import Keeper, KeeperPolicy, SqliteJournal
from threecommas_hedge.testing import FakeThreeCommas

from ._harness import Figure

LABELS = ("open", "quiet", "resize")
_ID = re.compile(r"/\d+")


def run(coins: int = 50) -> dict[str, Any]:
    """Three ticks over ``coins`` coins; per tick: seconds, request count, requests by route."""
    now = [0.0]

    def clock() -> float:
        return now[0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    fake = FakeThreeCommas(clock=clock)
    assets = [f"C{i:03d}" for i in range(coins)]
    spot, futures = fake.add_account("spot"), fake.add_account()
    for asset in assets:
        fake.set_price(f"USDT_{asset}USDT", Decimal(100))
        fake.set_balance(spot, asset, Decimal(10))
    policy = KeeperPolicy(spot_account_id=spot, futures_account_id=futures, min_value=Decimal(50))
    results: dict[str, Any] = {"coins": coins}
    with (
        fake.client(_clock=clock, _sleep=sleep) as client,
        closing(SqliteJournal(":memory:")) as journal,
    ):
        keeper = Keeper(client, policy, journal=journal)
        for label in LABELS:
            if label == "resize":
                for asset in assets:
                    fake.set_balance(spot, asset, Decimal(20))
            fake.advance(5)
            before, began = len(fake.requests), now[0]
            start = time.perf_counter()
            report = keeper.run_once()
            seconds = time.perf_counter() - start
            waited = now[0] - began
            sent = fake.requests[before:]
            routes = Counter(f"{r.method} {_ID.sub('/{id}', r.path)}" for r in sent)
            assert set(report.outcomes) <= {"ok", "decided"}, report.errors
            results[label] = {
                "seconds": seconds,
                "waited": waited,
                "requests": len(sent),
                "routes": dict(routes),
            }
    return results


def bench_keeper(quick: bool) -> list[Figure]:
    """Figures for ``benchmarks.run``: seconds and requests per tick (5 coins when quick)."""
    results = run(5 if quick else 50)
    figures = []
    for label in LABELS:
        tick = results[label]
        routes = sorted(tick["routes"].items(), key=lambda item: (-item[1], item[0]))
        figures.append(
            Figure(
                f"keeper {label} tick, {results['coins']} coins",
                tick["seconds"],
                "s",
                (
                    f"{tick['requests']} requests; rate budget waits {tick['waited']:.1f} s",
                    *(f"{n} x {route}" for route, n in routes),
                ),
            )
        )
    return figures


if __name__ == "__main__":
    for figure in bench_keeper(quick=False) if len(sys.argv) < 2 else []:
        print("\n".join(figure.lines()))
    if len(sys.argv) >= 2:
        print(run(int(sys.argv[1])))
