"""CLI start-up: ``threecommas-hedge --help`` and ``plan --help`` against
``python -c "import typer, rich.console"`` (target 2.5x), and ``demo`` against 0.5 s; each a
fresh interpreter, interleaved."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from ._harness import Comparison, Figure, compare

BASELINE = "import typer, rich.console"
ENTRY = "from threecommas_hedge._cli.app import main; main()"


def _env() -> dict[str, str]:
    """The environment of an installed package: bytecode written and reused (pip compiles at
    install; with ``PYTHONDONTWRITEBYTECODE`` every run compiled the package from source, ~130 ms
    of ``demo``), the first run of each command untimed."""
    env = dict(os.environ)
    for name in ("PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "COLUMNS", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


def _cli(*args: str) -> tuple[str, object]:
    command = [
        sys.executable,
        "-c",
        f"import sys; sys.argv = ['threecommas-hedge', *{args!r}]; {ENTRY}",
    ]
    env = _env()

    def batch(n: int) -> None:
        for _ in range(n):
            subprocess.run(command, env=env, check=True, timeout=60, capture_output=True)

    return f"threecommas-hedge {' '.join(args)}", batch


def _baseline() -> tuple[str, object]:
    command = [sys.executable, "-c", BASELINE]
    env = _env()

    def batch(n: int) -> None:
        for _ in range(n):
            subprocess.run(command, env=env, check=True, timeout=60)

    return f'python -c "{BASELINE}"', batch


def demo_seconds(rounds: int) -> float:
    """The median wall time of ``threecommas-hedge demo`` over ``rounds`` fresh runs."""
    _, run = _cli("demo")
    run(1)  # type: ignore[operator]  # warm-up: the bytecode cache
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run(1)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


PHASES = """
import io, json, sys, time
marks = [("start", time.perf_counter())]
def mark(name): marks.append((name, time.perf_counter()))
import threecommas_hedge._cli.app
threecommas_hedge._cli.app.tune_gc()  # as main() does
mark("typer, rich and the CLI app")
import numpy
mark("numpy")
from threecommas_hedge._cli import chart, demo, render, risk
from threecommas_hedge.testing import FakeThreeCommas
mark("the demo's library imports (client, models, fake)")
from rich.console import Console
console = Console(file=io.StringIO(), width=100)
fake = FakeThreeCommas()
fake.set_price(demo.PAIR, demo.SPOT.price)
plan = demo.article_plan(fake.add_account("futures", "paper"))
console.print(render.review(plan), render.payload(plan), chart.text_chart(plan, width=100))
mark("the plan, review, payload and text chart")
with fake.client() as client:
    demo._replay(console, fake, client, plan, demo.DROP)
    demo._replay(console, fake, client, plan, demo.RISE)
mark("the two replays on the fake")
risk.demo_section(console, plan)
mark("the risk section (2,000 paths x 288 steps)")
print(json.dumps([[b[0], b[1] - a[1]] for a, b in zip(marks, marks[1:])]))
"""


def demo_phases(rounds: int) -> Figure:
    """Where ``demo``'s time goes, in a fresh interpreter: the median of each phase in ms."""
    import json
    import statistics

    command = [sys.executable, "-c", PHASES]
    subprocess.run(command, env=_env(), check=True, timeout=60, capture_output=True)  # warm-up
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        out = subprocess.run(command, env=_env(), check=True, timeout=60, capture_output=True)
        wall = time.perf_counter() - start
        phases = json.loads(out.stdout)
        runs.append([*phases, ["interpreter start and exit", wall - sum(s for _, s in phases)]])
    medians = [(name, statistics.median(run[i][1] for run in runs)) for i, (name, _) in
               enumerate(runs[0])]  # fmt: skip
    return Figure(
        name="threecommas-hedge demo, by phase (fresh interpreters)",
        value=round(sum(ms for _, ms in medians), 3),
        unit="s (sum of the phase medians)",
        details=tuple(f"{name}: {ms * 1000:.1f} ms" for name, ms in medians),
    )


def bench_cli(*, rounds: int = 15, budget_s: float = 30.0) -> list[Comparison | Figure]:
    """``--help`` and ``plan --help`` against the typer+rich import; ``demo`` in seconds."""
    results: list[Comparison | Figure] = [
        compare(
            f"CLI start: {label}",
            (label, run),  # type: ignore[arg-type]
            _baseline(),  # type: ignore[arg-type]
            rounds=rounds,
            per_round=1,
            budget_s=budget_s / 3,
            target=2.5,
            measure_cpu=False,
        )
        for label, run in (_cli("--help"), _cli("plan", "--help"))
    ]
    demo_rounds = max(5, rounds * 2 // 3)  # a steadier median on a shared machine
    seconds = demo_seconds(demo_rounds)
    results.append(
        Figure(
            name="threecommas-hedge demo (target under 0.5 s)",
            value=round(seconds, 3),
            unit=f"s (median wall time of {demo_rounds} runs)",
            details=(),
        )
    )
    results.append(demo_phases(max(3, rounds // 3)))
    return results
