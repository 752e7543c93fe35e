"""The endpoints the fake serves: one table of method, path, security and permission per handler.

Paths are relative to ``/public/api``. Handlers take the state and a parsed `Call` and return the
status and the JSON body; they raise `ApiError` for error answers. List endpoints answer bare
arrays, paginated with ``page`` / ``per_page``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from . import _balances
from ._accounts import leverage_data, render_account
from ._call import Call, Reply
from ._errors import invalid
from ._market import MARKETS, currency_rates, market_list
from ._state import FakeState
from ._trade import FakeSmartTrade
from ._validation import Errors

__all__ = ["PERMISSIONS", "Call", "Route", "is_smart_trade_list", "match"]

PERMISSIONS = frozenset(
    {
        "BOTS_READ",
        "BOTS_WRITE",
        "ACCOUNTS_READ",
        "ACCOUNTS_WRITE",
        "SMART_TRADES_READ",
        "SMART_TRADES_WRITE",
    }
)
TRADE_TYPES = ("simple_buy", "simple_sell", "smart_sell", "smart_buy", "smart_trade", "smart_cover")
ORDER_BY = ("created_at", "updated_at", "closed_at", "status", "profit", "profit_percentage")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

Handler = Callable[[FakeState, Call], Reply]


@dataclass(frozen=True)
class Route:
    """One endpoint: ``signed`` needs Apikey + Signature, ``permission`` a key permission."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    permission: str | None = None
    signed: bool = True


# --- SmartTrades ----------------------------------------------------------------------------


def _trade(state: FakeState, call: Call) -> FakeSmartTrade:
    return state.trade(call.ids["id"], call.mode)


def _create(state: FakeState, call: Call) -> Reply:
    return 201, state.render(state.create(call.params, call.mode))


def _get(state: FakeState, call: Call) -> Reply:
    return 200, state.render(_trade(state, call))


def _edit(state: FakeState, call: Call) -> Reply:
    trade = _trade(state, call)
    state.edit(trade, call.params)
    return 200, state.render(trade)


def _action(operation: Callable[[FakeState, FakeSmartTrade], None], status: int) -> Handler:
    def handler(state: FakeState, call: Call) -> Reply:
        trade = _trade(state, call)
        operation(state, trade)
        return status, state.render(trade)

    return handler


def _with_body(
    operation: Callable[[FakeState, FakeSmartTrade, Any], None], status: int = 201
) -> Handler:
    def handler(state: FakeState, call: Call) -> Reply:
        trade = _trade(state, call)
        operation(state, trade, call.params)
        return status, state.render(trade)

    return handler


def _reduce_funds_info(state: FakeState, call: Call) -> Reply:
    return 200, state.reduce_funds_info(_trade(state, call))


def _trades(state: FakeState, call: Call) -> Reply:
    return 200, state.render_trades(_trade(state, call))


def _close_trade(state: FakeState, call: Call) -> Reply:
    trade = _trade(state, call)
    state.close_trade(trade, call.ids["trade_id"])
    return 201, state.render(trade)


def _cancel_trade(state: FakeState, call: Call) -> Reply:
    trade = _trade(state, call)
    state.cancel_trade(trade, call.ids["trade_id"])
    return 200, state.render(trade)


def _list(state: FakeState, call: Call) -> Reply:
    query = call.query
    errors = Errors()
    page = _int_param(errors, query, "page", 1, 1, None)
    per_page = _int_param(errors, query, "per_page", 10, 1, 100)
    order_by = query.get("order_by", "status")
    if order_by not in ORDER_BY:
        errors.add("order_by", "does not have a valid value")
    direction = query.get("order_direction", "DESC").upper()
    if direction not in ("ASC", "DESC"):
        errors.add("order_direction", "does not have a valid value")
    trade_type = query.get("type")
    if trade_type is not None and trade_type not in TRADE_TYPES:
        errors.add("type", "does not have a valid value")
    status = query.get("status", "all")
    bounds = [_time_param(errors, query, name) for name in ("from", "to")]
    account_id = _int_param(errors, query, "account_id", None, 1, None)
    if errors:
        raise invalid(errors.attributes)
    selected = [
        trade
        for trade in state.visible_trades(call.mode)
        if (account_id is None or trade.account.id == account_id)
        and query.get("pair", trade.pair) == trade.pair
        and query.get("quote", trade.pair.split("_", 1)[0]) == trade.pair.split("_", 1)[0]
        and query.get("base", trade.pair.split("_", 1)[-1]) == trade.pair.split("_", 1)[-1]
        and (trade_type is None or trade.type == trade_type)
        and (bounds[0] is None or trade.created_at >= bounds[0])
        and (bounds[1] is None or trade.created_at <= bounds[1])
    ]
    matched = _by_status(selected, status)
    if matched is None:
        raise invalid({"status": ["does not have a valid value"]})

    def sort_key(trade: FakeSmartTrade) -> tuple[Any, int]:
        price = state.prices[trade.pair]
        profit = trade.profit(price) or Decimal(0)
        keys: dict[str, Any] = {
            "created_at": trade.created_at,
            "updated_at": trade.updated_at,
            "closed_at": trade.closed_at or _EPOCH,
            "status": trade.status,
            "profit": profit,
            "profit_percentage": profit / trade.entered_total if trade.entered_total else 0,
        }
        return keys[order_by], trade.id

    matched.sort(key=sort_key, reverse=direction == "DESC")
    start = (page - 1) * per_page
    return 200, [state.render(trade) for trade in matched[start : start + per_page]]


