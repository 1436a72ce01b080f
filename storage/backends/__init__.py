"""The database port: the one interface the repositories talk to, whatever the database.

A backend module (today `storage.backends.sqlite`) implements `Backend` for one kind of
database: its connections, how a write transaction begins and ends, where reads go,
which tables exist, and how a consistent copy is made. Everything else — the nesting of
transactions into savepoints, the transaction's one moment (`tx.now`, `tx.stamp`), rows
as mappings, the translation of placeholders — is here, written once.

Placeholders: repositories write `?` (positional, in the order of `params`), the style of
the SQL they already had and the shortest to build for `IN (?, ?, ?)` lists. A backend
whose driver wants another style says so in its `Dialect`: PostgreSQL's asyncpg takes
`$1, $2…`, which `numbered_placeholders` produces. Translation happens once per distinct
SQL string (cached), so a hot query costs a dictionary lookup.

The other dialect differences the repositories meet are in `Dialect` too: the row lock a
claiming SELECT needs, the types the migrations' DDL becomes, the lock that keeps two
processes from migrating at once. Anything a backend can answer better than SQL can
(which tables exist, their foreign keys, reading a whole table, a backup) is a method
of `Backend`.

Rows are `Mapping[str, Any]` keyed by column name: select distinct names (alias them)
when a query's columns would collide.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self, TypeVar

from storage.clock import Clock, to_db

Params = Sequence[object]
Row = Mapping[str, Any]
_T = TypeVar("_T")

DEFAULT_URL = "sqlite:///chitieu.sqlite3"


class StorageError(Exception):
    """Misuse of the storage layer, or a database it cannot work with."""


class IntegrityError(StorageError):
    """A statement broke a constraint of the schema (a foreign key, a CHECK, NOT NULL)."""


class ConflictError(IntegrityError):
    """A row with the same unique key (or primary key) exists already."""


def unchanged(sql: str) -> str:
    return sql


class StorageUnavailable(StorageError):
    """The database cannot do its work right now — full, read-only, locked by another
    process, failing I/O — though nothing is wrong with the request: the same call may
    succeed later. Backends raise it instead of their driver's errors, so that the bot's
    loops back off and retry and a person is told to try again, whatever the database."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs in the SQL a backend's database accepts."""

    name: str
    # Repository SQL (`?` placeholders) → the SQL the driver takes. Pure, and called for
    # every statement: a backend that needs real work here passes a cached function.
    translate: Callable[[str], str]
    # Appended to the SELECT that picks rows to claim (the outbox), so that concurrent
    # claimers skip each other's rows instead of waiting or taking them twice. Empty where
    # the write transaction already excludes every other writer (SQLite).
    skip_locked: str = ""
    # The migrations' DDL (written with SQLite's types: INTEGER, REAL, TEXT, `INTEGER
    # PRIMARY KEY`) → this database's, so that one list of migrations serves every backend.
    ddl: Callable[[str], str] = unchanged
    # Run first in every migration transaction, so that two processes opening the same
    # database do not migrate it at the same time. Empty where the write transaction
    # already excludes every other writer.
    schema_lock: str = ""
    # Takes a lock on each text bound to `{keys}` (rows of `(ordinal, ?)`, taken in that
    # order) until the transaction ends, for writers that must take turns on something no
    # row stands for yet (the next version of a value): a save's cells in one statement.
    # Empty where the write transaction excludes every other writer. Used via Tx.lock_keys.
    key_lock: str = ""
    # The same lock taken shared: held by many transactions at once, and by none while
    # one holds it through key_lock.
    shared_key_lock: str = ""
    # A statement that fails is undone by itself and its transaction goes on (SQLite):
    # one statement joining a transaction then needs no savepoint of its own. Where a
    # failed statement aborts the whole transaction (PostgreSQL), it gets one.
    failed_statement_undone: bool = False
    # The write transaction excludes every other writer (SQLite), so nothing but the
    # transaction itself changes what it reads: a query repeated with no write in
    # between may be answered from memory (Tx.fetch_all).
    sole_writer: bool = False


def _quoted_end(sql: str, start: int) -> int:
    """The index after the quoted part that opens at `start`."""
    quote = sql[start]
    end = start + 1
    while end < len(sql):
        if sql[end] == quote:
            # A doubled quote is an escaped quote, not the end.
            if end + 1 < len(sql) and sql[end + 1] == quote:
                end += 2
                continue
            return end + 1
        end += 1
    return end


