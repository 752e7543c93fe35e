"""Base classes binding a resource to its client: one way to run a call, sync and async.

A resource builds a flow (``threecommas_hedge._flows``) and hands it to ``_run``; ``_call`` runs
one endpoint. The client's loop does the sending, so a resource never touches the wire.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from threecommas_hedge._flows import Flow, endpoint_flow

from ._endpoint import Endpoint

if TYPE_CHECKING:
    from threecommas_hedge._loops import AsyncAPIClient, SyncAPIClient

T = TypeVar("T")


class SyncResource:
    """A group of endpoints of a ``ThreeCommas`` client."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def _run(self, flow: Flow[T]) -> T:
        return self._client._run(flow)

    def _call(self, endpoint: Endpoint[T]) -> T:
        return self._run(endpoint_flow(self._client, endpoint))


class AsyncResource:
    """A group of endpoints of an ``AsyncThreeCommas`` client."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def _run(self, flow: Flow[T]) -> T:
        return await self._client._run(flow)

    async def _call(self, endpoint: Endpoint[T]) -> T:
        return await self._run(endpoint_flow(self._client, endpoint))
