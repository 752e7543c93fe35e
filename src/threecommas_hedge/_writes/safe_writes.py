"""Create, close, cancel and add/reduce funds as reconciled flows (see ``reconcile``).

How each one tells, after an unknown outcome, whether it took effect (looking again and again
over the client's ``write_check_window``, never sending again):

- **create**: the body's ``note`` carries a client tag (fresh, or the caller's ``client_tag=`` to
  make a re-run find the trade of an earlier attempt); the check walks the account and pair's
  SmartTrades (``status=all``, newest first, 100 a page) until it is past the time the write
  began, looking for the tag. A create given a ``client_tag`` first looks for it over the same
  window, and returns the trade it finds instead of creating a second one (sending nothing when
  the list cannot be read), unless the tag is *fresh* (``fresh=True`` or a
  :class:`FreshClientTag`): a tag the caller just made and recorded is sent at once.
- **close_by_market**, **cancel**: the check reads the SmartTrade; closing or closed (cancelling
  or cancelled, or finished) means done. Both are idempotent: a refusal because it is already
  done is success.
- **one trade's close_by_market / cancel** (``trades``): the check lists the SmartTrade's trades
  and reads that trade's status; idempotent like the above.
- **add_funds / reduce_funds**: the trades of the SmartTrade are read *before* the write; the check
  reads them again, and a new trade of the matching purpose (``position`` for add, ``reduce_funds``
  for reduce) means the funds order was placed. This costs one read per call.

The endpoints come from ``smart_trades`` already validated, so bad input fails before anything is
sent.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal

from threecommas_hedge._flows import Flow, endpoint_flow
from threecommas_hedge.models.responses import SmartTrade
from threecommas_hedge.models.smart_trade_params import SmartTradeCreate
from threecommas_hedge.resources._endpoint import Endpoint, read_response

from .client_tag import check_client_tag, client_tag_of, new_client_tag, tag_note
from .reconcile import Window, look, reconciled

if TYPE_CHECKING:
    from threecommas_hedge._base_client import BaseClient

__all__ = [
    "CreatedSmartTrade",
    "FreshClientTag",
    "safe_cancel",
    "safe_close",
    "safe_create",
    "safe_funds",
    "safe_trade_write",
]

PER_PAGE = 100
MAX_PAGES = 50
"""The create check walks at most this many pages of 100 (then it counts as not seen)."""
CLOCK_SKEW = timedelta(minutes=15)
"""How far the server's clock may be behind ours: the walk goes this much past the write's time."""

FundsAction = Literal["add_funds", "reduce_funds"]
_PURPOSE: dict[FundsAction, str] = {"add_funds": "position", "reduce_funds": "reduce_funds"}
_CLOSING = frozenset({"panic_sell_pending"})
_CANCELLING = frozenset({"cancellation_pending"})
TradeAction = Literal["close_by_market", "cancel"]
_TRADE_DONE: dict[TradeAction, frozenset[str]] = {
    "close_by_market": frozenset({"panic_sell_pending", "finished"}),
    "cancel": frozenset({"cancelled"}),
}


class CreatedSmartTrade(SmartTrade):
    """The SmartTrade a create made, with the ``client_tag`` its note carries.

    ``recovered`` is True when the create's answer was lost, or an earlier attempt with the same
    ``client_tag`` had made it, and the trade was found by its tag.
    """

    client_tag: str
    recovered: bool = False


class FreshClientTag(str):
    """A client tag the caller just made (and recorded, e.g. in a journal) for a first attempt.

    A create given one sends at once, without first looking for an earlier attempt's trade (no
    attempt was made); an unknown outcome is still looked for by it. Layers that only pass
    ``client_tag`` on (``hedges.open``) carry the mark. A re-run must pass the plain tag.
    """

    __slots__ = ()


def safe_create(
    client: BaseClient,
    endpoint: Endpoint[SmartTrade],
    client_tag: str | None = None,
    *,
    fresh: bool = False,
) -> Flow[CreatedSmartTrade]:
    """``endpoint`` (the create) with a client tag in the note, never creating twice.

    The check lists the same path (``GET /v2/smart_trades``) for the tag. A given tag is looked
    for before sending unless ``fresh`` (or a :class:`FreshClientTag`).
    """
    payload: SmartTradeCreate = endpoint.body
    rerun = client_tag is not None and not (fresh or isinstance(client_tag, FreshClientTag))
    tag = new_client_tag() if client_tag is None else str(check_client_tag(client_tag))
    body = payload.model_copy(update={"note": tag_note(payload.note, tag)})
    post = Endpoint(endpoint.method, endpoint.path, _raw, body=body)
    query: dict[str, str | int] = {
        "account_id": payload.account_id,
        "pair": payload.pair,
        "status": "all",
        "order_by": "created_at",
        "order_direction": "DESC",
        "per_page": PER_PAGE,
    }
    began = time.time()  # the datetime is made only if the check runs (~1 us a create)

    def send() -> Flow[CreatedSmartTrade]:
        entity = yield from endpoint_flow(client, post)
        return _created(endpoint.path, entity, tag, recovered=False)

    def check() -> Flow[CreatedSmartTrade | None]:
        since = datetime.fromtimestamp(began, timezone.utc) - CLOCK_SKEW
        for page in range(1, MAX_PAGES + 1):
            page_of = Endpoint("GET", endpoint.path, _raw, params={**query, "page": page})
            entities = yield from endpoint_flow(client, page_of)
            entities = entities if isinstance(entities, list) else []
            for entity in entities:
                if isinstance(entity, dict) and tag in _tags(entity):
                    return _created(endpoint.path, entity, tag, recovered=True)
            if len(entities) < PER_PAGE or _older_than(entities[-1], since):
                return None
        return None

    def flow() -> Flow[CreatedSmartTrade]:
        window = Window.of(client)
        if rerun:  # an earlier attempt may have made it, or may show
            found, _, read_error = yield from look(check, window)
            if found is not None:
                return found
            if read_error is not None:  # cannot tell: send nothing
                raise read_error
        operation = "create SmartTrade"
        return (yield from reconciled(operation, send, check, window=window, client_tag=tag))

    return flow()


def safe_close(
    client: BaseClient, close: Endpoint[SmartTrade], get: Endpoint[SmartTrade]
) -> Flow[SmartTrade]:
    """``close_by_market``, never sent twice; already closing or closed is success."""
    return _idempotent(client, close, get, _CLOSING)


def safe_cancel(
    client: BaseClient, cancel: Endpoint[SmartTrade], get: Endpoint[SmartTrade]
) -> Flow[SmartTrade]:
    """Cancel (DELETE, retried as any idempotent request); already cancelled is success."""
    return _idempotent(client, cancel, get, _CANCELLING)


def _idempotent(
    client: BaseClient,
    write: Endpoint[SmartTrade],
    get: Endpoint[SmartTrade],
    pending: frozenset[str],
) -> Flow[SmartTrade]:
    def send() -> Flow[SmartTrade]:
        return (yield from endpoint_flow(client, write))

    def check() -> Flow[SmartTrade | None]:
        trade = yield from endpoint_flow(client, get)
        return trade if trade.status.code in pending or trade.is_terminal else None

    return reconciled(
        f"{write.method} {write.path}", send, check, window=Window.of(client), idempotent=True
    )


def safe_trade_write(
    client: BaseClient,
    action: TradeAction,
    write: Endpoint[SmartTrade],
    trades: Endpoint[Any],
    get: Endpoint[SmartTrade],
    trade_id: int,
) -> Flow[SmartTrade]:
    """Close or cancel one trade of a SmartTrade, never sent twice; already done is success.

    The check lists the SmartTrade's ``trades`` and reads the status of ``trade_id`` (closing or
    finished for a close, cancelled for a cancel); a SmartTrade that ended counts as done too.
    """
    raw_trades = Endpoint(trades.method, trades.path, _raw, params=trades.params)
    done = _TRADE_DONE[action]

    def send() -> Flow[SmartTrade]:
        return (yield from endpoint_flow(client, write))

    def check() -> Flow[SmartTrade | None]:
        entities = yield from endpoint_flow(client, raw_trades)
        codes = {
            _status_code(entity.get("status"))
            for entity in (entities if isinstance(entities, list) else [])
            if isinstance(entity, dict) and entity.get("id") == trade_id
        }
        parent = yield from endpoint_flow(client, get)
        return parent if codes & done or parent.is_terminal else None

    operation = f"{write.method} {write.path}"
    return reconciled(operation, send, check, window=Window.of(client), idempotent=True)


def safe_funds(
    client: BaseClient,
    action: FundsAction,
    funds: Endpoint[SmartTrade],
    trades: Endpoint[Any],
    get: Endpoint[SmartTrade],
) -> Flow[SmartTrade]:
    """``add_funds`` / ``reduce_funds``, never sent twice: a new funds trade shows it was placed.

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

        operation = f"{funds.method} {funds.path}"
        return (yield from reconciled(operation, send, check, window=Window.of(client)))

    return flow()