def outside_quotes(sql: str, rewrite: Callable[[str], str]) -> str:
    """`rewrite` applied to the parts of `sql` outside quotes and `--` comments."""
    out: list[str] = []
    plain = 0
    i = 0
    while i < len(sql):
        if sql[i] in "'\"" or sql.startswith("--", i):
            out.append(rewrite(sql[plain:i]))
            if sql[i] == "-":
                newline = sql.find("\n", i)
                end = len(sql) if newline == -1 else newline
            else:
                end = _quoted_end(sql, i)
            out.append(sql[i:end])
            i = plain = end
        else:
            i += 1
    out.append(rewrite(sql[plain:]))
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def numbered_placeholders(sql: str) -> str:
    """`?` → `$1`, `$2`… in order, leaving `?` inside quotes and comments alone."""
    number = 0

    def numbered(part: str) -> str:
        nonlocal number
        pieces = part.split("?")
        out = [pieces[0]]
        for piece in pieces[1:]:
            number += 1
            out.append(f"${number}{piece}")
        return "".join(out)

    return outside_quotes(sql, numbered)


class Connection(Protocol):
    """One connection of a backend. SQL reaching it is already in the backend's dialect,
    and it raises `IntegrityError`/`ConflictError`/`StorageUnavailable`, never its
    driver's own."""

    async def execute(self, sql: str, params: Params) -> int:
        """Run one statement; the number of rows it changed."""

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement once for each of `rows`."""

    async def fetch_all(self, sql: str, params: Params) -> list[Row]:
        """The rows a query gives."""

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        """Insert `rows` (values in the order of `columns`) into `table` the fastest way
        the database has: a bulk load, not a statement per row where it can."""


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """`table (columns) REFERENCES references`."""

    table: str
    columns: tuple[str, ...]
    references: str


def _first(row: Row | None) -> object:
    return None if row is None else next(iter(row.values()))


# A read the transaction may answer again from memory (see Tx.fetch_all): a plain query,
# not one that locks rows or takes a lock.
_PLAIN_READ = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)
_NOT_PLAIN = re.compile(r"\b(INSERT|UPDATE|DELETE|FOR\s+UPDATE|\w*_lock)\b", re.IGNORECASE)
# A turn reads a handful of small things again and again (its plan, its unit, whose
# conversation it is); a long transaction reading much (a copy, an import) keeps little.
_REMEMBERED_READS = 64
_REMEMBERED_ROWS = 200


# Asked of every statement of a transaction, and the statements are the code's own: a
# search of a long SQL text each time was about a hundredth of a turn's CPU.
@functools.lru_cache(maxsize=1024)
def _remembered(sql: str) -> bool:
    return bool(_PLAIN_READ.match(sql)) and not _NOT_PLAIN.search(sql)


class Tx:
    """The open write transaction; statements of the transaction go through it.

    Where the transaction is the only writer (`Dialect.sole_writer`: SQLite), the same
    plain query with the same parameters, asked again with no write of the transaction
    in between, is answered from memory: the parts of one turn each ask for the plan and
    the unit, and the answer cannot have changed. Under PostgreSQL's READ COMMITTED a
    repeated query may see another transaction's commit, so it is always asked."""

    def __init__(self, backend: Backend, connection: Connection) -> None:
        self.backend = backend
        self.open = True
        self.savepoints = 0  # SAVEPOINTs set so far: each gets a name of its own
        self.pending: list[_Savepoint] = []  # nested blocks without their SAVEPOINT yet
        # A failed statement of any kind aborts a PostgreSQL transaction, so a block
        # must set its savepoint before it reads; on SQLite only what writes needs undoing.
        self._undo_reads = not backend.dialect.failed_statement_undone
        self._back_at: str | None = None  # the savepoint just returned to, if nothing ran since
        self._connection = connection
        self._sql = backend.dialect.translate
        self._reads: dict[tuple[str, tuple[object, ...]], list[Row]] = {}
        self._remember = backend.dialect.sole_writer
        self.committed: list[Callable[[], None]] = []  # see Backend.after_commit
        self.writes = 0  # statements that may have written: see Backend.joined
        self.doomed = False  # a joined block failed after writing: see Backend.joined
        # One moment for the whole transaction: every row a turn writes carries the
        # same time, taken from the backend's clock when the transaction began.
        self.now = backend.clock.now()
        self.stamp = to_db(self.now)

    def _conn(self) -> Connection:
        if not self.open:
            raise StorageError("the transaction is already finished")
        return self._connection

    async def _before(self, writes: bool) -> Connection:
        """The connection, once the nested blocks waiting for a savepoint have it."""
        connection = self._conn()
        self._back_at = None
        if self.pending and (writes or self._undo_reads):
            self.savepoints += 1
            name = f"sp_{self.savepoints}"
            await connection.execute(f"SAVEPOINT {name}", ())
            self.pending[0].owner = True
            for point in self.pending:
                point.name = name
            self.pending.clear()
        if writes:
            self.writes += 1
            self._reads.clear()  # before: a statement that fails may have written too
        return connection

    async def _rollback_to(self, name: str) -> None:
        # Blocks sharing a savepoint that fail together return to it once.
        if self._back_at == name:
            return
        self._reads.clear()
        await self._conn().execute(f"ROLLBACK TO SAVEPOINT {name}", ())
        self._back_at = name

    async def _release(self, name: str) -> None:
        self._back_at = None
        await self._conn().execute(f"RELEASE SAVEPOINT {name}", ())

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""
        return await (await self._before(writes=True)).execute(self._sql(sql), params)

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement for each of `rows` (a bulk insert)."""
        await (await self._before(writes=True)).execute_many(self._sql(sql), rows)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        plain = _remembered(sql)
        connection = await self._before(writes=not plain)
        if not self._remember or not plain:
            return await connection.fetch_all(self._sql(sql), params)
        try:
            key = (sql, tuple(params))
            rows = self._reads.get(key)
        except TypeError:  # an unhashable parameter: asked of the database every time
            return await connection.fetch_all(self._sql(sql), params)
        if rows is None:
            rows = await connection.fetch_all(self._sql(sql), params)
            if len(rows) <= _REMEMBERED_ROWS and len(self._reads) < _REMEMBERED_READS:
                self._reads[key] = rows
        return list(rows)

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        """Bulk-insert `rows` into `table` (names from code, never from input)."""
        await (await self._before(writes=True)).copy_rows(table, columns, rows)

    async def lock_keys(self, keys: Sequence[str], *, shared: bool = False) -> None:
        """Hold a lock on each of `keys` until the transaction ends, taken in the order
        given (callers sort them, so that two transactions never wait in a circle); one
        statement for up to _KEYS_A_STATEMENT keys. Nothing where the write transaction
        already excludes every other writer."""
        template = self.backend.dialect.shared_key_lock if shared else self.backend.dialect.key_lock
        if not template:
            return
        for start in range(0, len(keys), _KEYS_A_STATEMENT):
            part = keys[start : start + _KEYS_A_STATEMENT]
            rows = ", ".join(f"({n}, ?)" for n in range(len(part)))
            await self.fetch_all(template.format(keys=rows), tuple(part))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Params = ()) -> object:
        """The first column of the first row, None without a row."""
        return _first(await self.fetch_one(sql, params))

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT ... RETURNING id and give the id."""
        value = _first(await self.fetch_one(sql, params))
        if value is None:
            raise StorageError(f"the statement returned no id: {sql}")
        return int(str(value))


