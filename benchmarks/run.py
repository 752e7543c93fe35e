"""Run the benchmarks and print every ratio and figure: ``python -m benchmarks.run``.

Options: ``--quick`` (few, short rounds: a smoke run, not figures to quote), ``--only NAME ...``
(``create``, ``get``, ``import``, ``builder``, ``memory``, ``cli``, ``risk``, ``keeper``,
``portfolio``),
``--json PATH`` (the results as JSON too). The round-trip benchmarks start the loopback server
in a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ._harness import Comparison, Figure
from ._server import LoopbackServer

Result = Comparison | Figure
NAMES = ("create", "get", "import", "builder", "memory", "cli", "risk", "keeper", "portfolio")


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import httpx
    import pydantic

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "python": platform.python_version() + " " + platform.python_implementation(),
        "platform": platform.platform(),
        "httpx": httpx.__version__,
        "pydantic": pydantic.VERSION,
        "commit": commit or "unknown",
        "load average": _load(),
    }


def _load() -> str:
    """The 1-minute load average (other work on the machine disturbs wall-clock figures)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def _roundtrips(names: set[str], quick: bool) -> list[Result]:
    from .roundtrip import bench_concurrent_get, bench_create, bench_throttled_get

    scale: dict[str, Any] = (
        {"rounds": 3, "budget_s": 2.0} if quick else {"rounds": 21, "budget_s": 25.0}
    )
    results: list[Result] = []
    with LoopbackServer() as server:
        for defaults in (False, True):
            if "create" in names:
                per_round = 20 if quick else 200
                results.append(
                    bench_create(server, per_round=per_round, defaults=defaults, **scale)
                )
                if not defaults:
                    results.append(bench_create(server, per_round=per_round, typed=False, **scale))
            if "get" in names:
                per_round = 1 if quick else 3
                concurrency = 20 if quick else 200
                results.append(
                    bench_concurrent_get(
                        server,
                        per_round=per_round,
                        concurrency=concurrency,
                        defaults=defaults,
                        **scale,
                    )
                )
        if "get" in names:
            results.append(bench_throttled_get(server, concurrency=20 if quick else 200))
    if "create" in names:
        from .overhead import create_breakdown

        results.append(create_breakdown(number=50 if quick else 2000, repeat=2 if quick else 7))
    return results


def _imports(quick: bool) -> list[Result]:
    from .import_time import bench_import

    return bench_import(rounds=3 if quick else 21, budget_s=10.0 if quick else 60.0)


def _cli(quick: bool) -> list[Result]:
    from .cli_startup import bench_cli

    results: list[Result] = [
        *bench_cli(rounds=3 if quick else 15, budget_s=10.0 if quick else 40.0)
    ]
    return results


def _builder(quick: bool) -> list[Result]:
    from .builder import bench_builder

    if quick:
        return [bench_builder(rounds=3, per_round=20, budget_s=1.0, profile_s=0.2)]
    return [bench_builder()]


def _memory(quick: bool) -> list[Result]:
    try:
        from .pagination_memory import bench_pagination_memory  # written with the paginator
    except ImportError as missing:
        return [Figure("pagination memory", 0, f"not measured ({missing})")]
    results: list[Result] = bench_pagination_memory(quick=quick)
    return results


def _risk(quick: bool) -> list[Result]:
    from .risk_engine import bench_risk

    return list(bench_risk(quick))


def run(names: set[str], quick: bool, emit: Callable[[str], None] = print) -> list[Result]:
    """Run the chosen benchmarks, printing each result as it comes."""
    results: list[Result] = []

    def report(batch: list[Result]) -> None:
        for result in batch:
            emit("\n".join(result.lines()))
        results.extend(batch)

    if names & {"create", "get"}:
        report(_roundtrips(names, quick))
    if "import" in names:
        report(_imports(quick))
    if "builder" in names:
        report(_builder(quick))
    if "cli" in names:
        report(_cli(quick))
    if "memory" in names:
        report(_memory(quick))
    if "risk" in names:
        report(_risk(quick))
    if "keeper" in names:
        from .keeper_tick import bench_keeper

        report(list(bench_keeper(quick)))
    if "portfolio" in names:
        from .portfolio import bench_portfolio

        report(bench_portfolio(quick))
    return results


def _as_json(result: Result) -> dict[str, Any]:
    data = asdict(result)
    if isinstance(result, Comparison):
        data.update(ratio=result.ratio, met=result.met)
    return data


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; exit status 0 even when a target is missed (a report)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few short rounds (smoke run)")
    parser.add_argument("--only", nargs="+", choices=NAMES, default=list(NAMES))
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    info = machine()
    print("threecommas-hedge benchmarks" + (" (quick: not for quoting)" if args.quick else ""))
    print("  " + "; ".join(f"{k} {v}" for k, v in info.items()))
    started = time.perf_counter()
    results = run(set(args.only), args.quick)
    print(f"\nsummary ({time.perf_counter() - started:.0f} s, load average now {_load()}):")
    for result in results:
        if isinstance(result, Comparison) and result.target is not None:
            verdict = "MET" if result.met else "MISSED"
            print(f"  {result.name}: {result.ratio:.3f}x (<= {result.target:.2f}x) {verdict}")
        elif isinstance(result, Figure) and result.met is not None:
            verdict = "MET" if result.met else "MISSED"
            print(f"  {result.name}: {result.value:,.4g} {result.unit} ({result.target}) {verdict}")
    if args.json is not None:
        args.json.write_text(
            json.dumps({"machine": info, "results": [_as_json(r) for r in results]}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
