"""Checks that need the market: exchange rules, leverage, and which side of the price targets sit.

Run after the body passed `_validation` (shape and cross-field rules). Each check answers with
the key the field has in the request (``take_profit[steps][0][price][value]``...), or the dotted
``position.total`` the API uses for the order value.

Direction: for a sell position the take profits lie below and the stop loss above the reference
price, for a buy position the reverse. The reference is the entry price while the entry has not
filled (the limit, conditional or market price) and the current price once the position is open.
Percent levels are signed moves from the entry (-8 = 8% below), so only their sign is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from threecommas_hedge.models import MarketRules
from threecommas_hedge.models.smart_trade_params import (
    FundsRequest,
    LeverageParams,
    StopLossParams,
    TakeProfitParams,
)

from ._accounts import FakeAccount
from ._validation import ErrorAttributes, Errors, Path

__all__ = ["check_funds", "check_leverage", "check_targets", "check_units", "entry_reference"]


def entry_reference(
    order_type: str,
    limit_price: Decimal | None,
    trigger: Decimal | None,
    market: Decimal,
) -> Decimal:
    """The price an entry is expected to fill at."""
    if order_type == "limit" and limit_price is not None:
        return limit_price
    if order_type == "conditional":
        return limit_price if limit_price is not None else (trigger or market)
    return market


def check_units(
    errors: Errors,
    units: Decimal,
    reference: Decimal,
    rules: MarketRules | None,
    *,
    units_key: Path | str = ("position", "units", "value"),
    total_key: str = "position.total",
) -> None:
    """Lot step, minimum lot and minimum order value."""
    if rules is None:
        return
    if rules.lot_step is not None and units % rules.lot_step != 0:
        errors.add(units_key, f"must be a multiple of {rules.lot_step}")
    if rules.min_lot is not None and units < rules.min_lot:
        errors.add(units_key, f"must be greater than or equal to {rules.min_lot}")
    if rules.min_notional is not None and units * reference < rules.min_notional:
        errors.add(total_key, f"must be greater than or equal to {rules.min_notional}")


def check_prices(
    errors: Errors, prices: Sequence[tuple[Path, Decimal | None]], rules: MarketRules | None
) -> None:
    """Every given price is a multiple of the price step."""
    if rules is None or rules.price_step is None:
        return
    for path, price in prices:
        if price is not None and price % rules.price_step != 0:
            errors.add(path, f"must be a multiple of {rules.price_step}")


def check_leverage(
    errors: Errors, leverage: LeverageParams | None, account: FakeAccount, rules: MarketRules | None
) -> None:
    """Leverage only on futures accounts, and not above the market's cap."""
    if leverage is None or not leverage.enabled:
        return
    if account.kind != "futures":
        errors.add(("leverage", "enabled"), "is not supported by a spot account")
        return
    cap = rules.max_leverage if rules is not None else None
    if cap is not None and leverage.value is not None and leverage.value > cap:
        errors.add(("leverage", "value"), f"must be less than or equal to {cap}")


def check_targets(
    errors: Errors,
    side: str,
    reference: Decimal,
    take_profit: TakeProfitParams | None,
    stop_loss: StopLossParams | None,
    rules: MarketRules | None,
) -> None:
    """Take profits and stop loss on the right side of ``reference``, on the price grid."""
    short = side == "sell"
    word = "a sell" if short else "a buy"
    prices: list[tuple[Path, Decimal | None]] = []
    if take_profit is not None and take_profit.enabled:
        for index, step in enumerate(take_profit.steps):
            path: Path = ("take_profit", "steps", index, "price")
            value, percent = step.price.value, step.price.percent
            prices.append(((*path, "value"), value))
            if value is not None and (value >= reference if short else value <= reference):
                where = "below" if short else "above"
                errors.add((*path, "value"), f"must be {where} {reference} for {word} position")
            if percent is not None and (percent >= 0 if short else percent <= 0):
                sign = "negative" if short else "positive"
                errors.add((*path, "percent"), f"must be {sign} for {word} position")
    if stop_loss is not None and stop_loss.enabled and stop_loss.conditional is not None:
        path = ("stop_loss", "conditional", "price")
        value, percent = stop_loss.conditional.price.value, stop_loss.conditional.price.percent
        prices.append(((*path, "value"), value))
        if stop_loss.price is not None:
            prices.append((("stop_loss", "price", "value"), stop_loss.price.value))
        if value is not None and (value <= reference if short else value >= reference):
            where = "above" if short else "below"
            errors.add((*path, "value"), f"must be {where} {reference} for {word} position")
        if percent is not None and (percent <= 0 if short else percent >= 0):
            sign = "positive" if short else "negative"
            errors.add((*path, "percent"), f"must be {sign} for {word} position")
    check_prices(errors, prices, rules)


def check_funds(
    request: FundsRequest, market: Decimal, rules: MarketRules | None
) -> ErrorAttributes:
    """Funds orders: lot rules on ``units[value]``, minimum order value on ``total``."""
    errors = Errors()
    price = request.price.value if request.price is not None else market
    check_units(
        errors, request.units.value, price, rules, units_key=("units", "value"), total_key="total"
    )
    if request.price is not None:
        check_prices(errors, [(("price", "value"), request.price.value)], rules)
    return errors.attributes
