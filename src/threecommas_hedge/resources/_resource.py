"""Base classes binding a resource to its client: one ``_call`` each, sync and async."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ._endpoint import Endpoint

if TYPE_CHECKING:
    from threecommas_hedge._client import AsyncThreeCommas, ThreeCommas

T = TypeVar("T")


class SyncResource:
    """A group of endpoints of a ``ThreeCommas`` client."""

    def __init__(self, client: ThreeCommas) -> None:
        self._client = client

    def _call(self, endpoint: Endpoint[T]) -> T:
        data = self._client.request(
            endpoint.method,
            endpoint.path,
            params=endpoint.params,
            json=endpoint.body,
            auth=endpoint.auth,
        )
        return endpoint.result(data)


class AsyncResource:
    """A group of endpoints of an ``AsyncThreeCommas`` client."""

    def __init__(self, client: AsyncThreeCommas) -> None:
        self._client = client

    async def _call(self, endpoint: Endpoint[T]) -> T:
        data = await self._client.request(
            endpoint.method,
            endpoint.path,
            params=endpoint.params,
            json=endpoint.body,
            auth=endpoint.auth,
        )
        return endpoint.result(data)
