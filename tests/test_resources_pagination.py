"""Auto-pagination: lazy, page after page, de-duplicated, stopping at the first short page.

Every scenario runs through ``ThreeCommas`` and ``AsyncThreeCommas``; respx answers each page from
a list of pages by the ``page`` query parameter, and records the requests.
"""

from __future__ import annotations

import gc
import inspect
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from threecommas_hedge import (
    APIResponseValidationError,
    AsyncThreeCommas,
    AuthenticationError,
    ThreeCommas,
)
from threecommas_hedge.models import Account, SmartTrade
from threecommas_hedge.resources import AsyncPaginator, Paginator

Client = ThreeCommas | AsyncThreeCommas
LIST_URL = "https://api.3commas.io/public/api/v2/smart_trades"
ACCOUNTS_URL = "https://api.3commas.io/public/api/ver1/accounts"


@pytest.fixture
def creds(signature_vectors: dict[str, Any]) -> dict[str, str]:
    return {"api_key": signature_vectors["api_key"], "api_secret": signature_vectors["hmac_secret"]}


async def _no_async_sleep(seconds: float) -> None:
    return None


@pytest.fixture(params=["sync", "async"])
async def client(request: pytest.FixtureRequest, creds: dict[str, str]) -> AsyncIterator[Client]:
    options: dict[str, Any] = {"mode_guard": False, "rate_limit": False}
    if request.param == "sync":
        with ThreeCommas(**creds, **options, _sleep=lambda seconds: None) as sync_client:
            yield sync_client
    else:
        async with AsyncThreeCommas(**creds, **options, _sleep=_no_async_sleep) as async_client:
            yield async_client


async def collect_into(paginator: Paginator[Any] | AsyncPaginator[Any], sink: list[Any]) -> None:
    """Append items to ``sink`` as they arrive (what was received before an error stays)."""
    if isinstance(paginator, Paginator):
        for item in paginator:
            sink.append(item)
    else:
        async for item in paginator:
            sink.append(item)


async def drain(paginator: Paginator[Any] | AsyncPaginator[Any]) -> list[Any]:
    items: list[Any] = []
    await collect_into(paginator, items)
    return items


async def drain_pages(paginator: Paginator[Any] | AsyncPaginator[Any]) -> list[list[Any]]:
    if isinstance(paginator, Paginator):
        return list(paginator.pages())
    return [page async for page in paginator.pages()]


async def first_item(paginator: Paginator[Any] | AsyncPaginator[Any]) -> Any:
    if isinstance(paginator, Paginator):
        return next(iter(paginator))
    return await anext(aiter(paginator))


def trade(trade_id: int) -> dict[str, Any]:
    return {
        "id": trade_id,
        "pair": "USDT_BTC",
        "status": {"type": "created", "basic_type": "created"},
        "position": {"type": "sell"},
    }


def serve(pages: list[list[int]], url: str, respx_mock: respx.MockRouter) -> respx.Route:
    """Answer ``?page=n`` with the n-th list of ids (as trades), ``[]`` past the last one."""

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        ids = pages[page - 1] if page <= len(pages) else []
        return httpx.Response(200, json=[trade(i) for i in ids])

    return respx_mock.get(url).mock(side_effect=answer)


def queries(route: respx.Route) -> list[dict[str, str]]:
    return [dict(parse_qsl(call.request.url.query.decode())) for call in route.calls]


def ids(items: list[Any]) -> list[int]:
    return [item.id for item in items]


# --- where a listing stops ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "expected_requests"),
    [
        ([[9, 8], [7, 6], [5]], 3),  # a short last page ends it
        ([[9, 8], [7, 6], []], 3),  # an empty page ends it
        ([[9, 8], [7, 6], [5, 4], [3, 2], [1]], 5),  # several full pages first
        ([[]], 1),  # nothing at all
        ([[9]], 1),  # one short page
    ],
    ids=["short_last", "empty_last", "many_pages", "no_trades", "single_short"],
)
async def test_pages_are_fetched_until_a_page_is_short_or_empty(
    pages: list[list[int]],
    expected_requests: int,
    client: Client,
    respx_mock: respx.MockRouter,
) -> None:
    route = serve(pages, LIST_URL, respx_mock)
    items = await drain(client.smart_trades.list(per_page=2))
    assert ids(items) == [i for page in pages for i in page]
    assert all(type(item) is SmartTrade for item in items)
    assert route.call_count == expected_requests
    assert [q["page"] for q in queries(route)] == [str(n) for n in range(1, expected_requests + 1)]
    assert {q["per_page"] for q in queries(route)} == {"2"}


