"""``threecommas-hedge fake-server``: serves the fake on loopback, prints how to use it, stops."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli.app import app
from threecommas_hedge.testing import FakeServer


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[FakeServer]:
    """Servers started by the command; ``wait`` is Ctrl-C at once (no blocking, no request)."""
    started: list[FakeServer] = []
    stop = FakeServer.stop

    def interrupted(self: FakeServer) -> None:
        started.append(self)
        raise KeyboardInterrupt

    def stopping(self: FakeServer) -> None:
        stop(self)
        self.stopped = True  # type: ignore[attr-defined]

    monkeypatch.setattr(FakeServer, "wait", interrupted)
    monkeypatch.setattr(FakeServer, "stop", stopping)
    return started


def test_prints_url_and_credentials_then_stops_on_ctrl_c(served: list[FakeServer]) -> None:
    result = CliRunner().invoke(app, ["fake-server", "--port", "0"])
    assert result.exit_code == 0, result.stderr
    (server,) = served
    out = result.stdout
    assert f"serving at {server.base_url}" in out
    assert server.base_url.startswith("http://127.0.0.1:") and server.port > 0
    assert f"export THREECOMMAS_BASE_URL={server.base_url}" in out
    assert "export THREECOMMAS_API_KEY=" in out and "export THREECOMMAS_API_SECRET=" in out
    assert "paper futures" in out and "Press Ctrl-C to stop." in out
    assert out.rstrip().endswith("Stopped.")
    assert getattr(server, "stopped", False)


def test_rsa_credentials(served: list[FakeServer]) -> None:
    result = CliRunner().invoke(app, ["fake-server", "--port", "0", "--auth", "rsa"])
    assert result.exit_code == 0
    assert "export THREECOMMAS_PRIVATE_KEY='-----BEGIN" in result.stdout
    assert "THREECOMMAS_API_SECRET" not in result.stdout


def test_refuses_a_non_loopback_host(served: list[FakeServer]) -> None:
    result = CliRunner().invoke(app, ["fake-server", "--host", "10.1.2.3", "--port", "0"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --host:") and result.stderr.count("\n") == 1
    assert served == []
