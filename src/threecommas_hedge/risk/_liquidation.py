"""Liquidation prices of many isolated positions at once (brackets re-read at the price)."""

from __future__ import annotations

import numpy as np

from ._plan import EnginePlan
from .outcomes import FloatArray, IntArray


def liquidation_prices(
    plan: EnginePlan, quantity: FloatArray, entry: FloatArray, wallet: FloatArray
) -> FloatArray:
    """Isolated liquidation prices (NaN: cannot be liquidated), brackets re-read at the price.

    The vector form of :func:`~threecommas_hedge.hedge.liquidation.liquidation_price`, with the
    plan's ``exchange`` formula.
    """
    floors = np.asarray(plan.brackets.floors)
    rates = np.asarray(plan.brackets.rates)
    amounts = np.asarray(plan.brackets.amounts)
    side = plan.side

    def bracket(notional: FloatArray) -> IntArray:
        found: IntArray = np.maximum(np.searchsorted(floors, notional, side="right") - 1, 0)
        return found

    current = bracket(quantity * entry)
    if plan.exchange == "bybit":  # linear, maintenance margin valued at the entry's bracket
        cushion = (wallet - quantity * entry * rates[current] + amounts[current]) / quantity
        bybit: FloatArray = np.where(entry - side * cushion > 0, entry - side * cushion, np.nan)
        return bybit
    price = np.full(len(quantity), np.nan)
    pending = np.arange(len(quantity))
    for _ in range(len(floors) + 1):
        chosen = current[pending]
        q, e, w = quantity[pending], entry[pending], wallet[pending]
        level = (w + amounts[chosen] - side * q * e) / (q * rates[chosen] - side * q)
        level = np.where(level > 0, level, np.nan)
        again = np.where(np.isnan(level), chosen, bracket(q * np.nan_to_num(level)))
        settled = again == chosen
        price[pending[settled]] = level[settled]
        current[pending] = again
        pending = pending[~settled]
        if not len(pending):
            return price
    raise ValueError("leverage brackets give no stable liquidation price (check cum)")
