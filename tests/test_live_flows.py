"""The live hedges' flows (``threecommas_hedge.live``) on a fake clock: no real sleeping.

``wait_until`` measures its timeout on the client's clock and pauses with the client's sleep, so
a clock that a fake sleep moves forward runs a long wait at once, and moving that clock shows the
wait reads it and not the wall clock. The flows are also driven by hand, step by step.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from _article import PAIR, article
from threecommas_hedge import HedgeTimeoutError, HedgeValidationError
from threecommas_hedge._base_client import PreparedRequest
from threecommas_hedge._flows import Pause
from threecommas_hedge.hedge.drift import EntryDriftWarning
from threecommas_hedge.live import flows
from threecommas_hedge.live.wait import Wait
from threecommas_hedge.testing import FakeThreeCommas

D = Decimal


class FakeTime:
    """A clock that only the fake sleep (or the test) moves."""

    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, list[float]()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake(threecommas_fake: FakeThreeCommas) -> FakeThreeCommas:
    threecommas_fake.set_price(PAIR, D("60000"))
    return threecommas_fake


def gets_after(fake: FakeThreeCommas, sent: int) -> list[str]:
    return [r.method for r in fake.requests[sent:]]


def test_a_long_wait_runs_on_the_fake_clock(fake: FakeThreeCommas) -> None:
    time = FakeTime()
    account_id = fake.add_account()
    with fake.client(_sleep=time.sleep, _clock=time.clock) as client:
        hedge = client.hedges.open(article(account_id))
        sent = len(fake.requests)
        with pytest.raises(HedgeTimeoutError, match="within 3600 s") as caught:
            hedge.wait_until("closed", timeout=3600, poll=60)
    # polls at 0, 60, ..., 3600 s: the next would end past 3600 s, so it is not slept for
    assert time.sleeps == [60.0] * 60
    assert gets_after(fake, sent) == ["GET"] * 61
    assert caught.value.status.stage == "open"


def test_the_timeout_is_read_on_the_client_clock(fake: FakeThreeCommas) -> None:
    time = FakeTime()
    account_id = fake.add_account()

    def slow_poll(_: object) -> None:
        time.now += 100  # the client's clock says the first poll took 100 s: no time is left

    with fake.client(_sleep=time.sleep, _clock=time.clock) as client:
        hedge = client.hedges.open(article(account_id))
        sent = len(fake.requests)
        with pytest.raises(HedgeTimeoutError, match="within 50 s"):
            hedge.wait_until("closed", timeout=50, poll=5, on_poll=slow_poll)
    assert time.sleeps == []
    assert gets_after(fake, sent) == ["GET"]


def test_a_wait_that_is_met_stops_sleeping(fake: FakeThreeCommas) -> None:
    time = FakeTime()
    account_id = fake.add_account()
    moves = iter(["58000", "54000"])

    def move(_: object) -> None:
        fake.set_price(PAIR, D(next(moves, "54000")))

    with fake.client(_sleep=time.sleep, _clock=time.clock) as client:
        hedge = client.hedges.open(article(account_id))
        status = hedge.wait_until("closed", timeout=600, poll=30, on_poll=move)
    assert status.closed and status.closed_by == "take_profit"
    assert time.sleeps == [30.0, 30.0]  # closed at the third GET, after the move to 54,000


async def test_the_async_wait_runs_on_the_fake_clock(fake: FakeThreeCommas) -> None:
    time = FakeTime()

    async def sleep(seconds: float) -> None:
        time.sleep(seconds)

    polled: list[str] = []

    async def on_poll(hedge: object) -> None:
        polled.append("seen")

    account_id = fake.add_account()
    async with fake.async_client(_sleep=sleep, _clock=time.clock) as client:
        hedge = await client.hedges.open(article(account_id))
        with pytest.raises(HedgeTimeoutError, match="in 4 polls"):
            await hedge.wait_until("tp1", timeout=10_000, poll=120, max_polls=4, on_poll=on_poll)
    assert time.sleeps == [120.0] * 3
    assert polled == ["seen"] * 4


def drive(flow: flows.Flow[object], answer: Callable[[PreparedRequest], object]) -> list[object]:
    """Run ``flow`` by hand: every step it yields, answering each request with ``answer``."""
    steps: list[object] = []
    value: object = None
    while True:
        try:
            step = flow.send(value)
        except StopIteration as stop:
            steps.append(stop.value)
            return steps
        steps.append(step)
        value = None if isinstance(step, Pause) else answer(step)


def test_a_poll_flow_pauses_before_every_get_but_the_first(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client() as client:
        hedge = client.hedges.open(article(account_id))
        wait = Wait("closed", timeout=100, poll=7, max_polls=None, clock=lambda: 0.0)

        def answer(request: PreparedRequest) -> object:
            assert request.request.method == "GET"
            assert request.request.url.path == f"/public/api/v2/smart_trades/{hedge.id}"
            return hedge.trade.model_dump(mode="json")

        first = drive(flows.poll(client, hedge.id, wait), answer)
        assert [type(step) for step in first[:-1]] == [PreparedRequest]
        assert wait.done(hedge.status) is False
        second = drive(flows.poll(client, hedge.id, wait), answer)
        assert second[0] == Pause(7)
        assert [type(step) for step in second[1:-1]] == [PreparedRequest]
        assert second[-1].id == hedge.id  # type: ignore[attr-defined]


def test_a_resize_to_the_same_size_is_a_flow_without_requests(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client() as client:
        hedge = client.hedges.open(article(account_id))
        plan = hedge.resize_plan(D("0.5"))
        assert plan is None
        steps = drive(flows.resize(client, hedge, plan), lambda request: pytest.fail("sent"))
    assert steps == [hedge.trade]


def test_a_refused_edit_fails_before_the_flow_yields_a_request(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    with fake.client() as client:
        hedge = client.hedges.open(article(account_id)).refresh()
        flow = flows.adjust(client, hedge, stop_loss=D("56000"))  # below the price: refused
        with pytest.raises(HedgeValidationError) as caught:
            next(flow)
    assert caught.value.field == "stop_loss.price"


def test_a_wait_refuses_bad_arguments_before_reading_the_clock() -> None:
    readings: list[str] = []

    def clock() -> float:
        readings.append("read")
        return 0.0

    for name, kwargs in (
        ("poll", {"timeout": 10, "poll": 0.5, "max_polls": None}),
        ("timeout", {"timeout": -1, "poll": 1, "max_polls": None}),
        ("max_polls", {"timeout": 10, "poll": 1, "max_polls": 0}),
    ):
        with pytest.raises(HedgeValidationError) as caught:
            Wait("closed", clock=clock, **kwargs)  # type: ignore[arg-type]
        assert caught.value.field == name
    assert readings == []


def test_an_entry_drift_warning_points_at_the_caller_of_open(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61500))  # fills 2.5 % from the typed 60,000: absolute levels kept
    with fake.client() as client, pytest.warns(EntryDriftWarning) as caught:
        client.hedges.open(article(account_id), market_price=D(60000))
    assert {Path(w.filename).name for w in caught} == {Path(__file__).name}


async def test_an_async_entry_drift_warning_points_at_the_caller(fake: FakeThreeCommas) -> None:
    account_id = fake.add_account()
    fake.set_price(PAIR, D(61500))
    async with fake.async_client() as client:
        with pytest.warns(EntryDriftWarning) as caught:
            await client.hedges.open(article(account_id), market_price=D(60000))
    assert {Path(w.filename).name for w in caught} == {Path(__file__).name}


def test_the_domain_facade_loads_no_http_stack() -> None:
    # hedge.position re-exports the wait names from live.wait: live/__init__ must stay empty
    code = (
        "import sys, threecommas_hedge.hedge.position\n"
        "print(','.join(m for m in ('httpx', 'threecommas_hedge.live.hedges') if m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 - runs this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
