"""should_retry / retry_delay: the method-aware retry table and the backoff."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threecommas_hedge import APIConnectionError, APIError, APITimeoutError
from threecommas_hedge._exceptions import APIResponseValidationError
from threecommas_hedge._response import error_from_response
from threecommas_hedge._retry import retry_delay, should_retry

REQUEST = httpx.Request("GET", "https://api.3commas.io/public/api/v2/smart_trades")
METHODS = ["GET", "DELETE", "POST", "PATCH", "PUT"]


def status_error(status: int, body: object = None, retry_after: str | None = None) -> APIError:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return error_from_response(
        httpx.Response(status, json=body or {"error": "x"}, headers=headers, request=REQUEST)
    )


def transport_failure(exc_type: type[httpx.TransportError]) -> APIError:
    cause = exc_type("boom", request=REQUEST)
    error = APITimeoutError() if isinstance(cause, httpx.TimeoutException) else APIConnectionError()
    error.__cause__ = cause
    return error


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_server_faults_retry_only_idempotent_methods(method: str, status: int) -> None:
    assert should_retry(method, status_error(status)) is (method in {"GET", "DELETE"})


@pytest.mark.parametrize("method", ["get", "delete"])
def test_method_case_does_not_matter(method: str) -> None:
    assert should_retry(method, status_error(503))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_never_retry(method: str, status: int) -> None:
    assert not should_retry(method, status_error(status))


@pytest.mark.parametrize("method", METHODS)
def test_418_never_retries_even_with_retry_after(method: str) -> None:
    assert not should_retry(method, status_error(418, retry_after="1"))


@pytest.mark.parametrize("method", METHODS)
def test_429_retries_after_a_short_retry_after_for_any_method(method: str) -> None:
    assert should_retry(method, status_error(429, retry_after="3"))
    assert should_retry(method, status_error(429, retry_after="60"))
    assert not should_retry(method, status_error(429, retry_after="61"))
    assert not should_retry(method, status_error(429))
    assert not should_retry(method, status_error(429, retry_after="garbage"))


@pytest.mark.parametrize("method", METHODS)
def test_plan_restricted_429_never_retries(method: str) -> None:
    body = {"error": "access_denied", "error_description": "Not available on your plan"}
    assert not should_retry(method, status_error(429, body, retry_after="1"))


NEVER_SENT = [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout]
MAYBE_SENT = [
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("exc_type", NEVER_SENT)
def test_request_that_never_left_retries_for_every_method(
    method: str, exc_type: type[httpx.TransportError]
) -> None:
    assert should_retry(method, transport_failure(exc_type))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("exc_type", MAYBE_SENT)
def test_unknown_outcome_retries_only_idempotent_methods(
    method: str, exc_type: type[httpx.TransportError]
) -> None:
    assert should_retry(method, transport_failure(exc_type)) is (method in {"GET", "DELETE"})


@pytest.mark.parametrize("exc_type", [httpx.UnsupportedProtocol, httpx.LocalProtocolError])
def test_errors_of_our_own_making_never_retry(exc_type: type[httpx.TransportError]) -> None:
    assert not should_retry("GET", transport_failure(exc_type))


def test_connection_error_without_cause_and_validation_error_never_retry() -> None:
    assert not should_retry("GET", APIConnectionError())
    assert not should_retry("GET", APIResponseValidationError("html"))


def test_backoff_doubles_and_caps() -> None:
    no_jitter = [retry_delay(n, rand=lambda: 0.0) for n in range(7)]
    assert no_jitter == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    full_jitter = [retry_delay(n, rand=lambda: 1.0) for n in range(3)]
    assert full_jitter == [0.375, 0.75, 1.5]


def test_huge_retry_counts_do_not_overflow() -> None:
    assert retry_delay(10_000, rand=lambda: 0.0) == 8.0


def test_retry_after_is_honoured_when_short() -> None:
    assert retry_delay(0, status_error(429, retry_after="3")) == 3.0
    assert retry_delay(4, status_error(503, retry_after="0")) == 0.0
    capped = retry_delay(1, status_error(429, retry_after="3600"), rand=lambda: 0.0)
    assert capped == 1.0


@settings(max_examples=200, deadline=None)
@given(retries=st.integers(min_value=0, max_value=200))
def test_delay_is_always_within_bounds(retries: int) -> None:
    base = min(0.5 * 2 ** min(retries, 32), 8.0)
    delay = retry_delay(retries)
    assert 0.75 * base <= delay <= base
    assert 0 < delay <= 8.0
