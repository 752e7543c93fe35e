"""What the client adds to raw httpx, over real HTTP to the loopback server.

- ``bench_create``: ``client.smart_trades.create(payload)`` (the payload built beforehand) against
  ``httpx.Client.post`` of the same body bytes with the same headers, signature computed once,
  and ``response.json()``.
- ``bench_concurrent_get``: 200 concurrent ``AsyncThreeCommas.smart_trades.get`` against 200
  concurrent ``httpx.AsyncClient.get`` with a precomputed signature and ``response.json()``.

Both sides use httpx's default connection pool. Before timing, one call of each side is sent and
the server's record of the two requests is compared (method, path, body, and every header the
library sends): the raw side really sends the same request. The mode guard stays on (the server
lists the payload's account as a paper account), so the guarded write path is what is timed.

The library side is measured with the client-side rate limiter off (the throughput figures), and
with the client's defaults. The default limiter allows the documented 100 requests per minute, so
with the defaults each round gets a fresh client and stays within that budget (what is timed is
the limiter's bookkeeping); ``bench_throttled_get`` times the 200 concurrent gets with the
defaults as they are, i.e. spread over the minute.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import httpx

from ._harness import Comparison, Figure, acompare, compare
from ._server import ACCOUNT_ID, LoopbackServer

if TYPE_CHECKING:
    from threecommas_hedge import AsyncThreeCommas, SmartTradeCreate, ThreeCommas

API_KEY = "benchmark-key"
API_SECRET = "benchmark-secret"
TRADE_ID = 30404547
CONCURRENCY = 200
WITHIN_BUDGET = 80
"""Requests per round with the default limiter: under its 100 per minute, guard reads included."""
_SKIPPED_HEADERS = frozenset({"host", "content-length", "accept-encoding", "connection"})


def payload() -> SmartTradeCreate:
    """The create body, built once: the 3-step hedge of ``benchmarks.builder``."""
    from .builder import three_step_hedge

    built = three_step_hedge().build()
    assert built.account_id == ACCOUNT_ID
    return built


def limiter_options(defaults: bool) -> dict[str, Any]:
    """Constructor options: the client's defaults, or the client-side rate limiter turned off
    (when this version of the client has that option)."""
    from threecommas_hedge import ThreeCommas

    if defaults or "rate_limit" not in inspect.signature(ThreeCommas).parameters:
        return {}
    return {"rate_limit": False}


def sync_client(server: LoopbackServer, **options: Any) -> ThreeCommas:
    """A ``ThreeCommas`` (HMAC) on the loopback server."""
    from threecommas_hedge import ThreeCommas

    return ThreeCommas(api_key=API_KEY, api_secret=API_SECRET, base_url=server.base_url, **options)


def async_client(server: LoopbackServer, **options: Any) -> AsyncThreeCommas:
    """An ``AsyncThreeCommas`` (HMAC) on the loopback server."""
    from threecommas_hedge import AsyncThreeCommas

    return AsyncThreeCommas(
        api_key=API_KEY, api_secret=API_SECRET, base_url=server.base_url, **options
    )


@dataclass(frozen=True)
class SeenRequest:
    """A request as the server saw it: request line, headers (lower-cased names), body."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: str

    @classmethod
    def parse(cls, seen: Mapping[str, str]) -> SeenRequest:
        """From the server's ``{"head": ..., "body": ...}`` record."""
        request_line, *lines = seen["head"].split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return cls(method, target, headers, seen["body"])

    def replay_headers(self) -> dict[str, str]:
        """The headers to send again by hand (httpx adds host, length, encoding, connection)."""
        return {k: v for k, v in self.headers.items() if k not in _SKIPPED_HEADERS}


def _check_same(route: str, library: SeenRequest, raw: SeenRequest) -> None:
    wanted = library.replay_headers()
    differing = {k for k, v in wanted.items() if raw.headers.get(k) != v}
    if (library.method, library.target, library.body) != (raw.method, raw.target, raw.body):
        differing.add("request line or body")
    if differing:
        raise AssertionError(
            f"{route}: raw httpx does not send what the library sends: {differing}"
        )


def _counts(server: LoopbackServer) -> dict[str, int]:
    counts: dict[str, int] = server.last_requests()["counts"]
    return counts


