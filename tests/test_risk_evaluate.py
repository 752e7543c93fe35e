"""``risk.evaluate``: closed-form checks, the use case, highs/lows, chunks, horizon, errors."""

from __future__ import annotations

import math
import subprocess
import sys
from decimal import Decimal
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest

from threecommas_hedge import HedgeBuilder, SpotPosition, risk
from threecommas_hedge.models import SmartTradeCreate

SPOT = SpotPosition(asset="BTC", quantity=Decimal(1), price=Decimal(60000))
DAY = 86400
Z05 = NormalDist().inv_cdf(0.05)


def builder(ratio: str = "0.5") -> HedgeBuilder:
    return HedgeBuilder(SPOT, account_id=1, pair="USDT_BTCUSDT").hedge(ratio=Decimal(ratio))


def article() -> SmartTradeCreate:
    return builder().take_profit(price=Decimal(55000)).stop_loss(price=Decimal(61800)).build()


def gbm(paths: int = 20_000, steps: int = 24, sigma: float = 0.6, seed: int = 7) -> np.ndarray:
    return risk.gbm_paths(
        start=Decimal(60000), annual_volatility=sigma, steps=steps, step_seconds=DAY // steps,
        paths=paths, seed=seed,
    )  # fmt: skip


# -- closed forms --------------------------------------------------------------------------------


def test_unhedged_var_and_cvar_of_a_gbm_holding_match_the_lognormal() -> None:
    sigma, horizon = 0.6, 1 / 365
    report = risk.evaluate(SPOT, builder().build(), gbm(sigma=sigma))
    s = sigma * math.sqrt(horizon)
    quantile = 60000 * (math.exp(-s * s / 2 + s * Z05) - 1)
    shortfall = 60000 - 60000 * NormalDist().cdf(Z05 - s) / 0.05
    assert float(report.unhedged.var(0.95)) == pytest.approx(-quantile, rel=0.03)
    assert float(report.unhedged.cvar(0.95)) == pytest.approx(shortfall, rel=0.03)
    assert float(report.unhedged.quantile(0.05)) == pytest.approx(quantile, rel=0.03)
    stdev = 60000 * math.sqrt(math.exp(s * s) - 1)
    assert float(report.unhedged.stdev) == pytest.approx(stdev, rel=0.02)
    assert abs(float(report.unhedged.mean)) < 4 * stdev / math.sqrt(20_000)


def test_a_ratio_one_hedge_without_tp_or_sl_removes_all_the_variance() -> None:
    paths = gbm(paths=2000)
    exact = risk.evaluate(SPOT, builder("1").build(), paths)
    assert exact.effectiveness == 1
    assert exact.hedged.stdev == 0
    assert np.allclose(exact.hedged.pnl, 0)
    costed = risk.evaluate(
        SPOT,
        builder("1").build(),
        paths,
        maker_fee_rate=Decimal("0.0002"),
        taker_fee_rate=Decimal("0.0005"),
        funding_rate=Decimal("0.0001"),
        step_seconds=3600,
    )
    assert costed.effectiveness is not None and costed.effectiveness > Decimal("0.999")
    # one taker entry fee; funding at 8 h, 16 h and 24 h on the open short; no exit fee (marked)
    funding = (paths[:, [8, 16, 24]] * 0.0001).sum(axis=1)
    assert np.allclose(costed.hedged.pnl, -60000 * 0.0005 + funding)


def test_a_half_hedge_keeps_a_quarter_of_the_variance() -> None:
    report = risk.evaluate(SPOT, builder("0.5").build(), gbm(paths=3000))
    assert report.effectiveness == Decimal("0.75")
    assert np.allclose(report.hedged.pnl, report.unhedged.pnl / 2)
    assert float(report.expected_cost) == pytest.approx(-float(report.unhedged.mean) / 2)


def test_cvar_is_beyond_var_and_quantiles_are_ordered() -> None:
    pnl = risk.PnLDistribution(np.arange(1.0, 101.0) - 50)
    assert pnl.quantile(0) == -49 and pnl.quantile(1) == 50
    assert pnl.var(0.95) == Decimal("44.05")  # -(quantile 0.05 = -44.05)
    assert pnl.cvar(0.95) == Decimal(-np.mean(np.arange(-49.0, -44.0)))
    assert pnl.cvar(Decimal("0.9")) >= pnl.var(Decimal("0.9"))
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        pnl.var(95)
    with pytest.raises(ValueError, match="q must be between 0 and 1"):
        pnl.quantile(1.5)
    assert sum(count for _, _, count in pnl.histogram(10)) == 100


