"""Portfolio hedge benchmarks (issue 20): plan 200 coins offline, open 50 legs on the fake.

``python -m benchmarks.portfolio``. Planning is timed on the wall clock (target: under 50 ms for
200 coins). Opening runs against the in-process fake on a simulated clock: the client's rate
budget sleeps on that clock, so the time the budget imposes is printed exactly, without waiting it.
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal

from threecommas_hedge.hedge.portfolio import futures_pair, plan_portfolio
from threecommas_hedge.testing import FakeThreeCommas


def plan_200(rounds: int = 20) -> float:
    """Median milliseconds to plan 200 coins."""
    coins = [f"C{index:03d}" for index in range(200)]
    balances = {coin: Decimal(index + 1) for index, coin in enumerate(coins)}
    prices = {futures_pair(coin): Decimal("12.5") for coin in coins}
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        plan = plan_portfolio(
            balances,
            spot_account_id=1,
            futures_account_id=2,
            listed_pairs=prices,
            prices=prices,
            take_profit_percent=Decimal("-8"),
            stop_loss_percent=Decimal("3"),
        )
        times.append((time.perf_counter() - start) * 1000)
        assert len(plan.legs) == 200
    return statistics.median(times)


def open_50() -> tuple[int, float, float]:
    """Legs opened, requests sent, and seconds of simulated time the rate budget imposed."""
    fake = FakeThreeCommas()
    futures = fake.add_account("futures")
    spot = fake.add_account("spot")
    for index in range(50):
        coin = f"C{index:02d}"
        fake.set_price(f"USDT_{coin}USDT", Decimal("10"))
        fake.set_balance(spot, coin, Decimal(100))
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds
        fake.advance(seconds)

    with fake.client(_sleep=sleep, _clock=lambda: now[0]) as client:
        plan = client.portfolio.plan(spot, futures)
        result = client.portfolio.open(plan)
    return len(result.opened), float(len(fake.requests)), now[0]


def main() -> None:
    print(f"plan 200 coins offline: {plan_200():.1f} ms (median of 20; target < 50 ms)")
    opened, requests, waited = open_50()
    print(
        f"open 50 legs on the fake: {opened} opened, {requests:.0f} requests, "
        f"rate budget imposed {waited:.1f} s of waiting (100 requests / 60 s)"
    )


if __name__ == "__main__":
    main()
