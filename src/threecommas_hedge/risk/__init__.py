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

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluate import evaluate
    from .loader import PriceSeries, load_closes
    from .paths import bootstrap_chunks, bootstrap_paths, gbm_chunks, gbm_paths
    from .ratio import HedgeRatio, min_variance_ratio
    from .report import ExitProbabilities, RiskReport, RiskRow
    from .statistics import PnLDistribution
    from .sweep import SweepResult, SweepRow, sweep

# Each public name's module, loaded on first use so a caller pays only for what it uses.
_SOURCES = {
    "evaluate": "evaluate",
    "PriceSeries": "loader",
    "load_closes": "loader",
    "bootstrap_chunks": "paths",
    "bootstrap_paths": "paths",
    "gbm_chunks": "paths",
    "gbm_paths": "paths",
    "HedgeRatio": "ratio",
    "min_variance_ratio": "ratio",
    "ExitProbabilities": "report",
    "RiskReport": "report",
    "RiskRow": "report",
    "PnLDistribution": "statistics",
    "SweepResult": "sweep",
    "SweepRow": "sweep",
    "sweep": "sweep",
}


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{source}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """Keeps ``risk.evaluate``/``risk.sweep`` the functions when their modules get imported."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _SOURCES.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
