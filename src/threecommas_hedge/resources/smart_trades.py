"""SmartTrade v2 endpoints (``/v2/smart_trades``) and the trades of a SmartTrade.

Each call is built once as an :class:`Endpoint` by the functions at the top (input validated,
nothing sent on failure) and run by the sync or async class below. Payloads are a request model or
a dict shaped like the API's JSON body; to switch off a model's optional checks (e.g. the 100 %
TP volume sum), validate the model yourself with a context and pass the model.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from threecommas_hedge._flows import Flow
from threecommas_hedge._writes.safe_writes import (
    CreatedSmartTrade,
    TradeAction,
    safe_cancel,
    safe_close,
    safe_create,
    safe_funds,
    safe_trade_write,
)
from threecommas_hedge.models.responses import ReduceFundsInfo, SmartTrade, Trade
from threecommas_hedge.models.smart_trade_params import (
    FundsRequest,
    SetNoteRequest,
    SmartTradeCreate,
    SmartTradeUpdate,
)

from ._endpoint import Endpoint, Query, list_of, validated
from ._pagination import AsyncPaginator, Paginator
from ._params import MAX_PER_PAGE, check_id, check_per_page, utc_iso
from ._resource import AsyncResource, SyncResource

if TYPE_CHECKING:
    from threecommas_hedge._base_client import BaseClient

__all__ = [
    "AsyncSmartTrades",
    "AsyncTrades",
    "CreatedSmartTrade",
    "ListStatus",
    "OrderBy",
    "OrderDirection",
    "SmartTradeType",
    "SmartTrades",
    "Trades",
    "create_endpoint",
    "list_page",
    "list_query",
]

SmartTradeType = Literal[
    "simple_buy", "simple_sell", "smart_sell", "smart_buy", "smart_trade", "smart_cover"
]
ListStatus = Literal["all", "active", "finished", "successfully_finish", "cancelled", "failed"]
OrderBy = Literal["created_at", "updated_at", "closed_at", "status", "profit", "profit_percentage"]
OrderDirection = Literal["ASC", "DESC"]

PATH = "/v2/smart_trades"

CreatePayload = SmartTradeCreate | Mapping[str, Any]
UpdatePayload = SmartTradeUpdate | Mapping[str, Any]
FundsPayload = FundsRequest | Mapping[str, Any]


# --- endpoints (pure) ---------------------------------------------------------------------------


def create_endpoint(payload: CreatePayload) -> Endpoint[SmartTrade]:
    """``POST /v2/smart_trades`` with the validated create body."""
    return Endpoint(
        "POST", PATH, SmartTrade.model_validate, body=validated(SmartTradeCreate, payload)
    )


def list_query(
    *,
    account_id: int | None,
    pair: str | None,
    type: SmartTradeType | None,
    status: ListStatus | None,
    order_by: OrderBy | None,
    order_direction: OrderDirection | None,
    from_: datetime | str | None,
    to: datetime | str | None,
    base: str | None,
    quote: str | None,
    per_page: int,
) -> dict[str, str | int | None]:
    """The list filters as query parameters (``from_`` sent as ``from``; ``page`` added later)."""
    return {
        "account_id": None if account_id is None else check_id(account_id, "account_id"),
        "pair": pair,
        "type": type,
        "status": status,
        "order_by": order_by,
        "order_direction": order_direction,
        "from": utc_iso(from_, "from_"),
        "to": utc_iso(to, "to"),
        "base": base,
        "quote": quote,
        "per_page": check_per_page(per_page),
    }


def list_page(query: Query, page: int) -> Endpoint[list[SmartTrade]]:
    """``GET /v2/smart_trades`` for one page of the listing."""
    return Endpoint("GET", PATH, list_of(SmartTrade), params={**query, "page": page})


def _trade(method: str, suffix: str = "", body: Any = None) -> Endpoint[SmartTrade]:
    return Endpoint(method, PATH + suffix, SmartTrade.model_validate, body=body)


def _get(trade_id: int) -> Endpoint[SmartTrade]:
    return _trade("GET", f"/{check_id(trade_id)}")


def _update(trade_id: int, payload: UpdatePayload) -> Endpoint[SmartTrade]:
    return _trade("PATCH", f"/{check_id(trade_id)}", validated(SmartTradeUpdate, payload))


def _cancel(trade_id: int) -> Endpoint[SmartTrade]:
    return _trade("DELETE", f"/{check_id(trade_id)}")


def _action(trade_id: int, action: str, body: Any = None) -> Endpoint[SmartTrade]:
    return _trade("POST", f"/{check_id(trade_id)}/{action}", body)


def _funds(trade_id: int, action: str, payload: FundsPayload) -> Endpoint[SmartTrade]:
    return _action(trade_id, action, validated(FundsRequest, payload))


def _set_note(trade_id: int, note: str) -> Endpoint[SmartTrade]:
    return _action(trade_id, "set_note", validated(SetNoteRequest, {"note": note}))


def _reduce_funds_info(trade_id: int) -> Endpoint[ReduceFundsInfo]:
    path = f"{PATH}/{check_id(trade_id)}/reduce_funds_info"
    return Endpoint("GET", path, ReduceFundsInfo.model_validate)


def _trades_path(smart_trade_id: int, trade_id: int | None = None) -> str:
    path = f"{PATH}/{check_id(smart_trade_id, 'smart_trade_id')}/trades"
    return path if trade_id is None else f"{path}/{check_id(trade_id, 'trade_id')}"


def _list_trades(smart_trade_id: int) -> Endpoint[list[Trade]]:
    return Endpoint("GET", _trades_path(smart_trade_id), list_of(Trade))


def _close_trade(smart_trade_id: int, trade_id: int) -> Endpoint[SmartTrade]:
    path = _trades_path(smart_trade_id, trade_id) + "/close_by_market"
    return Endpoint("POST", path, SmartTrade.model_validate)


def _cancel_trade(smart_trade_id: int, trade_id: int) -> Endpoint[SmartTrade]:
    return Endpoint("DELETE", _trades_path(smart_trade_id, trade_id), SmartTrade.model_validate)


def _trade_write(
    client: BaseClient, action: TradeAction, smart_trade_id: int, trade_id: int
) -> Flow[SmartTrade]:
    write = (_close_trade if action == "close_by_market" else _cancel_trade)(
        smart_trade_id, trade_id
    )
    trades, get = _list_trades(smart_trade_id), _get(smart_trade_id)
    return safe_trade_write(client, action, write, trades, get, trade_id)


def _id_of(trade: SmartTrade) -> int:
    return trade.id


# --- shared -------------------------------------------------------------------------------------

PagesT = TypeVar("PagesT")


class _SmartTradeList(Generic[PagesT]):
    """``list``'s filters, once for both clients; each binds ``_pages`` to its paginator."""

    def list(
        self,
        *,
        account_id: int | None = None,
        pair: str | None = None,
        type: SmartTradeType | None = None,
        status: ListStatus | None = None,
        order_by: OrderBy | None = "created_at",
        order_direction: OrderDirection | None = "DESC",
        from_: datetime | str | None = None,
        to: datetime | str | None = None,
        base: str | None = None,
        quote: str | None = None,
        per_page: int = MAX_PER_PAGE,
    ) -> PagesT:
        """Every SmartTrade matching the filters, fetched lazily page by page (see Paginator).

        ``Paginator`` (sync: ``for``) or ``AsyncPaginator`` (``async for``). Filters are named as
        in the API (``from_`` is sent as ``from``); an aware datetime is sent
        as UTC ISO 8601 with ``Z``, a string as given. Newest first by default.
        """
        query = list_query(
            account_id=account_id,
            pair=pair,
            type=type,
            status=status,
            order_by=order_by,
            order_direction=order_direction,
            from_=from_,
            to=to,
            base=base,
            quote=quote,
            per_page=per_page,
        )
        return self._pages(query, per_page)

    def _pages(self, query: Query, per_page: int) -> PagesT:
        raise NotImplementedError


