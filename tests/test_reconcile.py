"""The reconcile flow on its own: every path from a failed write to a known outcome."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import httpx
import pytest

import threecommas_hedge as th
from threecommas_hedge._exceptions import error_from_response
from threecommas_hedge.resources._reconcile import (
    WriteNotAppliedError,
    WriteOutcomeUnknownError,
    reconciled,
    verdict,
)

REQUEST = httpx.Request("POST", "https://api.3commas.io/public/api/v2/smart_trades")


def status(code: int, body: Any = None) -> th.APIStatusError:
    response = httpx.Response(code, json=body if body is not None else {}, request=REQUEST)
    return error_from_response(response)


def timeout() -> th.APITimeoutError:
    return th.APITimeoutError(request=REQUEST)


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


def run(send: Callable[[], Any], check: Callable[[], Any], tag: str | None = None) -> Any:
    flow = reconciled("create", send, check, client_tag=tag)
    with pytest.raises(StopIteration) as stop:
        next(flow)
    return stop.value.value


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (timeout(), "unknown"),
        (th.APIConnectionError("reset"), "unknown"),
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
    assert run(send, check) == "found"
    assert (send.calls, check.calls) == (1, 1)


def test_not_applied_write_is_sent_once_more() -> None:
    send, check = Script(timeout(), "second"), Script(None)
    assert run(send, check) == "second"
    assert (send.calls, check.calls) == (1 + 1, 1)


def test_second_unknown_outcome_is_checked_again() -> None:
    send, check = Script(timeout(), status(502)), Script(None, "late")
    assert run(send, check) == "late"
    assert (send.calls, check.calls) == (2, 2)


def test_two_failures_without_effect_say_so() -> None:
    last = status(503)
    send, check = Script(timeout(), last), Script(None, None)
    with pytest.raises(WriteNotAppliedError) as info:
        run(send, check, tag="0123456789ab")
    error = info.value
    assert isinstance(error, th.APIError)
    assert error.__cause__ is last
    assert (error.operation, error.client_tag) == ("create", "0123456789ab")
    assert "not applied" in str(error) and "safe to try again" in str(error)
    assert "0123456789ab" in str(error)
    assert (send.calls, check.calls) == (2, 2)


def test_a_failed_check_leaves_the_outcome_unknown() -> None:
    check_error = status(500)
    send, check = Script(timeout()), Script(check_error)
    with pytest.raises(WriteOutcomeUnknownError) as info:
        run(send, check, tag="0123456789ab")
    assert info.value.__cause__ is check_error
    assert info.value.client_tag == "0123456789ab"
    assert "look before retrying" in str(info.value)
    assert send.calls == 1


def test_a_2xx_not_shown_by_the_state_is_never_sent_again() -> None:
    send, check = Script(garbled()), Script(None)
    with pytest.raises(WriteOutcomeUnknownError, match="answered 2xx"):
        run(send, check)
    assert send.calls == 1


def test_second_2xx_not_shown_is_unknown_too() -> None:
    send, check = Script(timeout(), garbled()), Script(None, None)
    with pytest.raises(WriteOutcomeUnknownError, match="answered 2xx"):
        run(send, check)


def test_refused_resend_is_checked_then_raised() -> None:
    refusal = status(403, {"error": "Forbidden"})
    send, check = Script(timeout(), refusal), Script(None, "first one landed late")
    assert run(send, check) == "first one landed late"

    send, check = Script(timeout(), refusal), Script(None, None)
    with pytest.raises(th.PermissionDeniedError) as info:
        run(send, check)
    assert info.value is refusal

    send, check = Script(timeout(), refusal), Script(None, status(500))
    with pytest.raises(th.PermissionDeniedError):
        run(send, check)
