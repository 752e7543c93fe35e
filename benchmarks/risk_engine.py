"""The vectorized risk engine against the scalar ``SmartTradeEngine``, and its peak memory.

Throughput: 10,000 GBM paths x 1,440 one-minute steps (60 %/yr) of a half hedge of 1 BTC at
60,000, 3x isolated, two take-profit steps (the second trailing 0.5 %), a stop loss with
move-to-breakeven, maker/taker fees. Two sets of levels: *tight* (take profits -1.5 % for half and
-3 %, stop 2 % above: most paths close during the day, which the scalar engine stops replaying)
and *wide* (-4 %, -8 %, stop 6 %: most paths stay open all day). ``risk.evaluate`` replays all of
them; the scalar engine (``simulate``, Decimal) replays the first ``scalar_paths`` of the same
paths (prices to the cent) and its time per path is extrapolated to 10,000: it would take most
of a minute to run them all. Both run in this process, interleaved over rounds; the figure is the
ratio of the medians. Path generation is timed apart (it is not the engine).

Memory: a child process replays 100,000 such paths streamed from ``risk.gbm_chunks`` (10,000 at
a time) and reports the peak traced by tracemalloc (numpy's buffers included) and its peak RSS.

Run: ``python -m benchmarks.run --only risk``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._harness import Figure

PATHS, STEPS = 10_000, 1_440
MEMORY_PATHS = 100_000
TARGET_SPEEDUP = 50.0
TARGET_MEMORY = 1 << 30
ROOT = Path(__file__).resolve().parent.parent


LEVELS = {"tight": ("-1.5", "-3", "2"), "wide": ("-4", "-8", "6")}
"""Take profit 1, take profit 2 and stop loss, in % from the entry."""


def hedge(levels: str = "tight") -> tuple[Any, Any, dict[str, Decimal]]:
    """The spot holding, the payload and the cost options of the benchmark hedge."""
    from threecommas_hedge import HedgeBuilder, SpotPosition

    first, second, stop = (Decimal(level) for level in LEVELS[levels])
    spot = SpotPosition(asset="BTC", quantity=Decimal(1), price=Decimal(60000))
    payload = (
        HedgeBuilder(spot, account_id=1, pair="USDT_BTCUSDT")
        .hedge(ratio=Decimal("0.5"))
        .leverage(3)
        .take_profit(percent=first, volume=Decimal(50))
        .take_profit(percent=second)
        .trailing_take_profit(Decimal("0.5"))
        .stop_loss(percent=stop)
        .move_to_breakeven()
        .build()
    )
    costs = {"maker_fee_rate": Decimal("0.0002"), "taker_fee_rate": Decimal("0.0005")}
    return spot, payload, costs


def _gbm(paths: int, seed: int = 7) -> Any:
    from threecommas_hedge import risk

    return risk.gbm_paths(
        start=Decimal(60000), annual_volatility=0.6, steps=STEPS, step_seconds=60, paths=paths,
        seed=seed,
    )  # fmt: skip


def bench_throughput(
    *, levels: str = "tight", paths: int = PATHS, scalar_paths: int = 100, rounds: int = 3
) -> Figure:
    """Path-steps per second of both engines on the same paths; the speed-up as the figure."""
    from threecommas_hedge import risk, simulate

    spot, payload, costs = hedge(levels)
    started = time.perf_counter()
    prices = _gbm(paths)
    generation = time.perf_counter() - started
    subset = [[Decimal(f"{x:.2f}") for x in row] for row in prices[:scalar_paths]]
    vector_s: list[float] = []
    scalar_s: list[float] = []
    report = None
    for _ in range(rounds):
        started = time.perf_counter()
        report = risk.evaluate(spot, payload, prices, **costs)
        vector_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        for row in subset:
            simulate(payload, row, step_seconds=60, **costs)
        scalar_s.append((time.perf_counter() - started) / scalar_paths * paths)
    vector, scalar = statistics.median(vector_s), statistics.median(scalar_s)
    speedup = scalar / vector
    path_steps = paths * (STEPS + 1)
    assert report is not None
    odds = report.probabilities
    return Figure(
        name=f"risk engine vs scalar, {paths:,} paths x {STEPS:,} steps, {levels} levels",
        value=speedup,
        unit="x faster",
        details=(
            f"vectorized: {vector:.3f} s ({path_steps / vector / 1e6:,.1f} M path-steps/s; "
            f"rounds {', '.join(f'{s:.3f}' for s in vector_s)} s)",
            f"scalar (Decimal): {scalar:.1f} s extrapolated from {scalar_paths} paths "
            f"({path_steps / scalar / 1e3:,.0f} k path-steps/s; "
            f"rounds {', '.join(f'{s:.1f}' for s in scalar_s)} s)",
            f"path generation (not in either figure): {generation:.2f} s",
            f"exits: TP {odds.take_profit}, step 2 {odds.steps[1]}, SL {odds.stop_loss}, "
            f"liquidation {odds.liquidation}, open {odds.still_open}",
        ),
        target=f">= {TARGET_SPEEDUP:.0f}x",
        met=speedup >= TARGET_SPEEDUP,
    )


MEMORY_SCRIPT = """
import json, resource, sys, time, tracemalloc
from decimal import Decimal
sys.path.insert(0, {root!r})
from benchmarks.risk_engine import hedge
from threecommas_hedge import risk
spot, payload, costs = hedge()
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
started = time.perf_counter()
source = risk.gbm_chunks(start=Decimal(60000), annual_volatility=0.6, steps={steps},
                         step_seconds=60, paths={paths}, seed=7, chunk=10_000)
report = risk.evaluate(spot, payload, source, **costs)
elapsed = time.perf_counter() - started
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"peak": peak, "rss": rss, "baseline": baseline, "seconds": elapsed,
                  "paths": report.paths}}))
"""


def bench_memory(*, paths: int = MEMORY_PATHS) -> Figure:
    """Peak memory of replaying ``paths`` streamed paths, in a fresh interpreter."""
    code = MEMORY_SCRIPT.format(root=str(ROOT), steps=STEPS, paths=paths)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=900
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    peak = max(data["peak"], data["rss"])
    mib = 1 << 20
    return Figure(
        name=f"risk engine peak memory, {paths:,} paths x {STEPS:,} steps (chunks of 10,000)",
        value=peak / mib,
        unit="MiB",
        details=(
            f"tracemalloc peak {data['peak'] / mib:,.0f} MiB; process peak RSS "
            f"{data['rss'] / mib:,.0f} MiB (interpreter and imports {data['baseline'] / mib:,.0f} "
            f"MiB); {data['seconds']:.1f} s including path generation",
            f"the {paths:,} paths alone would be {paths * (STEPS + 1) * 8 / mib:,.0f} MiB "
            "as one float64 array",
        ),
        target="< 1 GiB",
        met=peak < TARGET_MEMORY,
    )


def bench_risk(quick: bool = False) -> list[Figure]:
    """Both figures; ``quick`` shrinks them to a smoke run."""
    if quick:
        return [
            bench_throughput(paths=300, scalar_paths=5, rounds=1),
            bench_memory(paths=3_000),
        ]
    return [
        bench_throughput(),
        bench_throughput(levels="wide", scalar_paths=40, rounds=3),
        bench_memory(),
    ]
