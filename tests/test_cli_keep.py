"""`keep` and `keep status` with the CLI runner against one shared fake (a spot bag of BTC, ETH,
a coin without a futures pair and USDT; a paper futures account)."""

from __future__ import annotations

import json
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli import session
from threecommas_hedge._cli.app import app
from threecommas_hedge.keeper import SqliteJournal
from threecommas_hedge.testing import FakeThreeCommas

D = Decimal


class Shop:
    """The shared fake and its two accounts."""

    def __init__(self) -> None:
        self.fake = FakeThreeCommas()
        self.fake.set_price("USDT_BTCUSDT", "60000")
        self.fake.set_price("USDT_ETHUSDT", "3000")
        self.spot = self.fake.add_account("spot")
        self.futures = self.fake.add_account()
        for coin, amount in {"BTC": "1", "ETH": "10", "DOGE": "100000", "USDT": "500"}.items():
            self.fake.set_balance(
                self.spot, coin, amount, usd_price="0.1" if coin == "DOGE" else None
            )

    def accounts(self) -> list[str]:
        return ["--spot-account", str(self.spot), "--futures-account", str(self.futures)]

    def shorts(self) -> dict[str, D]:
        return {
            t["pair"]: D(str(t["position"]["units"]["value"])) for t in self.fake.smart_trades()
        }


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Shop:
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "THREECOMMAS_BASE_URL", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    shared = Shop()
    monkeypatch.setattr(session, "fake_factory", lambda: shared.fake)
    return shared


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_once_dry_run_decides_and_journals_without_writing(shop: Shop, tmp_path: Path) -> None:
    journal = tmp_path / "k.sqlite"
    result = run(
        "keep", *shop.accounts(), "--once", "--dry-run", "--fake", "--journal", str(journal)
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    btc = "event=keeper.action kind=open asset=BTC detail=short 0.5 at ratio 0.5 quantity=0.5"
    assert f"{btc} outcome=dry_run" in lines
    assert any("kind=skip asset=DOGE detail=no futures pair" in line for line in lines)
    assert [r for r in shop.fake.requests if r.method != "GET" and "smart_trades" in r.path] == []
    assert shop.fake.smart_trades() == []
    with closing(SqliteJournal(journal)) as book:
        (tick,) = book.ticks()
        assert tick.dry_run and {a.outcome for a in book.actions() if a.kind == "open"} == {
            "dry_run"
        }


def test_once_opens_the_hedges_then_status_shows_them(shop: Shop, tmp_path: Path) -> None:
    journal = str(tmp_path / "k.sqlite")
    common = ["--ratios", "ETH=0.3", "--tp-percent", "-8", "--sl-percent", "3", "--fake"]
    result = run("keep", *shop.accounts(), *common, "--once", "--journal", journal,
                 "--log-format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["asset"]: (r["kind"], r["outcome"]) for r in rows} == {
        "BTC": ("open", "ok"),
        "DOGE": ("skip", "decided"),
        "ETH": ("open", "ok"),
        "USDT": ("skip", "decided"),
    }
    assert shop.shorts() == {"USDT_BTCUSDT": D("0.5"), "USDT_ETHUSDT": D("3")}
    again = run("keep", *shop.accounts(), *common, "--once", "--journal", journal)
    assert again.exit_code == 0, again.output
    assert "kind=skip asset=BTC detail=within band" in again.stdout
    assert len(shop.fake.smart_trades()) == 2  # nothing doubled
    trades = {t["pair"]: t["id"] for t in shop.fake.smart_trades()}
    status = run("keep", "status", "--journal", journal)
    assert status.exit_code == 0, status.output
    text = status.stdout
    assert "Last ticks" in text and "Open hedges" in text and "Next planned action" in text
    assert any(
        line.split()[:3] == ["BTC", str(trades["USDT_BTCUSDT"]), "0.5"]
        for line in text.splitlines()
    )
    assert any(line.split()[:4] == ["ETH", "skip", "skip", "decided"] for line in text.splitlines())


def test_policy_flags_come_from_a_config_profile(shop: Shop, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[default]\nratio = "0.5"\n\n[profile.light]\nratio = "0.2"\nexclude = ["ETH"]\n'
    )
    journal = str(tmp_path / "k.sqlite")
    result = run("--config", str(config), "--profile", "light", "keep", *shop.accounts(),
                 "--once", "--fake", "--journal", journal)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "kind=skip asset=ETH detail=excluded" in result.stdout
    assert shop.shorts() == {"USDT_BTCUSDT": D("0.2")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--futures-account", "7"], "--spot-account/--futures-account: both are needed"),
        (["--spot-account", "1", "--futures-account", "2", "--ratio", "1.5"], "--ratio"),
        (
            ["--spot-account", "1", "--futures-account", "2", "--ratios", "ETH"],
            "--ratios: ASSET=RATIO",
        ),
        (["--spot-account", "1", "--futures-account", "2", "--tp-percent", "5"], "--tp-percent"),
        (
            ["status", "--journal", "/nonexistent/k.sqlite"],
            "--journal: /nonexistent/k.sqlite does not exist",
        ),
    ],
)
def test_bad_input_is_a_usage_error_and_nothing_is_sent(
    shop: Shop, args: list[str], message: str
) -> None:
    result = run("keep", *args, "--fake") if args[0] != "status" else run("keep", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert shop.fake.requests == []


def test_a_table_per_tick_on_a_terminal(
    shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from threecommas_hedge._cli import keep

    def terminal(*, stderr: bool = False) -> Console:
        return Console(force_terminal=True, no_color=True, width=120, stderr=stderr)

    monkeypatch.setattr(keep, "make_console", terminal)
    journal = str(tmp_path / "k.sqlite")
    result = run("keep", *shop.accounts(), "--once", "--fake", "--journal", journal)
    assert result.exit_code == 0, result.output
    assert "Tick 1" in result.stdout and "event=" not in result.stdout
    btc = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["BTC"])
    assert btc.split()[:5] == ["BTC", "open", "0.5", str(shop.fake.smart_trades()[0]["id"]), "ok"]


def test_the_next_action_follows_the_last_outcome() -> None:
    from threecommas_hedge._cli.keep import _next

    assert _next("open", "ok") == "skip (done last tick)"
    assert _next("open", "unknown") == "reconcile by client tag"
    assert _next("open", "dry_run") == "open" and _next("wait", "decided") == "wait"


def test_real_mode_asks_first_and_a_no_sends_nothing(shop: Shop, tmp_path: Path) -> None:
    journal = str(tmp_path / "k.sqlite")
    args = ["keep", *shop.accounts(), "--once", "--fake", "--real", "--journal", journal]
    result = CliRunner().invoke(app, args, input="n\n", env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "REAL mode" in result.stderr and "not confirmed: nothing was sent" in result.stderr
    assert shop.fake.smart_trades() == []


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The CLI's own ``--fake`` (not a shared one); the journal path."""
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "THREECOMMAS_BASE_URL", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    return tmp_path / "k.sqlite"


def test_the_cli_fake_holds_a_spot_bag_on_the_futures_exchange() -> None:
    fake = session.new_fake()
    with fake.client() as client:
        by_code = {a.market_code: a for a in client.accounts.list()}
        spot, futures = by_code["paper_trading"], by_code["paper_trading_futures"]
        rows = client.accounts.balances(spot.id)
    assert futures.id < spot.id  # the futures account stays the fake's first
    assert (spot.exchange_name or "").split()[0] == (futures.exchange_name or "").split()[0]
    held = {row.currency_code: row.position for row in rows}
    assert held == {"BTC": D(1), "ETH": D(10), "SOL": D(40), "USDT": D(2000), "DOGE": D(50)}


def test_keep_fake_alone_picks_the_fake_accounts_and_prints_them(offline: Path) -> None:
    result = run("keep", "--fake", "--once", "--min-value", "50", "--journal", str(offline))
    assert result.exit_code == 0, result.output
    fake = session.new_fake()  # the same ids: a fresh fake numbers its accounts alike
    with fake.client() as client:
        ids = {a.market_code: a.id for a in client.accounts.list()}
    spot, futures = ids["paper_trading"], ids["paper_trading_futures"]
    assert f"Fake 3Commas: --spot-account {spot} --futures-account {futures}" in result.stderr
    outcomes = {
        line.split(" asset=")[1].split()[0]: line.rsplit("outcome=", 1)[1]
        for line in result.stdout.splitlines()
    }
    # ratio 0.5 of 1 BTC, 10 ETH, 40 SOL; DOGE 50 x 0.2 = 10 < 50 is dust; USDT is the margin coin
    assert outcomes == {"BTC": "ok", "ETH": "ok", "SOL": "ok", "DOGE": "decided", "USDT": "decided"}
    assert "quantity=20 outcome=ok" in result.stdout  # SOL: 40 x 0.5
    with closing(SqliteJournal(offline)) as book:
        assert sorted(book.hedges()) == ["BTC", "ETH", "SOL"]


def test_keep_fake_with_the_printed_ids_runs_offline(offline: Path) -> None:
    first = run("keep", "--fake", "--once", "--dry-run", "--journal", str(offline))
    assert first.exit_code == 0, first.output
    printed = first.stderr.strip().splitlines()[-1].split()
    assert printed[:2] == ["Fake", "3Commas:"]
    result = run("keep", "--fake", *printed[2:], "--once", "--journal", str(offline))
    assert result.exit_code == 0, result.output
    assert "Fake 3Commas" not in result.stderr  # the ids were given: nothing to print
    assert "event=keeper.action kind=open asset=BTC" in result.stdout


def test_keep_fake_without_a_spot_account_names_the_flag(
    offline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = FakeThreeCommas()
    bare.add_account("futures")
    monkeypatch.setattr(session, "fake_factory", lambda: bare)
    result = run("keep", "--fake", "--once", "--journal", str(offline))
    assert result.exit_code == 2, result.output
    assert "--spot-account" in result.output and "no such account" in result.output
    assert [r for r in bare.requests if r.method != "GET"] == []


def test_without_fake_both_accounts_are_still_needed(offline: Path) -> None:
    result = run("keep", "--once", "--journal", str(offline))
    assert result.exit_code == 2, result.output
    assert "--spot-account/--futures-account" in result.output
