"""A fast canned 3Commas on loopback: asyncio, raw HTTP/1.1 with keep-alive, answers precomputed.

The benchmarks time real HTTP against it, so it must never be the bottleneck: it parses only the
request line and the ``Content-Length`` / ``Connection`` headers and writes answers built once.
It runs in its own process by default (``LoopbackServer()``), so on two or more cores the client
under test and the server do not share a GIL; ``LoopbackServer(in_process=True)`` runs it on a
thread instead (quick smoke runs).

Routes, under ``/public/api``:

- ``POST /v2/smart_trades``: 201, the official create example;
- ``GET /v2/smart_trades/{id}``: 200, the official get example;
- ``GET /ver1/accounts``: a one-page list, and ``GET /ver1/accounts/{id}``: the account ``id``,
  both paper futures accounts (``market_code`` ``paper_trading_futures``), so a mode guard that
  checks the account before a write passes and is measured;
- ``GET /__last``: what the last request to each route looked like (its head and body) and how
  many each route got (``counts``): checked before timing that the library and raw httpx send
  the same request, and how many requests one library call makes;
- anything else: 404 with a 3Commas-style error body.

Only stdlib, so it also runs as a script: ``python benchmarks/_server.py --port 0`` prints
``LISTENING <host> <port>`` and serves until stdin closes (so it never outlives its parent).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"
PREFIX = "/public/api"
EXAMPLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "examples"
ACCOUNT_ID = 32455218
"""The account the benchmark payloads trade on (listed by ``GET /ver1/accounts``)."""
_MAX_HEAD = 64 * 1024
_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 411: "Length Required"}


def _example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def answer(status: int, body: bytes, *, close: bool = False) -> bytes:
    """A complete HTTP/1.1 response with a JSON body."""
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Request-Id: benchmark\r\n"
        f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    return head.encode("ascii") + body


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def paper_account(account_id: int) -> dict[str, Any]:
    """The official account example turned into a paper futures account with ``account_id``."""
    account = dict(_example("account_3_get_account_info.response.201.json"))
    account.update(
        id=account_id,
        name="Paper Account",
        market_code="paper_trading_futures",
        exchange_name="Binance Futures USDT-M account simulator",
        pretty_display_type="PaperTradingFutures",
        supported_market_types=["futures"],
    )
    return account


class Routes:
    """The precomputed answers, and a record of the last request seen on each route."""

    def __init__(self) -> None:
        self.get_trade = answer(200, _compact(_example("3_get_smart_trade.response.200.json")))
        self.create_trade = answer(
            201, _compact(_example("1_create_smart_trade.response.201.json"))
        )
        self.not_found = answer(404, b'{"error":"not_found","error_description":"no such route"}')
        self.length_required = answer(411, b'{"error":"length_required"}', close=True)
        self._accounts: dict[int, bytes] = {}
        self.account_list = answer(200, _compact([paper_account(ACCOUNT_ID)]))
        self.last: dict[str, dict[str, bytes]] = {}
        self.counts: dict[str, int] = {}

    def account(self, account_id: int) -> bytes:
        """The paper account ``account_id`` (built once per id)."""
        cached = self._accounts.get(account_id)
        if cached is None:
            cached = self._accounts[account_id] = answer(200, _compact(paper_account(account_id)))
        return cached

    def respond(self, method: bytes, target: bytes, head: bytes, body: bytes) -> bytes:
        """The answer to one request (``head`` is the raw request head, kept for ``/__last``)."""
        path = target.partition(b"?")[0]
        if path == b"/__last":
            seen: dict[str, Any] = {
                route: {part: raw.decode("latin-1") for part, raw in request.items()}
                for route, request in self.last.items()
            }
            seen["counts"] = self.counts
            return answer(200, _compact(seen))
        route, response = self._route(method, path)
        self.last[route] = {"head": head, "body": body}
        self.counts[route] = self.counts.get(route, 0) + 1
        return response

    def _route(self, method: bytes, path: bytes) -> tuple[str, bytes]:
        if not path.startswith(PREFIX.encode()):
            return "other", self.not_found
        parts = path[len(PREFIX) :].strip(b"/").split(b"/")
        if parts[:2] == [b"v2", b"smart_trades"]:
            if len(parts) == 2 and method == b"POST":
                return "create", self.create_trade
            if len(parts) == 3 and method == b"GET" and parts[2].isdigit():
                return "get", self.get_trade
        if parts[:2] == [b"ver1", b"accounts"] and method == b"GET":
            if len(parts) == 2:
                return "accounts", self.account_list
            if len(parts) == 3 and parts[2].isdigit():
                return "account", self.account(int(parts[2]))
        return "other", self.not_found


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: pipelined requests answered in order."""

    def __init__(self, routes: Routes) -> None:
        self._routes = routes
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        transport = self._transport
        assert transport is not None
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _MAX_HEAD:
                    transport.close()
                return
            head = bytes(self._buffer[:end])
            lines = head.split(b"\r\n")
            method, target = lines[0].split(b" ", 2)[:2]
            length, close, chunked = 0, False, False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
                elif name == b"transfer-encoding":
                    chunked = True
            if chunked:
                transport.write(self._routes.length_required)
                transport.close()
                return
            total = end + 4 + length
            if len(self._buffer) < total:
                return
            body = bytes(self._buffer[end + 4 : total])
            del self._buffer[:total]
            transport.write(self._routes.respond(method, target, head, body))
            if close:
                transport.close()
                return


