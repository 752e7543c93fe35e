"""Writes whose outcome may be unknown, made safe: look for the effect, never send blind.

A write that fails with a timeout, a dropped or reset connection, a 408, a 5xx (or a 2xx whose
body cannot be read) may or may not have taken effect, and the server may show the effect only a
while later (replication lag). :func:`reconciled` then runs a *check* that reads the state (the
tagged SmartTrade in the list, the trade's status, its trades) again and again, with backoff, over
a window of the client's clock; not seeing the effect is no evidence that it did not happen, so
the write is **never sent again** after such a failure. Every way out says what is known:

- a result: the write took effect once (``send`` answered, or the check found it);
- the server's own refusal (4xx, 418, 429), raised as is: it was not applied. For an idempotent
  write (close, cancel) a refusal is checked once: already closed or cancelled is success;
- :class:`WriteNotAppliedError`: nothing can have reached the server (the connection was never
  made): it is safe to try again;
- :class:`WriteOutcomeUnknownError`, carrying the client tag: the check did not see the effect
  within the window. Look for the tag (or re-run with it) before trying again.

The check and the send are flows (see ``threecommas_hedge._flows``), so one implementation serves
the sync and the async client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from threecommas_hedge._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    IPBannedError,
    RateLimitError,
    WriteNotAppliedError,
    WriteOutcomeUnknownError,
)
from threecommas_hedge._flows import Flow, Pause
from threecommas_hedge._logging import logger
from threecommas_hedge._retry import NEVER_SENT, should_retry

if TYPE_CHECKING:
    from threecommas_hedge._base_client import BaseClient

__all__ = [
    "Window",
    "look",
    "reconciled",
    "verdict",
]

T = TypeVar("T")
Verdict = Literal["not_sent", "refused", "unknown", "applied"]

FIRST_LOOK_DELAY = 0.5
"""Seconds between the first two looks; doubled after each look up to ``MAX_LOOK_DELAY``."""
MAX_LOOK_DELAY = 4.0


@dataclass(frozen=True)
class Window:
    """How long to look for a write's effect: ``seconds`` on ``clock`` (or slept, if more)."""

    seconds: float
    clock: Callable[[], float]

    @classmethod
    def of(cls, client: BaseClient) -> Window:
        """The client's window (``write_check_window=``) on the client's clock."""
        return cls(client._write_check_window, client._clock)


def verdict(error: APIError) -> Verdict:
    """What a failed write's error says about its effect.

    ``not_sent``: the connection was never made (or the client was closed); ``applied``: a 2xx
    whose body could not be read; ``unknown``: no usable answer, 408 or 5xx; ``refused``: any
    other status (4xx, 418, 429, or a refusal by the client before sending).
    """
    if isinstance(error, APIResponseValidationError):
        return "applied"
    if isinstance(error, APIConnectionError):
        # a closed client refuses before sending: httpx raises a RuntimeError
        never_sent = isinstance(error.__cause__, (*NEVER_SENT, RuntimeError))
        return "not_sent" if never_sent else "unknown"
    if isinstance(error, APIStatusError) and (error.status_code == 408 or error.status_code >= 500):
        return "unknown"
    return "refused"


def reconciled(
    operation: str,
    send: Callable[[], Flow[T]],
    check: Callable[[], Flow[T | None]],
    *,
    window: Window,
    client_tag: str | None = None,
    idempotent: bool = False,
) -> Flow[T]:
    """``send()`` once; when its outcome is unknown, ``check()`` for its effect over ``window``.

    ``check`` returns the write's result if the state shows the write took effect, else None.
    ``idempotent``: a refusal is checked once too (an already closed trade is closed).
    """
    try:
        return (yield from send())
    except APIError as exc:
        error = exc
    if error.request is not None and error.request.method == "GET":
        raise error  # a read before the write (the mode guard's) failed: the write was not sent
    kind = verdict(error)
    hint = _tag_hint(client_tag)
    if kind == "not_sent":
        raise WriteNotAppliedError(
            f"{operation} not applied: the connection failed before the request was sent "
            f"({_describe(error)}); it is safe to try again" + hint,
            operation=operation,
            client_tag=client_tag,
        ) from error
    if kind == "refused":
        if idempotent and not isinstance(error, (RateLimitError, IPBannedError)):
            try:
                found = yield from check()
            except APIError:
                found = None
            if found is not None:
                logger.info("%s: already done (%s)", operation, _describe(error))
                return found
        raise error
    found, looks, check_error = yield from look(check, window)
    if found is not None:
        logger.info("%s: found applied after %s", operation, _describe(error))
        return found
    reading = f"; reading the state failed too ({_describe(check_error)})" if check_error else ""
    raise WriteOutcomeUnknownError(
        f"{operation}: outcome unknown after {_describe(error)}, and {looks} look(s) over "
        f"{window.seconds:g} s did not show it (a write can take a while to show){reading}; "
        "it was not sent again: look before retrying" + hint,
        operation=operation,
        client_tag=client_tag,
    ) from (check_error or error)


def look(
    check: Callable[[], Flow[T | None]], window: Window
) -> Flow[tuple[T | None, int, APIError | None]]:
    """``check()`` until it finds the effect or ``window`` is over, with backoff between looks.

    Returns what was found (or None), how many looks it took, and the last read's error (None if
    the last read answered). Stops early when a read fails in a way a retry cannot mend.
    """
    start, slept, delay, looks = window.clock(), 0.0, FIRST_LOOK_DELAY, 0
    while True:
        looks += 1
        check_error: APIError | None = None
        try:
            found = yield from check()
        except APIError as exc:
            found, check_error = None, exc
        if found is not None:
            return found, looks, None
        if check_error is not None and not should_retry("GET", check_error):
            return None, looks, check_error
        left = window.seconds - max(window.clock() - start, slept)
        if left <= 0:
            return None, looks, check_error
        pause = min(delay, left)
        yield Pause(pause)
        slept += pause
        delay = min(delay * 2, MAX_LOOK_DELAY)


def _describe(error: APIError) -> str:
    return f"{type(error).__name__}: {error}"


def _tag_hint(client_tag: str | None) -> str:
    return f" (client tag {client_tag})" if client_tag else ""
