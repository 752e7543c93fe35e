"""decide() on its own, the policy's checks and the journal's forward migration."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from threecommas_hedge import HedgeValidationError
from threecommas_hedge.keeper import (
    Action,
    Exit,
    HedgeView,
    Holding,
    KeeperPolicy,
    SqliteJournal,
    decide,
)
from threecommas_hedge.keeper.decide import MarketView, plan_of
from threecommas_hedge.keeper.journal import MIGRATIONS, SCHEMA_VERSION
from threecommas_hedge.models import MarketRules

D = Decimal


def policy(**settings: Any) -> KeeperPolicy:
    options: dict[str, Any] = {"spot_account_id": 1, "futures_account_id": 2, "min_value": D("50")}
    options.update(settings)
    return KeeperPolicy(**options)


BAG = {"BTC": Holding(D("2"), D("60000"))}


def one(hedge: HedgeView | None = None, exit_: Exit | None = None, **kw: Any) -> Action:
    hedges = {"BTC": hedge} if hedge else {}
    exits = {"BTC": exit_} if exit_ else {}
    bag, now = kw.pop("bag", BAG), kw.pop("now", 0.0)
    (action,) = decide(bag, hedges, exits, policy(**kw), now)
    return action


def test_opens_at_the_coins_ratio() -> None:
    assert one() == Action("open", "BTC", "short 1 at ratio 0.5", D("1.0"))
    assert one(ratios={"BTC": D("0.3")}).quantity == D("0.6")


@pytest.mark.parametrize(
    ("short", "kind"),
    [("0.9", "skip"), ("1.1", "skip"), ("0.89", "resize"), ("1.11", "resize")],
)
def test_the_band_is_a_share_of_the_target(short: str, kind: str) -> None:
    action = one(HedgeView(7, D(short)))
    assert action.kind == kind and action.trade_id == 7
    assert action.quantity == D("1.0")


def test_a_busy_hedge_waits_instead_of_stacking_a_second_short() -> None:
    assert one(HedgeView(7, D("0.5"), resizable=False)).kind == "wait"


def test_dust_ratio_zero_excluded_and_stablecoins() -> None:
    small = {"BTC": Holding(D("0.0008"), D("60000"))}  # worth 48 < 50
    assert one(bag=small).kind == "skip"
    assert one(HedgeView(7, D("0.0004")), bag=small) == Action(
        "close", "BTC", "dust: worth 48.0000 < min_value 50", trade_id=7
    )  # the portfolio planner's reason
    assert one(HedgeView(7, D("1")), ratios={"BTC": D(0)}).kind == "close"
    assert one(exclude=("BTC",)).detail == "excluded"
    (usdt,) = decide({"USDT": Holding(D("1000"), D("1"))}, {}, {}, policy(), 0.0)
    assert usdt.detail == "stablecoin / margin coin: not hedged"
    (sold,) = decide({}, {"ETH": HedgeView(9, D("1"))}, {}, policy(), 0.0)
    assert sold.kind == "close" and sold.trade_id == 9


def on(market: MarketView, hedge: HedgeView | None = None, **kw: Any) -> Action:
    bag, rules = kw.pop("bag", BAG), policy(**kw)
    hedges = {"BTC": hedge} if hedge else {}
    (action,) = decide(bag, hedges, {}, rules, 0.0, plan_of(bag, rules, market))
    return action


def test_targets_come_from_the_planner_on_listed_pairs_with_market_rules() -> None:
    unlisted = MarketView(listed=frozenset({"USDT_ETHUSDT"}))
    skip = on(unlisted)
    assert skip.kind == "skip" and "USDT_BTCUSDT is not listed on account 2" in skip.detail
    kept = on(unlisted, HedgeView(7, D("1")))  # a hedge on a delisted pair is left alone
    assert kept.kind == "skip" and kept.trade_id == 7
    listed = frozenset({"USDT_BTCUSDT"})
    lots = MarketView(listed, {"USDT_BTCUSDT": MarketRules(lot_step=D("0.01"))})
    bag = {"BTC": Holding(D("2.0375"), D("60000"))}  # 1.01875 at 0.5 -> 1.01 on the lot step
    assert on(lots, bag=bag) == Action("open", "BTC", "short 1.01 at ratio 0.5", D("1.01"))
    minimum = MarketView(listed, {"USDT_BTCUSDT": MarketRules(lot_step=D("0.01"), min_lot=D("2"))})
    below = on(minimum)
    assert below.kind == "skip" and below.detail.startswith("below the market's minimum")
    closed = on(minimum, HedgeView(7, D("1")))  # the target rounds to nothing: close
    assert closed.kind == "close" and closed.trade_id == 7
    assert on(MarketView(), bag={"BTC": Holding(D("1"), D(0))}, min_value=D(0)).kind == "skip"


def test_rearm_per_policy() -> None:
    tp = Exit(5, "take_profit", seen_at=100.0)
    assert one(exit_=tp, rearm="never").kind == "wait"
    assert one(exit_=tp, rearm="never", now=1e12).kind == "wait"
    assert one(exit_=tp, rearm="immediately", now=100.0).kind == "open"
    assert one(exit_=tp, rearm="cooldown", cooldown_seconds=60, now=159.0).kind == "wait"
    assert one(exit_=tp, rearm="cooldown", cooldown_seconds=60, now=160.0).kind == "open"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("spot_account_id", 0),
        ("futures_account_id", 1),
        ("ratio", D("1.5")),
        ("ratio", 0.5),
        ("ratios", {"btc": D("0.1")}),
        ("ratios.ETH", {"ETH": D("-1")}),
        ("band", D("1")),
        ("take_profit_percent", D("8")),
        ("stop_loss_percent", D("-3")),
        ("leverage", 0),
        ("rearm", "sometimes"),
        ("cooldown_seconds", -1),
        ("min_value", D("-1")),
        ("exclude", "BNB"),
        ("dry_run", "yes"),
    ],
)
def test_bad_policy_names_the_field(field: str, value: Any) -> None:
    name = field.split(".")[0]
    with pytest.raises(HedgeValidationError) as info:
        policy(**{name: value})
    assert info.value.field == field


def test_policy_is_frozen() -> None:
    p = policy()
    with pytest.raises(AttributeError):
        p.ratio = D("0.2")  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.ratios["X"] = D(1)  # type: ignore[index]


def test_a_version_1_journal_migrates_forward_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    db.execute("INSERT INTO ticks (started_at, dry_run) VALUES (5, 0)")
    db.execute(
        "INSERT INTO actions (tick_id, asset, kind, detail, client_tag, outcome) "
        "VALUES (1, 'BTC', 'open', 'x', 'abcdefabcdef', 'pending')"
    )
    db.commit()
    db.close()
    journal = SqliteJournal(path)
    assert journal.version == SCHEMA_VERSION == 2
    (row,) = journal.unsettled()
    assert (row.asset, row.client_tag, row.trade_id) == ("BTC", "abcdefabcdef", None)
    journal.hedge_opened("BTC", 42, "abcdefabcdef", 6.0)
    assert journal.hedges() == {"BTC": 42}
    journal.close()
    assert SqliteJournal(path).hedges() == {"BTC": 42}  # reopening migrates nothing again


def test_a_newer_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(RuntimeError, match="newer"):
        SqliteJournal(path)


def test_the_journal_is_in_wal_mode(tmp_path: Path) -> None:
    SqliteJournal(tmp_path / "j.sqlite")
    db = sqlite3.connect(tmp_path / "j.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
