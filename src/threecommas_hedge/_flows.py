"""The flow core: a request (or a chain of requests) as a generator both send loops drive.

A flow yields a ``PreparedRequest`` and receives its decoded JSON (or has the request's
``APIError`` thrown in), or yields a :class:`Pause` the loop sleeps on with the client's sleep. So
one implementation serves the sync and the async client (``ThreeCommas._run`` and
``AsyncThreeCommas._run``); every request of a flow goes through the mode guard, the rate limiter
and the retry rules like any other.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeVar

from threecommas_hedge._base_client import Pause

if TYPE_CHECKING:
    from threecommas_hedge._base_client import BaseClient, PreparedRequest
    from threecommas_hedge.resources._endpoint import Endpoint

__all__ = ["Flow", "Pause", "endpoint_flow"]

T = TypeVar("T")
Flow = Generator["PreparedRequest | Pause", Any, T]


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
