"""The fake over real HTTP on loopback (like moto's server mode), bridging to the same handler.

``serve(fake, port=0)`` binds a ``ThreadingHTTPServer`` on 127.0.0.1 and returns a started
`FakeServer` (a context manager); ``server.base_url`` is what a client's ``base_url`` should be.
A dropped answer closes the connection: at once for ``"reset"``, after holding it open for
``hold_seconds`` (or until the server stops) for ``"timeout"``, so the client's own timeout fires.

Control route (loopback only, outside the API root): ``POST /_fake/price`` with the JSON body
``{"pair": "USDT_BTCUSDT", "price": "55000"}`` and the fake's API key in the ``Apikey`` header
moves that market (``FakeThreeCommas.set_price``); ``threecommas-hedge fake-price`` sends it.
Answers 200 with the pair and price, 401 without the right key, 400 for a bad body.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from ._faults import Dropped

if TYPE_CHECKING:
    from ._fake import FakeThreeCommas

__all__ = ["FakeServer", "serve"]

logger = logging.getLogger("threecommas_hedge.testing")

_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive"})

PRICE_ROUTE = "/_fake/price"
"""The control route that moves a market of the served fake."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeThreeCommas, hold: float) -> None:
        super().__init__(address, _Handler)
        self.fake = fake
        self.hold_seconds = hold
        self.stopping = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        headers = [
            (name, value) for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP
        ]
        request = httpx.Request(
            self.command, f"http://{host}{self.path}", headers=headers, content=body
        )
        if self.path == PRICE_ROUTE:
            self._answer(control_price(self.server.fake, request))
            return
        outcome = self.server.fake.dispatch(request)
        if isinstance(outcome, Dropped):
            if outcome.kind == "timeout":
                self.server.stopping.wait(self.server.hold_seconds)
            self.close_connection = True
            return
        self._answer(outcome)

    def _answer(self, outcome: httpx.Response) -> None:
        content = outcome.content
        self.send_response(outcome.status_code)
        for name, value in outcome.headers.multi_items():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("fake server: " + format, *args)


class FakeServer:
    """A running loopback server for one `FakeThreeCommas`; ``stop()`` or use it as a context."""

    def __init__(
        self, fake: FakeThreeCommas, host: str = "127.0.0.1", port: int = 8080, *, hold: float
    ) -> None:
        _require_loopback(host)
        self._server = _Server((host, port), fake, hold)
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="threecommas-fake-server",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API root to give a client: ``<url>/public/api``."""
        return f"{self.url}/public/api"

    def start(self) -> FakeServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C interrupts it)."""
        while self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        """Stop serving, release held connections and close the socket."""
        self._server.stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"FakeServer(url={self.url!r})"


def serve(
    fake: FakeThreeCommas, host: str = "127.0.0.1", port: int = 8080, *, hold: float = 30.0
) -> FakeServer:
    """Serve ``fake`` on ``host:port`` (loopback only; port 0 picks a free one), started."""
    return FakeServer(fake, host, port, hold=hold).start()


def control_price(fake: FakeThreeCommas, request: httpx.Request) -> httpx.Response:
    """Answer ``POST /_fake/price``: move a market of ``fake`` (see the module docstring)."""
    if request.method != "POST":
        return httpx.Response(405, json={"error": "method_not_allowed"})
    if not hmac.compare_digest(request.headers.get("Apikey", ""), fake.api_key):
        return httpx.Response(401, json={"error": "api_key_invalid"})
    try:
        body = json.loads(request.content, parse_float=Decimal)
        pair, price = body["pair"], Decimal(str(body["price"]))
        valid = (
            isinstance(pair, str)
            and bool(pair.strip())
            and price.is_finite()
            and price > 0
            and -12 <= price.adjusted() <= 12  # no 1e999999 market
        )
    except (ValueError, TypeError, KeyError, ArithmeticError):
        valid = False
    if not valid:
        return httpx.Response(
            400,
            json={"error": "bad_request", "error_description": "send {pair, price > 0}"},
        )
    fake.set_price(pair, price)
    return httpx.Response(200, json={"pair": pair, "price": str(fake.price(pair))})


def _require_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the fake server binds to IPv4 loopback only, not {host!r}")
