"""Fixtures: stores on each backend, and Đồng Lạc's plan with a unit tree.

Every test that takes `store`, `file_store` or `database` runs twice: on SQLite and on
PostgreSQL (a database of its own on the session's throwaway server, cloned from a
migrated template). `db_path` stays a SQLite file, for what only SQLite has.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage import Store
from tests.clock import TestClock
from tests.postgres_server import PostgresServer, Snapshot, run_async
from tests.storage.storage_fixtures import NOW, Restore, Tree, build_tree

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


@pytest.fixture
def clock() -> TestClock:
    return TestClock(NOW)


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: PostgresServer) -> Snapshot:
    """A PostgreSQL database with the schema and no rows, put back so before each test."""

    async def build() -> Snapshot:
        url = await postgres_server.create_database(name="chitieu_storage")
        await (await Store.open(url, clock=TestClock(NOW))).close()
        return await Snapshot.take(url)

    return run_async(build())


@pytest.fixture(
    params=[SQLITE, pytest.param(POSTGRESQL, marks=pytest.mark.postgresql)],
)
def backend(request: pytest.FixtureRequest) -> str:
    """The kind of database the test runs on."""
    return str(request.param)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chitieu.sqlite3"


@pytest.fixture
def database(backend: str, db_path: Path, request: pytest.FixtureRequest) -> str:
    """A database of the test's own that outlives a Store: a SQLite file's path, or the
    URL of a migrated PostgreSQL database with no rows."""
    if backend == SQLITE:
        return str(db_path)
    snapshot: Snapshot = request.getfixturevalue("migrated_postgres")
    return run_async(snapshot.restore())


@pytest.fixture
def empty_database(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database without even a schema: a new SQLite file, or a new PostgreSQL database."""
    if backend == SQLITE:
        yield str(db_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.own_database() as url:
        yield url


@pytest.fixture
async def store(backend: str, database: str, clock) -> AsyncIterator[Store]:
    """SQLite in memory, or a PostgreSQL database of the test's own."""
    target = ":memory:" if backend == SQLITE else database
    async with await Store.open(target, clock=clock) as opened:
        yield opened


@pytest.fixture
async def memory_store(clock) -> AsyncIterator[Store]:
    """SQLite in memory only: one connection, reads wait for the writer."""
    async with await Store.open(":memory:", clock=clock) as opened:
        yield opened


@pytest.fixture
async def restore(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[Restore]:
    """Turns a backup file back into a database to open: a SQLite copy opens as it is;
    a pg_dump archive is restored with pg_restore into a new, empty database."""
    made: list[str] = []

    async def restored(backup: Path) -> str:
        if backend == SQLITE:
            return str(backup)
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await server.create_database()
        made.append(url)
        done = await asyncio.create_subprocess_exec(
            "pg_restore", "--exit-on-error", f"--dbname={url}", str(backup),
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, errors = await done.communicate()
        assert done.returncode == 0, errors.decode()
        return url

    yield restored
    for url in made:
        await request.getfixturevalue("postgres_server").drop_database(url)


@pytest.fixture
async def file_store(database: str, clock) -> AsyncIterator[Store]:
    """A database with readers beside the writer: a WAL file, or PostgreSQL."""
    async with await Store.open(database, clock=clock) as opened:
        yield opened


@pytest.fixture
async def tree(store: Store) -> Tree:
    return await build_tree(store)
