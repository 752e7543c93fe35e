"""Writes whose outcome may be unknown, made safe: check the state before sending again.

A write that fails with a timeout, a dropped or reset connection, a 408 or a 5xx may or may not
have taken effect. :func:`reconciled` then runs a *check* that reads the state (the tagged
SmartTrade in the list, the trade's status, its trades): if the write took effect, its result is
returned; only if it did not is the write sent again, once, and checked again. Every way out says
what is known:

- a result: the write took effect exactly once (possibly found by the check);
- the server's own refusal (4xx, 418, 429): it was not applied;
- :class:`WriteNotAppliedError`: both attempts failed and the state shows no effect;
- :class:`WriteOutcomeUnknownError`: the state could not be read to tell, or the server said 2xx
  but the state does not show it. Only then is anything left for the caller to look at.

Flows are generators of requests (see ``BaseClient._request_flow``), so one implementation serves
the sync and the async client; every request of a flow goes through the mode guard and the rate
limiter like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from threecommas_hedge._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    WriteNotAppliedError,
    WriteOutcomeUnknownError,
)
from threecommas_hedge._logging import logger

from ._endpoint import Endpoint

if TYPE_CHECKING:
    from threecommas_hedge._base_client import BaseClient, PreparedRequest

__all__ = [
    "Flow",
    "WriteNotAppliedError",
    "WriteOutcomeUnknownError",
    "endpoint_flow",
    "reconciled",
    "verdict",
]

T = TypeVar("T")
Flow = Generator["PreparedRequest", Any, T]
Verdict = Literal["refused", "unknown", "applied"]


def verdict(error: APIError) -> Verdict:
    """What a failed write's error says about its effect.

    ``applied``: a 2xx whose body could not be read; ``unknown``: no usable answer, 408 or 5xx;
    ``refused``: any other status (4xx, 418, 429, or a refusal by the client before sending).
    """
    if isinstance(error, APIResponseValidationError):
        return "applied"
    if isinstance(error, APIConnectionError):
        return "unknown"
    if isinstance(error, APIStatusError) and (error.status_code == 408 or error.status_code >= 500):
        return "unknown"
    return "refused"


def endpoint_flow(client: BaseClient, endpoint: Endpoint[T]) -> Flow[T]:
    """One endpoint as a flow: guarded, rate-limited, retried as any request; typed result."""
    prepared = client._prepare(
        endpoint.method,
        endpoint.path,
        params=endpoint.params,
        json=endpoint.body,
        timeout=None,
        max_retries=None,
        auth=endpoint.auth,
    )
    data = yield from client._request_flow(prepared)
    return endpoint.result(data)


def reconciled(
    operation: str,
    send: Callable[[], Flow[T]],
    check: Callable[[], Flow[T | None]],
    *,
    client_tag: str | None = None,
) -> Flow[T]:
    """``send()``; when its outcome is unknown, ``check()`` for its effect before sending again.

    ``check`` returns the write's result if the state shows the write took effect, else None.
    The write is sent at most twice.
    """
    error: APIError | None = None
    for attempt in (1, 2):
        try:
            return (yield from send())
        except APIError as exc:
            error = exc
        kind = verdict(error)
        if kind == "refused" and attempt == 1:
            raise error
        try:
            found = yield from check()
        except APIError as check_error:
            if kind == "refused":  # the state is what the first check saw: nothing applied
                raise error from None
            raise WriteOutcomeUnknownError(
                f"{operation}: outcome unknown after {_describe(error)}, and reading the state "
                f"failed too ({_describe(check_error)}); look before retrying"
                + _tag_hint(client_tag),
                operation=operation,
                client_tag=client_tag,
            ) from check_error
        if found is not None:
            logger.info("%s: found applied after %s", operation, _describe(error))
            return found
        if kind == "applied":
            raise WriteOutcomeUnknownError(
                f"{operation}: the server answered 2xx ({_describe(error)}) but the state does "
                "not show the effect yet; look before retrying" + _tag_hint(client_tag),
                operation=operation,
                client_tag=client_tag,
            ) from error
        if kind == "refused":
            raise error
        logger.info("%s: not applied after %s; sending it again", operation, _describe(error))
    assert error is not None
    raise WriteNotAppliedError(
        f"{operation} not applied: both attempts failed (the last with {_describe(error)}) and "
        "the state read after each shows no effect; it is safe to try again"
        + _tag_hint(client_tag),
        operation=operation,
        client_tag=client_tag,
    ) from error


def _describe(error: APIError) -> str:
    return f"{type(error).__name__}: {error}"


def _tag_hint(client_tag: str | None) -> str:
    return f" (client tag {client_tag})" if client_tag else ""
