"""Account endpoints (``/ver1/accounts``): the connected exchange accounts and their leverage types.

``leverage_data`` is documented both as ``POST`` with ``page`` and as ``GET`` with ``pair``
(reference section 14, item 31): it is sent as GET with ``pair``, and on a 404 or 405 sent once
more as POST with the same query (signed afresh, as every request is).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, TypeVar

from threecommas_hedge._exceptions import APIStatusError
from threecommas_hedge.models.accounts import (
    Account,
    ActiveTradingEntities,
    Balance,
    LeverageType,
    PieChartSlice,
)

from ._endpoint import Endpoint, list_of
from ._pagination import AsyncPaginator, Paginator
from ._params import MAX_PER_PAGE, check_id, check_per_page
from ._resource import AsyncResource, SyncResource

__all__ = ["Accounts", "AsyncAccounts"]

PATH = "/ver1/accounts"

T = TypeVar("T")

LEVERAGE_FALLBACK_STATUSES = frozenset({404, 405})
"""Statuses of a GET ``leverage_data`` after which it is sent once more as POST."""


def _page(per_page: int, page: int) -> Endpoint[list[Account]]:
    return Endpoint("GET", PATH, list_of(Account), params={"page": page, "per_page": per_page})


def _get(account_id: int) -> Endpoint[Account]:
    return Endpoint("GET", f"{PATH}/{check_id(account_id, 'account_id')}", Account.model_validate)


def _leverage_data(account_id: int, pair: str, method: str = "GET") -> Endpoint[list[LeverageType]]:
    if not isinstance(pair, str) or not pair:
        raise ValueError(f"pair must be a non-empty string such as 'USDT_BTC', got {pair!r}")
    path = f"{PATH}/{check_id(account_id, 'account_id')}/leverage_data"
    return Endpoint(method, path, list_of(LeverageType), params={"pair": pair})


def _account_post(account_id: int, name: str, parse: Callable[[Any], T]) -> Endpoint[T]:
    return Endpoint("POST", f"{PATH}/{check_id(account_id, 'account_id')}/{name}", parse)


def _active_trading_entities(account_id: int) -> Endpoint[ActiveTradingEntities]:
    path = f"{PATH}/{check_id(account_id, 'account_id')}/active_trading_entities"
    return Endpoint("GET", path, lambda data: ActiveTradingEntities.model_validate(data["data"]))


def _retry_as_post(error: APIStatusError) -> bool:
    return error.status_code in LEVERAGE_FALLBACK_STATUSES


def _id_of(account: Account) -> int:
    return account.id


class Accounts(SyncResource):
    """``client.accounts``: connected exchange accounts and wallets."""

    def list(self, *, per_page: int = MAX_PER_PAGE) -> Paginator[Account]:
        """Every account, fetched lazily page by page (``list(client.accounts.list())``)."""
        check_per_page(per_page)
        return Paginator(
            lambda page: self._call(_page(per_page, page)), per_page=per_page, key=_id_of
        )

    def get(self, id: int) -> Account:
        """One account by id."""
        return self._call(_get(id))

    def leverage_data(self, id: int, pair: str) -> builtins.list[LeverageType]:
        """The leverage types the account's market offers for ``pair``."""
        endpoint = _leverage_data(id, pair)
        try:
            return self._call(endpoint)
        except APIStatusError as error:
            if not _retry_as_post(error):
                raise
        return self._call(_leverage_data(id, pair, "POST"))

    def balances(self, id: int) -> builtins.list[Balance]:
        """One row per coin held on the account (``account_table_data``)."""
        return self._call(_account_post(id, "account_table_data", list_of(Balance)))

    def load_balances(self, id: int) -> Account:
        """Ask 3Commas to refresh the account's balances from the exchange."""
        return self._call(_account_post(id, "load_balances", Account.model_validate))

    def active_trading_entities(self, id: int) -> ActiveTradingEntities:
        """Counts of the bots, deals, SmartTrades and orders running on the account."""
        return self._call(_active_trading_entities(id))

    def pie_chart(self, id: int) -> builtins.list[PieChartSlice]:
        """The account's coins with their values and shares (``pie_chart_data``)."""
        return self._call(_account_post(id, "pie_chart_data", list_of(PieChartSlice)))


class AsyncAccounts(AsyncResource):
    """``client.accounts`` of ``AsyncThreeCommas`` (see ``Accounts``)."""

    def list(self, *, per_page: int = MAX_PER_PAGE) -> AsyncPaginator[Account]:
        """Every account, lazily: ``async for account in client.accounts.list()``."""
        check_per_page(per_page)
        return AsyncPaginator(
            lambda page: self._call(_page(per_page, page)), per_page=per_page, key=_id_of
        )

    async def get(self, id: int) -> Account:
        """One account by id."""
        return await self._call(_get(id))

    async def leverage_data(self, id: int, pair: str) -> builtins.list[LeverageType]:
        """The leverage types the account's market offers for ``pair``."""
        endpoint = _leverage_data(id, pair)
        try:
            return await self._call(endpoint)
        except APIStatusError as error:
            if not _retry_as_post(error):
                raise
        return await self._call(_leverage_data(id, pair, "POST"))

    async def balances(self, id: int) -> builtins.list[Balance]:
        """One row per coin held on the account (``account_table_data``)."""
        return await self._call(_account_post(id, "account_table_data", list_of(Balance)))

    async def load_balances(self, id: int) -> Account:
        """Ask 3Commas to refresh the account's balances from the exchange."""
        return await self._call(_account_post(id, "load_balances", Account.model_validate))

    async def active_trading_entities(self, id: int) -> ActiveTradingEntities:
        """Counts of the bots, deals, SmartTrades and orders running on the account."""
        return await self._call(_active_trading_entities(id))

    async def pie_chart(self, id: int) -> builtins.list[PieChartSlice]:
        """The account's coins with their values and shares (``pie_chart_data``)."""
        return await self._call(_account_post(id, "pie_chart_data", list_of(PieChartSlice)))
