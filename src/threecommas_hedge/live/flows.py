"""Each action of a live hedge as one sans-I/O flow, run by the client's loop (sync or async).

A flow yields prepared requests and :class:`~threecommas_hedge._flows.Pause` values and returns the
SmartTrade the API answered. Checks run before the first request: a refused action sends nothing.
Writes go through ``threecommas_hedge._writes`` like the ``smart_trades`` methods: never sent twice.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from typing import TYPE_CHECKING, Any

# the endpoint groups first: importing _writes.safe_writes alone fails (it needs them loaded)
from threecommas_hedge.resources import accounts, market, smart_trades  # isort: skip
from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge._flows import Flow, Pause, endpoint_flow
from threecommas_hedge._writes.safe_writes import (
    CreatedSmartTrade,
    FreshClientTag,
    safe_close,
    safe_create,
    safe_funds,
)
from threecommas_hedge.hedge.drift import EntryDrift, EntryDriftWarning
from threecommas_hedge.hedge.resize import ResizePlan, check_close, check_reduce
from threecommas_hedge.hedge.status import status_of

from .state import HedgeState, Levels, check_hedge
from .wait import Wait

if TYPE_CHECKING:
    from threecommas_hedge._base_client import BaseClient
    from threecommas_hedge.hedge.builder import HedgeBuilder
    from threecommas_hedge.models import SmartTrade
    from threecommas_hedge.models.accounts import Account
    from threecommas_hedge.models.market import CurrencyRates

__all__ = ["adjust", "close", "get", "open_hedge", "poll", "resize"]

WARNING_STACKLEVEL = 5
"""A warning of ``open_hedge`` points at the caller of ``open()``: the warning's helper, the flow,
the client's ``_run`` and ``open()`` are the frames between."""


def get(client: BaseClient, trade_id: int) -> Flow[SmartTrade]:
    """The trade as it is now (one GET)."""
    return endpoint_flow(client, smart_trades._get(trade_id))


def adjust(
    client: BaseClient,
    state: HedgeState,
    take_profit: Levels | None = None,
    stop_loss: Decimal | None = None,
    *,
    take_profit_percent: Levels | None = None,
    stop_loss_percent: Decimal | None = None,
    market: Decimal | None = None,
) -> Flow[SmartTrade]:
    """Move the take profit and/or the stop loss: the checked body (``state.edit_body``), one
    PATCH."""
    body = state.edit_body(
        take_profit,
        stop_loss,
        take_profit_percent=take_profit_percent,
        stop_loss_percent=stop_loss_percent,
        market=market,
    )
    return (yield from endpoint_flow(client, smart_trades._update(state.id, body)))


def resize(client: BaseClient, state: HedgeState, plan: ResizePlan | None) -> Flow[SmartTrade]:
    """Carry out ``plan`` (``state.resize_plan``): a market add_funds, or a market reduce_funds
    checked against ``reduce_funds_info`` first; the trade unchanged, with no request, if None."""
    if plan is None:
        return state.trade
    if plan.action == "reduce_funds":
        info = yield from endpoint_flow(client, smart_trades._reduce_funds_info(state.id))
        check_reduce(plan, info.max_reduce_funds_amount)
    funds = smart_trades._funds(state.id, plan.action, plan.body())
    trades, now = smart_trades._list_trades(state.id), smart_trades._get(state.id)
    return (yield from safe_funds(client, plan.action, funds, trades, now))


def close(client: BaseClient, state: HedgeState) -> Flow[SmartTrade]:
    """Close the whole short at market (checked on the last state, then ``close_by_market``)."""
    check_close(state.trade)
    write = smart_trades._action(state.id, "close_by_market")
    return (yield from safe_close(client, write, smart_trades._get(state.id)))


def poll(client: BaseClient, trade_id: int, wait: Wait) -> Flow[SmartTrade]:
    """The next poll of ``wait``: a pause of ``wait.poll`` seconds (none before the first), then
    one GET."""
    if wait.polls:
        yield Pause(wait.poll)
    return (yield from get(client, trade_id))


def open_hedge(
    client: BaseClient,
    builder: HedgeBuilder,
    *,
    max_entry_drift: Decimal | None,
    market_price: Decimal | None,
    client_tag: str | None,
    market_code: str | None = None,
) -> Flow[SmartTrade]:
    """Create the hedge of ``builder`` (see ``Hedges.open``); returns the trade the hedge keeps:
    the created one, or the filled one with its levels re-anchored (one checked PATCH).
    ``market_code`` (the account's market, when the caller knows it) spares the account read of
    the drift check's price."""
    payload = builder.build()
    drift = EntryDrift.of(builder, max_entry_drift)
    # a fresh tag is a first send; only a re-run with a known tag (the short may exist) skips it
    first_send = client_tag is None or isinstance(client_tag, FreshClientTag)
    if drift is not None and first_send:
        now = (
            market_price
            if market_price is not None
            else (yield from _bid(client, builder, market_code))
        )
        drift.check_market(now)
    created: CreatedSmartTrade = yield from safe_create(
        client, smart_trades.create_endpoint(payload), client_tag
    )
    check_hedge(created, builder.spot)
    if drift is None:
        return created
    filled = yield from get(client, created.id)
    changes = _after_fill(drift, filled)
    if not changes:
        return created
    # the edit is checked against the filled state
    state = HedgeState(filled, builder.spot, rules=builder.market_rules, fee_rate=None)
    return (yield from adjust(client, state, **changes))


def _bid(client: BaseClient, builder: HedgeBuilder, market_code: str | None) -> Flow[Decimal]:
    """The price a market sell fills at on the account's market: the bid, else the last price."""
    summary = builder.summary()
    if market_code is None:
        market_code = _market_code(
            (yield from endpoint_flow(client, accounts._get(summary.account_id)))
        )
    endpoint = market._rates(summary.pair, market_code, "smart_trade")
    return _bid_of((yield from endpoint_flow(client, endpoint)))


def _market_code(account: Account) -> str:
    if not account.market_code:
        raise HedgeValidationError(
            "market_price", f"account {account.id} reports no market_code: pass market_price"
        )
    return account.market_code


def sell_price(rates: CurrencyRates) -> Decimal | None:
    """The price a market sell fills at: the bid, else the last price (None: neither known)."""
    return rates.bid if rates.bid is not None else rates.last


def _bid_of(rates: CurrencyRates) -> Decimal:
    price = sell_price(rates)
    if price is None:
        raise HedgeValidationError("market_price", "the market reports no price: pass market_price")
    return price


def _after_fill(drift: EntryDrift, trade: SmartTrade) -> dict[str, Any]:
    """The ``adjust()`` arguments that re-anchor the levels on the fill; warns for the rest."""
    fill = status_of(trade).average_entry
    if fill is None:
        notes: tuple[str, ...] = (
            f"smart trade {trade.id} reports no fill yet: its take profit and stop loss were set "
            f"from {drift.reference} and could not be checked against the fill",
        )
        changes: dict[str, Any] = {}
    else:
        changes, notes = drift.reanchor(fill)
    for note in notes:
        warnings.warn(note, EntryDriftWarning, stacklevel=WARNING_STACKLEVEL)
    return changes
