"""``threecommas-hedge risk`` / ``sweep`` and the demo's risk section."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from threecommas_hedge import HedgeBuilder, LeverageBracket, SpotPosition, risk
from threecommas_hedge._cli import simulation
from threecommas_hedge._cli.app import app

ARTICLE = ["--spot-qty", "1", "--price", "60000", "--ratio", "0.5", "--tp", "55000"]
ARTICLE += ["--sl", "61800"]
ARTICLE += ["--entry-fee", "0.05", "--exit-fee", "0.05", "--funding-rate", "0.01"]
"""Every fill at 0.05 % and funding 0.01 % per 8 h, whatever the command line's defaults."""
PATHS = ["--vol", "60", "--days", "1", "--paths", "500", "--seed", "7"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SPOT = SpotPosition(asset="BTC", quantity=Decimal(1), price=Decimal(60000))


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "THREECOMMAS_BASE_URL", "TERM"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "100", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def expected_report() -> risk.RiskReport:
    """The same run through the library: 500 GBM paths, 1-minute steps, the default costs."""
    payload = (
        HedgeBuilder(SPOT, account_id=1, pair="USDT_BTCUSDT")
        .hedge(ratio=Decimal("0.5"))
        .take_profit(price=Decimal(55000))
        .stop_loss(price=Decimal(61800))
        .build()
    )
    paths = risk.gbm_paths(
        start=Decimal(60000), annual_volatility=0.6, steps=1440, step_seconds=60, paths=500, seed=7
    )
    return risk.evaluate(
        SPOT,
        payload,
        paths,
        entry_fee_rate=Decimal("0.0005"),
        exit_fee_rate=Decimal("0.0005"),
        funding_rate=Decimal("0.0001"),
    )


def test_risk_prints_the_report_of_the_library() -> None:
    code, out, err = run("risk", *ARTICLE, *PATHS)
    assert code == 0, err
    report = expected_report()
    assert "Paths: 500 random (GBM) paths, volatility 60 %/yr, drift 0 %/yr, 1 minute steps" in out
    lines = {line.split("  ")[0]: line.split() for line in out.splitlines() if "  " in line}
    assert lines["VaR 95 %"][-2:] == [
        f"{report.hedged.var():,.2f}",
        f"{report.unhedged.var():,.2f}",
    ]
    assert lines["CVaR 95 %"][-2:] == [
        f"{report.hedged.cvar():,.2f}",
        f"{report.unhedged.cvar():,.2f}",
    ]
    stop = report.probabilities.stop_loss * 100
    assert lines["P(stop loss)"][-2:] == [f"{stop:.1f}", "%"]
    assert lines["Effectiveness"][-2:] == [f"{report.effectiveness * 100:.1f}", "%"]
    assert "Paths by PnL at the horizon" in out


def test_risk_json_is_the_report_document() -> None:
    code, out, err = run("risk", *ARTICLE, *PATHS, "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["report"] == json.loads(json.dumps(expected_report().to_dict()))
    assert document["paths"]["steps"] == 1440 and document["paths"]["seed"] == 7
    assert document["payload"]["position"]["units"]["value"] == "0.5"
    assert document["costs"]["funding_rate"] == "0.0001"
    assert document["costs"]["entry_fee_rate"] == document["costs"]["exit_fee_rate"] == "0.0005"


def test_risk_plot_writes_a_png(tmp_path: Path) -> None:
    target = tmp_path / "risk.png"
    code, _, err = run("risk", *ARTICLE, *PATHS, "--plot", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    assert f"Figure written to {target}" in err.replace("\n", "")


def test_risk_bootstraps_a_history_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    closes = 60000 * np.exp(np.cumsum(rng.normal(0, 0.002, 400)))
    lines = [
        f"{1714521600000 + 60_000 * i},{c:.2f},{c * 1.001:.2f},{c * 0.999:.2f},{c:.2f},"
        "1,0,0,0,0,0,0"
        for i, c in enumerate(closes)
    ]
    history = tmp_path / "BTCUSDT-1m-2024-05.csv"
    history.write_text("\n".join(lines) + "\n")
    args = ["--history", str(history), "--days", "0.5", "--paths", "300", "--seed", "1"]
    code, out, err = run("risk", *ARTICLE, *args, "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["paths"]["kind"] == "bootstrap"
    assert document["paths"]["steps"] == 720 and document["paths"]["step_seconds"] == 60
    paths = risk.bootstrap_paths(
        risk.load_closes(history), start=Decimal(60000), steps=720, paths=300, block=60, seed=1
    )
    assert document["report"]["unhedged"]["mean"] == str(
        risk.PnLDistribution(paths[:, -1] - paths[:, 0]).mean
    )
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join([*lines[:5], "1714521900000,1,2,1,x,1,0,0,0,0,0,0"]) + "\n")
    code, _, err = run("risk", *ARTICLE, "--history", str(broken), "--paths", "10")
    assert code == 2
    assert "--history:" in err and "line 6: close 'x' is not a number" in err


@pytest.mark.parametrize("exchange", ["binance", "bybit"])
def test_risk_liquidates_by_the_mmr_and_exchange_flags(exchange: str) -> None:
    """A 10x short on wild paths: ``--mmr`` and ``--exchange`` reach the engine (before, the
    risk engine ignored both and used the conservative 1/(2L) Binance estimate)."""
    args = ["--spot-qty", "1", "--price", "60000", "--ratio", "0.5", "--leverage", "10"]
    wild = ["--vol", "200", "--days", "1", "--step", "300", "--paths", "300", "--seed", "3"]
    code, out, err = run("risk", *args, *wild, "--mmr", "0.4", "--exchange", exchange, "--json")
    assert code == 0, err
    document = json.loads(out)
    payload = HedgeBuilder(SPOT, account_id=1, pair="USDT_BTCUSDT").hedge(ratio=Decimal("0.5"))
    payload = payload.leverage(10).build()
    paths = risk.gbm_paths(
        start=Decimal(60000), annual_volatility=2.0, steps=288, step_seconds=300, paths=300, seed=3
    )
    costs = document["costs"]
    expected = risk.evaluate(
        SPOT,
        payload,
        paths,
        step_seconds=300,
        maker_fee_rate=Decimal(costs["maker_fee_rate"]),
        taker_fee_rate=Decimal(costs["taker_fee_rate"]),
        funding_rate=Decimal(costs["funding_rate"]),
        brackets=[LeverageBracket(Decimal(0), Decimal("0.004"))],
        exchange=exchange,  # type: ignore[arg-type]
    )
    assert document["report"] == json.loads(json.dumps(expected.to_dict()))
    assert expected.probabilities.liquidation > 0  # the paths do liquidate
    default = risk.evaluate(SPOT, payload, paths, step_seconds=300)
    assert expected.probabilities.liquidation < default.probabilities.liquidation


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--vol/--history: give one"),
        (["--vol", "60", "--history", "x.csv"], "--vol/--history: give one"),
        (["--vol", "-5"], "--vol: must not be negative"),
        (["--vol", "abc"], "'abc' is not a number"),
        (["--vol", "60", "--days", "0"], "--days: the horizon must be positive"),
        (["--vol", "60", "--days", "0.0001", "--step", "60"], "--days: the horizon is shorter"),
        (["--vol", "60", "--paths", "0"], "--paths"),
    ],
)
def test_risk_flag_errors(args: list[str], message: str) -> None:
    code, out, err = run("risk", *ARTICLE, *args)
    assert code == 2
    assert message in err
    assert out == ""


def test_history_flag_rules(tmp_path: Path) -> None:
    bare = tmp_path / "closes.csv"
    bare.write_text("close\n" + "\n".join(str(100 + i % 7) for i in range(200)) + "\n")
    code, _, err = run("risk", *ARTICLE, "--history", str(bare))
    assert code == 2 and "--step: closes.csv has no times" in err
    code, _, err = run("risk", *ARTICLE, "--history", str(bare), "--step", "60", "--block", "500")
    assert code == 2 and "--block: closes.csv has 199 returns" in err
    code, _, err = run("risk", *ARTICLE, "--history", str(bare), "--step", "60", "--drift", "5")
    assert code == 2 and "--drift: only with --vol" in err
    code, out, err = run(
        "risk", *ARTICLE, "--history", str(bare), "--step", "3600", "--paths", "50"
    )
    assert code == 0, err
    assert "24 steps" not in out and "1 hour steps over 7 days" in out


def test_sweep_prints_the_grid_and_the_best(tmp_path: Path) -> None:
    grid = ["--ratios", "0.5,1", "--stop-losses", "61800,none"]
    code, out, err = run("sweep", *ARTICLE, *PATHS, *grid, "--plot", str(tmp_path / "h.png"))
    assert code == 0, err
    paths = risk.gbm_paths(
        start=Decimal(60000), annual_volatility=0.6, steps=1440, step_seconds=60, paths=500, seed=7
    )
    base = (
        HedgeBuilder(SPOT, account_id=1, pair="USDT_BTCUSDT")
        .hedge(ratio=Decimal("0.5"))
        .take_profit(price=Decimal(55000))
        .stop_loss(price=Decimal(61800))
    )
    result = risk.sweep(
        SPOT,
        base,
        paths,
        ratios=[Decimal("0.5"), Decimal(1)],
        stop_losses=[Decimal(61800), None],
        entry_fee_rate=Decimal("0.0005"),
        exit_fee_rate=Decimal("0.0005"),
        funding_rate=Decimal("0.0001"),
    )
    best = result.best("cvar")
    assert best.report is not None
    best_text = "ratio 1, no stop loss" if best.stop_loss is None else "ratio"
    assert f"Best by lowest CVaR 95 %: {best_text}" in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("0.5", "1 "))]
    assert len(rows) == 4
    assert [row[5] for row in rows] == [
        f"{row.report.hedged.cvar():,.0f}" for row in result.rows if row.report is not None
    ]
    assert (tmp_path / "h.png").read_bytes().startswith(PNG_SIGNATURE)


