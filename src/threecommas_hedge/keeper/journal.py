"""``SqliteJournal``: the keeper's memory (stdlib ``sqlite3``, WAL).

Every tick, every decision and every write with its client tag and outcome. A write is recorded
(``pending``) before its request goes out and updated after (``ok``, ``failed``, ``unknown``);
the keeper's hedges and the TP/SL exits it saw (with when) survive a restart. The schema carries
its version (``PRAGMA user_version``) and migrates forward on open.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .decide import Action, Exit

__all__ = ["SCHEMA_VERSION", "JournalAction", "SqliteJournal", "TickRow"]

MIGRATIONS: tuple[str, ...] = (
    # 1: ticks and actions
    """
    CREATE TABLE ticks (id INTEGER PRIMARY KEY, started_at REAL NOT NULL, finished_at REAL,
                        dry_run INTEGER NOT NULL, error TEXT);
    CREATE TABLE actions (id INTEGER PRIMARY KEY, tick_id INTEGER NOT NULL REFERENCES ticks(id),
                          asset TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,
                          quantity TEXT, client_tag TEXT, outcome TEXT NOT NULL);
    """,
    # 2: trade ids on actions, the keeper's hedges and the exits it saw
    """
    ALTER TABLE actions ADD COLUMN trade_id INTEGER;
    ALTER TABLE actions ADD COLUMN error TEXT;
    CREATE TABLE hedges (asset TEXT PRIMARY KEY, trade_id INTEGER NOT NULL,
                         client_tag TEXT, opened_at REAL NOT NULL);
    CREATE TABLE exits (asset TEXT PRIMARY KEY, trade_id INTEGER NOT NULL,
                        reason TEXT NOT NULL, seen_at REAL NOT NULL);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
_SELECT_ACTIONS = (
    "SELECT id, tick_id, asset, kind, detail, client_tag, trade_id, outcome, error, quantity "
    "FROM actions "
)


@dataclass(frozen=True)
class TickRow:
    """A tick as journaled."""

    id: int
    started_at: float
    finished_at: float | None
    dry_run: bool
    error: str | None


@dataclass(frozen=True)
class JournalAction:
    """An action as journaled, with its write's tag and outcome."""

    id: int
    tick_id: int
    asset: str
    kind: str
    detail: str
    client_tag: str | None
    trade_id: int | None
    outcome: str
    error: str | None
    quantity: Decimal | None = None
    """The short's target (open, resize, and skip within the band)."""


