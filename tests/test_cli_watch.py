"""`watch ID` (and `edit`/`close` through a Hedge) with CliRunner against one shared fake."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from threecommas_hedge import HedgeBuilder, SpotPosition, ThreeCommas
from threecommas_hedge._cli import session
from threecommas_hedge._cli.app import app
from threecommas_hedge.testing import FakeThreeCommas, RecordedRequest

D = Decimal
PAIR = "USDT_BTCUSDT"
SPOT = ["--spot-qty", "1", "--spot-price", "60000"]


class SteppingFake(FakeThreeCommas):
    """A fake whose clients never sleep: each sleep moves the market to the next price queued."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeps: list[float] = []
        self.path: list[str] = []

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.path:
            self.set_price(PAIR, D(self.path.pop(0)))

    @contextlib.contextmanager
    def client(self, **options: Any) -> Iterator[ThreeCommas]:
        with super().client(_sleep=self._sleep, **options) as client:
            yield client


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "THREECOMMAS_BASE_URL", "TERM"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> SteppingFake:
    shared = SteppingFake()
    shared.add_account("futures", "paper", commission=D("0.0005"))
    shared.set_price(PAIR, D("60000"))
    monkeypatch.setattr(session, "fake_factory", lambda: shared)
    return shared


def open_hedge(fake: SteppingFake) -> int:
    """The article's hedge, entered at 60,000."""
    builder = (
        HedgeBuilder(SpotPosition("BTC", D("1"), D("60000")), account_id=_account(fake), pair=PAIR)
        .hedge(ratio=D("0.5"))
        .take_profit(price=D("55000"))
        .stop_loss(price=D("61800"))
    )
    with fake.client() as client:
        return client.hedges.open(builder).refresh().id


def _account(fake: SteppingFake) -> int:
    with fake.client() as client:
        return next(iter(client.accounts.list())).id


def last_write(fake: SteppingFake) -> RecordedRequest:
    return next(r for r in reversed(fake.requests) if r.method != "GET")


