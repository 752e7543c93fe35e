"""``base_url``: TLS for every host but loopback; the CLI warns when the API root is not 3Commas."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from threecommas_hedge import ConfigurationError, ThreeCommas, ThreeCommasError
from threecommas_hedge._cli import session
from threecommas_hedge._cli.app import app

CREDS = {"api_key": "key", "api_secret": "secret"}


@pytest.mark.parametrize(
    "url",
    [
        "http://api.3commas.io/public/api",
        "http://evil.example/public/api",
        "http://10.0.0.5:8080/public/api",
        "http://[2001:db8::1]/public/api",
        "http://localhost.evil.example/public/api",
        "http://127.0.0.1.nip.io/public/api",
    ],
)
def test_plain_http_is_refused_for_any_host_but_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ThreeCommas(**CREDS, base_url=url)
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, ThreeCommasError)
    assert error.field == "base_url"
    assert "https" in error.rule and "loopback" in error.rule
    assert "secret" not in str(error)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/public/api",
        "http://127.9.8.7/public/api",
        "http://[::1]:8080/public/api",
        "http://localhost:8080/public/api",
        "http://LOCALHOST/public/api",
        "https://example.test/public/api",
    ],
)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    with ThreeCommas(**CREDS, base_url=url) as client:
        assert client.base_url == str(httpx.URL(url)).rstrip("/")


@pytest.mark.parametrize(
    "url", ["ftp://api.3commas.io/public/api", "file:///etc/passwd", "ws://localhost/x"]
)
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ThreeCommas(**CREDS, base_url=url)
    assert caught.value.field == "base_url"
    assert "http" in caught.value.rule


def test_the_environment_variable_is_checked_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREECOMMAS_BASE_URL", "http://evil.example/public/api")
    with pytest.raises(ConfigurationError, match="base_url"):
        ThreeCommas(**CREDS)


def _cli(monkeypatch: pytest.MonkeyPatch, base_url: str) -> tuple[int, str, str]:
    """``accounts`` against ``base_url``, answered by an in-process transport (no network)."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[])

    monkeypatch.setattr(
        session, "http_client_factory", lambda: httpx.Client(transport=httpx.MockTransport(handler))
    )
    env = {
        "THREECOMMAS_API_KEY": "k",
        "THREECOMMAS_API_SECRET": "s",
        "THREECOMMAS_BASE_URL": base_url,
    }
    result = CliRunner().invoke(app, ["accounts", "--json"], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_cli_warns_once_when_the_api_root_is_not_3commas(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _cli(monkeypatch, "https://proxy.example.net/public/api")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "warning" in line.lower()]
    assert len(warnings) == 1
    assert "proxy.example.net" in warnings[0]
    assert "proxy.example.net" not in out


def test_cli_does_not_warn_for_the_official_host(monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _cli(monkeypatch, "https://api.3commas.io/public/api")
    assert code == 0, err
    assert "warning" not in err.lower()


def test_cli_refuses_plain_http_to_another_host_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = _cli(monkeypatch, "http://proxy.example.net/public/api")
    assert code == 2
    assert "base_url" in err and "Traceback" not in err