def _by_status(trades: list[FakeSmartTrade], status: str) -> list[FakeSmartTrade] | None:
    """The list's ``status`` filter; ``None`` for an unknown value."""
    tests: dict[str, Callable[[FakeSmartTrade], bool]] = {
        "all": lambda trade: True,
        "active": lambda trade: not trade.terminal,
        "finished": lambda trade: trade.terminal,
        "successfully_finish": lambda trade: trade.status == "finished",
        "successfully_finished": lambda trade: trade.status == "finished",
    }
    basic = (
        "created",
        "waiting_position",
        "waiting_targets",
        "pending_reduce_funds",
        "panic_sell_pending",
        "cancellation_pending",
        "cancelled",
        "failed",
    )
    test = tests.get(status)
    if test is None and status in basic:
        return [trade for trade in trades if trade.status == status]
    if test is None:
        return None
    return [trade for trade in trades if test(trade)]


def _int_param(
    errors: Errors,
    query: dict[str, str],
    name: str,
    default: Any,
    minimum: int,
    maximum: int | None,
) -> Any:
    text = query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        errors.add(name, "is invalid")
        return default
    if value < minimum or (maximum is not None and value > maximum):
        errors.add(name, "does not have a valid value")
        return default
    return value


def _time_param(errors: Errors, query: dict[str, str], name: str) -> datetime | None:
    text = query.get(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        errors.add(name, "is invalid")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# --- accounts, market data, user ------------------------------------------------------------


def _accounts(state: FakeState, call: Call) -> Reply:
    errors = Errors()
    page = _int_param(errors, call.query, "page", 1, 1, None)
    per_page = _int_param(errors, call.query, "per_page", 100, 1, 100)
    if errors:
        raise invalid(errors.attributes)
    accounts = state.visible_accounts(call.mode)[(page - 1) * per_page : page * per_page]
    now = state.clock.utcnow()
    return 200, [render_account(a, usd_amount=Decimal(0), updated_at=now) for a in accounts]


def _account(state: FakeState, call: Call) -> Reply:
    account = state.account(call.ids["account_id"], call.mode)
    return 200, render_account(account, usd_amount=Decimal(0), updated_at=state.clock.utcnow())


def _leverage_data(state: FakeState, call: Call) -> Reply:
    account = state.account(call.ids["account_id"], call.mode)
    rules = state.rules.get(str(call.params.get("pair", "")))
    return 200, leverage_data(account.kind, rules.max_leverage if rules else None)


def _market_codes(state: FakeState) -> set[str]:
    return set(MARKETS) | {account.market_code for account in state.accounts.values()}


def _required(call: Call, *names: str) -> list[str]:
    errors = Errors()
    values = []
    for name in names:
        value = call.query.get(name)
        if not value:
            errors.add(name, "is missing")
        values.append(value or "")
    if errors:
        raise invalid(errors.attributes)
    return values


def _market_list(state: FakeState, call: Call) -> Reply:
    return 200, market_list(sorted(_market_codes(state) - set(MARKETS)))


def _market_pairs(state: FakeState, call: Call) -> Reply:
    (market_code,) = _required(call, "market_code")
    if market_code not in _market_codes(state):
        raise invalid({"market_code": ["does not have a valid value"]})
    return 200, sorted(state.prices)


def _rates(with_leverage: bool) -> Handler:
    def handler(state: FakeState, call: Call) -> Reply:
        market_code, pair = _required(call, "market_code", "pair")
        errors = Errors()
        if market_code not in _market_codes(state):
            errors.add("market_code", "does not have a valid value")
        if pair not in state.prices:
            errors.add("pair", "is invalid")
        limit_type = call.query.get("limit_type")
        if limit_type is not None and limit_type not in ("bot", "smart_trade"):
            errors.add("limit_type", "does not have a valid value")
        if errors:
            raise invalid(errors.attributes)
        rates = currency_rates(
            market_code,
            pair,
            state.prices[pair],
            state.rules.get(pair),
            with_leverage=with_leverage,
        )
        return 200, rates

    return handler


def _validate(state: FakeState, call: Call) -> Reply:
    return 200, {"valid": True}


def _current_mode(state: FakeState, call: Call) -> Reply:
    return 200, {"mode": state.user_mode}


def _change_mode(state: FakeState, call: Call) -> Reply:
    mode = call.params.get("mode")
    if mode not in ("paper", "real"):
        raise invalid({"mode": ["does not have a valid value"]})
    state.user_mode = "real" if mode == "real" else "paper"
    return 200, {"mode": state.user_mode}


# --- the table ------------------------------------------------------------------------------

_ST_READ, _ST_WRITE = "SMART_TRADES_READ", "SMART_TRADES_WRITE"
_AC_READ, _AC_WRITE = "ACCOUNTS_READ", "ACCOUNTS_WRITE"
_ID = r"(?P<id>\d+)"
_LIST_PATHS = ("/v2/smart_trades", "/ver1/smart_trades")


def _route(
    method: str, path: str, handler: Handler, permission: str | None, *, signed: bool = True
) -> Route:
    return Route(method, re.compile(f"^{path}/?$"), handler, permission, signed)


ROUTES: tuple[Route, ...] = (
    _route("POST", "/v2/smart_trades", _create, _ST_WRITE),
    _route("GET", "/v2/smart_trades", _list, _ST_READ),
    _route("GET", "/ver1/smart_trades", _list, _ST_READ),
    _route("GET", f"/v2/smart_trades/{_ID}", _get, _ST_READ),
    _route("PATCH", f"/v2/smart_trades/{_ID}", _edit, _ST_WRITE),
    _route("DELETE", f"/v2/smart_trades/{_ID}", _action(FakeState.cancel, 200), _ST_WRITE),
    _route(
        "POST",
        f"/v2/smart_trades/{_ID}/close_by_market",
        _action(FakeState.close_by_market, 201),
        _ST_WRITE,
    ),
    _route("POST", f"/v2/smart_trades/{_ID}/add_funds", _with_body(FakeState.add_funds), _ST_WRITE),
    _route("GET", f"/v2/smart_trades/{_ID}/reduce_funds_info", _reduce_funds_info, _ST_WRITE),
    _route(
        "POST",
        f"/v2/smart_trades/{_ID}/reduce_funds",
        _with_body(FakeState.reduce_funds),
        _ST_WRITE,
    ),
    _route(
        "POST",
        f"/v2/smart_trades/{_ID}/force_start",
        _action(FakeState.force_start, 201),
        _ST_WRITE,
    ),
    _route("POST", f"/v2/smart_trades/{_ID}/set_note", _with_body(FakeState.set_note), _ST_WRITE),
    _route("GET", f"/v2/smart_trades/{_ID}/trades", _trades, _ST_READ),
    _route(
        "POST",
        f"/v2/smart_trades/{_ID}/trades/(?P<trade_id>\\d+)/close_by_market",
        _close_trade,
        _ST_WRITE,
    ),
    _route("DELETE", f"/v2/smart_trades/{_ID}/trades/(?P<trade_id>\\d+)", _cancel_trade, _ST_WRITE),
    _route("GET", "/ver1/accounts", _accounts, _AC_READ),
    _route("GET", "/ver1/accounts/market_list", _market_list, None, signed=False),
    _route("GET", "/ver1/accounts/market_pairs", _market_pairs, None, signed=False),
    _route("GET", "/ver1/accounts/currency_rates", _rates(False), None, signed=False),
    _route(
        "GET",
        "/ver1/accounts/currency_rates_with_leverage_data",
        _rates(True),
        None,
        signed=False,
    ),
    _route("GET", "/ver1/accounts/(?P<account_id>\\d+)", _account, _AC_READ),
    _route("GET", "/ver1/accounts/(?P<account_id>\\d+)/leverage_data", _leverage_data, _AC_READ),
    _route("POST", "/ver1/accounts/(?P<account_id>\\d+)/leverage_data", _leverage_data, _AC_READ),
    *(
        _route("POST", f"/ver1/accounts/(?P<account_id>\\d+)/{name}", handler, _AC_READ)
        for name, handler in (
            ("account_table_data", _balances.account_table_data),
            ("pie_chart_data", _balances.pie_chart_data),
            ("load_balances", _balances.load_balances),
        )
    ),
    _route(
        "POST", "/ver1/accounts/summary/account_table_data", _balances.summary_table_data, _AC_READ
    ),
    _route(
        "GET",
        "/ver1/accounts/(?P<account_id>\\d+)/active_trading_entities",
        _balances.active_trading_entities,
        _AC_READ,
    ),
    _route("GET", "/ver1/validate", _validate, None),
    _route("GET", "/ver1/users/current_mode", _current_mode, _AC_READ),
    _route("POST", "/ver1/users/change_mode", _change_mode, _AC_WRITE),
)


def match(method: str, path: str) -> tuple[Route, dict[str, int]] | None:
    """The route for ``method`` and ``path`` (relative to ``/public/api``) and its path ids."""
    for route in ROUTES:
        found = route.pattern.match(path)
        if found is not None and route.method == method.upper():
            return route, {name: int(value) for name, value in found.groupdict().items()}
    return None


def is_smart_trade_list(method: str, path: str) -> bool:
    """The SmartTrade list, which has its own rate limit (``/v2`` and ``/ver1`` paths)."""
    return method.upper() == "GET" and path.rstrip("/") in _LIST_PATHS
