"""The live hedges' old import path: they live in :mod:`threecommas_hedge.live` now."""

from threecommas_hedge.live.hedges import AsyncHedge, AsyncHedges, Hedge, Hedges

__all__ = ["AsyncHedge", "AsyncHedges", "Hedge", "Hedges"]
