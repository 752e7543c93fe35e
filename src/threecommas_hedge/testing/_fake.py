"""`FakeThreeCommas`: a stateful fake of the 3Commas API behind an ``httpx.MockTransport``.

Every request goes through the same steps as on the server: ban check, injected faults, rate
limits, routing, signature check (signed endpoints), key permission, ``Forced-Mode``, then the
handler. One lock guards all state, so the fake can serve sync clients, async clients and the
threaded HTTP server at once.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import parse_qsl

import httpx

from threecommas_hedge._client import AsyncThreeCommas, ThreeCommas
from threecommas_hedge._constants import HEADER_FORCED_MODE, SENSITIVE_HEADERS
from threecommas_hedge.hedge._costs import FeeSchedule
from threecommas_hedge.models import MarketRules

from ._accounts import AccountKind, AccountMode
from ._auth import AuthScheme, Identity
from ._clock import FakeClock
from ._errors import ApiError, not_found, signature_invalid
from ._faults import API_PREFIX, Dropped, Fault, FaultKind, Faults, Lag, html_error_page
from ._ratelimit import RateLimiter
from ._routes import PERMISSIONS, Call, is_smart_trade_list, match
from ._state import FakeState

__all__ = ["FakeThreeCommas", "RecordedRequest"]

Outcome = httpx.Response | Dropped


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received, without its ``Apikey`` and ``Signature`` headers.

    ``path`` is relative to ``/public/api`` (``/v2/smart_trades``); ``json`` is the decoded body
    (decimals as ``Decimal``, a form body as a dict, ``None`` without a body); ``status`` is the
    answer's status, ``None`` when the answer was dropped (timeout, reset).
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    content: bytes
    headers: dict[str, str] = field(repr=False)
    status: int | None

    @property
    def mode(self) -> str | None:
        """The ``Forced-Mode`` header sent, if any."""
        return self.headers.get(HEADER_FORCED_MODE.lower())


class FakeThreeCommas:
    """A fake 3Commas: accounts, prices, SmartTrades that fill as the price moves, and faults.

    Credentials are random unless given: ``auth="hmac"`` (``api_key`` + ``api_secret``) or
    ``auth="rsa"`` (``api_key`` + a generated ``private_key`` PEM). ``mode`` is the user's
    default mode when a request has no ``Forced-Mode`` header. ``rate_limits=False`` turns the
    429s off; ``clock`` is a callable returning seconds (default ``time.monotonic``), moved on
    by `advance`. ``permissions`` restricts the key (default: all of them).
    """

    def __init__(
        self,
        *,
        auth: AuthScheme = "hmac",
        api_key: str | None = None,
        api_secret: str | None = None,
        private_key: str | None = None,
        mode: AccountMode = "paper",
        rate_limits: bool = True,
        clock: Callable[[], float] | None = None,
        permissions: Iterable[str] | None = None,
    ) -> None:
        self._identity = Identity(
            auth, api_key=api_key, api_secret=api_secret, private_key=private_key
        )
        self._permissions = frozenset(PERMISSIONS if permissions is None else permissions)
        unknown = self._permissions - PERMISSIONS
        if unknown:
            raise ValueError(f"unknown permissions: {sorted(unknown)}")
        self._lock = threading.RLock()
        self._clock = FakeClock(clock)
        self._state = FakeState(self._clock)
        self._state.user_mode = _check_mode(mode)
        self._limiter = RateLimiter(enabled=rate_limits)
        self._faults = Faults()
        self._lag = Lag()
        self.requests: list[RecordedRequest] = []
        """Every request received, in order."""
        self.rate_limited_count = 0
        """How many requests were answered 429 by the rate limiter."""
        self.banned_count = 0
        """How many requests were answered 418 (banned)."""

    # -- credentials ---------------------------------------------------------------------------

    @property
    def auth(self) -> AuthScheme:
        """``"hmac"`` or ``"rsa"``."""
        return self._identity.scheme

    @property
    def api_key(self) -> str:
        """The fake user's API key."""
        return self._identity.api_key

    @property
    def api_secret(self) -> str | None:
        """The HMAC secret (``None`` with ``auth="rsa"``)."""
        return self._identity.api_secret

    @property
    def private_key(self) -> str | None:
        """The RSA private key, PEM (``None`` with ``auth="hmac"``)."""
        return self._identity.private_key

    def __repr__(self) -> str:
        return f"FakeThreeCommas(auth={self.auth!r}, accounts={len(self._state.accounts)})"

    # -- the world -----------------------------------------------------------------------------

    def add_account(
        self,
        kind: AccountKind = "futures",
        mode: AccountMode = "paper",
        *,
        name: str | None = None,
        commission: Decimal | str | None = None,
        fees: FeeSchedule | None = None,
        market_code: str | None = None,
        exchange_name: str | None = None,
        smart_trading_supported: bool = True,
    ) -> int:
        """Connect an account (default: a paper USDT-M futures account); returns its id.

        Fills pay ``fees`` by type: maker for resting limits, taker for market and marketable
        fills; the default is the library's schedule (``DEFAULT_FEES``: 0.02 % / 0.05 %), the one
        ``plan`` assumes. ``commission`` instead charges one rate on every fill (0.001 = 0.1 %).
        """
        with self._lock:
            account = self._state.add_account(
                kind,
                _check_mode(mode),
                name=name,
                commission=None if commission is None else _decimal(commission),
                fees=fees,
                market_code=market_code,
                exchange_name=exchange_name,
                smart_trading_supported=smart_trading_supported,
            )
            return account.id

    def set_price(self, pair: str, price: Decimal | str | int) -> None:
        """Move the market of ``pair`` (e.g. ``"USDT_BTCUSDT"``).

        Pending actions complete at the old price first; then entries, take profits, stop
        losses, trailing and breakeven react to the new price exactly as ``simulate`` does.
        """
        with self._lock:
            self._state.set_price(pair, _decimal(price))

    def set_balance(
        self,
        account_id: int,
        code: str,
        amount: Decimal | str | int,
        usd_price: Decimal | str | int | None = None,
    ) -> None:
        """Hold ``amount`` of ``code`` on the account (0 removes it). ``usd_price`` defaults to
        the price of the coin's USDT pair, 1 for a stablecoin."""
        with self._lock:
            held = self._state.balances.setdefault(account_id, {})
            value = _decimal(amount)
            if value == 0:
                held.pop(code, None)
            else:
                held[code] = (value, None if usd_price is None else _decimal(usd_price))

    def price(self, pair: str) -> Decimal | None:
        """The current price of ``pair``, ``None`` if never set."""
        with self._lock:
            return self._state.prices.get(pair)

    def set_rules(self, pair: str, rules: MarketRules) -> None:
        """Exchange rules of ``pair``: lot step, minimum lot and total, price step, leverage cap."""
        with self._lock:
            self._state.rules[pair] = rules

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass: rate windows move, pending actions complete, SL timeouts fire."""
        with self._lock:
            self._state.advance(seconds)

    def ban(self, seconds: float = 120.0) -> None:
        """Answer every request with 418 (IP banned) for ``seconds``."""
        with self._lock:
            self._limiter.ban(self._clock.now(), seconds)

    def fail_next(
        self,
        status: FaultKind = 503,
        *,
        after_commit: bool = False,
        method: str | None = None,
        path: str | None = None,
        json: Any = None,
    ) -> None:
        """Make the next matching request fail.

        ``status``: an HTTP error status (502 and 504 answer an HTML page, as a proxy does; others
        a JSON body, or ``json`` if given), ``"timeout"`` (``httpx.ReadTimeout``) or ``"reset"``
        (``httpx.RemoteProtocolError``), both without an answer. ``after_commit=True`` applies the
        request to the state first and then loses the answer. ``method`` and ``path`` (a glob,
        with or without ``/public/api``) pick which request fails. Faults queue up in order.
        """
        self._faults.add(Fault(status, after_commit, method, path, json))

    def lag(self, *, reads: int | None = None, seconds: float | None = None) -> None:
        """Make later writes show late, as a lagging read replica would.

        A SmartTrade created, closed, cancelled, edited or funded keeps showing as it was before
        (a new one: not at all, a GET answers 404) in lists, gets and its trades until ``reads``
        more GET requests were answered or ``seconds`` passed on the fake's clock, whichever
        comes first. ``fake.lag()`` turns it off for later writes. `smart_trade` and
        `smart_trades` always show the true state.
        """
        with self._lock:
            self._lag.set(reads, seconds)

    def smart_trade(self, trade_id: int) -> dict[str, Any]:
        """The SmartTrade entity of ``trade_id`` as the API would answer it now (any mode)."""
        with self._lock:
            self._state.settle()
            trade = self._state.trades.get(trade_id)
            if trade is None:
                raise KeyError(trade_id)
            return self._state.render(trade)

    def smart_trades(self) -> list[dict[str, Any]]:
        """Every SmartTrade (any mode), oldest first."""
        with self._lock:
            self._state.settle()
            return [self._state.render(trade) for trade in self._state.trades.values()]

    # -- clients -------------------------------------------------------------------------------

    @property
    def transport(self) -> httpx.MockTransport:
        """An ``httpx.MockTransport`` answering like the API (for sync and async clients)."""
        return httpx.MockTransport(self._handle)

    def _credentials(self) -> dict[str, Any]:
        if self.api_secret is not None:
            return {"api_key": self.api_key, "api_secret": self.api_secret}
        return {"api_key": self.api_key, "private_key": self.private_key}

    @contextlib.contextmanager
    def client(self, **options: Any) -> Iterator[ThreeCommas]:
        """A `ThreeCommas` wired to this fake (``options`` go to its constructor)."""
        with (
            httpx.Client(transport=self.transport) as http,
            ThreeCommas(**self._credentials(), http_client=http, **options) as client,
        ):
            yield client

    @contextlib.asynccontextmanager
    async def async_client(self, **options: Any) -> AsyncIterator[AsyncThreeCommas]:
        """An `AsyncThreeCommas` wired to this fake."""
        async with (
            httpx.AsyncClient(transport=self.transport) as http,
            AsyncThreeCommas(**self._credentials(), http_client=http, **options) as client,
        ):
            yield client

    # -- serving -------------------------------------------------------------------------------

    def _handle(self, request: httpx.Request) -> httpx.Response:
        outcome = self.dispatch(request)
        if isinstance(outcome, Dropped):
            if outcome.kind == "timeout":
                raise httpx.ReadTimeout("fake: the answer timed out", request=request)
            raise httpx.RemoteProtocolError(
                "fake: server disconnected without sending a response", request=request
            )
        return outcome

    def dispatch(self, request: httpx.Request) -> httpx.Response | Dropped:
        """Answer one request (the MockTransport and the HTTP server both call this)."""
        with self._lock:
            body = _decode_body(request)
            outcome = self._answer(request, body)
            self._record(request, body, outcome)
            return outcome

    def _answer(self, request: httpx.Request, body: Any) -> Outcome:
        method, path = request.method.upper(), request.url.path
        now = self._clock.now()
        banned = self._limiter.banned_for(now)
        if banned:
            self.banned_count += 1
            return _banned(banned)
        fault = self._faults.take(method, path)
        if fault is not None and not fault.after_commit:
            return _fault_answer(fault)
        api_path = path.removeprefix(API_PREFIX) if path.startswith(API_PREFIX) else None
        decision = self._limiter.check(now, is_list=is_smart_trade_list(method, api_path or ""))
        if decision.status == 418:
            self.banned_count += 1
            return _banned(decision.retry_after)
        if decision.status == 429:
            self.rate_limited_count += 1
            return _json(
                429,
                {
                    "error": "rate_limit_exceeded",
                    "error_description": "Too many requests, slow down",
                },
                {"Retry-After": str(decision.retry_after)},
            )
        try:
            status, payload = self._lagged(request, method, api_path, body)
        except ApiError as error:
            status, payload = error.status, error.body()
        if fault is not None:
            return _fault_answer(fault)
        return _json(status, payload)

    def _route(
        self, request: httpx.Request, method: str, api_path: str | None, body: Any
    ) -> tuple[int, Any]:
        found = match(method, api_path) if api_path is not None else None
        if found is None:
            raise not_found("Endpoint")
        route, ids = found
        if route.signed and not self._identity.verify(request):
            raise signature_invalid()
        if route.permission is not None and route.permission not in self._permissions:
            raise ApiError(403, "access_denied", "Api key doesn't have enough permissions")
        header = request.headers.get(HEADER_FORCED_MODE)
        if header is not None and header.lower() not in ("paper", "real"):
            raise ApiError(400, "Wrong param(s)", "Forced-Mode must be paper or real")
        mode: AccountMode = self._state.user_mode if header is None else _check_mode(header.lower())
        if body is _INVALID_JSON:
            raise ApiError(400, "Wrong param(s)", "The body is not valid JSON")
        query = dict(httpx.QueryParams(request.url.query))
        params: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
        params.update(query)  # the query wins over the body
        self._state.settle()
        return route.handler(self._state, Call(ids, query, params, body, mode))

    def _lagged(
        self, request: httpx.Request, method: str, api_path: str | None, body: Any
    ) -> tuple[int, Any]:
        """``_route``, with the answers of reads and the effect of writes lagging (see `lag`)."""
        if api_path is None or not (self._lag.active or method == "GET"):
            return self._route(request, method, api_path, body)
        found = _TRADE_PATH.match(api_path)
        trade_id = int(found.group(1)) if found else None
        if method != "GET":
            before = self._view(trade_id)
            status, payload = self._route(request, method, api_path, body)
            if status < 300 and trade_id is not None and before is not None:
                self._lag.wrote(trade_id, *before, self._clock.now())
            elif status < 300 and api_path.rstrip("/") == "/v2/smart_trades":
                self._lag.wrote(int(payload["id"]), None, None, self._clock.now())
            return status, payload
        status, payload = self._route(request, method, api_path, body)
        if status >= 300:
            return status, payload
        kind = "other"
        if is_smart_trade_list(method, api_path):
            kind = "list"
        elif found is not None:
            kind = {"": "trade", "/trades": "trades"}.get(
                (found.group(2) or "").rstrip("/"), "other"
            )
        shown = self._lag.shown(kind, trade_id, payload, self._clock.now())
        if shown is None:
            raise not_found()
        return status, shown

    def _view(self, trade_id: int | None) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        trade = self._state.trades.get(trade_id) if trade_id is not None else None
        if trade is None:
            return None
        self._state.settle()
        return self._state.render(trade), self._state.render_trades(trade)

    def _record(self, request: httpx.Request, body: Any, outcome: Outcome) -> None:
        headers = {
            name.lower(): value
            for name, value in request.headers.items()
            if name.lower() not in SENSITIVE_HEADERS
        }
        self.requests.append(
            RecordedRequest(
                method=request.method.upper(),
                path=request.url.path.removeprefix(API_PREFIX),
                query=dict(httpx.QueryParams(request.url.query)),
                json=None if body is _INVALID_JSON else body,
                content=request.content,
                headers=headers,
                status=None if isinstance(outcome, Dropped) else outcome.status_code,
            )
        )


_INVALID_JSON = object()
_TRADE_PATH = re.compile(r"^/v2/smart_trades/(\d+)(/.*)?$")


def _decode_body(request: httpx.Request) -> Any:
    content = request.content
    if not content:
        return None
    content_type = request.headers.get("Content-Type", "")
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(content.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        return json.loads(content, parse_float=Decimal)
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        return _INVALID_JSON


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Request-Id": uuid.uuid4().hex,
            **(headers or {}),
        },
    )


def _banned(seconds: int) -> httpx.Response:
    return _json(
        418,
        {"error": "ip_banned", "error_description": "IP banned for ignoring rate limits"},
        {"Retry-After": str(seconds)},
    )


def _fault_answer(fault: Fault) -> Outcome:
    if isinstance(fault.kind, str):
        return Dropped(fault.kind)
    if fault.kind in (502, 504) and fault.json is None:
        return httpx.Response(
            fault.kind,
            content=html_error_page(fault.kind).encode(),
            headers={"Content-Type": "text/html"},
        )
    payload = (
        fault.json
        if fault.json is not None
        else {
            "error": "internal_error",
            "error_description": "Something went wrong on the fake server",
        }
    )
    return _json(fault.kind, payload)


def _check_mode(mode: str) -> Literal["paper", "real"]:
    if mode not in ("paper", "real"):
        raise ValueError(f"mode must be 'paper' or 'real', not {mode!r}")
    return "real" if mode == "real" else "paper"


def _decimal(value: Decimal | str | int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise TypeError("prices are Decimal, str or int (never float)")
    return Decimal(value)
