"""When to retry and how long to wait: pure, method-aware functions.

- GET and DELETE (cancel is idempotent) retry on connection errors, timeouts, 408 and 5xx.
- Any other method retries only when the request provably never left: a failed connect, a connect
  timeout or no free pooled connection. A POST whose outcome is unknown (a 5xx, a read timeout, a
  dropped connection) is never re-sent here.
- 418 is never retried.
- 429 is retried only after its ``Retry-After`` (when given and at most ``MAX_RETRY_AFTER``), and
  never when the body says the request type is not available on the plan.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx

from ._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY, RETRY_JITTER
from ._exceptions import APIConnectionError, APIError, APIStatusError, RateLimitError

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})

NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport failures that happen before a single byte of the request is written."""

_TRANSIENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
"""Transport failures worth retrying for an idempotent request."""


def should_retry(method: str, error: APIError) -> bool:
    """Whether ``error``, raised by a ``method`` request, is worth another attempt."""
    idempotent = method.upper() in IDEMPOTENT_METHODS
    if isinstance(error, RateLimitError):
        # a 429 is refused before any processing, so it is safe to repeat for any method
        return (
            not error.plan_restricted
            and error.retry_after is not None
            and error.retry_after <= MAX_RETRY_AFTER
        )
    if isinstance(error, APIStatusError):
        return idempotent and (error.status_code == 408 or error.status_code >= 500)
    if isinstance(error, APIConnectionError):
        cause = error.__cause__
        if isinstance(cause, NEVER_SENT):
            return True
        return idempotent and isinstance(cause, _TRANSIENT)
    return False


def retry_delay(
    retries_done: int,
    error: APIError | None = None,
    *,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``retries_done + 1``.

    A ``Retry-After`` of at most ``MAX_RETRY_AFTER`` is honoured as given; otherwise the delay is
    ``INITIAL_RETRY_DELAY * 2**retries_done`` capped at ``MAX_RETRY_DELAY``, shortened by a random
    fraction of up to ``RETRY_JITTER``.
    """
    retry_after = error.retry_after if isinstance(error, APIStatusError) else None
    if retry_after is not None and retry_after <= MAX_RETRY_AFTER:
        return retry_after
    exponent = min(max(retries_done, 0), 32)  # bounded: 2**n must stay a float
    backoff = min(INITIAL_RETRY_DELAY * 2.0**exponent, MAX_RETRY_DELAY)
    return backoff * (1 - RETRY_JITTER * rand())
