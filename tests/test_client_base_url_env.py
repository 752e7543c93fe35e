"""``THREECOMMAS_BASE_URL`` is read by the clients as the CLI reads it; explicit arguments win."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from threecommas_hedge import AsyncThreeCommas, ThreeCommas

CORE_ONLY: dict[str, Any] = {"mode_guard": False, "rate_limit": False}
FAKE_ROOT = "http://127.0.0.1:8765/public/api"


@pytest.fixture
def creds() -> dict[str, str]:
    return {"api_key": "key", "api_secret": "secret"}


def test_environment_base_url_is_where_requests_go(
    creds: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREECOMMAS_BASE_URL", FAKE_ROOT)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get(f"{FAKE_ROOT}/ver1/accounts").mock(
            return_value=httpx.Response(200, json=[])
        )
        with ThreeCommas(**creds, **CORE_ONLY) as client:
            assert client.base_url == FAKE_ROOT
            assert list(client.accounts.list()) == []
    assert route.calls.last.request.url.host == "127.0.0.1"


async def test_async_client_reads_it_too(
    creds: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREECOMMAS_BASE_URL", FAKE_ROOT + "/")
    async with AsyncThreeCommas(**creds, **CORE_ONLY) as client:
        assert client.base_url == FAKE_ROOT


def test_explicit_base_url_wins_over_the_environment(
    creds: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREECOMMAS_BASE_URL", FAKE_ROOT)
    explicit = "https://api.3commas.io/public/api"
    with ThreeCommas(**creds, **CORE_ONLY, base_url=explicit) as client:
        assert client.base_url == explicit


def test_without_either_the_official_host_is_used(creds: dict[str, str]) -> None:
    with ThreeCommas(**creds, **CORE_ONLY) as client:
        assert client.base_url == "https://api.3commas.io/public/api"


def test_a_bad_environment_value_names_the_problem(
    creds: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREECOMMAS_BASE_URL", "ftp://example.invalid/x")
    with pytest.raises(ValueError, match="base_url"):
        ThreeCommas(**creds, **CORE_ONLY)
