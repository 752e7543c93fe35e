"""Price paths: GBM against its closed form, the bootstrap, chunking, argument checks."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal

import numpy as np
import pytest

from threecommas_hedge import risk

YEAR = 365 * 24 * 3600


def test_gbm_shape_start_and_reproducibility() -> None:
    paths = risk.gbm_paths(
        start=Decimal("60000"), annual_volatility=0.6, steps=5, step_seconds=60, paths=3, seed=7
    )
    assert paths.shape == (3, 6)
    assert paths.dtype == np.float64
    assert (paths[:, 0] == 60000.0).all()
    again = risk.gbm_paths(start=Decimal(60000), annual_volatility=0.6, steps=5, paths=3, seed=7)
    assert np.array_equal(paths, again)
    other = risk.gbm_paths(start=Decimal(60000), annual_volatility=0.6, steps=5, paths=3, seed=8)
    assert not np.array_equal(paths, other)


def test_gbm_log_increments_have_the_closed_form_moments() -> None:
    sigma, mu, step = 0.8, 0.3, 3600
    paths = risk.gbm_paths(
        start=Decimal(100), annual_volatility=sigma, drift=mu, steps=50, step_seconds=step,
        paths=4000, seed=1,
    )  # fmt: skip
    increments = np.diff(np.log(paths), axis=1).ravel()
    dt = step / YEAR
    assert increments.mean() == pytest.approx(
        (mu - sigma**2 / 2) * dt, abs=4 * sigma * math.sqrt(dt / increments.size)
    )
    assert increments.std() == pytest.approx(sigma * math.sqrt(dt), rel=0.01)


def test_zero_volatility_is_the_drift_alone() -> None:
    paths = risk.gbm_paths(
        start=Decimal(50), annual_volatility=0.0, drift=0.1, steps=4, step_seconds=YEAR // 4,
        paths=2, seed=0,
    )  # fmt: skip
    assert paths[0, -1] == pytest.approx(50 * math.exp(0.1))
    assert np.array_equal(paths[0], paths[1])


@pytest.mark.parametrize("chunk", [1, 3, 7, 100])
def test_chunks_are_the_rows_of_the_whole_array(chunk: int) -> None:
    args = {"start": Decimal(10), "annual_volatility": 0.5, "steps": 6, "paths": 10, "seed": 3}
    whole = risk.gbm_paths(**args)
    parts = list(risk.gbm_chunks(**args, chunk=chunk))
    assert all(len(part) <= chunk for part in parts)
    assert np.array_equal(np.vstack(parts), whole)
    closes = [100, 101, 99, 102, 103, 101, 100, 98, 99, 100]
    boot_args = {"start": Decimal(50), "steps": 7, "paths": 10, "block": 3, "seed": 5}
    boot = risk.bootstrap_paths(closes, **boot_args)
    assert np.array_equal(
        np.vstack(list(risk.bootstrap_chunks(closes, **boot_args, chunk=chunk))), boot
    )


def test_bootstrap_paths_are_made_of_blocks_of_historical_returns() -> None:
    closes = [100.0 * 1.01**i for i in range(5)] + [100.0 * 1.01**4 * 0.97**i for i in range(1, 6)]
    returns = np.diff(np.log(closes))
    paths = risk.bootstrap_paths(closes, start=Decimal(60000), steps=9, paths=200, block=3, seed=2)
    assert paths.shape == (200, 10)
    assert (paths[:, 0] == 60000.0).all()
    steps = np.diff(np.log(paths), axis=1)
    for row in steps[:20]:
        for first in range(0, 9, 3):
            block = row[first : first + 3]
            starts = [s for s in range(len(returns) - 2) if np.allclose(returns[s : s + 3], block)]
            assert starts, f"block {block} is not three consecutive historical returns"


def test_bootstrap_keeps_the_history_volatility() -> None:
    rng = np.random.default_rng(11)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 5000)))
    paths = risk.bootstrap_paths(closes, start=Decimal(1), steps=100, paths=500, block=10, seed=4)
    assert statistics.pstdev(np.diff(np.log(paths), axis=1).ravel()) == pytest.approx(
        0.02, rel=0.05
    )


def test_bootstrap_takes_a_price_series_and_a_pandas_series() -> None:
    pandas = pytest.importorskip("pandas")
    closes = [100, 102, 101, 103, 104]
    series = pandas.Series(closes, index=pandas.date_range("2024-05-01", periods=5, freq="min"))
    a = risk.bootstrap_paths(series, start=Decimal(1), steps=4, paths=3, block=2, seed=1)
    b = risk.bootstrap_paths(
        risk.load_closes(closes), start=Decimal(1), steps=4, paths=3, block=2, seed=1
    )
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ({"start": 60000.0}, TypeError, "start must be a Decimal"),
        ({"start": Decimal(0)}, ValueError, "start must be a positive price"),
        ({"annual_volatility": -0.1}, ValueError, "annual_volatility must be at least 0"),
        ({"annual_volatility": float("nan")}, ValueError, "annual_volatility must be finite"),
        ({"steps": 0}, ValueError, "steps must be a whole number >= 1"),
        ({"paths": 2.5}, ValueError, "paths must be a whole number >= 1"),
        ({"step_seconds": 0}, ValueError, "step_seconds must be greater than 0"),
        ({"drift": "0.1"}, TypeError, "drift must be a number"),
    ],
)
def test_gbm_refuses_bad_arguments(args: dict[str, object], error: type, message: str) -> None:
    base: dict[str, object] = {
        "start": Decimal(1),
        "annual_volatility": 0.5,
        "steps": 3,
        "paths": 2,
    }
    with pytest.raises(error, match=message):
        risk.gbm_paths(**{**base, **args})  # type: ignore[arg-type]


def test_bootstrap_refuses_a_block_longer_than_the_history() -> None:
    with pytest.raises(
        ValueError, match=r"block \(5 steps\) is longer than the history's 3 returns"
    ):
        risk.bootstrap_paths([1, 2, 3, 4], start=Decimal(1), steps=3, paths=1, block=5)
    with pytest.raises(ValueError, match="block must be a whole number"):
        risk.bootstrap_paths([1, 2, 3, 4], start=Decimal(1), steps=3, paths=1, block=0)
    with pytest.raises(ValueError, match=r"closes\[1\] must be a positive price"):
        risk.bootstrap_paths([1, -2, 3], start=Decimal(1), steps=3, paths=1, block=1)