def _requests_per_call(server: LoopbackServer, call: Callable[[], Any], calls: int = 5) -> str:
    before = _counts(server)
    for _ in range(calls):
        call()
    after = _counts(server)
    made = {k: (after.get(k, 0) - before.get(k, 0)) / calls for k in after}
    return ", ".join(f"{k} {v:g}" for k, v in sorted(made.items()) if v)


def _server_load(server: LoopbackServer, cpu_before: float | None, wall_before: float) -> str:
    cpu = server.cpu_seconds()
    if cpu is None or cpu_before is None:
        return "server CPU not measured"
    share = (cpu - cpu_before) / (time.perf_counter() - wall_before)
    return f"server process busy {share:.0%} of the time (not the bottleneck)"


def bench_create(
    server: LoopbackServer,
    *,
    rounds: int = 21,
    per_round: int = 200,
    budget_s: float = 20.0,
    defaults: bool = False,
    typed: bool = True,
) -> Comparison:
    """Signed ``smart_trades.create`` vs raw ``httpx.Client.post`` of the same request.

    ``typed=False`` times ``client.request("POST", "/v2/smart_trades", json=...)`` instead: the
    same signed and guarded request, answered as decoded JSON rather than a ``SmartTrade``.
    """
    body = payload()
    as_dict = body.model_dump(mode="json", exclude_none=True)
    options = limiter_options(defaults)
    if defaults:
        per_round = min(per_round, WITHIN_BUDGET)
    clients = [sync_client(server, **options)]

    def call() -> Any:
        if typed:
            return clients[0].smart_trades.create(body)
        return clients[0].request("POST", "/v2/smart_trades", json=as_dict)

    def fresh_client() -> None:
        clients.pop().close()
        clients.append(sync_client(server, **options))
        call()  # untimed: connects, fills the guard's cache

    with httpx.Client() as raw:
        try:
            call()
            sent = SeenRequest.parse(server.last_requests()["create"])
            url = server.origin + sent.target
            content = sent.body.encode("latin-1")
            headers = sent.replay_headers()
            raw.post(url, content=content, headers=headers).json()
            _check_same("create", sent, SeenRequest.parse(server.last_requests()["create"]))
            clients.pop().close()
            clients.append(sync_client(server, **options))
            per_call = _requests_per_call(server, call)

            def library(n: int) -> None:
                for _ in range(n):
                    call()

            def baseline(n: int) -> None:
                post = raw.post
                for _ in range(n):
                    post(url, content=content, headers=headers).json()

            cpu, wall = server.cpu_seconds(), time.perf_counter()
            result = compare(
                ("signed smart_trades.create round trip" if typed else "signed untyped create")
                + (" (client defaults)" if defaults else " (rate limiter off)"),
                (
                    "ThreeCommas.smart_trades.create"
                    if typed
                    else "ThreeCommas.request('POST', '/v2/smart_trades', json=dict)",
                    library,
                ),
                ("httpx.Client.post, precomputed signature", baseline),
                rounds=rounds,
                per_round=per_round,
                budget_s=budget_s,
                target=1.15 if typed and not defaults else None,
                before_round=fresh_client if defaults else None,
            )
        finally:
            clients[0].close()
    notes = [
        f"client options {options or 'defaults'}",
        f"requests the server got per create (first 5 of a fresh client): {per_call}",
        _server_load(server, cpu, wall),
    ]
    if defaults:
        notes.insert(
            1,
            f"a fresh client per round, primed by one untimed create, then {per_round} creates "
            "(within 100 per minute)",
        )
    return replace(result, note="; ".join(notes))


async def _gather(calls: Callable[[], Awaitable[Any]], count: int) -> None:
    await asyncio.gather(*(calls() for _ in range(count)))


