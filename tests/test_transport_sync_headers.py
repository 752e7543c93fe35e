"""The sync client's attempt deadline holds while the status line and headers trickle in.

Each byte comes well inside the read timeout, so httpx's per-phase timeouts never trip; only the
attempt deadline (enforced on every network read by the client's own transport) ends the call.
Checked on a fresh connection and on a pooled one (its first answer came in full).
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import httpx
import pytest

from threecommas_hedge import APIConnectionError, APITimeoutError, ThreeCommas

CREDS = {"api_key": "key", "api_secret": "secret"}
OPTIONS: dict[str, Any] = {
    "mode_guard": False,
    "rate_limit": False,
    "timeout": 5.0,  # far longer than the gap between two bytes
    "attempt_deadline": 1.0,
    "max_retries": 0,
}
FULL = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"
ENDLESS_HEAD = b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 90_000  # never ends (h11 takes 100 KB)


class HeaderTrickler:
    """A local server: answers ``full_first`` requests in full on one connection, then sends
    the next answer's head one byte every ``gap`` seconds until the client hangs up."""

    def __init__(self, full_first: int, gap: float = 0.2) -> None:
        self.full_first = full_first
        self.gap = gap
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.accepted = 0
        self.client_hung_up = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/public/api"

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        self.accepted += 1
        with conn:
            for _ in range(self.full_first):
                conn.recv(65536)
                conn.sendall(FULL)
            conn.recv(65536)
            try:
                for byte in ENDLESS_HEAD:
                    if self.stop.wait(self.gap):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:  # reset or broken pipe: the client closed the connection
                self.client_hung_up.set()

    def __enter__(self) -> HeaderTrickler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=5)


def _call_in_thread(client: ThreeCommas) -> list[BaseException]:
    """Run one call on a thread; return what it raised (fail, not hang, if it never ends)."""
    raised: list[BaseException] = []

    def call() -> None:
        try:
            client.request("GET", "/ver1/accounts")
        except BaseException as error:  # handed to the test
            raised.append(error)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(timeout=20)  # a guard against hanging the suite, not a timing assertion
    assert not worker.is_alive(), "the call still runs: trickled headers were not bounded"
    return raised


@pytest.mark.parametrize("full_first", [0, 1], ids=["fresh connection", "pooled connection"])
def test_trickled_headers_trip_the_sync_attempt_deadline(full_first: int) -> None:
    with (
        HeaderTrickler(full_first) as server,
        ThreeCommas(**CREDS, base_url=server.base_url, **OPTIONS) as client,
    ):
        for _ in range(full_first):
            assert client.request("GET", "/ver1/accounts") == []
        raised = _call_in_thread(client)
        assert len(raised) == 1 and isinstance(raised[0], APITimeoutError), raised
        assert "attempt deadline" in str(raised[0])
        assert server.client_hung_up.wait(timeout=10)
        assert server.accepted == 1  # the second call went over the pooled connection


def test_transport_errors_keep_httpx_types() -> None:
    """httpcore's errors reach the client as httpx's of the same name (mapped as before)."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the connection is refused
    url = f"http://127.0.0.1:{port}/public/api"
    with (
        ThreeCommas(**CREDS, base_url=url, **OPTIONS) as client,
        pytest.raises(APIConnectionError) as caught,
    ):
        client.request("GET", "/ver1/accounts")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