# --- sync ---------------------------------------------------------------------------------------


class SmartTrades(SyncResource, _SmartTradeList[Paginator[SmartTrade]]):
    """``client.smart_trades``: create, read, edit and close SmartTrades."""

    @functools.cached_property
    def trades(self) -> Trades:
        """The trades (orders) inside a SmartTrade."""
        return Trades(self._client)

    def create(
        self, payload: CreatePayload, *, client_tag: str | None = None, fresh: bool = False
    ) -> CreatedSmartTrade:
        """Create a SmartTrade, never twice.

        The note gets a client tag (the caller's note, up to 281 characters, is kept in front of
        it). When the outcome is unknown (timeout, dropped connection, 5xx), the account and
        pair's trades are searched for the tag, again and again over ``write_check_window``
        seconds; the create is never sent again. Raises ``WriteOutcomeUnknownError`` (with the
        ``client_tag``) when the trade is not seen, ``WriteNotAppliedError`` only when nothing
        reached the server. Pass ``client_tag=error.client_tag`` to re-run: a trade with that tag
        is looked for first and returned (``recovered``) instead of creating a second one.
        ``fresh=True`` (or a ``FreshClientTag``) says ``client_tag`` was just made for a first
        attempt: it is sent at once, without that look (an unknown outcome is still looked for).
        """
        flow = safe_create(self._client, create_endpoint(payload), client_tag, fresh=fresh)
        return self._run(flow)

    def get(self, id: int) -> SmartTrade:
        """One SmartTrade by id."""
        return self._call(_get(id))

    def update(self, id: int, payload: UpdatePayload) -> SmartTrade:
        """Edit a waiting SmartTrade (PATCH): the full desired TP list, SL, leverage, entry."""
        return self._call(_update(id, payload))

    def cancel(self, id: int) -> SmartTrade:
        """Cancel a SmartTrade (DELETE); already cancelling or ended is success (the trade)."""
        return self._run(safe_cancel(self._client, _cancel(id), _get(id)))

    def close_by_market(self, id: int) -> SmartTrade:
        """Close the whole SmartTrade with a market order, never twice: after an unknown outcome
        the trade is read until it shows closing or closed (see ``create``); already closing or
        ended is success (the trade)."""
        flow = safe_close(self._client, _action(id, "close_by_market"), _get(id))
        return self._run(flow)

    def add_funds(self, id: int, payload: FundsPayload) -> SmartTrade:
        """Add to the position (market, or limit with a price), never twice. Reads the trade's
        trades first, so that after an unknown outcome a new funds trade shows it was placed."""
        endpoint = _funds(id, "add_funds", payload)
        flow = safe_funds(self._client, "add_funds", endpoint, _list_trades(id), _get(id))
        return self._run(flow)

    def _pages(self, query: Query, per_page: int) -> Paginator[SmartTrade]:
        return Paginator(
            lambda page: self._call(list_page(query, page)), per_page=per_page, key=_id_of
        )

    def reduce_funds_info(self, id: int) -> ReduceFundsInfo:
        """How much can be taken out (a GET that needs the SMART_TRADES_WRITE permission)."""
        return self._call(_reduce_funds_info(id))

    def reduce_funds(self, id: int, payload: FundsPayload) -> SmartTrade:
        """Take part of the position out (market, or limit with a price); safe like add_funds."""
        endpoint = _funds(id, "reduce_funds", payload)
        flow = safe_funds(self._client, "reduce_funds", endpoint, _list_trades(id), _get(id))
        return self._run(flow)

    def force_start(self, id: int) -> SmartTrade:
        """Enter now at market instead of waiting for the entry condition."""
        return self._call(_action(id, "force_start"))

    def set_note(self, id: int, note: str) -> SmartTrade:
        """Set the note (1 to 300 characters, checked before sending)."""
        return self._call(_set_note(id, note))