class SqliteJournal:
    """The keeper's journal in the SQLite file ``path`` (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self.migrate()

    def __repr__(self) -> str:
        return f"SqliteJournal({self._path!r})"

    @property
    def version(self) -> int:
        """The schema version of the file."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the schema forward to :data:`SCHEMA_VERSION` (a newer file is refused)."""
        current = self.version
        if current > SCHEMA_VERSION:
            raise RuntimeError(
                f"journal {self._path} has schema {current}, newer than this library's "
                f"{SCHEMA_VERSION}: upgrade threecommas-hedge"
            )
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            with self._tx() as db:
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- ticks and actions ---------------------------------------------------------------------

    def start_tick(self, now: float, *, dry_run: bool) -> int:
        """Record a tick starting; its id."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO ticks (started_at, dry_run) VALUES (?, ?)", (now, int(dry_run))
            )
            return int(cursor.lastrowid or 0)

    def finish_tick(self, tick_id: int, now: float, error: str | None = None) -> None:
        """Record a tick done (with the error that ended it, if any)."""
        with self._tx() as db:
            db.execute(
                "UPDATE ticks SET finished_at = ?, error = ? WHERE id = ?", (now, error, tick_id)
            )

    def record(
        self, tick_id: int, action: Action, *, outcome: str, client_tag: str | None = None
    ) -> int:
        """Record a decision (``outcome`` ``pending`` for a write about to go out); its id."""
        quantity = None if action.quantity is None else str(action.quantity)
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO actions (tick_id, asset, kind, detail, quantity, client_tag, "
                "trade_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    tick_id,
                    action.asset,
                    action.kind,
                    action.detail,
                    quantity,
                    client_tag,
                    action.trade_id,
                    outcome,
                ),
            )
            return int(cursor.lastrowid or 0)

    def settle(
        self,
        action_id: int,
        outcome: str,
        *,
        trade_id: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record what became of a write: ``ok``, ``failed`` or ``unknown``."""
        with self._tx() as db:
            db.execute(
                "UPDATE actions SET outcome = ?, trade_id = COALESCE(?, trade_id), error = ? "
                "WHERE id = ?",
                (outcome, trade_id, error, action_id),
            )

    def unsettled(self) -> tuple[JournalAction, ...]:
        """Writes whose outcome is not known (``pending`` or ``unknown``), oldest first."""
        return self._actions("WHERE outcome IN ('pending', 'unknown') ORDER BY id")

    def actions(self, limit: int = 50) -> tuple[JournalAction, ...]:
        """The last ``limit`` actions, newest first."""
        return self._actions("ORDER BY id DESC LIMIT ?", (limit,))

    def _actions(self, where: str, args: tuple[object, ...] = ()) -> tuple[JournalAction, ...]:
        with self._lock:
            query = _SELECT_ACTIONS + where  # where: one of the constants in this class
            rows = self._db.execute(query, args).fetchall()
        return tuple(_action(*row) for row in rows)

    def last_decisions(self) -> tuple[JournalAction, ...]:
        """The actions of the latest tick that decided any, in asset order (what the keeper
        does next, the market and the bag staying as they were)."""
        return self._actions(
            "WHERE tick_id = (SELECT MAX(tick_id) FROM actions) ORDER BY asset, id"
        )

    def ticks(self, limit: int = 10) -> tuple[TickRow, ...]:
        """The last ``limit`` ticks, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, started_at, finished_at, dry_run, error FROM ticks "
                "ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return tuple(TickRow(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows)

    # -- hedges and exits ----------------------------------------------------------------------

    def hedges(self) -> dict[str, int]:
        """The keeper's hedges: asset -> SmartTrade id."""
        with self._lock:
            rows = self._db.execute("SELECT asset, trade_id FROM hedges").fetchall()
        return {asset: int(trade_id) for asset, trade_id in rows}

    def hedge_opened(self, asset: str, trade_id: int, client_tag: str | None, now: float) -> None:
        """Remember the keeper's hedge of ``asset`` (and forget an earlier exit)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO hedges VALUES (?, ?, ?, ?)",
                (asset, trade_id, client_tag, now),
            )
            db.execute("DELETE FROM exits WHERE asset = ?", (asset,))

    def hedge_ended(self, asset: str, exit_: Exit | None) -> None:
        """Forget the hedge of ``asset``; remember its TP/SL exit when it had one."""
        with self._tx() as db:
            db.execute("DELETE FROM hedges WHERE asset = ?", (asset,))
            if exit_ is not None:
                db.execute(
                    "INSERT OR REPLACE INTO exits VALUES (?, ?, ?, ?)",
                    (asset, exit_.trade_id, exit_.reason, exit_.seen_at),
                )

    def exits(self) -> dict[str, Exit]:
        """The TP/SL exits seen and not yet re-armed: asset -> Exit."""
        with self._lock:
            rows = self._db.execute("SELECT asset, trade_id, reason, seen_at FROM exits").fetchall()
        return {a: Exit(int(t), r, float(s)) for a, t, r, s in rows}


def _action(
    id: int,
    tick_id: int,
    asset: str,
    kind: str,
    detail: str,
    client_tag: str | None,
    trade_id: int | None,
    outcome: str,
    error: str | None,
    quantity: str | None,
) -> JournalAction:
    target = None if quantity is None else Decimal(quantity)
    return JournalAction(
        id, tick_id, asset, kind, detail, client_tag, trade_id, outcome, error, target
    )