def test_quantiles_are_numpys_bit_for_bit() -> None:
    """The distribution's own quantile of its sorted PnL (no ``np.quantile``, which loads
    ``numpy.ma``) equals numpy's default to the last bit, interpolation rounding included."""
    from threecommas_hedge.risk.statistics import _quantile

    rng = np.random.default_rng(3)
    levels = [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 1.0]
    for size in (1, 2, 3, 7, 100, 1999, 2000, 10_000):
        for scale in (1.0, 1e-9, 12345.678):
            ordered = np.sort(rng.standard_normal(size) * scale + rng.integers(-5, 5))
            for q in [*levels, *rng.random(20).tolist()]:
                expected = float(np.quantile(ordered, q))
                assert _quantile(ordered, q).hex() == expected.hex(), (size, scale, q)
    with_nan = np.sort(np.array([1.0, np.nan, 3.0, 2.0]))
    assert math.isnan(_quantile(with_nan, 0.25)) and math.isnan(float(np.quantile(with_nan, 0.25)))


def test_statistics_do_not_load_numpy_ma() -> None:
    code = (
        "import sys, numpy as np\n"
        "from threecommas_hedge import risk\n"
        "pnl = risk.PnLDistribution(np.arange(1.0, 101.0) - 50)\n"
        "print(pnl.quantile(0.5), pnl.var(), pnl.cvar(), 'numpy.ma' in sys.modules)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0.5", "44.05", "47", "False"]


# -- the use case ---------------------------------------------------------------------------------


def test_the_article_hedge_on_three_paths() -> None:
    paths = np.array(
        [[60000, 57000, 55000], [60000, 61800, 62000], [60000, 59000, 60500.0]], dtype=float
    )
    report = risk.evaluate(SPOT, article(), paths)
    assert report.unhedged.pnl.tolist() == [-5000, 2000, 500]
    assert report.hedge.pnl.tolist() == [2500, -900, -250]
    assert report.hedged.pnl.tolist() == [-2500, 1100, 250]
    odds = report.probabilities
    assert (odds.take_profit, odds.stop_loss, odds.still_open) == (
        Decimal("0.333333"),
        Decimal("0.333333"),
        Decimal("0.333333"),
    )
    assert (odds.liquidation, odds.entered, odds.steps) == (0, 1, (Decimal("0.333333"),))
    assert report.expected_cost == Decimal("450")
    assert report.horizon_seconds == 120
    labels = [row.label for row in report.table()]
    assert labels[:4] == ["Mean PnL", "Standard deviation", "VaR 95 %", "CVaR 95 %"]
    assert "Effectiveness" in labels and "P(entered)" not in labels
    data = report.to_dict()
    assert data["hedged"]["mean"] == "-383.3333333"
    assert data["probabilities"]["steps"] == ["0.333333"]
    assert all(isinstance(row.hedged, (Decimal, type(None))) for row in report.table())


def test_entry_and_exit_fee_rates_override_maker_and_taker() -> None:
    paths = np.array([[60000, 57000, 55000], [60000, 61800, 62000.0]])
    rates = {"maker_fee_rate": Decimal("0.0002"), "taker_fee_rate": Decimal("0.0005")}
    by_type = risk.evaluate(SPOT, article(), paths, **rates)
    # market entry (taker); the take profit rests (maker), the stop is a market order (taker)
    assert by_type.outcomes.fees.tolist() == pytest.approx(
        [30000 * 0.0005 + 27500 * 0.0002, 30000 * 0.0005 + 30900 * 0.0005]
    )
    overridden = risk.evaluate(
        SPOT, article(), paths, **rates, entry_fee_rate=Decimal("0.001"), exit_fee_rate=Decimal(0)
    )
    assert overridden.outcomes.fees.tolist() == pytest.approx([30, 30])


