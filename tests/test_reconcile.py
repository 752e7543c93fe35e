"""The reconcile flow on its own: every path from a failed write to a known outcome."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import httpx
import pytest

import threecommas_hedge as th
from threecommas_hedge import WriteNotAppliedError, WriteOutcomeUnknownError
from threecommas_hedge._base_client import Pause
from threecommas_hedge._response import error_from_response
from threecommas_hedge._writes.reconcile import Window, reconciled, verdict

REQUEST = httpx.Request("POST", "https://api.3commas.io/public/api/v2/smart_trades")


def status(code: int, body: Any = None) -> th.APIStatusError:
    response = httpx.Response(code, json=body if body is not None else {}, request=REQUEST)
    return error_from_response(response)


def timeout() -> th.APITimeoutError:
    error = th.APITimeoutError(request=REQUEST)
    error.__cause__ = httpx.ReadTimeout("read timed out")
    return error


def garbled() -> th.APIResponseValidationError:
    return th.APIResponseValidationError("HTTP 201: expected a JSON body")


class Script:
    """A send or check that plays ``outcomes`` in order (a value, None, or an error to raise)."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self) -> Generator[Any, Any, Any]:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
        yield  # a generator, like a real flow  # pragma: no cover


def run(
    send: Callable[[], Any],
    check: Callable[[], Any],
    tag: str | None = None,
    *,
    window: float = 10.0,
    clock: Callable[[], float] = lambda: 0.0,
    idempotent: bool = False,
    pauses: list[float] | None = None,
) -> Any:
    """Drive the flow as a client loop would; every Pause is recorded in ``pauses``."""
    flow = reconciled(
        "create",
        send,
        check,
        window=Window(window, clock),
        client_tag=tag,
        idempotent=idempotent,
    )
    slept = [] if pauses is None else pauses
    try:
        item = next(flow)
        while True:
            assert isinstance(item, Pause)
            slept.append(item.seconds)
            item = flow.send(None)
    except StopIteration as stop:
        return stop.value


def never_sent() -> th.APIConnectionError:
    error = th.APIConnectionError("Connection error (ConnectError)", request=REQUEST)
    error.__cause__ = httpx.ConnectError("refused")
    return error


def closed() -> th.APIConnectionError:
    error = th.APIConnectionError("the client is closed", request=REQUEST)
    error.__cause__ = RuntimeError("Cannot send a request, as the client has been closed.")
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (timeout(), "unknown"),
        (th.APIConnectionError("reset"), "unknown"),
        (never_sent(), "not_sent"),
        (closed(), "not_sent"),
        (garbled(), "applied"),
        *[(status(code), "unknown") for code in (408, 500, 502, 503, 504)],
        *[(status(code), "refused") for code in (400, 401, 403, 404, 418, 422, 429)],
    ],
)
def test_verdict(error: th.APIError, expected: str) -> None:
    assert verdict(error) == expected


def test_success_needs_no_check() -> None:
    send, check = Script("trade"), Script()
    assert run(send, check) == "trade"
    assert (send.calls, check.calls) == (1, 0)


def test_a_refusal_is_raised_as_is_without_a_check() -> None:
    refusal = status(422, {"error": "record_invalid"})
    send, check = Script(refusal), Script()
    with pytest.raises(th.UnprocessableEntityError) as info:
        run(send, check)
    assert info.value is refusal
    assert (send.calls, check.calls) == (1, 0)


@pytest.mark.parametrize("failure", [timeout, lambda: status(503), garbled])
def test_applied_write_is_found_and_not_sent_again(failure: Callable[[], th.APIError]) -> None:
    send, check = Script(failure()), Script("found")
    pauses: list[float] = []
    assert run(send, check, pauses=pauses) == "found"
    assert (send.calls, check.calls, pauses) == (1, 1, [])


def test_a_write_that_shows_late_is_found_by_a_later_look_and_never_sent_again() -> None:
    send, check = Script(timeout()), Script(None, None, "late")
    pauses: list[float] = []
    assert run(send, check, pauses=pauses) == "late"
    assert (send.calls, check.calls) == (1, 3)
    assert pauses == [0.5, 1.0]  # backoff between the looks


@pytest.mark.parametrize("failure", [timeout, lambda: status(503), garbled])
def test_not_seen_within_the_window_is_unknown_never_not_applied(
    failure: Callable[[], th.APIError],
) -> None:
    error = failure()
    send, check = Script(error), Script(*[None] * 6)
    pauses: list[float] = []
    with pytest.raises(WriteOutcomeUnknownError) as info:
        run(send, check, tag="0123456789ab", pauses=pauses)
    assert not isinstance(info.value, WriteNotAppliedError)
    assert info.value.__cause__ is error
    assert (info.value.operation, info.value.client_tag) == ("create", "0123456789ab")
    assert "0123456789ab" in str(info.value) and "not sent again" in str(info.value)
    assert send.calls == 1  # not finding it is no evidence: never sent again
    assert pauses == [0.5, 1.0, 2.0, 4.0, 2.5]  # 10 s: doubling, capped, the last one trimmed
    assert check.calls == len(pauses) + 1


def test_the_window_runs_on_the_client_clock() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 4.0  # each look costs 4 s on the client's clock
        return now[0]

    send, check = Script(timeout()), Script(None, None, None)
    with pytest.raises(WriteOutcomeUnknownError):
        run(send, check, clock=clock)
    assert check.calls == 3  # 0 -> 4 -> 8 (+0.5 +1 slept) -> past 10 s


def test_a_zero_window_looks_once() -> None:
    send, check = Script(timeout()), Script(None)
    with pytest.raises(WriteOutcomeUnknownError):
        run(send, check, window=0)
    assert check.calls == 1


def test_a_failing_read_is_looked_at_again_until_it_answers() -> None:
    send, check = Script(status(502)), Script(status(500), timeout(), "found")
    assert run(send, check) == "found"
    assert send.calls == 1


def test_a_read_that_cannot_succeed_stops_the_looking() -> None:
    check_error = status(401)
    send, check = Script(timeout()), Script(check_error)
    with pytest.raises(WriteOutcomeUnknownError) as info:
        run(send, check, tag="0123456789ab")
    assert info.value.__cause__ is check_error
    assert info.value.client_tag == "0123456789ab"
    assert "reading the state failed too" in str(info.value)
    assert (send.calls, check.calls) == (1, 1)


@pytest.mark.parametrize("failure", [never_sent, closed])
def test_not_applied_only_when_nothing_can_have_reached_the_server(
    failure: Callable[[], th.APIError],
) -> None:
    error = failure()
    send, check = Script(error), Script()
    with pytest.raises(WriteNotAppliedError) as info:
        run(send, check, tag="0123456789ab")
    assert info.value.__cause__ is error
    assert "safe to try again" in str(info.value) and "0123456789ab" in str(info.value)
    assert (send.calls, check.calls) == (1, 0)


def test_an_idempotent_write_refused_because_it_is_done_is_success() -> None:
    refusal = status(403, {"error": "Forbidden"})
    send, check = Script(refusal), Script("already closed")
    assert run(send, check, idempotent=True) == "already closed"

    send, check = Script(refusal), Script(None)
    with pytest.raises(th.PermissionDeniedError) as info:
        run(send, check, idempotent=True)
    assert info.value is refusal

    send, check = Script(refusal), Script(status(500))
    with pytest.raises(th.PermissionDeniedError):
        run(send, check, idempotent=True)

    limited = status(429, {"error": "rate_limit_exceeded"})
    send, check = Script(limited), Script()
    with pytest.raises(th.RateLimitError):
        run(send, check, idempotent=True)
    assert check.calls == 0
