"""Overall deadlines: per attempt (a trickling server included) and per call (retries, waits)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from _sim_clock import SimClock
from threecommas_hedge import (
    APITimeoutError,
    AsyncThreeCommas,
    Budget,
    ConfigurationError,
    InternalServerError,
    RateLimiter,
    RateLimits,
    ThreeCommas,
)

CREDS = {"api_key": "key", "api_secret": "secret"}
CORE_ONLY: dict[str, Any] = {"mode_guard": False, "rate_limit": False}
BODY = b"[" + b"0," * 40 + b"0]"  # valid JSON: without a deadline the call would succeed


class Trickle(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that arrives one byte at a time, ``step`` simulated seconds apart."""

    def __init__(self, clock: SimClock, step: float) -> None:
        self.clock, self.step, self.sent = clock, step, 0

    def __iter__(self) -> Iterator[bytes]:
        for byte in BODY:
            self.clock.now += self.step
            self.sent += 1
            yield bytes([byte])

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def trickling(clock: SimClock, step: float, log: list[Trickle]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        stream = Trickle(clock, step)
        log.append(stream)
        return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=stream)

    return httpx.MockTransport(handler)


def test_a_trickling_body_trips_the_attempt_deadline() -> None:
    clock, streams = SimClock(), []
    http = httpx.Client(transport=trickling(clock, 0.9, streams))  # every byte inside 1 s
    client = ThreeCommas(
        **CREDS, http_client=http, timeout=1.0, max_retries=0, _clock=clock, **CORE_ONLY
    )
    assert client.attempt_deadline == 4.0  # the four 1 s phases
    with pytest.raises(APITimeoutError, match="attempt deadline") as caught:
        client.request("GET", "/ver1/accounts")
    assert len(streams) == 1 and streams[0].sent < len(BODY)
    assert clock.now - 1000.0 <= 4.0 + 0.9  # stopped at the first byte past the deadline
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_async_a_trickling_body_trips_the_attempt_deadline() -> None:
    clock, streams = SimClock(), []

    async def run() -> None:
        http = httpx.AsyncClient(transport=trickling(clock, 0.9, streams))
        client = AsyncThreeCommas(
            **CREDS,
            http_client=http,
            timeout=1.0,
            max_retries=0,
            _clock=clock,
            _sleep=clock.asleep,
            **CORE_ONLY,
        )
        with pytest.raises(APITimeoutError, match="attempt deadline"):
            await client.request("GET", "/ver1/accounts")
        await http.aclose()

    asyncio.run(run())
    assert len(streams) == 1 and streams[0].sent < len(BODY)


def test_retries_of_a_trickling_read_stop_at_the_call_deadline() -> None:
    clock, streams = SimClock(), []
    http = httpx.Client(transport=trickling(clock, 0.9, streams))
    client = ThreeCommas(
        **CREDS,
        http_client=http,
        timeout=1.0,
        max_retries=50,
        call_deadline=10.0,
        _clock=clock,
        _sleep=clock.sleep,
        **CORE_ONLY,
    )
    with pytest.raises(APITimeoutError):
        client.request("GET", "/ver1/accounts")
    assert 2 <= len(streams) <= 3  # 10 s hold two or three 4 s attempts, not 51
    assert clock.now - 1000.0 <= 10.0 + 0.9


def test_retry_waits_stop_at_the_call_deadline() -> None:
    clock, sent = SimClock(), []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(503)

    client = ThreeCommas(
        **CREDS,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        max_retries=50,
        call_deadline=5.0,
        _clock=clock,
        _sleep=clock.sleep,
        **CORE_ONLY,
    )
    with pytest.raises(InternalServerError):  # the last answer, not a retry past the deadline
        client.request("GET", "/ver1/accounts")
    assert sum(clock.slept) < 5.0
    assert 2 <= len(sent) < 10


def test_a_rate_limit_wait_past_the_call_deadline_raises_before_sending() -> None:
    clock, sent = SimClock(), []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=[])

    limiter = RateLimiter(
        RateLimits(budgets=(Budget("api", limit=1, seconds=60.0, penalty=300.0),)), clock=clock
    )
    client = ThreeCommas(
        **CREDS,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        rate_limit=limiter,
        mode_guard=False,
        call_deadline=20.0,
        _clock=clock,
        _sleep=clock.sleep,
    )
    client.request("GET", "/ver1/accounts")
    with pytest.raises(APITimeoutError, match="not sent") as caught:
        client.request("GET", "/ver1/accounts")
    assert len(sent) == 1 and clock.slept == []
    assert isinstance(caught.value.__cause__, httpx.PoolTimeout)  # says: never sent
    # the refused call took no slot: once the window passes, the next one goes at once
    clock.now += 61.0
    client.request("GET", "/ver1/accounts")
    assert len(sent) == 2 and clock.slept == []