class Trades(SyncResource):
    """``client.smart_trades.trades``: the orders inside one SmartTrade."""

    def list(self, smart_trade_id: int) -> builtins.list[Trade]:
        """Every trade of a SmartTrade (one request; the endpoint is not paginated)."""
        return self._call(_list_trades(smart_trade_id))

    def close_by_market(self, smart_trade_id: int, trade_id: int) -> SmartTrade:
        """Close one take-profit trade at market; returns the whole SmartTrade. Never sent twice;
        already closing or closed is success (see ``SmartTrades.close_by_market``)."""
        flow = _trade_write(self._client, "close_by_market", smart_trade_id, trade_id)
        return self._run(flow)

    def cancel(self, smart_trade_id: int, trade_id: int) -> SmartTrade:
        """Cancel one trade (cancelling the last TP step or the SL cancels the SmartTrade);
        already cancelled is success."""
        return self._run(_trade_write(self._client, "cancel", smart_trade_id, trade_id))


# --- async --------------------------------------------------------------------------------------


class AsyncSmartTrades(AsyncResource, _SmartTradeList[AsyncPaginator[SmartTrade]]):
    """``client.smart_trades`` of ``AsyncThreeCommas`` (see ``SmartTrades``)."""

    @functools.cached_property
    def trades(self) -> AsyncTrades:
        """The trades (orders) inside a SmartTrade."""
        return AsyncTrades(self._client)

    async def create(
        self, payload: CreatePayload, *, client_tag: str | None = None, fresh: bool = False
    ) -> CreatedSmartTrade:
        """Create a SmartTrade, never twice (see ``SmartTrades.create``)."""
        flow = safe_create(self._client, create_endpoint(payload), client_tag, fresh=fresh)
        return await self._run(flow)

    async def get(self, id: int) -> SmartTrade:
        """One SmartTrade by id."""
        return await self._call(_get(id))

    def _pages(self, query: Query, per_page: int) -> AsyncPaginator[SmartTrade]:
        """Every matching SmartTrade, lazily: ``async for trade in ...list()`` (see SmartTrades)."""
        return AsyncPaginator(
            lambda page: self._call(list_page(query, page)), per_page=per_page, key=_id_of
        )

    async def update(self, id: int, payload: UpdatePayload) -> SmartTrade:
        """Edit a waiting SmartTrade (PATCH): the full desired TP list, SL, leverage, entry."""
        return await self._call(_update(id, payload))

    async def cancel(self, id: int) -> SmartTrade:
        """Cancel a SmartTrade (see ``SmartTrades.cancel``)."""
        return await self._run(safe_cancel(self._client, _cancel(id), _get(id)))

    async def close_by_market(self, id: int) -> SmartTrade:
        """Close the whole SmartTrade with a market order (see ``SmartTrades.close_by_market``)."""
        flow = safe_close(self._client, _action(id, "close_by_market"), _get(id))
        return await self._run(flow)

    async def add_funds(self, id: int, payload: FundsPayload) -> SmartTrade:
        """Add to the position (see ``SmartTrades.add_funds``)."""
        endpoint = _funds(id, "add_funds", payload)
        flow = safe_funds(self._client, "add_funds", endpoint, _list_trades(id), _get(id))
        return await self._run(flow)

    async def reduce_funds_info(self, id: int) -> ReduceFundsInfo:
        """How much can be taken out (a GET that needs the SMART_TRADES_WRITE permission)."""
        return await self._call(_reduce_funds_info(id))

    async def reduce_funds(self, id: int, payload: FundsPayload) -> SmartTrade:
        """Take part of the position out (see ``SmartTrades.reduce_funds``)."""
        endpoint = _funds(id, "reduce_funds", payload)
        flow = safe_funds(self._client, "reduce_funds", endpoint, _list_trades(id), _get(id))
        return await self._run(flow)

    async def force_start(self, id: int) -> SmartTrade:
        """Enter now at market instead of waiting for the entry condition."""
        return await self._call(_action(id, "force_start"))

    async def set_note(self, id: int, note: str) -> SmartTrade:
        """Set the note (1 to 300 characters, checked before sending)."""
        return await self._call(_set_note(id, note))


class AsyncTrades(AsyncResource):
    """``client.smart_trades.trades`` of ``AsyncThreeCommas`` (see ``Trades``)."""

    async def list(self, smart_trade_id: int) -> builtins.list[Trade]:
        """Every trade of a SmartTrade (one request; the endpoint is not paginated)."""
        return await self._call(_list_trades(smart_trade_id))

    async def close_by_market(self, smart_trade_id: int, trade_id: int) -> SmartTrade:
        """Close one take-profit trade at market (see ``Trades.close_by_market``)."""
        flow = _trade_write(self._client, "close_by_market", smart_trade_id, trade_id)
        return await self._run(flow)

    async def cancel(self, smart_trade_id: int, trade_id: int) -> SmartTrade:
        """Cancel one trade (see ``Trades.cancel``)."""
        flow = _trade_write(self._client, "cancel", smart_trade_id, trade_id)
        return await self._run(flow)
