"""Create, close_by_market and add/reduce funds as reconciled flows (see ``_reconcile``).

How each one tells, after an unknown outcome, whether the first attempt took effect:

- **create**: the body's ``note`` carries a fresh client tag; the check lists the newest 100
  SmartTrades of the account and pair (``status=all``, newest first) and looks for the tag.
- **close_by_market**: the check reads the SmartTrade; ``panic_sell_pending`` or a terminal status
  means it is closing or closed.
- **add_funds / reduce_funds**: the trades of the SmartTrade are read *before* the write; the check
  reads them again, and a new trade of the matching purpose (``position`` for add, ``reduce_funds``
  for reduce) means the funds order was placed. This costs one read per call.

The endpoints come from ``smart_trades`` already validated, so bad input fails before anything is
sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from threecommas_hedge.models.requests import SmartTradeCreate
from threecommas_hedge.models.responses import SmartTrade

from ._client_tag import client_tag_of, new_client_tag, tag_note
from ._endpoint import Endpoint, read_response
from ._reconcile import Flow, endpoint_flow, reconciled

if TYPE_CHECKING:
    from threecommas_hedge._base_client import BaseClient

__all__ = ["CreatedSmartTrade", "safe_close", "safe_create", "safe_funds"]

LIST_PATH = "/v2/smart_trades"
RECENT = 100
"""How many of the newest SmartTrades of the account and pair the create check looks through."""

FundsAction = Literal["add_funds", "reduce_funds"]
_PURPOSE: dict[FundsAction, str] = {"add_funds": "position", "reduce_funds": "reduce_funds"}


class CreatedSmartTrade(SmartTrade):
    """The SmartTrade a create made, with the ``client_tag`` its note carries.

    ``recovered`` is True when the create's answer was lost and the trade was found by its tag.
    """

    client_tag: str
    recovered: bool = False


def safe_create(client: BaseClient, endpoint: Endpoint[SmartTrade]) -> Flow[CreatedSmartTrade]:
    """``POST /v2/smart_trades`` with a client tag in the note, never creating twice."""
    payload: SmartTradeCreate = endpoint.body
    tag = new_client_tag()
    body = payload.model_copy(update={"note": tag_note(payload.note, tag)})
    post = Endpoint(endpoint.method, endpoint.path, _raw, body=body)
    recent = Endpoint(
        "GET",
        LIST_PATH,
        _raw,
        params={
            "account_id": payload.account_id,
            "pair": payload.pair,
            "status": "all",
            "order_by": "created_at",
            "order_direction": "DESC",
            "per_page": RECENT,
            "page": 1,
        },
    )

    def send() -> Flow[CreatedSmartTrade]:
        entity = yield from endpoint_flow(client, post)
        return _created(entity, tag, recovered=False)

    def check() -> Flow[CreatedSmartTrade | None]:
        entities = yield from endpoint_flow(client, recent)
        for entity in entities if isinstance(entities, list) else []:
            if isinstance(entity, dict) and tag in _tags(entity):
                return _created(entity, tag, recovered=True)
        return None

    return reconciled("create SmartTrade", send, check, client_tag=tag)


def safe_close(
    client: BaseClient, close: Endpoint[SmartTrade], get: Endpoint[SmartTrade]
) -> Flow[SmartTrade]:
    """``close_by_market``, sent again only if the SmartTrade is neither closing nor closed."""

    def send() -> Flow[SmartTrade]:
        return (yield from endpoint_flow(client, close))

    def check() -> Flow[SmartTrade | None]:
        trade = yield from endpoint_flow(client, get)
        closing = trade.status.code == "panic_sell_pending" or trade.is_terminal
        return trade if closing else None

    return reconciled(f"{close.method} {close.path}", send, check)


def safe_funds(
    client: BaseClient,
    action: FundsAction,
    funds: Endpoint[SmartTrade],
    trades: Endpoint[Any],
    get: Endpoint[SmartTrade],
) -> Flow[SmartTrade]:
    """``add_funds`` / ``reduce_funds``, sent again only if no new funds trade appeared.

    ``trades`` lists the SmartTrade's trades (any parser: the raw answer is read).
    """
    raw_trades = Endpoint(trades.method, trades.path, _raw, params=trades.params)
    purpose = _PURPOSE[action]

    def flow() -> Flow[SmartTrade]:
        before = _trade_ids(purpose, (yield from endpoint_flow(client, raw_trades)))

        def send() -> Flow[SmartTrade]:
            return (yield from endpoint_flow(client, funds))

        def check() -> Flow[SmartTrade | None]:
            after = _trade_ids(purpose, (yield from endpoint_flow(client, raw_trades)))
            if after - before:
                return (yield from endpoint_flow(client, get))
            return None

        return (yield from reconciled(f"{funds.method} {funds.path}", send, check))

    return flow()


def _created(entity: Any, tag: str, *, recovered: bool) -> CreatedSmartTrade:
    data = (
        {**entity, "client_tag": tag, "recovered": recovered}
        if isinstance(entity, dict)
        else entity
    )
    return read_response(f"POST {LIST_PATH}", CreatedSmartTrade.model_validate, data)


def _tags(entity: dict[str, Any]) -> set[str | None]:
    notes = (entity.get("note"), entity.get("note_raw"))
    return {client_tag_of(note) for note in notes if isinstance(note, str)}


def _trade_ids(purpose: str, entities: Any) -> set[int]:
    return {
        entity["id"]
        for entity in (entities if isinstance(entities, list) else [])
        if isinstance(entity, dict)
        and entity.get("trade_purpose") == purpose
        and isinstance(entity.get("id"), int)
    }


def _raw(data: Any) -> Any:
    return data