def test_each_attempt_caps_its_phase_timeouts_to_the_time_left() -> None:
    seen: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        return httpx.Response(200, json=[])

    clock = SimClock()
    client = ThreeCommas(
        **CREDS,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        timeout=10.0,
        attempt_deadline=2.5,
        _clock=clock,
        **CORE_ONLY,
    )
    client.request("GET", "/ver1/accounts")
    client.request("GET", "/ver1/accounts", timeout=1.0)
    phases = ("connect", "read", "write", "pool")
    assert seen == [dict.fromkeys(phases, 2.5), dict.fromkeys(phases, 1.0)]


def test_default_deadlines_derive_from_timeout_and_retries() -> None:
    client = ThreeCommas(**CREDS)
    assert client.attempt_deadline == 40.0  # 4 phases of 10 s
    assert client.call_deadline == 40.0 * 3 + 60.0  # 3 attempts, plus the longest Retry-After
    faster = client.with_options(timeout=2.0, max_retries=0)
    assert (faster.attempt_deadline, faster.call_deadline) == (8.0, 68.0)
    fixed = client.with_options(attempt_deadline=5, call_deadline=7)
    assert (fixed.attempt_deadline, fixed.call_deadline) == (5.0, 7.0)
    assert client.attempt_deadline == 40.0


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), True, "10"])
@pytest.mark.parametrize("name", ["attempt_deadline", "call_deadline"])
def test_bad_deadlines_are_refused(name: str, bad: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ThreeCommas(**CREDS, **{name: bad})
    assert caught.value.field == name


# ------------------------------------------------------------ a real trickling socket server


class TrickleServer:
    """A local HTTP server sending a valid answer one byte every ``interval`` real seconds."""

    def __init__(self, interval: float, *, headers_too: bool = False) -> None:
        self.interval = interval
        self.headers_too = headers_too
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/public/api"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                head += b"Content-Length: %d\r\n\r\n" % len(BODY)
                if self.headers_too:  # a header that never ends (h11 takes up to 100 KB)
                    head = b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 90_000
                else:
                    conn.sendall(head)
                    head = b""
                try:
                    for byte in head + BODY:
                        if self.stop.wait(self.interval):
                            return
                        conn.sendall(bytes([byte]))
                except OSError:  # the client gave up and closed the connection
                    continue

    def __enter__(self) -> TrickleServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


REAL: dict[str, Any] = {
    **CORE_ONLY,
    "timeout": 2.0,  # every byte comes well inside the read timeout
    "attempt_deadline": 0.3,
    "max_retries": 0,
}


def test_a_real_trickling_server_trips_the_attempt_deadline() -> None:
    with TrickleServer(0.05) as server:
        client = ThreeCommas(**CREDS, base_url=server.base_url, **REAL)
        with pytest.raises(APITimeoutError, match="attempt deadline"):
            client.request("GET", "/ver1/accounts")
        client.close()


def test_async_a_real_trickling_server_trips_the_attempt_deadline() -> None:
    async def run() -> None:
        async with AsyncThreeCommas(**CREDS, base_url=server.base_url, **REAL) as client:
            with pytest.raises(APITimeoutError, match="attempt deadline"):
                await client.request("GET", "/ver1/accounts")

    with TrickleServer(0.05) as server:
        asyncio.run(run())


def test_async_trickled_headers_trip_the_attempt_deadline() -> None:
    """Headers that take hours, a byte at a time, never reach the body: the async client still
    stops at its deadline (the sync one: tests/test_transport_sync_headers.py)."""

    async def run() -> None:
        async with AsyncThreeCommas(**CREDS, base_url=server.base_url, **REAL) as client:
            with pytest.raises(APITimeoutError, match="attempt deadline"):
                await client.request("GET", "/ver1/accounts")

    with TrickleServer(0.05, headers_too=True) as server:
        asyncio.run(run())


def test_the_trickle_server_answers_in_full_without_a_deadline() -> None:
    """The control: the same server, a long deadline: the answer is complete and valid."""
    options = {**REAL, "attempt_deadline": 30.0}
    with (
        TrickleServer(0.001) as server,
        ThreeCommas(**CREDS, base_url=server.base_url, **options) as c,
    ):
        assert c.request("GET", "/ver1/accounts") == [0] * 41