# Keys locked by one statement: a big save's cells, within every driver's limit of
# parameters.
_KEYS_A_STATEMENT = 1000

_CURRENT_TX: ContextVar[Tx | None] = ContextVar("storage_current_tx", default=None)


class Backend(ABC):
    """A database, as the repositories see it.

    `transaction()` is the only way to write. The transaction a task is in is kept in a
    context variable, so a repository method called inside `async with
    backend.transaction()` joins it (as a savepoint) instead of waiting for the lock its
    own caller holds; its reads go through the transaction too and see its writes. Reads
    outside a transaction never see another task's uncommitted rows, and need not wait
    for them either where the backend has a separate read path.
    """

    dialect: ClassVar[Dialect]

    def __init__(self, name: str, clock: Clock) -> None:
        self.name = name  # for messages: a file name, never a password
        self.clock = clock
        self._closed = False

    # --- what a backend module implements -------------------------------------------

    @abstractmethod
    def _writing(self) -> AbstractAsyncContextManager[Connection]:
        """The connection of a new write transaction, begun; committed when the block
        ends, rolled back if it raises. Only one at a time per connection."""

    @abstractmethod
    def _writing_alone(self) -> AbstractAsyncContextManager[Connection]:
        """The connection for one write statement outside any transaction, which the
        database makes atomic by itself: no BEGIN and COMMIT around it. Only one at a
        time per connection, as for `_writing`."""

    @abstractmethod
    def _reading(self) -> AbstractAsyncContextManager[Connection]:
        """A connection for one read outside any transaction, seeing only committed rows."""

    @abstractmethod
    async def tables(self) -> frozenset[str]:
        """The names of the tables the database has."""

    @abstractmethod
    async def foreign_keys(self) -> list[ForeignKey]:
        """Every foreign key of every table."""

    @abstractmethod
    def table_batches(self, table: str, size: int) -> AsyncIterator[list[Row]]:
        """Every row of `table`, `size` rows at a time, read from one snapshot without
        holding all of them in memory (copying a database)."""

    @abstractmethod
    async def reset_identities(self) -> None:
        """After rows were inserted with their ids: make new rows continue after them."""

    @abstractmethod
    async def backup(self, target: str | Path) -> Path:
        """Write a consistent copy of the database to `target`, also while others write;
        the target. Never leaves a half-written file under the target's name."""

    @abstractmethod
    async def _close(self) -> None:
        """Close the connections, after the open transaction (if any) has ended."""

    # --- the same for every backend -------------------------------------------------

    def _current(self) -> Tx | None:
        tx = _CURRENT_TX.get()
        return tx if tx is not None and tx.backend is self and tx.open else None

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the database is closed")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write transaction: commits when the block ends, rolls back if it raises.

        Inside another transaction of this backend (same task) it becomes a savepoint,
        so a failing inner step undoes only itself and the outer block decides.
        """
        outer = self._current()
        if outer is not None:
            async with _savepoint(outer):
                yield outer
            return
        self._check_open()
        async with self._writing() as connection:
            tx = Tx(self, connection)
            token = _CURRENT_TX.set(tx)
            try:
                yield tx
                if tx.doomed:
                    raise StorageError(
                        "a block of the transaction failed halfway; none of it is kept"
                    )
            finally:
                # Closed before the commit, so that nothing slips in during it.
                tx.open = False
                _CURRENT_TX.reset(token)
        for done in tx.committed:
            done()

    @asynccontextmanager
    async def joined(self) -> AsyncIterator[Tx]:
        """`transaction()` for a block whose failure ends its caller's work too (a save
        inside a turn): inside another transaction it sets no savepoint, and is undone
        with the whole transaction. Should it fail after writing and a caller catch the
        failure and go on, the transaction refuses to commit (StorageError): what the
        block wrote is never kept half done. Alone, it is a transaction of its own."""
        outer = self._current()
        if outer is None:
            async with self.transaction() as tx:
                yield tx
            return
        writes = outer.writes
        try:
            yield outer
        except BaseException as failure:
            # PostgreSQL aborts the whole transaction at a failed statement, a read too:
            # with no savepoint to return to, nothing more can be done in it either.
            aborted = isinstance(failure, StorageError) and not self.dialect.failed_statement_undone
            if outer.writes != writes or aborted:
                outer.doomed = True
            raise

    def after_commit(self, done: Callable[[], None]) -> None:
        """Call `done` once what the task's transaction wrote so far is committed: when
        the transaction commits, never if it (or the nested block asking) is undone; at
        once outside a transaction, where every statement commits by itself. For what
        must know that a write is durable, not merely made (a turn's commit can still
        fail after its last statement)."""
        tx = self._current()
        if tx is None:
            done()
        else:
            tx.committed.append(done)

    def stamp(self) -> str:
        """The moment to write: the task's transaction's one moment when there is one."""
        tx = self._current()
        return tx.stamp if tx is not None else to_db(self.clock.now())

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement, the number of rows it changed: inside the task's
        transaction when there is one, else in a transaction of its own. A repository
        method that writes with one statement uses this rather than `transaction()`, so
        that a turn does not pay a savepoint for it where none is needed."""
        return await self._one_write(
            lambda tx: tx.execute(sql, params),
            lambda connection: connection.execute(self.dialect.translate(sql), params),
        )

    async def execute_returning(self, sql: str, params: Params = ()) -> list[Row]:
        """`execute` for a write statement with RETURNING: the rows it returns."""
        return await self._one_write(
            lambda tx: tx.fetch_all(sql, params),
            lambda connection: connection.fetch_all(self.dialect.translate(sql), params),
        )

    async def _one_write(
        self,
        joined: Callable[[Tx], Awaitable[_T]],
        alone: Callable[[Connection], Awaitable[_T]],
    ) -> _T:
        outer = self._current()
        if outer is not None:
            if self.dialect.failed_statement_undone:
                return await joined(outer)
            async with self.transaction() as tx:
                return await joined(tx)
        # Alone, a statement is atomic by itself (both databases commit it on their own):
        # a BEGIN and a COMMIT around it would be two more round trips for nothing.
        self._check_open()
        async with self._writing_alone() as connection:
            return await alone(connection)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        tx = self._current()
        if tx is not None:
            return await tx.fetch_all(sql, params)
        self._check_open()
        async with self._reading() as connection:
            return await connection.fetch_all(self.dialect.translate(sql), params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Params = ()) -> object:
        """The first column of the first row, None without a row."""
        return _first(await self.fetch_one(sql, params))

    async def close(self) -> None:
        if self._closed:
            return
        if self._current() is not None:
            raise StorageError("cannot close the database inside one of its transactions")
        self._closed = True
        await self._close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class _Savepoint:
    """A nested transaction's point to return to. It is set only when the block is about
    to change something (`Tx._before`): a block that only reads has nothing to undo, and
    blocks opened one inside the other with no statement between them share one
    SAVEPOINT, since returning to any of them is returning to the same place. The first
    of them to open owns it and releases it."""

    __slots__ = ("name", "owner")

    def __init__(self) -> None:
        self.name: str | None = None
        self.owner = False


