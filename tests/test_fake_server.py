"""The fake over real HTTP on loopback: signed requests, faults, the command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest

from threecommas_hedge import ThreeCommas
from threecommas_hedge._exceptions import APIConnectionError, APITimeoutError, InternalServerError
from threecommas_hedge.models import SmartTrade
from threecommas_hedge.testing import FakeServer, FakeThreeCommas, serve
from threecommas_hedge.testing.__main__ import build_parser

PAIR = "USDT_BTCUSDT"


@pytest.fixture
def fake() -> FakeThreeCommas:
    fake = FakeThreeCommas(rate_limits=False)
    fake.set_price(PAIR, Decimal("60000"))
    return fake


@pytest.fixture
def server(fake: FakeThreeCommas) -> Iterator[FakeServer]:
    with serve(fake, port=0, hold=5.0) as running:
        yield running


def client_for(fake: FakeThreeCommas, server: FakeServer, **options: object) -> ThreeCommas:
    return ThreeCommas(
        api_key=fake.api_key,
        api_secret=fake.api_secret,
        base_url=server.base_url,
        **options,  # type: ignore[arg-type]
    )


def test_a_signed_hedge_over_a_real_socket(fake: FakeThreeCommas, server: FakeServer) -> None:
    assert server.host == "127.0.0.1"
    assert server.port > 0
    assert server.base_url == f"http://127.0.0.1:{server.port}/public/api"
    account_id = fake.add_account(commission="0")  # the article's figures, before fees
    body = {
        "account_id": account_id,
        "pair": PAIR,
        "leverage": {"enabled": True, "type": "isolated", "value": 1},
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
        "take_profit": {
            "enabled": True,
            "steps": [{"order_type": "limit", "volume": "100", "price": {"value": "55000"}}],
        },
    }
    with client_for(fake, server) as client:
        assert client.request("GET", "/ver1/validate") == {"valid": True}
        trade_id = client.request("POST", "/v2/smart_trades", json=body)["id"]
        client.request("GET", f"/v2/smart_trades/{trade_id}")
        fake.set_price(PAIR, Decimal("55000"))
        trade = SmartTrade.model_validate(client.request("GET", f"/v2/smart_trades/{trade_id}"))
    assert trade.status.basic_type == "finished"
    assert trade.profit.volume == Decimal("2500")
    posted = next(r for r in fake.requests if r.method == "POST")
    assert posted.path == "/v2/smart_trades"
    assert posted.json["account_id"] == account_id
    assert posted.mode == "paper"


def test_wrong_secret_over_http_is_401(fake: FakeThreeCommas, server: FakeServer) -> None:
    with httpx.Client() as http:
        answer = http.get(
            f"{server.base_url}/ver1/accounts", headers={"Apikey": fake.api_key, "Signature": "0"}
        )
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "signature_invalid",
        "error_description": "Provided signature is invalid",
    }
    assert answer.headers["X-Request-Id"]


def test_faults_over_http(fake: FakeThreeCommas, server: FakeServer) -> None:
    with client_for(fake, server, max_retries=0, timeout=0.3, mode_guard=False) as client:
        fake.fail_next("reset")
        with pytest.raises(APIConnectionError):
            client.request("GET", "/ver1/accounts")
        fake.fail_next("timeout")
        with pytest.raises(APITimeoutError):
            client.request("GET", "/ver1/accounts")
        fake.fail_next(502)
        with pytest.raises(InternalServerError) as caught:
            client.request("GET", "/ver1/accounts")
        assert caught.value.status_code == 502
        assert client.request("GET", "/ver1/accounts") == []
    assert [r.status for r in fake.requests] == [None, None, 502, 200]


def test_stop_closes_the_socket(fake: FakeThreeCommas) -> None:
    running = serve(fake, port=0)
    url = f"{running.base_url}/ver1/accounts/market_list"
    assert httpx.get(url).status_code == 200
    running.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::1"])  # noqa: S104
def test_only_loopback(fake: FakeThreeCommas, host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve(fake, host=host, port=0)


def test_command_line_options() -> None:
    args = build_parser().parse_args(
        ["--port", "0", "--seed", "--account", "spot:real", "--price", "USDT_ETH=3000"]
    )
    assert (args.port, args.seed, args.account, args.price) == (
        0,
        True,
        [("spot", "real")],
        [("USDT_ETH", Decimal("3000"))],
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--price", "USDT_ETH"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--account", "margin"])


def test_python_m_serves_and_prints_credentials() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "threecommas_hedge.testing", "--port", "0", "--seed"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = dict(line.split(":", 1) for line in (process.stdout.readline() for _ in range(5)))
        base_url, api_key = lines["base_url"].strip(), lines["api_key"].strip()
        secret = lines["api_secret"].strip()
        assert base_url.startswith("http://127.0.0.1:")
        with ThreeCommas(api_key=api_key, api_secret=secret, base_url=base_url) as client:
            accounts = client.request("GET", "/ver1/accounts")
            rates = client.market.currency_rates(PAIR, "paper_trading_futures")
        assert [a["supported_market_types"] for a in accounts] == [["futures"], ["spot"]]
        assert rates.last == Decimal("60000")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_concurrent_clients_share_one_consistent_state(
    fake: FakeThreeCommas, server: FakeServer
) -> None:
    account_id = fake.add_account()
    body = {
        "account_id": account_id,
        "pair": PAIR,
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.01"}},
    }

    def create_ten() -> list[int]:
        with client_for(fake, server, mode_guard=False) as client:
            return [client.request("POST", "/v2/smart_trades", json=body)["id"] for _ in range(10)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = [
            trade_id for batch in pool.map(lambda _: create_ten(), range(4)) for trade_id in batch
        ]
    assert len(set(ids)) == 40
    assert sorted(ids) == sorted(trade["id"] for trade in fake.smart_trades())
    assert len(fake.requests) == 40
