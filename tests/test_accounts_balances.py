"""Account balances on the wire: the four endpoints, exact requests, exact Decimals (issue 20)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from threecommas_hedge import AsyncThreeCommas, ThreeCommas
from threecommas_hedge.models.accounts import ActiveTradingEntities, Balance, PieChartSlice

EXAMPLES = Path(__file__).parent / "data" / "examples"
PREFIX = "/public/api"
Client = ThreeCommas | AsyncThreeCommas


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.fixture(params=["sync", "async"])
async def client(
    request: pytest.FixtureRequest, signature_vectors: dict[str, Any]
) -> AsyncIterator[Client]:
    creds = {
        "api_key": signature_vectors["api_key"],
        "api_secret": signature_vectors["hmac_secret"],
    }
    options: dict[str, Any] = {"mode_guard": False, "rate_limit": False}
    if request.param == "sync":
        with ThreeCommas(**creds, **options, _sleep=lambda seconds: None) as sync_client:
            yield sync_client
    else:
        async with AsyncThreeCommas(**creds, **options, _sleep=_no_sleep) as async_client:
            yield async_client


async def call(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def answer(respx_mock: respx.MockRouter, method: str, path: str, example: str) -> respx.Route:
    status = int(example.split(".")[-2])
    content = (EXAMPLES / example).read_bytes()
    return respx_mock.route(method=method, path=PREFIX + path).mock(
        return_value=httpx.Response(status, content=content)
    )


async def test_balances_reads_exponent_numbers_exactly(
    client: Client,
    respx_mock: respx.MockRouter,
    check_signature: Callable[..., bool],
    signature_vectors: dict[str, Any],
) -> None:
    route = answer(
        respx_mock,
        "POST",
        "/ver1/accounts/7/account_table_data",
        "account_17_account_table_data.response.201.json",
    )
    rows = await call(client.accounts.balances(7))
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.content == b""
    assert check_signature(request, secret=signature_vectors["hmac_secret"])
    assert all(isinstance(row, Balance) for row in rows)
    eth = next(row for row in rows if row.currency_code == "ETH")
    # the example sends the JSON number 9.52e-05: exactly that, not a float's expansion
    assert eth.position == Decimal("0.0000952")
    assert eth.position_type == 0
    assert eth.currency_slug == "ethereum"  # an undeclared field is kept


async def test_pie_chart_load_balances_and_active_trading_entities(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    answer(
        respx_mock,
        "POST",
        "/ver1/accounts/7/pie_chart_data",
        "account_16_pie_chart_data.response.201.json",
    )
    answer(
        respx_mock,
        "POST",
        "/ver1/accounts/7/load_balances",
        "account_9_load_balances.response.201.json",
    )
    answer(
        respx_mock,
        "GET",
        "/ver1/accounts/7/active_trading_entities",
        "account_6_active_trading_entities.response.200.json",
    )
    slices = await call(client.accounts.pie_chart(7))
    assert isinstance(slices[0], PieChartSlice)
    assert slices[0].code == "BTC" and slices[0].amount == Decimal("0.00031296")
    assert slices[0].usd_value == Decimal("24.68")
    account = await call(client.accounts.load_balances(7))
    assert account.id == 12345678
    counts = await call(client.accounts.active_trading_entities(7))
    assert counts == ActiveTradingEntities(
        active_bots_count=5,
        active_deals_count=4,
        active_smart_trades_count=3,
        active_orders_count=2,
        active_grid_bots_count=0,
    )
