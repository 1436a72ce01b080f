"""The connection to the one database file: setup, the single writer, transactions, reads.

Every statement goes through one aiosqlite connection, and an asyncio lock lets only
one transaction run at a time. Reads take the same lock: on a shared connection a read
issued while another conversation's transaction is open would see that transaction's
uncommitted rows, which may still be rolled back. The lock costs nothing measurable
because aiosqlite runs one connection's statements one after another anyway.

The transaction a task is in is kept in a context variable, so a repository method
called inside `async with db.transaction()` joins it (as a savepoint) instead of waiting
for the lock its own caller holds. That is how a handler makes "mark the update
processed, save the answers, clear the conversation" one atomic step.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from storage.clock import Clock, to_db

Params = Sequence[object]
Row = sqlite3.Row

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 5000


class StorageError(Exception):
    """Misuse of the storage layer, or a database it cannot work with."""


class Tx:
    """The open write transaction; statements of the transaction go through it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.open = True
        self.savepoints = 0
        # One moment for the whole transaction: every row a turn writes carries the
        # same time, taken from the database's clock when the transaction began.
        self.now = db.clock.now()
        self.stamp = to_db(self.now)

    def _conn(self) -> aiosqlite.Connection:
        if not self.open:
            raise StorageError("the transaction is already finished")
        return self.db.connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""
        cursor = await self._conn().execute(sql, params)
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        cursor = await self._conn().executemany(sql, rows)
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn().execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Params = ()) -> object:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT ... RETURNING id and give the id."""
        row = await self.fetch_one(sql, params)
        if row is None:
            raise StorageError(f"the statement returned no id: {sql}")
        return int(row[0])


_CURRENT_TX: ContextVar[Tx | None] = ContextVar("storage_current_tx", default=None)


class Database:
    def __init__(self, path: str, connection: aiosqlite.Connection, clock: Clock) -> None:
        self.path = path
        self.connection = connection
        self.clock = clock
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def in_memory(self) -> bool:
        return self.path == MEMORY

    @classmethod
    async def open(cls, path: str | Path, *, clock: Clock, migrate: bool = True) -> Database:
        """Open (creating if needed) the database and bring its schema up to date."""
        db = cls(str(path), await connect(str(path)), clock)
        if migrate:
            # Imported here because migrations needs Database for its own work.
            from storage.migrations import migrate as run_migrations

            try:
                await run_migrations(db)
            except BaseException:
                await db.close()
                raise
        return db

    async def close(self) -> None:
        if self._closed:
            return
        if self._current() is not None:
            raise StorageError("cannot close the database inside one of its transactions")
        async with self._lock:
            self._closed = True
            await self.connection.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _current(self) -> Tx | None:
        tx = _CURRENT_TX.get()
        return tx if tx is not None and tx.db is self and tx.open else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write transaction: commits when the block ends, rolls back if it raises.

        Inside another transaction of this database (same task) it becomes a savepoint,
        so a failing inner step undoes only itself and the outer block decides.
        """
        outer = self._current()
        if outer is not None:
            async with self._savepoint(outer):
                yield outer
            return
        if self._closed:
            raise StorageError("the database is closed")
        async with self._lock:
            # IMMEDIATE takes the write lock at once: a transaction that read first and
            # wrote later could otherwise fail with "database is locked" midway when
            # another process (an admin CLI) writes to the same file.
            await self.connection.execute("BEGIN IMMEDIATE")
            tx = Tx(self)
            token = _CURRENT_TX.set(tx)
            try:
                yield tx
            except BaseException:
                tx.open = False
                if self.connection.in_transaction:
                    await asyncio.shield(self.connection.rollback())
                raise
            else:
                tx.open = False
                try:
                    await asyncio.shield(self.connection.commit())
                except BaseException:
                    # A failed COMMIT can leave the transaction open, and the next BEGIN
                    # would then fail for every conversation.
                    if self.connection.in_transaction:
                        await asyncio.shield(self.connection.rollback())
                    raise
            finally:
                tx.open = False
                _CURRENT_TX.reset(token)

    @asynccontextmanager
    async def _savepoint(self, tx: Tx) -> AsyncIterator[None]:
        tx.savepoints += 1
        name = f"sp_{tx.savepoints}"
        await tx.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await tx.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await tx.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            await tx.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            tx.savepoints -= 1

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, for reads that must not interleave with a transaction."""
        if self._current() is not None:
            yield self.connection
            return
        if self._closed:
            raise StorageError("the database is closed")
        async with self._lock:
            yield self.connection

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.reading() as conn:
            return list(await conn.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Params = ()) -> object:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


async def connect(path: str) -> aiosqlite.Connection:
    """A connection set up the way every part of chitieu expects it."""
    # isolation_level=None: the sqlite3 module must not open transactions on its own;
    # Database.transaction says exactly where each one begins and ends.
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if path != MEMORY:
            # WAL lets the backup (and any reader process) see a consistent snapshot while
            # the bot writes; NORMAL is durable enough with WAL and much faster.
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await conn.close()
        raise
    return conn
