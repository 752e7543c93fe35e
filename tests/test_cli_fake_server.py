"""``threecommas-hedge fake-server``: serves the fake on loopback, prints how to use it, stops."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli.app import app
from threecommas_hedge.testing import FakeServer, FakeThreeCommas, serve


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


def test_price_flags_seed_more_markets(served: list[FakeServer]) -> None:
    args = [
        "fake-server",
        "--port",
        "0",
        "--price",
        "USDT_ETHUSDT=3000",
        "--price",
        "USDT_SOLUSDT=150.5",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    fake = served[0]._server.fake
    assert fake.price("USDT_ETHUSDT") == Decimal(3000)
    assert fake.price("USDT_SOLUSDT") == Decimal("150.5")
    assert fake.price("USDT_BTCUSDT") == Decimal(60000)
    assert "USDT_ETHUSDT at 3,000" in result.stdout


@pytest.mark.parametrize("bad", ["USDT_ETHUSDT", "USDT_ETHUSDT=", "=3000", "X=-1", "X=abc"])
def test_bad_price_flag_is_one_line(served: list[FakeServer], bad: str) -> None:
    result = CliRunner().invoke(app, ["fake-server", "--port", "0", "--price", bad])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --price:") and result.stderr.count("\n") == 1
    assert served == []


@pytest.fixture
def running() -> Iterator[tuple[FakeThreeCommas, FakeServer]]:
    fake = FakeThreeCommas()
    fake.add_account("futures", "paper")
    fake.set_price("USDT_BTCUSDT", Decimal(60000))
    with serve(fake, port=0) as server:
        yield fake, server


def test_fake_price_moves_the_running_fake_and_fills_a_take_profit(
    running: tuple[FakeThreeCommas, FakeServer],
) -> None:
    fake, server = running
    env = {"THREECOMMAS_BASE_URL": server.base_url, "THREECOMMAS_API_KEY": fake.api_key}
    env["THREECOMMAS_API_SECRET"] = fake.api_secret or ""
    create = ["create", "--spot-qty", "1", "--ratio", "0.5", "--price", "60000"]
    create += ["--tp", "55000", "--sl", "61800", "--json"]
    made = CliRunner().invoke(app, create, env=env)
    assert made.exit_code == 0, made.stderr
    trade_id = json.loads(made.stdout)["id"]
    for price in ("59900", "54900"):
        moved = CliRunner().invoke(app, ["fake-price", "USDT_BTCUSDT", price], env=env)
        assert moved.exit_code == 0, moved.stderr
    assert fake.price("USDT_BTCUSDT") == Decimal(54900)
    assert "USDT_BTCUSDT now at 54,900" in moved.stdout
    fake.advance(1)
    assert fake.smart_trade(trade_id)["status"]["type"] == "finished"


def test_fake_price_needs_the_servers_key(running: tuple[FakeThreeCommas, FakeServer]) -> None:
    fake, server = running
    env = {"THREECOMMAS_BASE_URL": server.base_url, "THREECOMMAS_API_KEY": "wrong"}
    result = CliRunner().invoke(app, ["fake-price", "USDT_BTCUSDT", "1"], env=env)
    assert result.exit_code == 1 and "refused (401)" in result.stderr
    assert fake.price("USDT_BTCUSDT") == Decimal(60000)


def test_fake_price_without_a_server_says_what_to_export() -> None:
    result = CliRunner().invoke(app, ["fake-price", "USDT_BTCUSDT", "1"])
    assert result.exit_code == 2 and "THREECOMMAS_BASE_URL" in result.stderr


def test_fake_price_only_talks_to_loopback() -> None:
    env = {"THREECOMMAS_BASE_URL": "https://api.3commas.io/public/api", "THREECOMMAS_API_KEY": "k"}
    result = CliRunner().invoke(app, ["fake-price", "USDT_BTCUSDT", "1"], env=env)
    assert result.exit_code == 2 and "not a loopback fake-server" in result.stderr


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"pair": "X"}',
        b'{"pair": "", "price": "1"}',
        b'{"pair": "X", "price": "-1"}',
        b'{"pair": "X", "price": "1e999999"}',
        b'{"pair": 5, "price": "1"}',
    ],
)
def test_control_route_refuses_bad_bodies(
    running: tuple[FakeThreeCommas, FakeServer], body: bytes
) -> None:
    fake, server = running
    answer = httpx.post(
        f"{server.url}/_fake/price", content=body, headers={"Apikey": fake.api_key}, timeout=5
    )
    assert answer.status_code == 400
    assert fake.price("USDT_BTCUSDT") == Decimal(60000)
    assert httpx.get(f"{server.url}/_fake/price", timeout=5).status_code == 405
