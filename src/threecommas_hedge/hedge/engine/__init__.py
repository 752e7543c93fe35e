"""The parts of :class:`~threecommas_hedge.hedge.simulate.SmartTradeEngine`, one job each.

- ``events``: the event log (:class:`SimEvent`) every part writes to;
- ``entry``: when and at what price the entry fills (market, limit, conditional, trailing);
- ``targets``: the take-profit steps and the trailing take profit;
- ``stops``: the stop loss (trailing, breakeven moves, limit order, timeout);
- ``ledger``: the books: entry average, open units, exits, PnL, fees, funding, wallet and
  liquidation price.

The engine (``hedge/simulate.py``) owns the trade's status and runs the parts in the order the
mechanics say; each part keeps its own state.
"""
