from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot import setup
from bot.table_files import sent_tables
from handlers.services import Services
from indicators.people import Role
from storage import Store
from tests.bot.zalo.fake_bot import FakeBotPlatform
from tests.clock import TestClock
from tests.postgres_server import PostgresServer, Snapshot, run_async

# A Monday in the fourth quarter: Q4 2026 is open (due before 25/12/2026).
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
# The end-to-end tests that run on PostgreSQL too (the rest run on SQLite only, to keep
# CI's time): joining, reporting through a restart, questions, reminder rounds and
# broadcasts — every storage path a conversation takes.
ON_BOTH_BACKENDS = frozenset(
    {
        "test_joining",
        "test_telegram_reporting",
        "test_telegram_questions",
        "test_reminder_rounds",
        "test_broadcasts",
        "test_shared_send_budget",
    }
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    if metafunc.module.__name__.rpartition(".")[2] in ON_BOTH_BACKENDS:
        both = [SQLITE, pytest.param(POSTGRESQL, marks=pytest.mark.postgresql)]
        metafunc.parametrize("backend", both, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The kind of database behind the demo: SQLite, or PostgreSQL where listed above."""
    return str(getattr(request, "param", SQLITE))


@pytest.fixture
def clock() -> TestClock:
    return TestClock(NOW)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "chitieu.sqlite3")


async def _build_demo(path: str) -> None:
    async with await Store.open(path, clock=TestClock(NOW)) as store:
        await setup.load_bundled_plans(store)
        await setup.add_demo(store)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, built once per run: each test gets a copy of this file."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    asyncio.run(_build_demo(str(path)))
    return path


@pytest.fixture(scope="session")
def demo_postgres(postgres_server: PostgresServer) -> Snapshot:
    """The demo database on PostgreSQL, built once per run and put back before each test."""

    async def build() -> Snapshot:
        url = await postgres_server.create_database(name="chitieu_demo")
        await _build_demo(url)
        return await Snapshot.take(url)

    return run_async(build())


@pytest.fixture
def demo_db(backend: str, db_path: str, request: pytest.FixtureRequest) -> str:
    """The demo database of the test's own: a copy of the SQLite file (its path), or the
    PostgreSQL demo database as built (its URL)."""
    if backend == POSTGRESQL:
        snapshot: Snapshot = request.getfixturevalue("demo_postgres")
        return run_async(snapshot.restore())
    shutil.copyfile(request.getfixturevalue("demo_template"), db_path)
    return db_path


@pytest.fixture
async def store(demo_db: str, clock) -> AsyncIterator[Store]:
    async with await Store.open(demo_db, clock=clock) as opened:
        yield opened


def services_for(store: Store) -> Services:
    return Services(store=store, read_tables=sent_tables)


@pytest.fixture
async def zalo_platform() -> AsyncIterator[tuple[FakeBotPlatform, str]]:
    """A fake Zalo Bot Platform on loopback, and its base URL."""
    fake = FakeBotPlatform()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()


async def invite_code(store: Store, unit_name: str, role: Role = Role.MEMBER) -> str:
    unit = (await store.units.by_name(unit_name))[0]
    return await store.invites.create(unit.id, role, uses=1, expires_at=NOW + dt.timedelta(days=7))
