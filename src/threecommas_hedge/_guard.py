"""The mode guard: before a write leaves, check that its target account matches the client's mode.

Rules (the same for every write path, including ``client.request()``):

- A write is POST, PUT, PATCH or DELETE. Its target accounts are the ``account_id`` of the JSON body
  or the query, the account of the SmartTrade named in a ``/v2/smart_trades/{id}...`` path, and the
  ``{id}`` of a ``/ver1/accounts/{id}...`` path (``leverage_data`` is a read and is exempt). A
  write that names no account is not checked.
- ``allowed_account_ids``, when given, is checked first and without any request: a write to an
  account outside it is refused (in either mode).
- Then the account's kind (:attr:`Account.is_paper`) must match the mode: paper mode writes only to
  paper accounts, real mode only to real accounts. An explicit id in ``allowed_account_ids`` does
  not override the kind: a real-mode client never writes to a paper account either, so a mistake in
  either direction fails before anything is sent.
- An account the key cannot see (not in ``GET /ver1/accounts``) is refused.

The account list, with each account's kind, is cached for ``ttl`` seconds (injectable clock); an
id missing from a cached list triggers one fresh fetch. The SmartTrade -> account mapping never
changes, so it is remembered from every SmartTrade the client sees (bounded); only a trade never
seen costs one ``GET /v2/smart_trades/{id}`` before the write.

The check is a generator: it yields the reads it needs (built by the caller's ``get``, sent by the
caller's sync or async loop, which passes the decoded JSON back in) and raises
:class:`ModeMismatchError` to refuse. The same code serves both clients.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

from ._exceptions import ModeMismatchError, RequestValidationError

if TYPE_CHECKING:  # pragma: no cover - the account model loads on the first write's account check
    from .models.accounts import Account

__all__ = [
    "ACCOUNT_FIELD",
    "ModeGuard",
    "ModeMismatchError",
    "WriteTarget",
    "normalize_path",
    "write_target",
]

Mode = Literal["paper", "real"]
_R = TypeVar("_R")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ACCOUNT_FIELD = "account_id"
"""The member of a JSON body (or the query parameter) that names the account written to."""
READ_ONLY_ACCOUNT_ACTIONS = frozenset({"leverage_data"})
"""``/ver1/accounts/{id}/<action>`` paths sent as POST that only read (ACCOUNTS_READ)."""

API_VERSIONS = frozenset({"v2", "ver1"})
"""The version segments of the API: a route is the same route under either spelling."""

ACCOUNTS_PAGE_SIZE = 100
MAX_ACCOUNT_PAGES = 50
MAX_REMEMBERED_TRADES = 10_000
DEFAULT_ACCOUNTS_TTL = 60.0
"""Seconds the account list is trusted before it is fetched again."""


@dataclass(frozen=True)
class WriteTarget:
    """The accounts a write names directly, and the SmartTrades whose account it touches."""

    account_ids: frozenset[int]
    smart_trade_ids: frozenset[int]


def write_target(
    method: str, path: str, query: Mapping[str, str], body: bytes | Mapping[str, Any], *, mode: str
) -> WriteTarget | None:
    """What a ``method`` request to the API ``path`` writes to, or None when it is no write or
    names no account. Raises ModeMismatchError when an ``account_id`` is given but is no id.

    ``body`` is the body as sent, or its top-level JSON object when the caller has it already
    decoded (the client keeps it from encoding: at least the ``account_id`` member, if sent).
    """
    if method.upper() not in WRITE_METHODS:
        return None
    segments = _route(path)
    accounts: set[int] = set()
    trades: set[int] = set()
    resource = segments[1] if len(segments) > 2 and segments[0] in API_VERSIONS else None
    named_id = int(segments[2]) if resource and _DIGITS.fullmatch(segments[2]) else None
    if resource == "smart_trades" and named_id is not None:
        trades.add(named_id)
    if (
        resource == "accounts"
        and named_id is not None
        and (len(segments) == 3 or segments[3] not in READ_ONLY_ACCOUNT_ACTIONS)
    ):
        accounts.add(named_id)
    named = [query[ACCOUNT_FIELD]] if ACCOUNT_FIELD in query else []
    parsed = body if isinstance(body, Mapping) else _json(body)
    if isinstance(parsed, Mapping) and ACCOUNT_FIELD in parsed:
        named.append(parsed[ACCOUNT_FIELD])
    for value in named:
        accounts.add(_account_id(value, mode))
    if not accounts and not trades:
        return None
    return WriteTarget(frozenset(accounts), frozenset(trades))


def normalize_path(path: str) -> str:
    """``path`` as the server resolves it: repeated ``/`` collapsed, ``.`` and ``..`` resolved.

    Raises ``RequestValidationError`` (a ``ValueError``) for a path that does not start with
    ``/``, holds a query, fragment, percent-escape, backslash, control character or whitespace,
    or whose ``..`` climbs above the API's base path. Pure; ``client.request`` sends the result.
    """
    if type(path) is str:  # each call resolves its path twice (build, guard): remember them
        return _normalized(path)
    return _normalize(path)


@functools.lru_cache(maxsize=1024)
def _normalized(path: str) -> str:
    return _normalize(path)


def _normalize(path: str) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        _refuse_path(path, "must start with '/'")
    if "?" in path or "#" in path:
        _refuse_path(path, "must hold no query or fragment (use params=)")
    if "%" in path:
        _refuse_path(path, "must hold no percent-escapes")
    if "\\" in path:
        _refuse_path(path, "must hold no backslash")
    if any(char.isspace() or not char.isprintable() for char in path):
        _refuse_path(path, "must hold no control characters or whitespace")
    resolved: list[str] = []
    parts = path.split("/")[1:]
    for part in parts:
        _step(resolved, part, path)
    trailing = "/" if parts[-1] in {"", ".", ".."} and resolved else ""  # RFC 3986 5.2.4
    return "/" + "/".join(resolved) + trailing


def _step(resolved: list[str], part: str, path: str) -> None:
    if part in {"", "."}:
        return
    if part == "..":
        if not resolved:
            _refuse_path(path, "leaves the API (its '..' climbs above the base URL)")
        resolved.pop()
        return
    resolved.append(part)


def _refuse_path(path: object, rule: str) -> NoReturn:
    shown = repr(path) if len(repr(path)) <= 80 else f"{repr(path)[:77]}..."
    raise RequestValidationError(
        "path",
        f"path {shown} {rule}",
        [{"type": "value_error", "loc": ("path",), "msg": rule, "input": path}],
    )


_DIGITS = re.compile(r"[0-9]+")


def _route(path: str) -> list[str]:
    """The segments of a normalised ``path``, a format suffix (``123.json``) cut from the last."""
    segments = normalize_path(path).strip("/").split("/")
    segments[-1] = segments[-1].partition(".")[0]
    return segments


class ModeGuard:
    """Checks writes against the mode and ``allowed_account_ids``; holds the account caches.

    Thread-safe; shared by a client and its ``with_options`` copies.
    """

    def __init__(
        self,
        mode: Mode,
        *,
        allowed_account_ids: Iterable[int] | None = None,
        ttl: float = DEFAULT_ACCOUNTS_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mode: Mode = mode
        self.allowed_account_ids = _check_ids(allowed_account_ids)
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._accounts: dict[int, tuple[Account, Mode]] = {}  # with the kind, derived once
        self._fetched_at: float | None = None
        self._trade_accounts: dict[int, int] = {}

    def check(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        body: bytes | Mapping[str, Any],
        get: Callable[[str, Mapping[str, int]], _R],
    ) -> Generator[_R, Any, None]:
        """Yield the reads needed (``get(path, params)``), then return, or raise to refuse.

        ``body``: the body as sent, or its decoded top-level object (see ``write_target``).
        """
        target = write_target(method, path, query, body, mode=self.mode)
        if target is None:
            return
        what = f"{method.upper()} {path}"
        for account_id in sorted(target.account_ids):
            self._check_allowed(account_id, what)
        account_ids = set(target.account_ids)
        for trade_id in sorted(target.smart_trade_ids):
            owner = self._remembered(trade_id)
            if owner is None:
                entity = yield get(f"/v2/smart_trades/{trade_id}", {})
                self.observe(f"/v2/smart_trades/{trade_id}", entity)
                owner = self._remembered(trade_id)
            if owner is None:
                raise ModeMismatchError(
                    f"refused {what}: cannot tell which account SmartTrade {trade_id} belongs to",
                    account_id=None,
                    mode=self.mode,
                )
            self._check_allowed(owner, what)
            account_ids.add(owner)
        for account_id in sorted(account_ids):
            account, kind = yield from self._account(account_id, get)
            if kind != self.mode:
                self._refuse_kind(account, kind, what)

    def observe(self, path: str, value: Any) -> None:
        """Remember SmartTrade -> account from a decoded answer of a ``/v2/smart_trades`` path."""
        if not path.startswith("/v2/smart_trades"):
            return
        entities = value if isinstance(value, list) else [value]
        with self._lock:
            for entity in entities:
                pair = _trade_and_account(entity)
                if pair is None:
                    continue
                self._trade_accounts.pop(pair[0], None)
                self._trade_accounts[pair[0]] = pair[1]
                if len(self._trade_accounts) > MAX_REMEMBERED_TRADES:
                    del self._trade_accounts[next(iter(self._trade_accounts))]

    def forget_accounts(self) -> None:
        """Drop the cached account list: the next checked write fetches it again."""
        with self._lock:
            self._accounts = {}
            self._fetched_at = None

    def _remembered(self, trade_id: int) -> int | None:
        with self._lock:
            return self._trade_accounts.get(trade_id)

    def _account(
        self, account_id: int, get: Callable[[str, Mapping[str, int]], _R]
    ) -> Generator[_R, Any, tuple[Account, Mode]]:
        """The account and its kind, from the cache while fresh, else from a fresh list."""
        with self._lock:
            fresh = self._fetched_at is not None and self._clock() - self._fetched_at < self._ttl
            cached = self._accounts.get(account_id) if fresh else None
        if cached is not None:
            return cached
        accounts: dict[int, tuple[Account, Mode]] = {}
        for page in range(1, MAX_ACCOUNT_PAGES + 1):
            entries = yield get("/ver1/accounts", {"page": page, "per_page": ACCOUNTS_PAGE_SIZE})
            entries = entries if isinstance(entries, list) else []
            known = len(accounts)
            for entry in entries:
                parsed = _parse_account(entry)
                if parsed is not None:
                    accounts[parsed.id] = (parsed, "paper" if parsed.is_paper else "real")
            if len(entries) < ACCOUNTS_PAGE_SIZE or len(accounts) == known:
                break
        with self._lock:
            self._accounts = accounts
            self._fetched_at = self._clock()
        found = accounts.get(account_id)
        if found is None:
            raise ModeMismatchError(
                f"refused a write to account {account_id}: it is not among the accounts this API "
                "key can see (GET /ver1/accounts), so its kind cannot be checked",
                account_id=account_id,
                mode=self.mode,
            )
        return found

    def _check_allowed(self, account_id: int, what: str) -> None:
        allowed = self.allowed_account_ids
        if allowed is not None and account_id not in allowed:
            raise ModeMismatchError(
                f"refused {what}: account {account_id} is not in allowed_account_ids "
                f"{sorted(allowed)}; nothing was sent",
                account_id=account_id,
                mode=self.mode,
            )

    def _refuse_kind(self, account: Account, kind: Mode, what: str) -> None:
        label = account.exchange_name or account.market_code or "unknown exchange"
        hint = (
            "create the client with mode='real' (and allowed_account_ids) to trade it"
            if kind == "real"
            else "use a client with mode='paper' for paper accounts"
        )
        raise ModeMismatchError(
            f"refused {what} in {self.mode} mode: account {account.id} ({label}) is a {kind} "
            f"account; nothing was sent. {hint}",
            account_id=account.id,
            mode=self.mode,
        )


def _json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _account_id(value: object, mode: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ModeMismatchError(
        f"refused a write whose account_id {value!r} is not an account id",
        account_id=None,
        mode=mode,
    )


def _trade_and_account(entity: object) -> tuple[int, int] | None:
    if not isinstance(entity, dict):
        return None
    trade_id, account = entity.get("id"), entity.get("account")
    account_id = account.get("id") if isinstance(account, dict) else None
    if type(trade_id) is int and type(account_id) is int:
        return trade_id, account_id
    return None


def _parse_account(entry: object) -> Account | None:
    if not isinstance(entry, dict):
        return None
    from .models.accounts import Account

    try:
        return Account.model_validate(entry)
    except ValueError:  # pydantic's ValidationError is a ValueError: unusable entries are skipped
        return None


def _check_ids(ids: Iterable[int] | None) -> frozenset[int] | None:
    if ids is None:
        return None
    if isinstance(ids, (str, bytes)):
        raise TypeError("allowed_account_ids must be a collection of int account ids")
    checked = frozenset(ids)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in checked):
        raise TypeError("allowed_account_ids must hold int account ids")
    return checked
