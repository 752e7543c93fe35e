"""What the client adds to raw httpx, over real HTTP to the loopback server.

- ``bench_create``: ``client.smart_trades.create(payload)`` (the payload built beforehand) against
  ``httpx.Client.post`` of the same body bytes with the same headers, signature computed once,
  and ``response.json()``.
- ``bench_concurrent_get``: 200 concurrent ``AsyncThreeCommas.smart_trades.get`` against 200
  concurrent ``httpx.AsyncClient.get`` with a precomputed signature and ``response.json()``.

Both sides use httpx's default connection pool. Before timing, one call of each side is sent and
the server's record of the two requests is compared (method, path, body, and every header the
library sends): the raw side really sends the same request. The library side is measured with the
client-side rate limiter off (the throughput figure) and with the defaults.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from ._harness import Comparison, acompare, compare
from ._server import ACCOUNT_ID, LoopbackServer

if TYPE_CHECKING:
    from threecommas_hedge import AsyncThreeCommas, SmartTradeCreate, ThreeCommas

API_KEY = "benchmark-key"
API_SECRET = "benchmark-secret"
TRADE_ID = 30404547
CONCURRENCY = 200
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


def bench_create(
    server: LoopbackServer,
    *,
    rounds: int = 21,
    per_round: int = 200,
    budget_s: float = 20.0,
    defaults: bool = False,
) -> Comparison:
    """Signed ``smart_trades.create`` vs raw ``httpx.Client.post`` of the same request."""
    body = payload()
    options = limiter_options(defaults)
    with sync_client(server, **options) as client, httpx.Client() as raw:
        client.smart_trades.create(body)
        sent = SeenRequest.parse(server.last_requests()["create"])
        url = server.origin + sent.target
        content = sent.body.encode("latin-1")
        headers = sent.replay_headers()
        raw.post(url, content=content, headers=headers).json()
        _check_same("create", sent, SeenRequest.parse(server.last_requests()["create"]))
        per_call = _requests_per_call(server, lambda: client.smart_trades.create(body))

        def library(n: int) -> None:
            create = client.smart_trades.create
            for _ in range(n):
                create(body)

        def baseline(n: int) -> None:
            post = raw.post
            for _ in range(n):
                post(url, content=content, headers=headers).json()

        return compare(
            "signed smart_trades.create round trip"
            + (" (client defaults)" if defaults else " (rate limiter off)"),
            ("ThreeCommas.smart_trades.create", library),
            ("httpx.Client.post, precomputed signature", baseline),
            rounds=rounds,
            per_round=per_round,
            budget_s=budget_s,
            target=None if defaults else 1.10,
            note=f"options {options or 'defaults'}; server requests per create: {per_call}",
        )


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
    async with async_client(server, **options) as client, httpx.AsyncClient() as raw:
        await client.smart_trades.get(TRADE_ID)
        sent = SeenRequest.parse(server.last_requests()["get"])
        url = server.origin + sent.target
        headers = sent.replay_headers()
        (await raw.get(url, headers=headers)).json()
        _check_same("get", sent, SeenRequest.parse(server.last_requests()["get"]))

        async def library(n: int) -> None:
            get = client.smart_trades.get
            for _ in range(n):
                await _gather(lambda: get(TRADE_ID), concurrency)

        async def raw_get() -> Any:
            return (await raw.get(url, headers=headers)).json()

        async def baseline(n: int) -> None:
            for _ in range(n):
                await _gather(raw_get, concurrency)

        return await acompare(
            f"{concurrency} concurrent smart_trades.get"
            + (" (client defaults)" if defaults else " (rate limiter off)"),
            (f"AsyncThreeCommas, {concurrency} x smart_trades.get", library),
            (f"httpx.AsyncClient, {concurrency} x get", baseline),
            rounds=rounds,
            per_round=per_round,
            budget_s=budget_s,
            target=None if defaults else 1.15,
            note=f"options {options or 'defaults'}; one op = {concurrency} requests in flight",
        )


def bench_concurrent_get(
    server: LoopbackServer,
    *,
    rounds: int = 21,
    per_round: int = 3,
    budget_s: float = 30.0,
    defaults: bool = False,
    concurrency: int = CONCURRENCY,
) -> Comparison:
    """200 concurrent ``AsyncThreeCommas.smart_trades.get`` vs raw ``httpx.AsyncClient``."""
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
