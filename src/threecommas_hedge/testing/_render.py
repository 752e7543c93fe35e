"""Write a `FakeSmartTrade` out as the API does: the SmartTrade entity and its Trade entities.

Keys and their order follow the official examples; decimals are strings, times ISO with ``Z``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from threecommas_hedge.models._types import format_decimal

from ._clock import iso
from ._trade import FakeSmartTrade, FundsOrder, Step

__all__ = ["render_smart_trade", "render_trades"]

TRADE_TITLES = {
    "created": "Pending",
    "waiting_position": "Pending Position Opened",
    "waiting_targets": "Waiting Targets",
    "pending_reduce_funds": "Pending reduce funds",
    "panic_sell_pending": "Closing at Market Price",
    "cancellation_pending": "Cancelling",
    "cancelled": "Cancelled",
    "failed": "Failed",
    "finished": "Finished",
}
STEP_TITLES = {
    "idle": "Pending",
    "to_process": "Pending",
    "order_placed": "Placed",
    "trailing_activated": "Trailing Activated",
    "panic_sell_pending": "Panic closing",
    "finished": "Finished",
    "cancelled": "Cancelled",
    "failed": "Failed",
    "smart_sell": "Own funds",
}
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def _d(value: Decimal | None) -> str | None:
    return None if value is None else format_decimal(value)


def _t(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


def _status(code: str, titles: dict[str, str], error: str | None = None) -> dict[str, str]:
    status = {"type": code, "basic_type": code, "title": titles.get(code, code)}
    if error is not None:
        status["error"] = error
    return status


# --- statuses of the parts ------------------------------------------------------------------


def position_status(trade: FakeSmartTrade) -> str:
    """Status of the entry."""
    if trade.payload.skip_enter_step:
        return "smart_sell"
    if trade.entered:
        return "finished"
    if trade.terminal:
        return "cancelled"
    if trade.pending is None and trade.payload.position.order_type == "limit":
        return "order_placed"
    if trade.entry_armed and trade.conditional is not None:
        trailing = trade.conditional.trailing
        return "trailing_activated" if trailing and trailing.enabled else "order_placed"
    return "to_process"


def step_status(trade: FakeSmartTrade, step: Step) -> str:
    """Status of a take-profit step."""
    if step.state == "filled":
        return "finished"
    if step.state == "cancelled":
        return "cancelled"
    if step.state == "panic_pending":
        return "panic_sell_pending"
    if not trade.entered:
        return "idle"
    if step.trailing_active:
        return "trailing_activated"
    return "order_placed" if step.order_type == "limit" else "to_process"


def stop_loss_status(trade: FakeSmartTrade) -> str:
    """Status of the stop loss."""
    if trade.stop_loss_fill is not None:
        return "finished"
    if trade.terminal:
        return "cancelled"
    if not trade.entered:
        return "idle"
    engine = trade.engine
    if engine is not None and engine.stop_loss_order_price is not None:
        return "order_placed"
    return "to_process"


def _step_quantity(trade: FakeSmartTrade, step: Step) -> Decimal | None:
    if step.fill_quantity is not None:
        return step.fill_quantity
    if not trade.entered or step.state == "cancelled":
        return None
    return trade.units * step.volume / _HUNDRED


# --- the SmartTrade entity ------------------------------------------------------------------


def render_smart_trade(trade: FakeSmartTrade, price: Decimal) -> dict[str, Any]:
    """The SmartTrade entity at market ``price``."""
    status = trade.status
    return {
        "id": trade.id,
        "version": 2,
        "account": trade.account.summary(),
        "pair": trade.pair,
        "instant": bool(trade.payload.instant),
        "status": _status(
            status, TRADE_TITLES, "Position was liquidated" if status == "failed" else None
        ),
        "leverage": _leverage(trade),
        "position": _position(trade, price),
        "take_profit": _take_profit(trade),
        "stop_loss": _stop_loss(trade),
        "reduce_funds": {
            "steps": [_reduce_step(trade, order) for order in trade.funds if order.kind == "reduce"]
        },
        "market_close": _market_close(trade),
        "note": trade.note,
        "note_raw": trade.note or None,
        "skip_enter_step": bool(trade.payload.skip_enter_step),
        "data": _data(trade, price, status),
        "profit": _profit(trade, price),
        "margin": _margin(trade),
        "is_position_not_filled": not trade.entered,
    }


def _leverage(trade: FakeSmartTrade) -> dict[str, Any]:
    leverage = trade.leverage
    if leverage is None or not leverage.enabled:
        return {"enabled": False}
    return {
        "enabled": True,
        "type": leverage.type,
        "value": None if leverage.value is None else f"{leverage.value}.0",
        "type_editable": not trade.entered,
    }


def _entry_price(trade: FakeSmartTrade, market: Decimal) -> Decimal:
    engine = trade.engine
    if engine is not None and engine.entry_price is not None:
        return engine.entry_price
    if trade.limit_price is not None:
        return trade.limit_price
    if trade.conditional is not None:
        return trade.conditional.price.value
    return market


def _position(trade: FakeSmartTrade, market: Decimal) -> dict[str, Any]:
    editable = trade.status == "waiting_position"
    price = _entry_price(trade, market)
    with_fees = trade.average_entry_with_fees if trade.entered else price
    position: dict[str, Any] = {
        "type": trade.side,
        "editable": editable,
        "units": {"value": _d(trade.units), "editable": editable},
        "price": {
            "value": _d(with_fees),
            "value_without_commission": _d(price),
            "editable": editable,
        },
        "total": {"value": _d(trade.units * price)},
        "order_type": trade.payload.position.order_type,
    }
    conditional = trade.conditional
    if conditional is not None:
        trailing = conditional.trailing
        position["conditional"] = {
            "editable": editable,
            "price": {
                "value": _d(conditional.price.value),
                "type": conditional.price.type or ("ask" if trade.side == "buy" else "bid"),
            },
            "order_type": conditional.order_type,
            "trailing": {
                "enabled": bool(trailing and trailing.enabled),
                "percent": _d(trailing.percent) if trailing else None,
            },
        }
    position["status"] = _status(position_status(trade), STEP_TITLES)
    return position


def _take_profit(trade: FakeSmartTrade) -> dict[str, Any]:
    steps = trade.steps
    by_percent = bool(steps) and all(step.value is None for step in steps)
    return {
        "enabled": trade.take_profit_enabled,
        "price_type": "percentage" if by_percent else "value",
        "steps": [_step(trade, step, number) for number, step in enumerate(steps, 1)],
    }


def _step(trade: FakeSmartTrade, step: Step, number: int) -> dict[str, Any]:
    quantity = _step_quantity(trade, step)
    level = trade.step_level(step)
    working = step.state == "active" and trade.status in ("waiting_position", "waiting_targets")
    return {
        "id": step.id,
        "order_type": step.order_type,
        "editable": working,
        "units": {"value": _d(quantity)},
        "price": {"type": step.price_type, "value": _d(level), "percent": _d(step.percent)},
        "volume": _d(step.volume),
        "total": _d(quantity * level) if quantity is not None and level is not None else None,
        "trailing": {
            "enabled": step.trailing_percent is not None,
            "percent": _d(step.trailing_percent),
        },
        "status": _status(step_status(trade, step), STEP_TITLES),
        "closed_at": _t(step.closed_at),
        "data": {"cancelable": working, "panic_sell_available": working and trade.entered},
        "position": number,
    }


def _stop_loss(trade: FakeSmartTrade) -> dict[str, Any]:
    stop_loss = trade.stop_loss
    if stop_loss is None or not stop_loss.enabled or stop_loss.conditional is None:
        return {"enabled": False}
    trigger = stop_loss.conditional.price
    trailing = stop_loss.conditional.trailing
    timeout = stop_loss.timeout
    engine = trade.engine
    level = engine.stop_loss_price if engine is not None else None
    fill = trade.stop_loss_fill
    quantity = fill[1] if fill is not None else (trade.units if trade.entered else None)
    return {
        "enabled": True,
        "price_type": "value" if trigger.value is not None else "percentage",
        "breakeven": bool(stop_loss.breakeven),
        "order_type": stop_loss.order_type,
        "editable": trade.status in ("waiting_position", "waiting_targets"),
        "price": {
            "value": _d(stop_loss.price.value) if stop_loss.price is not None else None,
            "percent": None,
        },
        "units": {"value": _d(quantity)},
        "total": {"value": _d(quantity * fill[0]) if fill is not None and quantity else None},
        "closed_at": _t(trade.closed_at) if fill is not None else None,
        "conditional": {
            "price": {
                "value": _d(level if level is not None else trigger.value),
                "type": trigger.type or "last",
                "percent": _d(trigger.percent),
            },
            "trailing": {
                "enabled": bool(trailing and trailing.enabled),
                "percent": _d(trailing.percent) if trailing else None,
            },
        },
        "timeout": {
            "enabled": bool(timeout and timeout.enabled),
            "value": timeout.value if timeout and timeout.enabled else None,
        },
        "status": _status(stop_loss_status(trade), STEP_TITLES),
    }


def _funds_status(order: FundsOrder) -> str:
    states = {"pending": "idle", "placed": "order_placed", "filled": "finished"}
    return states.get(order.state, order.state)


def _reduce_step(trade: FakeSmartTrade, order: FundsOrder) -> dict[str, Any]:
    price = order.fill_price or order.price
    with_fees = price
    if price is not None and order.fee_rate is not None:
        fee = order.units * price * order.fee_rate
        with_fees = trade.with_fees(price, fee, order.units, entry=False)
    return {
        "id": order.id,
        "type": order.order_type,
        "status": _status(_funds_status(order), STEP_TITLES),
        "units": {"value": _d(order.units)},
        "price": {"value": _d(with_fees), "value_without_commission": _d(price)},
        "total": {"value": _d(order.units * price) if price is not None else None},
        "closed_at": _t(order.closed_at),
        "data": {"cancelable": False, "panic_sell_available": False},
    }


def _market_close(trade: FakeSmartTrade) -> dict[str, Any]:
    if trade.market_close is None:
        return {}
    price, quantity = trade.market_close
    fee = quantity * price * trade.account.fees.taker  # a market order: taker
    with_fees = trade.with_fees(price, fee, quantity, entry=False)
    return {
        "id": trade.market_close_id,
        "type": "market",
        "status": _status("finished", STEP_TITLES),
        "units": {"value": _d(quantity)},
        "price": {"value": _d(with_fees), "value_without_commission": _d(price)},
        "total": {"value": _d(quantity * price)},
    }


def _data(trade: FakeSmartTrade, price: Decimal, status: str) -> dict[str, Any]:
    engine = trade.engine
    text = format_decimal(price)
    commission = trade.account.commission
    entry = engine.entry_price if engine is not None else None
    exit_price = engine.exit_price if engine is not None else None
    closed_amount = engine.closed_quantity if engine is not None else Decimal(0)
    open_states = ("waiting_position", "waiting_targets")
    data: dict[str, Any] = {
        "editable": status in open_states,
        "current_price": {
            "bid": text,
            "ask": text,
            "last": text,
            "quote_volume": "0.0",
            "day_change_percent": "0.0",
        },
        "target_price_type": "price",
        "orderbook_price_currency": trade.pair.split("_", 1)[0],
        "base_order_finished": trade.entered,
        "missing_funds_to_close": "0.0",
        "liquidation_price": _d(engine.liquidation_price) if engine is not None else None,
        "average_enter_price": _d(trade.average_entry_with_fees),
        "average_close_price": _d(trade.average_exit_with_fees),
        "average_enter_price_without_commission": _d(entry),
        "average_close_price_without_commission": _d(exit_price),
        "panic_sell_available": status == "waiting_targets",
        "add_funds_available": status in open_states
        and not trade.payload.instant
        and not trade.trailing,
        "reduce_funds_available": status == "waiting_targets",
        "force_start_available": status == "waiting_position"
        and trade.payload.position.order_type != "market",
        "force_process_available": not trade.terminal,
        "cancel_available": status in ("created", *open_states, "pending_reduce_funds"),
        "finished": status == "finished",
        "base_position_step_finished": trade.entered,
        "entered_amount": format_decimal(trade.entered_amount),
        "entered_total": format_decimal(trade.entered_total),
        "closed_amount": format_decimal(closed_amount),
        "closed_total": format_decimal(closed_amount * exit_price if exit_price else Decimal(0)),
        "commission": format_decimal(commission),
        "created_at": iso(trade.created_at),
        "updated_at": iso(trade.updated_at),
    }
    if trade.closed_at is not None:
        data["closed_at"] = iso(trade.closed_at)
    data["type"] = trade.type
    return data


def _profit(trade: FakeSmartTrade, price: Decimal) -> dict[str, Any]:
    profit = trade.profit(price)
    if profit is None or not trade.entered_total:
        return {"volume": None, "usd": None, "percent": "0.0", "roe": None}
    percent = (profit / trade.entered_total * _HUNDRED).quantize(_CENT)
    roe = None
    leverage = trade.leverage
    if leverage is not None and leverage.enabled and leverage.value:
        margin = trade.entered_total / leverage.value
        roe = _d((profit / margin * _HUNDRED).quantize(_CENT))
    return {"volume": _d(profit), "usd": _d(profit), "percent": _d(percent), "roe": roe}


def _margin(trade: FakeSmartTrade) -> dict[str, Any]:
    leverage = trade.leverage
    if trade.account.kind != "futures" or not trade.entered:
        return {"amount": None, "total": None}
    value = leverage.value if leverage is not None and leverage.enabled and leverage.value else 1
    return {"amount": _d(trade.units), "total": _d(trade.entered_total / value)}


# --- Trade entities -------------------------------------------------------------------------


def render_trades(trade: FakeSmartTrade, price: Decimal) -> list[dict[str, Any]]:
    """``GET /v2/smart_trades/{id}/trades``: entry, funds, take-profit and stop-loss trades."""
    trades: list[dict[str, Any]] = []
    if not trade.payload.skip_enter_step:
        trades.append(_entry_trade(trade, price))
    for order in trade.funds:
        trades.append(_funds_trade(trade, order))
    for step in trade.steps:
        trades.append(_step_trade(trade, step))
    stop = _stop_trade(trade)
    if stop is not None:
        trades.append(stop)
    return trades


def _trade_entity(trade: FakeSmartTrade, trade_id: int, **fields: Any) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "id": trade_id,
        "average_price": None,
        "follow_price_type": "last",
        "initial_amount": None,
        "initial_total": None,
        "order_price": None,
        "order_side": trade.side,
        "order_type": "market",
        "pair": trade.pair,
        "position_percentage": None,
        "realised_amount": "0.0",
        "realised_total": None,
        "status": "to_process",
        "take_profit_percentage": None,
        "trade_purpose": "position",
        "trail_percentage": None,
        "trail_value": None,
        "trailing_enabled": False,
        "trailing_last_price": None,
        "trailing_last_price_updated_at": None,
        "trigger_condition": None,
        "trigger_price": None,
        "trigger_price_percentage": None,
        "trigger_type": "none",
        "created_at": iso(trade.created_at),
        "updated_at": iso(trade.updated_at),
        "realised_percentage": "0.0",
        "initial_price": None,
        "realised_price": None,
        "cancelable": False,
        "force_processable": False,
    }
    entity.update(fields)
    return entity


def _fills(amount: Decimal, price: Decimal | None, done: bool) -> dict[str, Any]:
    if not done or price is None:
        return {}
    return {
        "average_price": _d(price),
        "realised_amount": _d(amount),
        "realised_total": _d(amount * price),
        "realised_percentage": "100.0",
        "realised_price": _d(price),
    }


def _initial(amount: Decimal | None, price: Decimal | None) -> dict[str, Any]:
    total = amount * price if amount is not None and price is not None else None
    return {"initial_amount": _d(amount), "initial_total": _d(total), "initial_price": _d(price)}


def _exit_side(trade: FakeSmartTrade) -> str:
    return "sell" if trade.side == "buy" else "buy"


def _entry_trade(trade: FakeSmartTrade, price: Decimal) -> dict[str, Any]:
    engine = trade.engine
    entry = engine.entry_price if engine is not None else None
    reference = _entry_price(trade, price)
    conditional = trade.conditional
    fields: dict[str, Any] = {
        "order_type": trade.payload.position.order_type,
        "order_price": _d(trade.limit_price),
        "status": position_status(trade),
        "follow_price_type": "ask" if trade.side == "buy" else "bid",
        "cancelable": trade.status == "waiting_position",
        "force_processable": trade.status == "waiting_position"
        and trade.payload.position.order_type != "market",
    }
    fields.update(_initial(trade.payload.position.units.value, reference))
    if conditional is not None:
        trailing = conditional.trailing
        fields.update(
            follow_price_type=conditional.price.type or fields["follow_price_type"],
            trigger_type="conditional",
            trigger_price=_d(conditional.price.value),
            trigger_condition="greater_or_equal"
            if conditional.price.value >= price
            else "less_or_equal",
            trailing_enabled=bool(trailing and trailing.enabled),
            trail_percentage=_d(trailing.percent) if trailing else None,
        )
    first_fill = trade.entered_amount - sum(
        (o.units for o in trade.funds if o.kind == "add" and o.state == "filled"), Decimal(0)
    )
    fields.update(_fills(first_fill, entry, trade.entered))
    return _trade_entity(trade, trade.position_trade_id, **fields)


def _funds_trade(trade: FakeSmartTrade, order: FundsOrder) -> dict[str, Any]:
    adding = order.kind == "add"
    fields: dict[str, Any] = {
        "order_side": trade.side if adding else _exit_side(trade),
        "order_type": order.order_type,
        "order_price": _d(order.price),
        "status": _funds_status(order),
        "trade_purpose": "position" if adding else "reduce_funds",
        "created_at": iso(order.created_at),
        "updated_at": iso(order.closed_at or order.created_at),
    }
    fields.update(_initial(order.units, order.fill_price or order.price))
    fields.update(_fills(order.units, order.fill_price, order.state == "filled"))
    return _trade_entity(trade, order.id, **fields)


def _step_trade(trade: FakeSmartTrade, step: Step) -> dict[str, Any]:
    level = trade.step_level(step)
    quantity = _step_quantity(trade, step)
    working = step.state == "active" and not trade.terminal
    fields: dict[str, Any] = {
        "order_side": _exit_side(trade),
        "order_type": step.order_type,
        "order_price": _d(level) if step.order_type == "limit" else None,
        "position_percentage": _d(step.volume),
        "status": step_status(trade, step),
        "take_profit_percentage": _d(step.percent),
        "trade_purpose": "take_profit",
        "trail_percentage": _d(step.trailing_percent),
        "trailing_enabled": step.trailing_percent is not None,
        "trigger_condition": "less_or_equal" if trade.side == "sell" else "greater_or_equal",
        "trigger_price": _d(level),
        "trigger_price_percentage": _d(step.percent),
        "trigger_type": "conditional",
        "cancelable": working,
        "force_processable": working and trade.entered,
    }
    fields.update(_initial(quantity, level))
    fields.update(_fills(step.fill_quantity or Decimal(0), step.fill_price, step.state == "filled"))
    return _trade_entity(trade, step.id, **fields)


def _stop_trade(trade: FakeSmartTrade) -> dict[str, Any] | None:
    stop_loss = trade.stop_loss
    if stop_loss is None or not stop_loss.enabled or stop_loss.conditional is None:
        return None
    engine = trade.engine
    trigger = stop_loss.conditional.price
    level = engine.stop_loss_price if engine is not None else None
    level = level if level is not None else trigger.value
    trailing = stop_loss.conditional.trailing
    fill = trade.stop_loss_fill
    fields: dict[str, Any] = {
        "follow_price_type": trigger.type or "last",
        "order_side": _exit_side(trade),
        "order_type": stop_loss.order_type or "market",
        "order_price": _d(stop_loss.price.value) if stop_loss.price is not None else None,
        "position_percentage": "100.0",
        "status": stop_loss_status(trade),
        "trade_purpose": "stop_loss",
        "trailing_enabled": bool(trailing and trailing.enabled),
        "trail_percentage": _d(trailing.percent) if trailing else None,
        "trigger_condition": "greater_or_equal" if trade.side == "sell" else "less_or_equal",
        "trigger_price": _d(level),
        "trigger_price_percentage": _d(trigger.percent),
        "trigger_type": "conditional",
        "cancelable": not trade.terminal,
    }
    fields.update(_initial(trade.units, level))
    if fill is not None:
        fields.update(_fills(fill[1], fill[0], True))
    return _trade_entity(trade, trade.stop_loss_id, **fields)