def test_liquidation_without_a_stop_loses_the_margin() -> None:
    payload = builder().leverage(10).build()
    # liquidated between 61,000 and 70,000 whether MMR is 1 % or 1/(2L) = 5 % (no brackets)
    paths = np.array([[60000, 61000, 70000, 71000.0]])
    report = risk.evaluate(SPOT, payload, paths)
    assert report.probabilities.liquidation == 1
    assert report.hedge.pnl.tolist() == [pytest.approx(-0.5 * 60000 / 10)]
    assert report.outcomes.exit_index.tolist() == [2]


def test_a_horizon_marks_the_open_short_there() -> None:
    paths = np.array([[60000, 59000, 58000, 50000.0]])
    report = risk.evaluate(SPOT, article(), paths, horizon_seconds=120)
    assert report.unhedged.pnl.tolist() == [-2000]
    assert report.hedge.pnl.tolist() == [1000]
    assert report.probabilities.still_open == 1
    with pytest.raises(ValueError, match=r"horizon_seconds \(300\) must cover 1 to 3 steps"):
        risk.evaluate(SPOT, article(), paths, horizon_seconds=300)


def test_highs_and_lows_fire_inside_a_bar_in_the_adverse_order() -> None:
    closes = np.array([[60000, 60000, 60000.0]])
    lows = np.array([[60000, 54000, 60000.0]])
    highs = np.array([[60000, 62000, 60000.0]])
    report = risk.evaluate(SPOT, article(), closes, highs=highs, lows=lows)
    # the high (stop at 61,800, a market stop filled at the bar's high) comes before the low
    assert report.probabilities.stop_loss == 1 and report.probabilities.take_profit == 0
    assert report.hedge.pnl.tolist() == [0.5 * (60000 - 62000)]
    only_low = risk.evaluate(SPOT, article(), closes, highs=closes.copy(), lows=lows)
    assert only_low.hedge.pnl.tolist() == [2500]  # the limit take profit fills at its price
    without = risk.evaluate(SPOT, article(), closes)
    assert without.probabilities.still_open == 1


def test_results_do_not_depend_on_chunking_or_the_source() -> None:
    args = {"start": Decimal(60000), "annual_volatility": 0.9, "steps": 60, "paths": 500, "seed": 3}
    payload = (
        builder()
        .take_profit(price=Decimal(59000), volume=Decimal(50))
        .take_profit(price=Decimal(58000))
        .trailing_take_profit(Decimal("0.3"))
        .stop_loss(price=Decimal(60600))
        .move_to_breakeven()
        .build()
    )
    whole = risk.evaluate(SPOT, payload, risk.gbm_paths(**args))
    small = risk.evaluate(SPOT, payload, risk.gbm_paths(**args), chunk_paths=37)
    streamed = risk.evaluate(SPOT, payload, risk.gbm_chunks(**args, chunk=64))
    for other in (small, streamed):
        assert np.array_equal(other.hedged.pnl, whole.hedged.pnl)
        assert np.array_equal(other.outcomes.step_index, whole.outcomes.step_index)
    assert whole.probabilities.take_profit > 0 and whole.probabilities.stop_loss > 0