def run(*args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80", **env})
    return result.exit_code, result.stdout, result.stderr


def row(out: str, label: str) -> str:
    """The value column of the last table row starting with ``label``."""
    lines = [line for line in out.splitlines() if line.strip().startswith(label)]
    assert lines, f"no {label!r} row in:\n{out}"
    return lines[-1].strip()[len(label) :].strip()


def test_watch_once_shows_both_legs(fake: SteppingFake) -> None:
    trade_id = open_hedge(fake)
    fake.set_price(PAIR, D("57000"))
    sent = len(fake.requests)
    code, out, err = run("watch", str(trade_id), "--fake", "--once", *SPOT)
    assert code == 0, err
    assert f"Hedge {trade_id} {PAIR}" in out
    assert row(out, "Status") == "open: Waiting Targets"
    assert row(out, "Price") == "57,000"
    assert row(out, "Short") == "0.5 open of 0.5 entered at 60,000"
    assert row(out, "Take profit") == "55,000"
    assert row(out, "Stop loss") == "61,800"
    assert row(out, "Hedge realized") == "+0.00"
    assert row(out, "Hedge unrealized") == "+1,500.00"
    assert row(out, "Fees (0.05%)") == "-15.00"
    assert row(out, "Hedge PnL") == "+1,485.00"
    assert row(out, "Spot PnL") == "-3,000.00"
    assert row(out, "Net") == "-1,515.00"
    assert "update 1 of 1, every 5 s (paper mode, embedded fake" in out
    assert [(r.method, r.path) for r in fake.requests[sent:]] == [
        ("GET", f"/v2/smart_trades/{trade_id}")
    ] * 2
    assert fake.sleeps == []


def test_watch_until_the_take_profit_closes_it(fake: SteppingFake) -> None:
    trade_id = open_hedge(fake)
    fake.path = ["57000", "55000"]
    code, out, err = run("watch", str(trade_id), "--fake", *SPOT)
    assert code == 0, err
    assert fake.sleeps == [5.0, 5.0]
    assert out.count(f"Hedge {trade_id} {PAIR}") == 3
    assert "update 1, every 5 s" in out and "update 3, every 5 s" in out
    assert row(out, "Status") == "closed (take profit): Finished"
    assert row(out, "Take profit") == "55,000 filled"
    assert row(out, "Closed") == "0.5 at 55,000"
    assert row(out, "Short") == "0 open of 0.5 entered at 60,000"
    assert row(out, "Hedge realized") == "+2,500.00"
    assert row(out, "Fees (0.05%)") == "-28.75"  # (30,000 + 27,500) x 0.05 %
    assert row(out, "Spot PnL") == "-5,000.00"
    assert row(out, "Net") == "-2,528.75"
    assert not [r for r in fake.requests if r.method != "GET" and r.path.endswith(str(trade_id))]


def test_watch_stops_after_the_updates_asked(fake: SteppingFake) -> None:
    trade_id = open_hedge(fake)
    code, out, err = run("watch", str(trade_id), "--fake", "--updates", "2", "--interval", "1.5")
    assert code == 0, err
    assert fake.sleeps == [1.5]
    assert "update 2 of 2, every 1.5 s" in out
    assert "Spot PnL" not in out and "Net" not in out
    assert row(out, "Hedge PnL") == "-15.00"


def test_watch_redraws_in_place_on_a_terminal(fake: SteppingFake) -> None:
    trade_id = open_hedge(fake)
    fake.path = ["61800"]
    code, out, err = run("watch", str(trade_id), "--fake", "--interval", "2", FORCE_COLOR="1")
    assert code == 0, err
    assert fake.sleeps == [2.0]
    assert "\x1b[" in out  # cursor movement and styles: the live display
    assert "closed (stop loss)" in out and "update 2, every 2 s" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--interval", "0.5"], "--interval"),
        (["--spot-qty", "1"], "--spot-qty/--spot-price: give both, or neither"),
        (["--spot-price", "abc"], "'abc' is not a number"),
        (["--updates", "0"], "--updates"),
    ],
)
def test_watch_usage_errors(fake: SteppingFake, args: list[str], message: str) -> None:
    sent = len(fake.requests)
    code, _, err = run("watch", "1", "--fake", *args)
    assert code == 2
    assert message in err
    assert len(fake.requests) == sent


def test_watch_unknown_trade_is_an_api_error(fake: SteppingFake) -> None:
    code, _, err = run("watch", "999", "--fake", "--once")
    assert code == 1
    assert "Not found" in err


def test_watch_and_close_refuse_a_long(fake: SteppingFake) -> None:
    with fake.client() as client:
        long = client.smart_trades.create(
            {
                "account_id": _account(fake),
                "pair": PAIR,
                "position": {"type": "buy", "order_type": "market", "units": {"value": "0.1"}},
            }
        )
    for command in ("watch", "close"):
        code, _, err = run(command, str(long.id), "--fake")
        assert code == 2
        assert "not a short" in err
    assert not [r for r in fake.requests if r.path.endswith("close_by_market")]


def test_edit_and_close_go_through_the_hedge(fake: SteppingFake) -> None:
    trade_id = open_hedge(fake)
    fake.set_price(PAIR, D("57000"))
    sent = len(fake.requests)
    code, _, err = run("edit", str(trade_id), "--fake", "--sl", "56000")
    assert code == 2 and "--sl: a short's stop loss must be above 57000" in err
    assert [r.method for r in fake.requests[sent:]] == ["GET"]
    code, out, err = run("edit", str(trade_id), "--fake", "--sl", "59000")
    assert code == 0, err
    assert last_write(fake).method == "PATCH"
    assert last_write(fake).json["stop_loss"]["conditional"]["price"]["value"] == "59000"
    code, out, err = run("close", str(trade_id), "--fake")
    assert code == 0, err
    assert last_write(fake).path == f"/v2/smart_trades/{trade_id}/close_by_market"
    code, out, err = run("watch", str(trade_id), "--fake", "--once")
    assert code == 0, err
    assert row(out, "Status") == "closed (market): Finished"
    assert row(out, "Hedge realized") == "+1,500.00"
    code, _, err = run("close", str(trade_id), "--fake")
    assert code == 2 and "already finished" in err
