"""Risk before you hedge: replay a hedge over thousands of price paths at once.

Monte Carlo (:func:`gbm_paths`) and historical (:func:`load_closes`, :func:`bootstrap_paths`)
paths; :func:`evaluate` replays a SmartTrade payload over them with the simulator's mechanics and
returns a :class:`RiskReport` (hedged vs unhedged PnL distributions, VaR and CVaR, exit
probabilities, expected cost, effectiveness); :func:`sweep` compares hedge settings;
:func:`min_variance_ratio` estimates the hedge ratio from two price histories.

Needs numpy: ``pip install "threecommas-hedge[risk]"``. ``import threecommas_hedge`` never loads
this package; ``from threecommas_hedge import risk`` does.
"""

from __future__ import annotations

try:
    import numpy  # noqa: F401
except ImportError:  # pragma: no cover - exercised without the extra only
    raise ImportError(
        "threecommas_hedge.risk needs numpy: pip install 'threecommas-hedge[risk]'"
    ) from None

from .evaluate import evaluate
from .loader import PriceSeries, load_closes
from .paths import bootstrap_chunks, bootstrap_paths, gbm_chunks, gbm_paths
from .ratio import HedgeRatio, min_variance_ratio
from .report import ExitProbabilities, RiskReport, RiskRow
from .statistics import PnLDistribution
from .sweep import SweepResult, SweepRow, sweep

__all__ = [
    "ExitProbabilities",
    "HedgeRatio",
    "PnLDistribution",
    "PriceSeries",
    "RiskReport",
    "RiskRow",
    "SweepResult",
    "SweepRow",
    "bootstrap_chunks",
    "bootstrap_paths",
    "evaluate",
    "gbm_chunks",
    "gbm_paths",
    "load_closes",
    "min_variance_ratio",
    "sweep",
]
