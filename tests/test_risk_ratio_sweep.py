"""The minimum-variance ratio (known beta recovered, alignment) and the settings sweep."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from threecommas_hedge import HedgeBuilder, SpotPosition, risk

SPOT = SpotPosition(asset="BTC", quantity=Decimal(1), price=Decimal(60000))


def synthetic(beta: float, n: int, noise: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    futures_returns = rng.normal(0, 0.01, n)
    spot_returns = beta * futures_returns + rng.normal(0, noise, n)
    futures = 60000 * np.cumprod(np.concatenate([[1.0], 1 + futures_returns]))
    spot = 60000 * np.cumprod(np.concatenate([[1.0], 1 + spot_returns]))
    return spot, futures


def test_min_variance_ratio_recovers_a_known_beta() -> None:
    spot, futures = synthetic(beta=0.8, n=5000, noise=0.003)
    h = risk.min_variance_ratio(spot, futures)
    assert h.n == 5000
    assert abs(float(h.ratio) - 0.8) < 4 * float(h.stderr)
    assert float(h.stderr) == pytest.approx(0.003 / (0.01 * math.sqrt(5000)), rel=0.1)
    assert float(h.r_squared) == pytest.approx(0.64e-4 / (0.64e-4 + 0.09e-4), abs=0.01)
    assert isinstance(h.ratio, Decimal) and h.ratio == h.ratio.quantize(Decimal("0.000001"))


def test_a_perfect_hedge_has_ratio_one_and_r_squared_one() -> None:
    prices = [100.0, 101.0, 99.5, 102.0, 101.0]
    h = risk.min_variance_ratio(prices, prices)
    assert (h.ratio, h.r_squared, h.stderr, h.n) == (1, 1, 0, 4)


def test_the_builder_takes_the_ratio_directly() -> None:
    spot, futures = synthetic(beta=0.7, n=500, noise=0.002)
    h = risk.min_variance_ratio(spot, futures)
    builder = HedgeBuilder(SPOT, account_id=1, pair="USDT_BTCUSDT").hedge(ratio=h.ratio)
    assert builder.build().position.units.value == h.ratio


def test_series_are_aligned_on_their_common_timestamps() -> None:
    spot, futures = synthetic(beta=0.9, n=300, noise=0.001, seed=4)
    times = np.arange(301, dtype=np.int64) * 60_000
    keep = np.ones(301, dtype=bool)
    keep[[5, 77, 200]] = False  # the futures series misses three minutes
    full = risk.PriceSeries(spot, times)
    gappy = risk.PriceSeries(futures[keep], times[keep])
    aligned = risk.min_variance_ratio(full, gappy)
    expected = risk.min_variance_ratio(spot[keep], futures[keep])
    assert aligned == expected
    assert aligned.n == 297


def test_ratio_errors() -> None:
    with pytest.raises(ValueError, match="without times must have the same length"):
        risk.min_variance_ratio([1, 2, 3, 4], [1, 2, 3])
    with pytest.raises(ValueError, match="at least 3 aligned returns, got 2"):
        risk.min_variance_ratio([1, 2, 3], [1, 2, 4])
    with pytest.raises(ValueError, match="futures_closes do not move"):
        risk.min_variance_ratio([1, 2, 3, 4], [5, 5, 5, 5])
    a = risk.PriceSeries(np.array([1.0, 2.0]), np.array([1, 2], dtype=np.int64))
    b = risk.PriceSeries(np.array([1.0, 2.0]), np.array([3, 4], dtype=np.int64))
    with pytest.raises(ValueError, match="share no timestamp"):
        risk.min_variance_ratio(a, b)


# -- sweep ----------------------------------------------------------------------------------------


def planned() -> HedgeBuilder:
    return (
        HedgeBuilder(SPOT, account_id=1, pair="USDT_BTCUSDT")
        .hedge(ratio=Decimal("0.5"))
        .take_profit(price=Decimal(55000))
        .stop_loss(price=Decimal(61800), trailing=True)
    )


@pytest.fixture(scope="module")
def paths() -> np.ndarray:
    return risk.gbm_paths(
        start=Decimal(60000), annual_volatility=0.8, steps=96, step_seconds=900, paths=1500, seed=9
    )


def test_sweep_grid_order_values_and_best(paths: np.ndarray) -> None:
    ratios = [Decimal("0.25"), Decimal("0.5"), Decimal(1)]
    stops = [Decimal(61200), Decimal(61800), None]
    grid = risk.sweep(SPOT, planned(), paths, ratios=ratios, stop_losses=stops, step_seconds=900)
    assert grid.dimensions == ("ratio", "stop_loss")
    assert [(row.ratio, row.stop_loss) for row in grid.rows] == [
        (r, s) for r in ratios for s in stops
    ]
    assert all(row.take_profit is None and row.error is None for row in grid.rows)
    # each row is exactly what evaluate gives for that hedge
    row = grid.rows[3]
    variant = planned().stop_loss(price=Decimal(61200), trailing=True)
    direct = risk.evaluate(SPOT, variant.build(), paths, step_seconds=900)
    assert row.report is not None
    assert np.array_equal(row.report.hedged.pnl, direct.hedged.pnl)
    best = grid.best("cvar")
    reports = [r.report for r in grid.rows if r.report is not None]
    assert best.report is not None
    assert best.report.hedged.cvar() == min(r.hedged.cvar() for r in reports)
    cheapest = grid.best("cost")
    assert cheapest.report is not None
    assert cheapest.report.expected_cost == max(r.expected_cost for r in reports)
    assert grid.best("effectiveness").ratio == Decimal(1)
    custom = grid.best(lambda report: report.probabilities.stop_loss)
    assert custom.stop_loss is None
    data = grid.to_dict()
    assert data["rows"][2] == {**data["rows"][2], "ratio": "0.25", "stop_loss": None, "error": None}


def test_sweep_keeps_refused_combinations_with_their_error(paths: np.ndarray) -> None:
    # at 10x the short is liquidated near 62,900-65,300: a stop at 66,000 would never fire
    leveraged = planned().leverage(10)
    grid = risk.sweep(
        SPOT, leveraged, paths[:100], stop_losses=[Decimal(61800), Decimal(66000)], step_seconds=900
    )
    refused = grid.rows[1]
    assert refused.report is None
    assert refused.error is not None and "stop_loss" in refused.error
    assert grid.best().stop_loss == Decimal(61800)


def test_sweep_take_profits_replace_the_steps(paths: np.ndarray) -> None:
    grid = risk.sweep(SPOT, planned(), paths[:300], take_profits=[Decimal(58000), None])
    first, none = grid.rows
    assert first.report is not None and none.report is not None
    assert first.report.probabilities.steps != ()
    assert none.report.probabilities.steps == ()
    assert none.report.probabilities.take_profit == 0


def test_sweep_errors(paths: np.ndarray) -> None:
    with pytest.raises(ValueError, match="the planned hedge must build first"):
        risk.sweep(SPOT, HedgeBuilder(SPOT, account_id=1, pair="USDT_BTCUSDT"), paths)
    with pytest.raises(TypeError, match="paths must be one array"):
        risk.sweep(SPOT, planned(), iter([paths]))
    with pytest.raises(ValueError, match="ratios: give at least one value"):
        risk.sweep(SPOT, planned(), paths, ratios=[])
    with pytest.raises(TypeError, match="stop_losses: values must be Decimal prices"):
        risk.sweep(SPOT, planned(), paths, stop_losses=[61800.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="objective must be one of"):
        risk.sweep(SPOT, planned(), paths[:10]).best("sharpe")  # type: ignore[arg-type]
    refused = risk.sweep(SPOT, planned().leverage(10), paths[:10], stop_losses=[Decimal(66000)])
    with pytest.raises(ValueError, match="no combination of the sweep could be built"):
        refused.best()
