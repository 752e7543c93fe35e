"""Smoke test of the keeper benchmark (``benchmarks/keeper_tick.py``): tiny counts, no timing.

What is checked is what the benchmark reports: the reads of a tick are made once, not once per
coin (a quiet tick costs the same requests for 2 coins as for 4), and each open or resize is one
write."""

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


def test_a_quiet_tick_reads_once_whatever_the_number_of_coins() -> None:
    keeper_tick = _bench("keeper_tick")
    small, large = keeper_tick.run(2), keeper_tick.run(4)
    expected = {
        "GET /v2/smart_trades": 1,
        "GET /ver1/accounts/market_pairs": 1,
        "POST /ver1/accounts/{id}/account_table_data": 1,
    }
    assert small["quiet"]["routes"] == large["quiet"]["routes"] == expected
    assert large["open"]["routes"]["POST /v2/smart_trades"] == 4
    # the rates once per pair: their rules, and the price each open's entry-drift check uses in
    # the same tick (the futures account's market code is read once per keeper, not per open)
    assert large["open"]["routes"]["GET /ver1/accounts/currency_rates"] == 4
    assert small["open"]["routes"]["GET /ver1/accounts/{id}"] == 1
    assert large["open"]["routes"]["GET /ver1/accounts/{id}"] == 1
    assert "GET /ver1/accounts/currency_rates" not in large["resize"]["routes"]
    assert large["resize"]["routes"]["POST /v2/smart_trades/{id}/add_funds"] == 4


def test_run_lists_the_keeper_figures() -> None:
    results = _bench("run").run({"keeper"}, quick=True, emit=lambda line: None)
    assert [r.name for r in results] == [
        "keeper open tick, 5 coins",
        "keeper quiet tick, 5 coins",
        "keeper resize tick, 5 coins",
    ]
    assert results[1].details[0].startswith("3 requests")
