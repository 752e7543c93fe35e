"""The clients' own connection pools keep no cookies; a lent ``http_client`` keeps its own.

A client builds each request itself and sends it as built, so a cookie an answer sets was never
sent back; storing it cost about 20 us an answer. Checked over real HTTP on loopback: the server
sets a cookie on every answer and records each request's headers.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from threecommas_hedge import AsyncThreeCommas, ThreeCommas

OPTIONS: dict[str, Any] = {
    "api_key": "key",
    "api_secret": "secret",
    "mode_guard": False,
    "rate_limit": False,
    "max_retries": 0,
}


class _SetsCookies(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        self.seen.append({name.lower(): value for name, value in self.headers.items()})
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "session=abc; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_SetsCookies,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/public/api", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_sync_client_keeps_no_cookie(server: tuple[str, list[dict[str, str]]]) -> None:
    base_url, seen = server
    with ThreeCommas(base_url=base_url, **OPTIONS) as client:
        assert client.request("GET", "/ver1/accounts") == []
        assert client.request("GET", "/ver1/accounts") == []
        assert len(client._http.cookies.jar) == 0
        assert list(client._http.cookies.items()) == []
    assert len(seen) == 2
    assert all("cookie" not in headers for headers in seen)


def test_async_client_keeps_no_cookie(server: tuple[str, list[dict[str, str]]]) -> None:
    base_url, seen = server

    async def main() -> int:
        async with AsyncThreeCommas(base_url=base_url, **OPTIONS) as client:
            assert await client.request("GET", "/ver1/accounts") == []
            assert await client.request("GET", "/ver1/accounts") == []
            return len(client._http.cookies.jar)

    assert asyncio.run(main()) == 0
    assert len(seen) == 2
    assert all("cookie" not in headers for headers in seen)


def test_lent_http_client_keeps_its_cookies(server: tuple[str, list[dict[str, str]]]) -> None:
    """The caller's own httpx client is used as it is: its jar fills as httpx's always does."""
    base_url, _ = server
    with httpx.Client() as lent, ThreeCommas(base_url=base_url, http_client=lent, **OPTIONS) as c:
        c.request("GET", "/ver1/accounts")
        assert lent.cookies.get("session") == "abc"


def test_cookies_set_on_the_own_client_are_kept_but_never_extracted(
    server: tuple[str, list[dict[str, str]]],
) -> None:
    """Setting ``cookies`` on the own httpx client is accepted; answers still add none."""
    base_url, _ = server
    with ThreeCommas(base_url=base_url, **OPTIONS) as client:
        client._http.cookies = {"mine": "1"}
        client.request("GET", "/ver1/accounts")
        assert dict(client._http.cookies.items()) == {"mine": "1"}
