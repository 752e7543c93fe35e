"""Smoke tests of the benchmarks: each runs with tiny counts and returns sane structures.

No timing is asserted (figures depend on the machine); what is checked is that the loopback
server answers what the benchmarks rely on, that the harness bounds its loops and computes its
ratios from what it measured, that the raw side is checked to send the library's request, and
that the lazy-import promise holds.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench(name: str) -> ModuleType:
    """``benchmarks.<name>`` (the benchmarks live next to ``src/``, outside the package)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"benchmarks.{name}")


@pytest.fixture(scope="module")
def server() -> Any:
    """The benchmark server on a thread of this process."""
    with _bench("_server").LoopbackServer(in_process=True) as running:
        yield running


# -- the loopback server -------------------------------------------------------------------------


def test_server_answers_the_routes_the_benchmarks_use(server: Any) -> None:
    examples = ROOT / "tests" / "data" / "examples"
    with httpx.Client(base_url=server.base_url) as client:
        got = client.get("/v2/smart_trades/30404547")
        created = client.post("/v2/smart_trades", content=b'{"a":1}')
        account = client.get("/ver1/accounts/77")
        accounts = client.get("/ver1/accounts", params={"page": 1, "per_page": 100})
        missing = client.post("/v2/nothing_here")
    assert got.status_code == 200
    assert got.json() == json.loads((examples / "3_get_smart_trade.response.200.json").read_text())
    assert created.status_code == 201
    expected = json.loads((examples / "1_create_smart_trade.response.201.json").read_text())
    assert created.json() == expected
    assert account.json()["id"] == 77
    assert account.json()["market_code"] == "paper_trading_futures"
    assert [a["id"] for a in accounts.json()] == [_bench("_server").ACCOUNT_ID]
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


def test_server_keeps_the_connection_and_records_the_last_request(server: Any) -> None:
    before = server.last_requests()["counts"].get("create", 0)
    with httpx.Client() as client:
        for _ in range(3):
            client.post(server.base_url + "/v2/smart_trades", content=b'{"n":2}')
        seen = server.last_requests()
        connections = len(client._transport._pool.connections)  # type: ignore[attr-defined]
    assert connections == 1  # keep-alive: three requests over one connection
    assert seen["counts"]["create"] == before + 3
    assert seen["create"]["head"].startswith("POST /public/api/v2/smart_trades HTTP/1.1\r\n")
    assert seen["create"]["body"] == '{"n":2}'


def test_server_refuses_a_chunked_body(server: Any) -> None:
    def chunks() -> Any:
        yield b'{"a":'
        yield b"1}"

    with httpx.Client() as client:
        response = client.post(server.base_url + "/v2/smart_trades", content=chunks())
    assert response.status_code == 411


def test_server_in_a_child_process_stops_with_its_parent_pipe() -> None:
    running = _bench("_server").LoopbackServer().start()
    process = running._process
    try:
        assert httpx.get(running.base_url + "/ver1/accounts/5").json()["id"] == 5
        assert running.cpu_seconds() is None or running.cpu_seconds() >= 0
    finally:
        running.stop()
    assert process is not None
    assert process.returncode == 0  # exited on its own when stdin closed, not killed


# -- the harness -----------------------------------------------------------------------------------


def test_compare_alternates_bounds_rounds_and_uses_what_it_measured() -> None:
    harness = _bench("_harness")
    calls: list[tuple[str, int]] = []
    setups: list[int] = []

    def subject(n: int) -> None:
        calls.append(("a", n))

    def baseline(n: int) -> None:
        calls.append(("b", n))

    result = harness.compare(
        "noop",
        ("a", subject),
        ("b", baseline),
        rounds=5,
        per_round=7,
        budget_s=60.0,
        warmup=1,
        before_round=lambda: setups.append(1),
        target=2.0,
    )
    assert calls[:2] == [("a", 7), ("b", 7)]  # warm-up
    assert [side for side, _ in calls[2:6]] == ["a", "b", "b", "a"]  # ABBA: drift cancels
    assert len(calls) == 2 + 2 * 5
    assert len(setups) == 1 + 5
    assert len(result.round_ratios) == 5
    assert result.ratio == sorted(result.round_ratios)[2]
    assert result.per_round == 7
    assert result.met == (result.ratio <= 2.0)
    assert any("noop" in line for line in result.lines())


def test_compare_stops_at_the_time_budget_after_the_minimum_rounds() -> None:
    harness = _bench("_harness")
    result = harness.compare(
        "noop",
        ("a", lambda n: None),
        ("b", lambda n: None),
        rounds=1000,
        per_round=1,
        budget_s=0.0,
        min_rounds=3,
    )
    assert len(result.round_ratios) == 3
    assert result.target is None
    assert result.met is None


