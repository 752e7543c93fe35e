"""Smoke test of the risk-engine benchmark: tiny counts, sane figures, no timing asserted."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _bench(name: str) -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"benchmarks.{name}")


def test_throughput_compares_both_engines_on_the_same_paths() -> None:
    bench = _bench("risk_engine")
    figure = bench.bench_throughput(paths=40, scalar_paths=2, rounds=1)
    assert figure.unit == "x faster"
    assert figure.value > 0
    assert figure.met == (figure.value >= bench.TARGET_SPEEDUP)
    assert "extrapolated from 2 paths" in figure.details[1]
    assert figure.details[3].startswith("exits: TP ")


def test_memory_runs_in_a_child_and_reports_the_peak() -> None:
    figure = _bench("risk_engine").bench_memory(paths=300)
    assert figure.unit == "MiB"
    assert 0 < figure.value < 1024
    assert figure.met is True
    assert "300 paths" in figure.name