async def _abench_get(
    server: LoopbackServer,
    *,
    rounds: int,
    per_round: int,
    budget_s: float,
    defaults: bool,
    concurrency: int,
) -> Comparison:
    options = limiter_options(defaults)
    clients = [async_client(server, **options)]

    async def fresh_client() -> None:
        await clients.pop().aclose()
        clients.append(async_client(server, **options))
        await clients[0].smart_trades.get(TRADE_ID)  # untimed: connects

    async with httpx.AsyncClient() as raw:
        try:
            await clients[0].smart_trades.get(TRADE_ID)
            sent = SeenRequest.parse(server.last_requests()["get"])
            url = server.origin + sent.target
            headers = sent.replay_headers()
            (await raw.get(url, headers=headers)).json()
            _check_same("get", sent, SeenRequest.parse(server.last_requests()["get"]))

            async def library(n: int) -> None:
                get = clients[0].smart_trades.get
                for _ in range(n):
                    await _gather(lambda: get(TRADE_ID), concurrency)

            async def raw_get() -> Any:
                return (await raw.get(url, headers=headers)).json()

            async def baseline(n: int) -> None:
                for _ in range(n):
                    await _gather(raw_get, concurrency)

            cpu, wall = server.cpu_seconds(), time.perf_counter()
            result = await acompare(
                f"{concurrency} concurrent smart_trades.get"
                + (" (client defaults)" if defaults else " (rate limiter off)"),
                (f"AsyncThreeCommas, {concurrency} x smart_trades.get", library),
                (f"httpx.AsyncClient, {concurrency} x get", baseline),
                rounds=rounds,
                per_round=per_round,
                budget_s=budget_s,
                target=None if defaults or concurrency != CONCURRENCY else 1.15,
                before_round=fresh_client if defaults else None,
            )
        finally:
            await clients[0].aclose()
    notes = [
        f"client options {options or 'defaults'}",
        f"one op = {concurrency} requests in flight",
        _server_load(server, cpu, wall),
    ]
    if defaults:
        notes.insert(
            1, "a fresh client per round, primed by one untimed get (within 100 per minute)"
        )
    return replace(result, note="; ".join(notes))


def bench_concurrent_get(
    server: LoopbackServer,
    *,
    rounds: int = 21,
    per_round: int = 3,
    budget_s: float = 30.0,
    defaults: bool = False,
    concurrency: int = CONCURRENCY,
) -> Comparison:
    """``concurrency`` concurrent ``AsyncThreeCommas.smart_trades.get`` vs raw
    ``httpx.AsyncClient`` (with ``defaults``, at most ``WITHIN_BUDGET`` at once, one per round)."""
    if defaults:
        concurrency, per_round = min(concurrency, WITHIN_BUDGET), 1
    return asyncio.run(
        _abench_get(
            server,
            rounds=rounds,
            per_round=per_round,
            budget_s=budget_s,
            defaults=defaults,
            concurrency=concurrency,
        )
    )


async def _athrottled(server: LoopbackServer, concurrency: int, timeout_s: float) -> Figure:
    async with async_client(server) as client, httpx.AsyncClient() as raw:
        sent_before = _counts(server).get("get", 0)
        start = time.perf_counter()
        try:
            await asyncio.wait_for(
                _gather(lambda: client.smart_trades.get(TRADE_ID), concurrency), timeout_s
            )
            library_s = time.perf_counter() - start
            verdict = ""
        except asyncio.TimeoutError:
            library_s = time.perf_counter() - start
            done = _counts(server).get("get", 0) - sent_before
            verdict = f" (stopped after {timeout_s:.0f} s with {done} answered)"
        url = server.base_url + f"/v2/smart_trades/{TRADE_ID}"
        start = time.perf_counter()
        await _gather(lambda: raw.get(url), concurrency)
        raw_s = time.perf_counter() - start
    return Figure(
        name=f"{concurrency} concurrent smart_trades.get, client defaults (rate limiter on)",
        value=library_s,
        unit="s" + verdict,
        details=(
            f"raw httpx.AsyncClient: {raw_s:.3f} s for the same {concurrency} gets",
            "by design: the default limiter keeps the documented 100 requests per 60 s, so the "
            "first 100 go at once and the rest wait for the window (+0.5 s margin)",
        ),
    )


def bench_throttled_get(
    server: LoopbackServer, *, concurrency: int = CONCURRENCY, timeout_s: float = 150.0
) -> Figure:
    """One batch of ``concurrency`` gets on a fresh client with the defaults, as it runs."""
    return asyncio.run(_athrottled(server, concurrency, timeout_s))