async def test_acompare_runs_both_sides_on_the_loop() -> None:
    harness = _bench("_harness")
    seen: list[str] = []

    async def subject(n: int) -> None:
        seen.append("a")

    async def baseline(n: int) -> None:
        seen.append("b")

    result = await harness.acompare(
        "noop", ("a", subject), ("b", baseline), rounds=4, per_round=1, budget_s=60.0
    )
    assert seen.count("a") == seen.count("b") == 5
    assert len(result.round_ratios) == 4


# -- the benchmarks, tiny ------------------------------------------------------------------------


def test_create_benchmark_checks_the_raw_request_and_reports(server: Any) -> None:
    roundtrip = _bench("roundtrip")
    result = roundtrip.bench_create(server, rounds=3, per_round=3, budget_s=0.0)
    assert result.target == 1.15  # issue 18
    assert len(result.round_ratios) == 3
    assert result.subject_s > 0
    assert result.baseline_s > 0
    assert "'rate_limit': False" in result.note
    assert "create 1" in result.note  # one POST per create once the guard has its account list
    defaults = roundtrip.bench_create(server, rounds=3, per_round=3, budget_s=0.0, defaults=True)
    assert defaults.target is None
    assert "client options defaults" in defaults.note


async def test_get_benchmarks_run_with_and_without_the_limiter(server: Any) -> None:
    roundtrip = _bench("roundtrip")
    off = await roundtrip._abench_get(
        server, rounds=3, per_round=1, budget_s=0.0, defaults=False, concurrency=5
    )
    assert off.target is None  # the 1.15x target is for 200 at once only
    assert "5 requests in flight" in off.note
    throttled = await roundtrip._athrottled(server, 5, 30.0)
    assert throttled.value > 0
    assert throttled.unit == "s"  # finished: 5 gets are within the default budget


def test_raw_side_that_sends_something_else_is_refused() -> None:
    roundtrip = _bench("roundtrip")
    head = "POST /public/api/v2/smart_trades HTTP/1.1\r\nHost: x\r\nSignature: abc\r\nApikey: k"
    library = roundtrip.SeenRequest.parse({"head": head, "body": "{}"})
    assert library.replay_headers() == {"signature": "abc", "apikey": "k"}
    roundtrip._check_same("create", library, library)
    other = roundtrip.SeenRequest.parse({"head": head.replace("abc", "abd"), "body": "{}"})
    with pytest.raises(AssertionError, match="signature"):
        roundtrip._check_same("create", library, other)
    with pytest.raises(AssertionError, match="request line or body"):
        roundtrip._check_same(
            "create", library, roundtrip.SeenRequest.parse({"head": head, "body": "{ }"})
        )


def test_builder_benchmark_reports_rate_and_breakdown() -> None:
    builder = _bench("builder")
    body = builder.build_once()
    assert len(body.take_profit.steps) == 3
    figure = builder.bench_builder(rounds=2, per_round=5, budget_s=0.0, profile_s=0.05)
    assert figure.value > 0
    assert figure.unit == "builds/s"
    assert any("planning" in line for line in figure.details)


def test_overhead_breakdown_names_each_step() -> None:
    figure = _bench("overhead").create_breakdown(number=5, repeat=1)
    labels = "\n".join(figure.details)
    for step in ("create_endpoint", "encode_body", "HMAC", "mode guard", "typed SmartTrade"):
        assert step in labels


def test_the_package_import_loads_no_optional_module() -> None:
    import_time = _bench("import_time")
    assert import_time.loaded_modules(import_time.TARGET) == set()
    heavy = import_time.heaviest_modules(import_time.CLIENT, count=3)
    assert len(heavy) == 3
    assert all(name.startswith("threecommas_hedge") for name, _ in heavy)


def test_runner_quick_builder_only_prints_the_figure(capsys: pytest.CaptureFixture[str]) -> None:
    run = _bench("run")
    assert run.main(["--quick", "--only", "builder"]) == 0
    out = capsys.readouterr().out
    assert "nproc" in out
    assert "builds/s" in out


def test_portfolio_benchmark_runs_and_the_budget_is_counted_on_the_simulated_clock() -> None:
    portfolio = _bench("portfolio")
    assert portfolio.plan_200(rounds=1) > 0
    opened, requests, waited = portfolio.open_50()
    assert opened == 50
    assert requests > 100  # more than one budget window of requests...
    assert waited > 0  # ...so the budget made the client wait (simulated, not slept)