@asynccontextmanager
async def _savepoint(tx: Tx) -> AsyncIterator[None]:
    point = _Savepoint()
    tx.pending.append(point)
    promised = len(tx.committed)
    try:
        yield
    except BaseException:
        del tx.committed[promised:]  # what the block wrote is undone: its promises too
        if point.name is not None:
            await tx._rollback_to(point.name)
            if point.owner:
                await tx._release(point.name)
        raise
    else:
        if point.owner and point.name is not None:
            await tx._release(point.name)
    finally:
        if point in tx.pending:
            tx.pending.remove(point)


# --- naming a database ---------------------------------------------------------------

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_SCHEMES = {"sqlite": SQLITE, "postgresql": POSTGRESQL, "postgres": POSTGRESQL}


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    scheme: str  # SQLITE or POSTGRESQL
    path: str  # for sqlite: the file, or ":memory:"; for postgresql: the whole URL


def parse_url(target: str | Path) -> DatabaseUrl:
    """`sqlite:///relative.db`, `sqlite:////absolute/path.db`, `sqlite:///:memory:`, a
    plain path (a SQLite file; ":memory:" too), or `postgresql://user:password@host/db`
    (libpq's URL, `?host=/run/postgresql` for a Unix socket). Raises ValueError with a
    one-line reason."""
    text = str(target)
    if "://" not in text:
        if not text.strip():
            raise ValueError("the database path is empty")
        return DatabaseUrl(SQLITE, text)
    scheme, _, rest = text.partition("://")
    if scheme not in _SCHEMES:
        raise ValueError(f"unsupported database {scheme}://…; supported: sqlite:///, postgresql://")
    if _SCHEMES[scheme] == POSTGRESQL:
        # The driver reads the rest (host, port, database, options) and says what is wrong.
        return DatabaseUrl(POSTGRESQL, text)
    # sqlite:///x has an empty host part: three slashes, then the path (a fourth slash
    # makes it absolute), as in SQLAlchemy's URLs.
    if not rest.startswith("/") or not rest[1:].strip():
        raise ValueError("a SQLite URL is sqlite:///file (relative) or sqlite:////path (absolute)")
    return DatabaseUrl(scheme, rest[1:])


def sqlite_url(path: str | Path) -> str:
    """The URL of a SQLite file given by its path (`CHITIEU_DB`)."""
    return f"sqlite:///{path}"


async def open_backend(target: str | Path, clock: Clock) -> Backend:
    """Open (creating if needed) the database a URL or a plain SQLite path names. The
    schema is not touched: `storage.migrations.migrate` brings it up to date."""
    try:
        url = parse_url(target)
    except ValueError as exc:
        raise StorageError(str(exc)) from None
    # Imported here: a backend module imports its driver, needed only when it is used.
    if url.scheme == POSTGRESQL:
        from storage.backends.postgres import PostgresBackend

        return await PostgresBackend.open(url.path, clock)
    from storage.backends.sqlite import SQLiteBackend

    return await SQLiteBackend.open(url.path, clock)


__all__ = [
    "DEFAULT_URL",
    "Backend",
    "ConflictError",
    "Connection",
    "DatabaseUrl",
    "Dialect",
    "ForeignKey",
    "IntegrityError",
    "Params",
    "Row",
    "StorageError",
    "StorageUnavailable",
    "Tx",
    "numbered_placeholders",
    "open_backend",
    "outside_quotes",
    "parse_url",
    "sqlite_url",
    "unchanged",
]