async def test_every_page_request_carries_the_same_filters(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = serve([[6, 5, 4], [3, 2, 1], []], LIST_URL, respx_mock)
    await drain(client.smart_trades.list(pair="USDT_BTC", status="active", per_page=3))
    assert queries(route) == [
        {
            "pair": "USDT_BTC",
            "status": "active",
            "order_by": "created_at",
            "order_direction": "DESC",
            "per_page": "3",
            "page": str(page),
        }
        for page in (1, 2, 3)
    ]


async def test_default_page_size_is_100_and_a_full_page_asks_for_the_next(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    first = list(range(250, 150, -1))
    route = serve([first, [150, 149]], LIST_URL, respx_mock)
    items = await drain(client.smart_trades.list())
    assert ids(items) == [*first, 150, 149]
    assert [(q["page"], q["per_page"]) for q in queries(route)] == [("1", "100"), ("2", "100")]


# --- de-duplication -----------------------------------------------------------------------------


async def test_items_pushed_onto_the_next_page_are_not_repeated(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    # two trades created between the requests push 7 and 6 from page 1 onto page 2
    serve([[9, 8, 7, 6], [7, 6, 5, 4], [4, 3]], LIST_URL, respx_mock)
    items = await drain(client.smart_trades.list(per_page=4))
    assert ids(items) == [9, 8, 7, 6, 5, 4, 3]


async def test_duplicates_within_a_page_are_dropped(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    serve([[3, 3, 2]], LIST_URL, respx_mock)
    assert ids(await drain(client.smart_trades.list(per_page=5))) == [3, 2]


async def test_only_the_previous_page_is_remembered(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    """Memory stays flat: an id seen two pages earlier is not remembered (documented)."""
    serve([[9, 8], [7, 6], [9]], LIST_URL, respx_mock)
    assert ids(await drain(client.smart_trades.list(per_page=2))) == [9, 8, 7, 6, 9]


async def test_a_short_page_of_duplicates_only_ends_the_listing_without_an_empty_page(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = serve([[9, 8], [8]], LIST_URL, respx_mock)
    pages = await drain_pages(client.smart_trades.list(per_page=2))
    assert [ids(page) for page in pages] == [[9, 8]]
    assert route.call_count == 2


async def test_a_server_ignoring_the_page_parameter_is_detected(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    same_page = httpx.Response(200, json=[trade(2), trade(1)])
    # the same full page every time (ending after 5 so that a regression fails, not hangs)
    route = respx_mock.get(LIST_URL).mock(
        side_effect=[*[same_page] * 5, httpx.Response(200, json=[])]
    )
    seen: list[Any] = []
    with pytest.raises(APIResponseValidationError, match="page 2 only repeats page 1"):
        await collect_into(client.smart_trades.list(per_page=2), seen)
    assert ids(seen) == [2, 1]
    assert route.call_count == 2


# --- laziness, pages(), re-iteration, errors ------------------------------------------------------


async def test_nothing_is_fetched_until_iteration_and_then_one_page_at_a_time(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = serve([[9, 8], [7, 6], [5]], LIST_URL, respx_mock)
    paginator = client.smart_trades.list(per_page=2)
    assert not inspect.isawaitable(paginator)
    assert route.call_count == 0
    assert (await first_item(paginator)).id == 9
    assert route.call_count == 1  # the second page waits until the first is used up


async def test_async_iteration_fetches_the_next_page_only_when_needed(
    creds: dict[str, str], respx_mock: respx.MockRouter
) -> None:
    route = serve([[9, 8], [7, 6], [5]], LIST_URL, respx_mock)
    async with AsyncThreeCommas(**creds, mode_guard=False, rate_limit=False) as client:
        calls_at_item: list[int] = []
        async for _ in client.smart_trades.list(per_page=2):
            calls_at_item.append(route.call_count)
    assert calls_at_item == [1, 1, 2, 2, 3]


def test_sync_iteration_fetches_the_next_page_only_when_needed(
    creds: dict[str, str], respx_mock: respx.MockRouter
) -> None:
    route = serve([[9, 8], [7, 6], [5]], LIST_URL, respx_mock)
    with ThreeCommas(**creds, mode_guard=False, rate_limit=False) as client:
        calls_at_item = [route.call_count for _ in client.smart_trades.list(per_page=2)]
    assert calls_at_item == [1, 1, 2, 2, 3]


async def test_pages_yields_each_page_as_a_list(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = serve([[9, 8, 7], [7, 6, 5], [4]], LIST_URL, respx_mock)
    paginator = client.smart_trades.list(per_page=3)
    assert paginator.per_page == 3
    pages = await drain_pages(paginator)
    assert [ids(page) for page in pages] == [[9, 8, 7], [6, 5], [4]]
    assert all(isinstance(page, list) for page in pages)
    assert route.call_count == 3


async def test_each_iteration_starts_again_at_page_one(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    route = serve([[2, 1]], LIST_URL, respx_mock)
    paginator = client.smart_trades.list(per_page=5)
    assert ids(await drain(paginator)) == [2, 1]
    assert ids(await drain(paginator)) == [2, 1]
    assert [q["page"] for q in queries(route)] == ["1", "1"]


async def test_an_error_on_a_later_page_is_raised_after_the_earlier_items(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["page"] == "1":
            return httpx.Response(200, json=[trade(2), trade(1)])
        return httpx.Response(401, json={"error": "signature_invalid"})

    respx_mock.get(LIST_URL).mock(side_effect=answer)
    received: list[Any] = []
    with pytest.raises(AuthenticationError):
        await collect_into(client.smart_trades.list(per_page=2), received)
    assert ids(received) == [2, 1]


async def test_breaking_out_of_an_async_listing_leaves_nothing_behind(
    creds: dict[str, str], respx_mock: respx.MockRouter
) -> None:
    route = serve([[9, 8], [7, 6], [5]], LIST_URL, respx_mock)
    async with AsyncThreeCommas(**creds, mode_guard=False, rate_limit=False) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            async for item in client.smart_trades.list(per_page=2):
                if item.id == 8:
                    break
            gc.collect()
    assert route.call_count == 1


# --- accounts paginate the same way ---------------------------------------------------------------


def account(account_id: int) -> dict[str, Any]:
    return {"id": account_id, "market_code": "paper_trading"}


async def test_accounts_list_pages_through_all_accounts(
    client: Client, respx_mock: respx.MockRouter
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        per_page = int(request.url.params["per_page"])
        start = (page - 1) * per_page
        numbers = range(start, min(start + per_page, 5))
        return httpx.Response(200, json=[account(1000 + n) for n in numbers])

    route = respx_mock.get(ACCOUNTS_URL).mock(side_effect=answer)
    paginator = client.accounts.list(per_page=2)
    assert route.call_count == 0
    accounts = await drain(paginator)
    assert [a.id for a in accounts] == [1000, 1001, 1002, 1003, 1004]
    assert all(type(a) is Account for a in accounts)
    assert [(q["page"], q["per_page"]) for q in queries(route)] == [
        ("1", "2"),
        ("2", "2"),
        ("3", "2"),
    ]


# --- the paginators on their own ------------------------------------------------------------------


class Item:
    def __init__(self, key: str) -> None:
        self.key = key


def fetcher(pages: list[list[str]], log: list[int]) -> Callable[[int], list[Item]]:
    def fetch(page: int) -> list[Item]:
        log.append(page)
        return [Item(key) for key in (pages[page - 1] if page <= len(pages) else [])]

    return fetch


def test_paginator_takes_any_key() -> None:
    log: list[int] = []
    paginator = Paginator(
        fetcher([["a", "b"], ["b", "c"], []], log), per_page=2, key=lambda i: i.key
    )
    assert [item.key for item in paginator] == ["a", "b", "c"]
    assert log == [1, 2, 3]


async def test_async_paginator_takes_any_key() -> None:
    log: list[int] = []
    fetch = fetcher([["a", "b"], ["b", "c"], []], log)

    async def afetch(page: int) -> list[Item]:
        return fetch(page)

    paginator = AsyncPaginator(afetch, per_page=2, key=lambda i: i.key)
    assert [item.key async for item in paginator] == ["a", "b", "c"]
    assert log == [1, 2, 3]
