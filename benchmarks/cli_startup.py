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
    env = dict(os.environ)
    for name in ("PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "COLUMNS"):
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
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run(1)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


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
    seconds = demo_seconds(max(3, rounds // 3))
    results.append(
        Figure(
            name="threecommas-hedge demo (target under 0.5 s)",
            value=round(seconds, 3),
            unit="s (median wall time)",
            details=(),
        )
    )
    return results