def test_progress_is_reported_only_when_asked() -> None:
    calls: list[tuple[int, int | None]] = []
    paths = gbm(paths=100, steps=200)
    risk.evaluate(
        SPOT, builder().build(), paths, chunk_paths=40, progress=lambda *a: calls.append(a)
    )
    assert calls[-1] == (100 * 201, 100 * 201)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    streamed: list[tuple[int, int | None]] = []
    risk.evaluate(
        SPOT,
        builder().build(),
        iter([paths[:50], paths[50:]]),
        progress=lambda *a: streamed.append(a),
    )
    assert streamed[-1] == (100 * 201, None)


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"paths": np.array([60000.0, 61000.0])}, ValueError, r"expected a 2-D array"),
        ({"paths": np.array([[60000.0]])}, ValueError, r"at least two prices per path"),
        (
            {"paths": np.array([[60000.0, -1.0]])},
            ValueError,
            r"paths\[0, 1\] must be a positive price",
        ),
        ({"paths": np.array([[60000.0, np.nan]])}, ValueError, r"paths\[0, 1\] must be a positive"),
        ({"paths": np.array([[1, 2]])}, TypeError, r"expected float prices"),
        ({"paths": [[60000.0, 61000.0]]}, TypeError, r"paths chunk 0: expected a 2-D numpy array"),
        ({"paths": iter([])}, ValueError, r"paths: no paths given"),
        ({"maker_fee_rate": 0.0002}, TypeError, r"maker_fee_rate must be a Decimal"),
        ({"taker_fee_rate": Decimal(1)}, ValueError, r"taker_fee_rate must be a rate in \[0, 1\)"),
        (
            {"funding_interval_hours": Decimal(0)},
            ValueError,
            r"funding_interval_hours must be positive",
        ),
        ({"step_seconds": 0}, ValueError, r"step_seconds must be positive"),
        ({"chunk_paths": 0}, ValueError, r"chunk_paths must be a whole number"),
        ({"highs": np.ones((1, 2))}, ValueError, r"highs/lows: give both or neither"),
        (
            {"highs": np.ones((1, 3)), "lows": np.ones((1, 3))},
            ValueError,
            r"highs must be an array of the paths' shape",
        ),
        (
            {"highs": np.full((1, 2), 60000.0), "lows": np.full((1, 2), 60000.0)},
            ValueError,
            r"paths\[0, 1\]: the close 61000.0 is outside",
        ),
        ({"spot": "BTC"}, TypeError, r"spot must be a SpotPosition"),
        ({"payload": {"position": {}}}, TypeError, r"payload must be a SmartTradeCreate"),
    ],
)
def test_bad_input_is_refused_with_the_field(
    kwargs: dict[str, Any], error: type, message: str
) -> None:
    call: dict[str, Any] = {
        "spot": SPOT,
        "payload": article(),
        "paths": np.array([[60000.0, 61000.0]]),
    }
    call.update(kwargs)
    with pytest.raises(error, match=message):
        risk.evaluate(call.pop("spot"), call.pop("payload"), call.pop("paths"), **call)


def test_payloads_the_engine_does_not_replay_are_refused() -> None:
    body = article().model_dump(exclude_none=True, mode="json")
    held = SmartTradeCreate.model_validate({**body, "skip_enter_step": True})
    with pytest.raises(ValueError, match="skip_enter_step"):
        risk.evaluate(SPOT, held, np.array([[60000.0, 61000.0]]))
    instant = {**body, "instant": True}
    del instant["take_profit"], instant["stop_loss"]
    with pytest.raises(ValueError, match="instant"):
        risk.evaluate(SPOT, SmartTradeCreate.model_validate(instant), np.array([[1.0, 2.0]]))


def test_take_profit_steps_mixing_prices_and_percents_are_refused() -> None:
    body = article().model_dump(exclude_none=True, mode="json")
    body["take_profit"]["steps"] = [
        {"order_type": "limit", "volume": "50", "price": {"value": "57000"}},
        {"order_type": "limit", "volume": "50", "price": {"percent": "-8"}},
    ]
    mixed = SmartTradeCreate.model_validate(body)
    with pytest.raises(ValueError, match="every step a price, or every step a percent"):
        risk.evaluate(SPOT, mixed, np.array([[60000.0, 61000.0]]))


def test_take_profit_steps_fill_nearest_first_whatever_their_order() -> None:
    body = article().model_dump(exclude_none=True, mode="json")
    body["take_profit"]["steps"] = [
        {"order_type": "limit", "volume": "60", "price": {"value": "55000"}},
        {"order_type": "limit", "volume": "40", "price": {"value": "58000"}},
    ]
    listed_far_first = SmartTradeCreate.model_validate(body)
    report = risk.evaluate(SPOT, listed_far_first, np.array([[60000, 58000, 56000, 54000.0]]))
    # 58,000 fills its 40 % first (0.2 BTC), then 55,000 closes the rest (0.3 BTC)
    assert report.outcomes.step_index[:, 0].tolist() == [3, 1]
    assert report.hedge.pnl.tolist() == [pytest.approx(0.2 * 2000 + 0.3 * 5000)]


def test_importing_the_package_does_not_load_numpy() -> None:
    code = (
        "import sys, threecommas_hedge\n"
        "from threecommas_hedge import HedgeBuilder, simulate\n"
        "print('numpy' in sys.modules)\n"
        "from threecommas_hedge import risk\n"
        "print('numpy' in sys.modules, risk.evaluate.__name__)\n"
    )
    out = subprocess.run(  # noqa: S603 - this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True", "evaluate"]
