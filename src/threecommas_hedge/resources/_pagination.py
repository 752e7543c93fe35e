"""Lazy auto-pagination over the API's bare-array list endpoints, sync and async.

The list endpoints return a bare JSON array and no count or next link, so a listing walks
``page=1, 2, ...`` and stops at the first page holding fewer than ``per_page`` items (an empty page
included).

Memory stays flat however long the listing: only the current page's items and the ids of the
previous page are held. Those ids de-duplicate across pages: a trade created while listing (newest
first) pushes the last items of page N onto page N+1, and they are skipped there. A shift larger
than one page between two requests, or a deletion that pulls items back, is not detected. A full
page that only repeats the previous page means the server is not paging (it would loop forever)
and raises ``APIResponseValidationError``.

A paginator is a description, not a cursor: nothing is fetched until iteration starts, and every
new iteration starts again at page 1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from typing import Generic, TypeVar

from threecommas_hedge._exceptions import APIResponseValidationError

T = TypeVar("T")
FetchT = TypeVar("FetchT")


class _PageWalk(Generic[T]):
    """The pure state of one listing: next page number, whether done, previous page's ids."""

    def __init__(self, per_page: int, key: Callable[[T], Hashable]) -> None:
        self.page = 1
        self.done = False
        self._per_page = per_page
        self._key = key
        self._previous: frozenset[Hashable] = frozenset()

    def accept(self, items: list[T]) -> list[T]:
        """Take the page just fetched; return its items not seen on the previous page."""
        keys = [self._key(item) for item in items]
        fresh: list[T] = []
        seen = set(self._previous)
        for key, item in zip(keys, items, strict=True):
            if key not in seen:
                seen.add(key)
                fresh.append(item)
        full = len(items) >= self._per_page
        if full and not fresh and self.page > 1:
            raise APIResponseValidationError(
                f"page {self.page} only repeats page {self.page - 1}: "
                "the server ignores the page parameter"
            )
        self._previous = frozenset(keys)
        self.done = not full
        self.page += 1
        return fresh


class _Listing(Generic[FetchT, T]):
    """What both paginators hold: how to fetch page N, the page size, the de-duplication key."""

    def __init__(self, fetch: FetchT, *, per_page: int, key: Callable[[T], Hashable]) -> None:
        self._fetch = fetch
        self._per_page = per_page
        self._key = key

    @property
    def per_page(self) -> int:
        """Items requested per page."""
        return self._per_page


class Paginator(_Listing[Callable[[int], list[T]], T]):
    """Iterate over every item of a listing, fetching page after page lazily.

    ``for item in paginator`` yields items; ``paginator.pages()`` yields each page's new items
    as a list (pages left empty by de-duplication are skipped).
    """

    def pages(self) -> Iterator[list[T]]:
        """Each page's new items, one request per page, from page 1."""
        walk = _PageWalk(self._per_page, self._key)
        while not walk.done:
            fresh = walk.accept(self._fetch(walk.page))
            if fresh:
                yield fresh

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page


class AsyncPaginator(_Listing[Callable[[int], Awaitable[list[T]]], T]):
    """``async for item in paginator``; ``async for page in paginator.pages()`` (see Paginator)."""

    def pages(self) -> AsyncIterator[list[T]]:
        """Each page's new items, one request per page, from page 1."""
        return _AsyncPages(self._fetch, _PageWalk(self._per_page, self._key))

    def __aiter__(self) -> AsyncIterator[T]:
        return _AsyncItems(self.pages())


class _AsyncPages(Generic[T]):
    # a class rather than an async generator: nothing is left to finalise when a loop breaks early
    def __init__(self, fetch: Callable[[int], Awaitable[list[T]]], walk: _PageWalk[T]) -> None:
        self._fetch = fetch
        self._walk = walk

    def __aiter__(self) -> _AsyncPages[T]:
        return self

    async def __anext__(self) -> list[T]:
        while not self._walk.done:
            fresh = self._walk.accept(await self._fetch(self._walk.page))
            if fresh:
                return fresh
        raise StopAsyncIteration


class _AsyncItems(Generic[T]):
    def __init__(self, pages: AsyncIterator[list[T]]) -> None:
        self._pages = pages
        self._page: Iterator[T] = iter(())

    def __aiter__(self) -> _AsyncItems[T]:
        return self

    async def __anext__(self) -> T:
        for item in self._page:
            return item
        self._page = iter(await self._pages.__anext__())
        return next(self._page)  # pages are never empty
