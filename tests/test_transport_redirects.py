"""Signed requests never follow a redirect: a 3xx is a typed error naming where it pointed."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from threecommas_hedge import APIRedirectError, AsyncThreeCommas, ThreeCommas

BASE = "https://api.3commas.io/public/api"
EVIL = "https://collector.example/steal"
CORE_ONLY = {"mode_guard": False, "rate_limit": False, "max_retries": 0}
CREDS = {"api_key": "key-123", "api_secret": "s3cret"}


def redirecting(seen: list[httpx.Request], status: int = 302) -> httpx.MockTransport:
    """The API answers ``status`` pointing at another host; the other host records what it got."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "api.3commas.io":
            return httpx.Response(status, headers={"Location": EVIL})
        return httpx.Response(200, json={"stolen": True})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_lent_client_following_redirects_sends_nothing_to_the_location(status: int) -> None:
    seen: list[httpx.Request] = []
    http = httpx.Client(transport=redirecting(seen, status), follow_redirects=True)
    client = ThreeCommas(**CREDS, http_client=http, **CORE_ONLY)
    with pytest.raises(APIRedirectError) as caught:
        client.request("GET", "/ver1/accounts")
    assert [r.url.host for r in seen] == ["api.3commas.io"]
    error = caught.value
    assert error.status_code == status
    assert error.location == EVIL
    assert EVIL in str(error)
    assert "s3cret" not in str(error) and "key-123" not in repr(error.request.headers)


def test_a_redirect_on_a_write_is_not_resent() -> None:
    seen: list[httpx.Request] = []
    http = httpx.Client(transport=redirecting(seen, 307), follow_redirects=True)
    client = ThreeCommas(**CREDS, http_client=http, **{**CORE_ONLY, "max_retries": 3})
    with pytest.raises(APIRedirectError):
        client.request("POST", "/ver1/users/change_mode", json={"mode": "paper"})
    assert len(seen) == 1


def test_async_lent_client_following_redirects_sends_nothing_to_the_location() -> None:
    seen: list[httpx.Request] = []

    async def run() -> APIRedirectError:
        http = httpx.AsyncClient(transport=redirecting(seen), follow_redirects=True)
        async with AsyncThreeCommas(**CREDS, http_client=http, **CORE_ONLY) as client:
            with pytest.raises(APIRedirectError) as caught:
                await client.request("GET", "/ver1/accounts")
        await http.aclose()
        return caught.value

    error = asyncio.run(run())
    assert [r.url.host for r in seen] == ["api.3commas.io"]
    assert error.location == EVIL


def test_a_redirect_without_location_is_still_a_redirect_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302)

    http = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
    client = ThreeCommas(**CREDS, http_client=http, **CORE_ONLY)
    with pytest.raises(APIRedirectError) as caught:
        client.request("GET", "/ver1/accounts")
    assert caught.value.location is None
    assert "no Location" in str(caught.value)
