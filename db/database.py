"""The one long-lived SQLite connection, its migrations, and the per-user data registry.

- WAL mode, ``foreign_keys=ON`` and a short ``busy_timeout`` (see :data:`BUSY_TIMEOUT_MS`); the file is
  created owner-only (0600). A file that cannot be opened for writing stops start-up with
  :class:`DatabaseUnavailable`, whose message says what to fix.
- Migrations are the numbered ``db/migrations/NNNN_name.sql`` files, applied in order, each inside a
  transaction, and recorded in ``schema_migrations`` (and ``PRAGMA user_version``). Applying twice is
  a no-op.
- Every table holding a user's data has a ``user_id`` column. :meth:`Database.user_tables` finds them by
  reading the schema, so export and delete cover a new table the moment its migration lands.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import weakref
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import aiosqlite

log = logging.getLogger("lorcoach.db")

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
#: How long a statement waits for another process's lock before failing with "database is locked".
#: Kept well under Discord's 3-second window to answer an interaction: most commands write before they
#: reply, and the user then gets "busy, nothing was saved, try again" instead of "the application did not
#: respond". Every other query waits behind it on the one connection, so longer waits hurt everybody.
BUSY_TIMEOUT_MS = 2000


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened for reading and writing; the bot must not start without it."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """The migrations shipped in ``db/migrations``, in version order."""
    found = []
    for entry in resources.files("db.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def split_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (triggers included)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        raise ValueError("migration ends with an incomplete statement")
    return statements


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (and its folder, when we create it, 0700)."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(path.parent, 0o700)  # mkdir's mode is filtered by the umask
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class Database:
    """A single aiosqlite connection shared by the whole bot."""

    #: Connected databases, so a test harness can close whatever a run left open.
    open_instances: ClassVar[weakref.WeakSet[Database]] = weakref.WeakSet()

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = int(busy_timeout_ms)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._tx_task: asyncio.Task[Any] | None = None  # the task whose transaction is open, if any

    # ------------------------------------------------------------------ lifecycle
    async def connect(self) -> None:
        """Open the file (created owner-only) and set the pragmas; raises :class:`DatabaseUnavailable`."""
        if self._conn is not None:
            return
        try:
            conn = await self._open()
        except (OSError, sqlite3.Error) as error:
            message = (
                f"Cannot open the database {self.path} for reading and writing ({error}). LOR Coach stores "
                "referees and reminders there and will not start without it: make the file and its folder "
                "writable by the user running the bot, free some disk space, or point DATABASE_PATH at a "
                "writable location."
            )
            log.error(message)
            raise DatabaseUnavailable(message) from error
        self._conn = conn
        Database.open_instances.add(self)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.chmod(side, 0o600)

    async def _open(self) -> aiosqlite.Connection:
        if str(self.path) != ":memory:":
            _create_private_file(self.path)
        pending = aiosqlite.connect(self.path, isolation_level=None)
        # The worker thread must never keep the process alive if a bot is dropped without close()
        # (a crash, or a test harness that detaches it); close() is still the normal way out.
        pending._thread.daemon = True
        conn = await pending
        try:
            conn.row_factory = aiosqlite.Row
            for pragma in (
                "PRAGMA journal_mode=WAL",
                "PRAGMA foreign_keys=ON",
                f"PRAGMA busy_timeout={self.busy_timeout_ms}",
                "PRAGMA synchronous=NORMAL",
                "PRAGMA secure_delete=ON",  # deleted rows are overwritten with zeros, not just unlinked
            ):
                async with conn.execute(pragma) as cursor:  # close each cursor: an open one blocks COMMIT
                    await cursor.fetchall()
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        Database.open_instances.discard(self)
        try:
            async with conn.execute("PRAGMA optimize") as cursor:
                await cursor.fetchall()
        except sqlite3.Error:
            pass
        await conn.close()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    # ------------------------------------------------------------------ migrations
    async def migrate(self, migrations: Iterable[Migration] | None = None) -> list[int]:
        """Apply pending migrations in order; returns the versions applied now."""
        migrations = bundled_migrations() if migrations is None else list(migrations)
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        applied = {row[0] for row in await self.fetchall("SELECT version FROM schema_migrations")}
        done = []
        for migration in migrations:
            if migration.version in applied:
                continue
            async with self.transaction() as conn:
                for statement in split_statements(migration.sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at)"
                    " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                    (migration.version, migration.name),
                )
                await conn.execute(f"PRAGMA user_version={int(migration.version)}")
            done.append(migration.version)
            log.info("applied migration %04d_%s", migration.version, migration.name)
        return done

    # ------------------------------------------------------------------ queries
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any error or cancellation. Serialises writers."""
        async with self._write_lock:
            self._tx_task = asyncio.current_task()
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
                await self.conn.execute("COMMIT")
            except BaseException:
                # Even if we were cancelled while BEGIN was queued, the worker runs statements in order,
                # so this ROLLBACK runs after it; shielded so a second cancellation cannot skip it.
                # A failed COMMIT (disk full, I/O error) is rolled back too, so the connection stays usable.
                await asyncio.shield(self._rollback())
                raise
            finally:
                self._tx_task = None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """Reads share the one connection, so they wait for another task's open transaction: they must
        never see rows it may still roll back. Inside its own transaction a task reads its own writes."""
        if self._tx_task is not None and self._tx_task is asyncio.current_task():
            yield
            return
        async with self._write_lock:
            yield

    async def _rollback(self) -> None:
        try:
            await self.conn.execute("ROLLBACK")
        except sqlite3.OperationalError:  # no transaction was open (BEGIN itself failed)
            pass

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement in its own transaction; returns the number of rows changed."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT in its own transaction; returns the new row id."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return int(cursor.lastrowid or 0)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.reading(), self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.reading():  # one trip to aiosqlite's thread, not three (execute, fetch, close)
            return list(await self.conn.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Sequence[Any] = (), default: Any = None) -> Any:
        row = await self.fetchone(sql, params)
        return default if row is None else row[0]

    # ------------------------------------------------------------------ meta
    async def get_meta(self, key: str) -> str | None:
        return await self.fetchval("SELECT value FROM meta WHERE key = ?", (key,))

    async def set_meta(self, key: str, value: str) -> None:
        await self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # ------------------------------------------------------------------ per-user data
    async def user_tables(self) -> list[str]:
        """Every table with a ``user_id`` column: the tables that hold somebody's data."""
        tables = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        found = []
        for (name,) in tables:
            columns = await self.fetchall("SELECT name FROM pragma_table_info(?)", (name,))
            if any(col[0] == "user_id" for col in columns):
                found.append(name)
        return found

    async def export_user(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """All rows belonging to ``user_id``, table by table."""
        out: dict[str, list[dict[str, Any]]] = {}
        for table in await self.user_tables():
            rows = await self.fetchall(
                f'SELECT * FROM "{table}" WHERE user_id = ? ORDER BY rowid', (user_id,)
            )
            out[table] = [dict(row) for row in rows]
        return out

    async def delete_user(self, user_id: int) -> dict[str, int]:
        """Delete every row belonging to ``user_id`` in one transaction; returns counts per table.

        Child tables go first so foreign keys never block the delete.
        """
        tables = await self.user_tables()
        order = await self._children_first(tables)
        counts: dict[str, int] = {}
        async with self.transaction() as conn:
            for table in order:
                cursor = await conn.execute(f'DELETE FROM "{table}" WHERE user_id = ?', (user_id,))
                counts[table] = cursor.rowcount
        await self._checkpoint()
        return counts

    async def _checkpoint(self) -> None:
        """Copy the WAL into the main file and empty it, so deleted data leaves no copy in the -wal file."""
        async with self._write_lock:
            async with self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                busy = (await cursor.fetchone() or (0,))[0]
        if busy:
            log.warning("the WAL checkpoint after a data deletion was blocked; it completes on a later write")

    async def _children_first(self, tables: list[str]) -> list[str]:
        parents: dict[str, set[str]] = {}
        for table in tables:
            fks = await self.fetchall('SELECT "table" FROM pragma_foreign_key_list(?)', (table,))
            parents[table] = {fk[0] for fk in fks if fk[0] in tables and fk[0] != table}
        ordered: list[str] = []
        remaining = set(tables)
        while remaining:
            # a table can go once no remaining table points at it
            leaves = sorted(t for t in remaining if not any(t in parents[o] for o in remaining if o != t))
            if not leaves:  # a cycle: ON DELETE CASCADE has to handle it
                leaves = sorted(remaining)
            ordered.extend(leaves)
            remaining -= set(leaves)
        return ordered

    async def integrity_ok(self) -> bool:
        return (await self.fetchval("PRAGMA integrity_check")) == "ok"