def _created(path: str, entity: Any, tag: str, *, recovered: bool) -> CreatedSmartTrade:
    data = (
        {**entity, "client_tag": tag, "recovered": recovered}
        if isinstance(entity, dict)
        else entity
    )
    return read_response(f"POST {path}", CreatedSmartTrade.model_validate, data)


def _tags(entity: dict[str, Any]) -> set[str | None]:
    notes = (entity.get("note"), entity.get("note_raw"))
    return {client_tag_of(note) for note in notes if isinstance(note, str)}


def _older_than(entity: Any, moment: datetime) -> bool:
    """Whether ``entity`` was created (``data.created_at``, also spelled ``create_at``) before
    ``moment`` (False when it does not say)."""
    data = entity.get("data") if isinstance(entity, dict) else None
    text = (data.get("created_at") or data.get("create_at")) if isinstance(data, dict) else None
    if not isinstance(text, str):
        return False
    try:
        created = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return created < moment


def _trade_ids(purpose: str, entities: Any) -> set[int]:
    return {
        entity["id"]
        for entity in (entities if isinstance(entities, list) else [])
        if isinstance(entity, dict)
        and entity.get("trade_purpose") == purpose
        and isinstance(entity.get("id"), int)
    }


def _status_code(status: Any) -> Any:
    """A trade's status code: a plain string, or the ``type`` of a status object."""
    return status.get("type") if isinstance(status, dict) else status


def _raw(data: Any) -> Any:
    return data
