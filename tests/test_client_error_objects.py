"""An error that keeps the response keeps no credentials anywhere in it.

A request carries ``Apikey`` and ``Signature`` from the moment it is built. The errors hold a
redacted copy as ``request`` and as ``response.request``; the response's body stream (the
deadline wrapper, the transport's stream under it) must not hold the signed request either.
Checked by walking every object the error reaches (tracebacks, frames and code excluded: they
are the call stack, not the error's data).
"""

from __future__ import annotations

import asyncio
import gc
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from threecommas_hedge import APIError, AsyncThreeCommas, ThreeCommas

KEY = "apikey-0123456789-not-shown"
OPTIONS: dict[str, Any] = {
    "api_key": KEY,
    "api_secret": "secret",
    "mode_guard": False,
    "rate_limit": False,
    "max_retries": 0,
}
_NOT_DATA = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.TracebackType,
    types.FrameType,
    types.CodeType,
)


def holders_of_key(root: object) -> list[str]:
    """The paths (by type names) from ``root`` to every string or bytes holding ``KEY``."""
    seen: set[int] = set()
    stack: list[tuple[object, str]] = [(root, type(root).__name__)]
    found = []
    while stack:
        item, path = stack.pop()
        if id(item) in seen or isinstance(item, _NOT_DATA):
            continue
        seen.add(id(item))
        if isinstance(item, str | bytes):
            if (KEY if isinstance(item, str) else KEY.encode()) in item:
                found.append(path)
            continue
        stack.extend((child, f"{path}>{type(child).__name__}") for child in gc.get_referents(item))
    return found


def test_the_walk_finds_a_key_a_request_holds() -> None:
    """The helper itself can fail: a signed request's headers are found."""
    request = httpx.Request("GET", "https://x.test/", headers={"Apikey": KEY})
    assert holders_of_key({"kept": [request]})


class _Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"error":"busy"}' if self.path.endswith("/busy") else b"<html>"
        self.send_response(500 if self.path.endswith("/busy") else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/public/api"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _mock(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/busy"):
        return httpx.Response(500, json={"error": "busy"})
    return httpx.Response(200, text="<html>")


@pytest.mark.parametrize("path", ["/ver1/busy", "/ver1/html"])
@pytest.mark.parametrize("pool", ["own", "lent"])
def test_sync_error_keeps_no_credentials(base_url: str, path: str, pool: str) -> None:
    lent = httpx.Client(transport=httpx.MockTransport(_mock)) if pool == "lent" else None
    client = ThreeCommas(base_url=base_url, http_client=lent, **OPTIONS)
    with client, pytest.raises(APIError) as caught:
        client.request("GET", path)
    assert caught.value.response is not None  # an error that keeps the response
    assert holders_of_key(caught.value) == []


@pytest.mark.parametrize("path", ["/ver1/busy", "/ver1/html"])
@pytest.mark.parametrize("pool", ["own", "lent"])
def test_async_error_keeps_no_credentials(base_url: str, path: str, pool: str) -> None:
    async def main() -> APIError:
        lent = httpx.AsyncClient(transport=httpx.MockTransport(_mock)) if pool == "lent" else None
        async with AsyncThreeCommas(base_url=base_url, http_client=lent, **OPTIONS) as client:
            try:
                await client.request("GET", path)
            except APIError as error:
                return error
        raise AssertionError("no error")

    error = asyncio.run(main())
    assert error.response is not None
    assert holders_of_key(error) == []