async def _serve(routes: Routes, port: int, ready: Any, stop: asyncio.Event | None = None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Connection(routes), HOST, port, backlog=1024, reuse_address=True
    )
    async with server:
        ready(server.sockets[0].getsockname()[1])
        if stop is None:
            await asyncio.Event().wait()
        else:
            await stop.wait()


class LoopbackServer:
    """The canned server on 127.0.0.1 (a free port), in a child process or on a thread.

    Use as a context manager; ``base_url`` is what a client's ``base_url`` should be and
    ``last_requests()`` shows what the server last saw on each route.
    """

    def __init__(self, *, in_process: bool = False, timeout: float = 10) -> None:
        self._in_process = in_process
        self._timeout = timeout
        self._process: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.port = 0

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL (``origin`` + ``/public/api``)."""
        return self.origin + PREFIX

    def start(self) -> LoopbackServer:
        """Start serving; returns once the port is bound."""
        if self._in_process:
            self._start_thread()
        else:
            self._start_process()
        return self

    def _start_process(self) -> None:
        command = [sys.executable, str(Path(__file__).resolve())]
        command += ["--port", "0"]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().split()
        if len(line) != 3 or line[0] != "LISTENING":
            self.stop()
            raise RuntimeError(f"the benchmark server did not start (said {line!r})")
        self.port = int(line[2])

    def _start_thread(self) -> None:
        bound = threading.Event()

        def ready(port: int) -> None:
            self.port = port
            bound.set()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._stop = asyncio.Event()
            try:
                loop.run_until_complete(_serve(Routes(), 0, ready, stop=self._stop))
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="benchmark-server", daemon=True)
        self._thread.start()
        if not bound.wait(self._timeout):
            raise RuntimeError("the benchmark server thread did not start")

    def stop(self) -> None:
        """Stop the server (the child process, or the thread's loop)."""
        if self._process is not None:
            process, self._process = self._process, None
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()  # the server exits when its stdin closes
            try:
                process.wait(self._timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(self._timeout)
            if process.stdout is not None:
                process.stdout.close()
        if self._thread is not None and self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(self._timeout)
            self._thread = None

    def cpu_seconds(self) -> float | None:
        """CPU time the server process has used so far (Linux ``/proc``; None elsewhere or
        when the server runs in this process)."""
        if self._process is None:
            return None
        try:
            stat = Path(f"/proc/{self._process.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def last_requests(self) -> dict[str, Any]:
        """What the server last saw per route, ``{"create": {"head": ..., "body": ...}, ...}``,
        and the request count per route under ``"counts"``."""
        import urllib.request

        with urllib.request.urlopen(self.origin + "/__last", timeout=self._timeout) as reply:  # noqa: S310 - loopback
            raw: dict[str, Any] = json.loads(reply.read())
        return raw

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stdin_closed = loop.run_in_executor(None, sys.stdin.read)

        def ready(port: int) -> None:
            print(f"LISTENING {HOST} {port}", flush=True)

        serving = asyncio.ensure_future(_serve(Routes(), args.port, ready))
        await asyncio.wait([serving, stdin_closed], return_when=asyncio.FIRST_COMPLETED)
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving

    asyncio.run(main())


if __name__ == "__main__":
    _main()
