"""Portfolio hedge benchmarks (issue 20): plan 200 coins offline, open 50 legs on the fake.

``python -m benchmarks.portfolio`` or ``python -m benchmarks.run --only portfolio``. Planning is
timed on the wall clock (target: under 50 ms for 200 coins). Opening runs against the in-process
fake on a simulated clock, with the sync client and with the async one sending legs concurrently:
the client's rate budget sleeps on that clock, so the time the budget imposes is printed exactly,
without waiting it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from decimal import Decimal

from threecommas_hedge.hedge.portfolio import futures_pair, plan_portfolio
from threecommas_hedge.testing import FakeThreeCommas

from ._harness import Figure

LEGS = 50


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


def _fake(legs: int) -> tuple[FakeThreeCommas, int, int]:
    fake = FakeThreeCommas()
    futures = fake.add_account("futures")
    spot = fake.add_account("spot")
    for index in range(legs):
        coin = f"C{index:02d}"
        fake.set_price(f"USDT_{coin}USDT", Decimal("10"))
        fake.set_balance(spot, coin, Decimal(100))
    return fake, spot, futures


def open_50(legs: int = LEGS) -> tuple[int, float, float]:
    """Legs opened, requests sent, and seconds of simulated time the rate budget imposed."""
    fake, spot, futures = _fake(legs)
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds
        fake.advance(seconds)

    with fake.client(_sleep=sleep, _clock=lambda: now[0]) as client:
        plan = client.portfolio.plan(spot, futures)
        result = client.portfolio.open(plan)
    return len(result.opened), float(len(fake.requests)), now[0]


def open_50_async(legs: int = LEGS, concurrency: int = 4) -> tuple[int, float, float]:
    """The same with the async client sending ``concurrency`` legs at a time; concurrent sleeps
    overlap on the simulated clock (each waits until its own deadline, not one after another)."""
    fake, spot, futures = _fake(legs)
    now = [0.0]

    async def sleep(seconds: float) -> None:
        deadline = now[0] + seconds
        await asyncio.sleep(0)
        if deadline > now[0]:
            fake.advance(deadline - now[0])
            now[0] = deadline

    async def run() -> int:
        async with fake.async_client(_sleep=sleep, _clock=lambda: now[0]) as client:
            plan = await client.portfolio.plan(spot, futures)
            result = await client.portfolio.open(plan, concurrency=concurrency)
        return len(result.opened)

    opened = asyncio.run(run())
    return opened, float(len(fake.requests)), now[0]


def bench_portfolio(quick: bool = False) -> list[Figure]:
    """The planning time and the budget's waits when opening (sync, then async concurrent)."""
    legs = 10 if quick else LEGS
    plan_ms = plan_200(rounds=2 if quick else 20)
    figures = [
        Figure("portfolio plan 200 coins", plan_ms, "ms", ("median",), "< 50 ms", plan_ms < 50)
    ]
    for name, opener in (("sync", open_50), ("async x4", open_50_async)):
        opened, requests, waited = opener(legs)
        detail = f"{opened} opened, {requests:.0f} requests, budget 100 requests / 60 s"
        figures.append(
            Figure(f"portfolio open {legs} legs ({name})", waited, "s simulated wait", (detail,))
        )
    return figures


def main() -> None:
    for figure in bench_portfolio():
        print("\n".join(figure.lines()))


if __name__ == "__main__":
    main()
