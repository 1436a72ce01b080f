"""The SQLite backend (aiosqlite): one writer connection, one reader connection.

Writes: one write transaction at a time, serialised by an asyncio lock on the writer
connection, and `BEGIN IMMEDIATE` so that another process writing the same file (an
admin CLI) makes this one wait at BEGIN rather than fail midway.

Reads outside a transaction go through a second connection. In WAL mode it reads the
last committed snapshot while the writer works, so a question never waits behind a
broadcast's writes, and never sees their uncommitted rows either.

`:memory:` is the exception: a second connection would open a second, empty database,
so an in-memory backend has the writer connection only, and its reads take the writer
lock — on a shared connection a read while another task's transaction is open would
see that transaction's uncommitted rows, which may still be rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.backends import (
    Backend,
    ConflictError,
    Connection,
    Dialect,
    ForeignKey,
    IntegrityError,
    Params,
    Row,
    StorageError,
    StorageUnavailable,
    unchanged,
)
from storage.clock import Clock

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 5000

# Only the writer lock excludes other claimers, so a claiming SELECT needs no row lock.
SQLITE = Dialect(
    "sqlite",
    translate=unchanged,
    skip_locked="",
    failed_statement_undone=True,
    sole_writer=True,
)

_CHANGES_WRAP = 2**32
_CONFLICTS = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
# Primary result codes of a database that cannot work now but may later: busy or locked
# beyond busy_timeout (5), (6); read-only (8); I/O failing (10); disk or max_page_count
# full (13); the file cannot be opened (14); the WAL lock protocol failing (15).
_UNAVAILABLE = frozenset({5, 6, 8, 10, 13, 14, 15})


def _mapping_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, values, strict=True)}


@contextlib.contextmanager
def _storage_errors() -> Iterator[None]:
    """sqlite3's constraint and availability errors as the storage layer's, so nothing
    above storage needs to know which database said no."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        kind = ConflictError if exc.sqlite_errorname in _CONFLICTS else IntegrityError
        raise kind(str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode & 0xFF in _UNAVAILABLE:
            raise StorageUnavailable(f"{exc.sqlite_errorname}: {exc}") from exc
        raise


class _Connection(Connection):
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.raw = connection

    async def execute(self, sql: str, params: Params) -> int:
        # One trip to aiosqlite's thread, not two (the statement, then closing its
        # cursor): a trip costs more CPU than most of chitieu's statements take
        # (bench/sqlite_trips.py). The rows changed are what the connection's count of
        # changes moved by: nothing else runs on it meanwhile (a writer's statements run
        # under its lock, a reader writes nothing), and no trigger or foreign-key action
        # changes rows behind a statement here. The count is a C int: it wraps.
        before = self.raw.total_changes
        with _storage_errors():
            await self.raw.execute_fetchall(sql, params)
        return (self.raw.total_changes - before) % _CHANGES_WRAP

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        with _storage_errors():
            await self.raw.executemany(sql, rows)

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        # executemany runs the prepared INSERT in C for every row: SQLite has no faster
        # path from Python.
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        await self.execute_many(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    async def fetch_all(self, sql: str, params: Params) -> list[Row]:
        with _storage_errors():
            # The row factory makes dicts; Iterable[Row] is what aiosqlite's stubs say.
            rows: Any = await self.raw.execute_fetchall(sql, params)
        return list(rows)


def _quiet_driver_log() -> None:
    # aiosqlite logs every statement with its parameters at DEBUG: notes, names, chat ids.
    driver = logging.getLogger("aiosqlite")
    if driver.level < logging.INFO:
        driver.setLevel(logging.INFO)


async def connect(path: str, *, read_only: bool = False) -> aiosqlite.Connection:
    """A connection set up the way every part of chitieu expects it."""
    _quiet_driver_log()
    # isolation_level=None: the sqlite3 module must not open transactions on its own;
    # the backend says exactly where each one begins and ends.
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = _mapping_row  # type: ignore[assignment]  # stubs say `type`
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if read_only:
            # A write on the read path is a bug: it would bypass the writer lock.
            await conn.execute("PRAGMA query_only = ON")
        elif path != MEMORY:
            # WAL lets the reader connection, the backup (and any reader process) see a
            # consistent snapshot while the bot writes; NORMAL is durable enough with WAL
            # and much faster.
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await conn.close()
        raise
    return conn


class SQLiteBackend(Backend):
    dialect = SQLITE

    def __init__(
        self,
        path: str,
        clock: Clock,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection | None,
    ) -> None:
        super().__init__(path, clock)
        self.path = path
        self._writer = _Connection(writer)
        self._reader = None if reader is None else _Connection(reader)
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str, clock: Clock) -> SQLiteBackend:
        writer = await connect(path)
        reader = None
        if path != MEMORY:
            # After the writer: it has switched the file to WAL, which the reader needs.
            try:
                reader = await connect(path, read_only=True)
            except BaseException:
                await writer.close()
                raise
        return cls(path, clock, writer, reader)

    @property
    def in_memory(self) -> bool:
        return self.path == MEMORY

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[Connection]:
        raw = self._writer.raw
        async with self._lock:
            self._check_open()
            # IMMEDIATE takes the write lock at once: a transaction that read first and
            # wrote later could otherwise fail with "database is locked" midway when
            # another process (an admin CLI) writes to the same file.
            await _begin(raw)
            try:
                yield self._writer
            except BaseException:
                if raw.in_transaction:
                    with _storage_errors():
                        await asyncio.shield(raw.rollback())
                raise
            else:
                try:
                    with _storage_errors():
                        await asyncio.shield(raw.commit())
                except BaseException:
                    # A failed COMMIT can leave the transaction open, and the next BEGIN
                    # would then fail for every conversation.
                    if raw.in_transaction:
                        with _storage_errors():
                            await asyncio.shield(raw.rollback())
                    raise

    @asynccontextmanager
    async def _writing_alone(self) -> AsyncIterator[Connection]:
        # isolation_level=None (see connect): sqlite3 leaves the statement in autocommit,
        # and a transaction never outlives its _writing block.
        async with self._lock:
            self._check_open()
            yield self._writer

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Connection]:
        if self._reader is not None:
            yield self._reader
            return
        async with self._lock:
            self._check_open()
            yield self._writer

    async def tables(self) -> frozenset[str]:
        rows = await self.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
        return frozenset(row["name"] for row in rows)

    async def foreign_keys(self) -> list[ForeignKey]:
        rows = await self.fetch_all(
            'SELECT m.name AS source, f."table" AS target, f.id, f."from" AS column'
            " FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f"
            " WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq"
        )
        keys: dict[tuple[str, int], ForeignKey] = {}
        for row in rows:
            key = (row["source"], row["id"])
            found = keys.get(key)
            columns = (*found.columns, row["column"]) if found else (row["column"],)
            keys[key] = ForeignKey(row["source"], columns, row["target"])
        return list(keys.values())

    async def table_batches(self, table: str, size: int) -> AsyncIterator[list[Row]]:
        self._check_open()
        if self.in_memory:
            # The writer connection is the only one; hold its lock for the whole read.
            async with self._lock:
                async for batch in _batches(self._writer.raw, table, size):
                    yield batch
            return
        # A connection of its own: one statement reads one snapshot of the WAL file.
        source = await connect(self.path, read_only=True)
        try:
            async for batch in _batches(source, table, size):
                yield batch
        finally:
            await source.close()

    async def reset_identities(self) -> None:
        """Nothing to do: a rowid table numbers new rows after its highest id."""

    async def backup(self, target: str | Path) -> Path:
        """Copy with SQLite's online backup API.

        A file database is copied through a connection of its own, which in WAL mode
        reads one snapshot of committed data while the bot goes on writing (the reader
        connection stays free for questions). An in-memory one can only be read through
        the writer connection, so that copy waits for the writer lock. The copy is
        written next to the target and renamed over it at the end.
        """
        self._check_open()
        final = Path(target)
        partial = final.with_name(f".{final.name}.partial")
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        # The copy is made on the source connection's thread; the target must allow that.
        dest = await aiosqlite.connect(str(partial), check_same_thread=False)
        try:
            if self.in_memory:
                async with self._lock:
                    await _copy(self._writer.raw, dest)
            else:
                source = await connect(self.path, read_only=True)
                try:
                    await _copy(source, dest)
                finally:
                    await source.close()
            # A backup should be one self-contained file, whatever the live database uses.
            await dest.execute("PRAGMA journal_mode = DELETE")
            check = [tuple(row) for row in await dest.execute_fetchall("PRAGMA quick_check")]
            if check != [("ok",)]:
                raise StorageError(f"backup copy failed its check: {check}")
        except BaseException:
            await dest.close()
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise
        await dest.close()
        os.replace(partial, final)
        return final

    async def _close(self) -> None:
        # Under the lock: a transaction still running in another task finishes first.
        async with self._lock:
            if self._reader is not None:
                await self._reader.raw.close()
            await self._writer.raw.close()


async def _begin(raw: aiosqlite.Connection) -> None:
    """BEGIN IMMEDIATE, even when the task is cancelled meanwhile: the statement goes on
    in aiosqlite's thread regardless, and a transaction it opened with nobody left to end
    it would make every later BEGIN fail. A cancel waits for the BEGIN, undoes it, and
    then goes on as a cancel."""
    begin = asyncio.ensure_future(raw.execute_fetchall("BEGIN IMMEDIATE"))
    try:
        with _storage_errors():
            await asyncio.shield(begin)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await begin
            if raw.in_transaction:
                await raw.rollback()
        raise


async def _batches(
    connection: aiosqlite.Connection, table: str, size: int
) -> AsyncIterator[list[Row]]:
    async with connection.execute(f'SELECT * FROM "{table}"') as cursor:
        while batch := await cursor.fetchmany(size):
            # The row factory makes dicts; aiosqlite's stubs say sqlite3.Row.
            rows: Any = batch
            yield list(rows)


async def _copy(source: aiosqlite.Connection, dest: aiosqlite.Connection) -> None:
    # pages=-1 copies everything in one step, under one read transaction: the snapshot
    # cannot change halfway, so the copy never has to restart because of a write.
    await source.backup(dest, pages=-1)
