"""The httpx clients a client makes for itself (when no ``http_client`` is lent): no cookie jar.

The client builds every request itself and sends it as built (``send``); httpx adds cookies only
in ``build_request``, so a cookie an answer sets would never be sent back. httpx would still store
it, at about 20 us an answer (it rebuilds each response and its request for
``http.cookiejar``). These clients keep no cookies; a lent ``http_client`` is used as it is.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["CookielessAsyncClient", "CookielessClient", "NoCookies"]


class NoCookies(httpx.Cookies):
    """A cookie store that keeps none of the cookies answers set."""

    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep nothing: the client never sends cookies."""


class _Cookieless:
    """Mixin for an httpx client: its ``cookies`` are a :class:`NoCookies` of its own."""

    _no_cookies: NoCookies | None = None

    @property
    def cookies(self) -> httpx.Cookies:
        """The client's cookies: none are kept from answers (see the module docstring)."""
        if self._no_cookies is None:
            self._no_cookies = NoCookies()
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._no_cookies = NoCookies(cookies)


class CookielessClient(_Cookieless, httpx.Client):
    """``httpx.Client`` that keeps no cookies (the sync client's own)."""


class CookielessAsyncClient(_Cookieless, httpx.AsyncClient):
    """``httpx.AsyncClient`` that keeps no cookies (the async client's own)."""