def test_sweep_json_and_errors() -> None:
    code, out, err = run("sweep", *ARTICLE, *PATHS, "--ratios", "0.5,1", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["dimensions"] == ["ratio"]
    assert [row["ratio"] for row in document["rows"]] == ["0.5", "1"]
    assert document["best"] in (0, 1)
    code, _, err = run("sweep", *ARTICLE, *PATHS)
    assert code == 2 and "give at least one list to sweep" in err
    code, _, err = run("sweep", *ARTICLE, *PATHS, "--stop-losses", "61800,x")
    assert code == 2 and "--stop-losses: 'x' is not a number or none" in err
    code, _, err = run("sweep", *ARTICLE, *PATHS, "--ratios", "0.5,-1")
    assert code == 2 and "--ratios: values must be positive" in err


def report_rows(out: str) -> list[str]:
    """The lines of the first report table: from its title to Effectiveness."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("PnL at the horizon"))
    end = next(i for i, line in enumerate(lines) if line.startswith("Effectiveness"))
    return [line.rstrip() for line in lines[start : end + 1]]


def test_demo_has_a_risk_section_its_hint_line_reproduces() -> None:
    code, out, err = run("demo")
    assert code == 0, err
    assert "C. Over a day of random prices" in out
    flat = " ".join(out.split())
    assert (
        "Paths: 2,000 random (GBM) paths, volatility 60 %/yr, drift 0 %/yr, 5-minute steps over"
        " 1 day, seed 7"
    ) in flat
    hint = "The same figures: threecommas-hedge risk "
    assert hint in flat
    flags = flat.split(hint, 1)[1].split(" (or --history", 1)[0].split()
    assert flags == [
        *("--spot-qty", "1", "--price", "60000", "--ratio", "0.5", "--tp", "55000"),
        *("--sl", "61800", "--vol", "60", "--days", "1", "--step", "300"),
        *("--paths", "2000", "--seed", "7"),
    ]
    code, own, err = run("risk", *flags)
    assert code == 0, err
    rows = report_rows(out)
    assert rows == report_rows(own)
    assert any(line.startswith("Effectiveness") for line in rows)


def test_the_progress_bar_shows_only_on_a_terminal_after_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr(simulation.time, "monotonic", lambda: now[0])

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    console = Console(file=screen, force_terminal=True, width=80)
    with simulation.progress_bar(console, "Replaying") as update:
        now[0] = 0.5
        update(10, 100)  # half a second in: nothing yet
        assert screen.getvalue() == ""
        now[0] = 2.0
        update(50, 100)  # two seconds in: the bar appears
        update(100, 100)
    assert "Replaying" in screen.getvalue()
    piped = io.StringIO()
    with simulation.progress_bar(Console(file=piped), "Replaying") as update:
        update(100, 100)
    assert piped.getvalue() == ""


def test_commands_do_not_import_numpy_until_they_run() -> None:
    code = "import sys\nfrom threecommas_hedge._cli.app import app\nprint('numpy' in sys.modules)\n"
    out = subprocess.run(  # noqa: S603 - this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_risk_needs_the_price_it_starts_the_paths_from() -> None:
    code, out, err = run("risk", "--spot-qty", "1", "--ratio", "0.5", "--vol", "60")
    assert code == 2
    assert "--price:" in err
    assert out == ""
