"""A throwaway PostgreSQL server for the tests, from the machine's PostgreSQL binaries.

`initdb` into a temporary folder, listening only on a Unix socket in that folder (no
TCP port to collide with another run), tuned for speed rather than durability, and
removed at the end. PostgreSQL refuses to run as root, so under root (CI) the server
runs as the unprivileged user `nobody`.

Each test starts from a known database: `Snapshot` keeps a copy of a migrated (or demo)
database's rows beside it, and puts them back before each test (truncate, insert,
sequences reset), in one round trip. Cloning a database per test (`CREATE DATABASE …
TEMPLATE`) copies its ~7 MB of catalogues and took 1.5-2 s a test on a busy 2-core
machine; the reset takes a few milliseconds. Tests that need a database with no schema
at all (migrations) get a new one with `create_database()`.

Without PostgreSQL binaries the PostgreSQL tests are skipped with the reason, unless
CHITIEU_REQUIRE_POSTGRES=1 (scripts/test.sh sets it in CI), which makes that a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import asyncpg
import pytest

REQUIRE = "CHITIEU_REQUIRE_POSTGRES"
BINDIR = "CHITIEU_POSTGRES_BINDIR"
UNPRIVILEGED = "nobody"
ADMIN = "chitieu"
_names = itertools.count(1)
T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from a synchronous fixture, on a loop of its own in
    another thread, so that it never meets the loop pytest-asyncio gives the tests."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def find_bindir() -> Path | None:
    """The folder of initdb/pg_ctl: $CHITIEU_POSTGRES_BINDIR, Debian's newest
    /usr/lib/postgresql/N/bin, or the PATH."""
    if os.environ.get(BINDIR):
        chosen = Path(os.environ[BINDIR])
        return chosen if (chosen / "initdb").is_file() else None

    def version(path: str) -> int:
        number = Path(path).parent.parent.name
        return int(number) if number.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("initdb")
    return None if on_path is None else Path(on_path).parent


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when PostgreSQL tests are required."""
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason}, and {REQUIRE}=1 requires the PostgreSQL tests", pytrace=False)
    pytest.skip(f"{reason}: the PostgreSQL tests are skipped (install PostgreSQL to run them)")


class PostgresServer:
    def __init__(self, bindir: Path, *, base: Path | None = None) -> None:
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        # Under root, a folder the unprivileged server can reach: not pytest's, which
        # lives in a folder only root may enter.
        self.base = base or Path(
            tempfile.mkdtemp(prefix="chitieu-pg-", dir="/tmp" if self.as_root else None)
        )
        self.data = self.base / "data"
        self.socket_dir = self.base

    def _run(self, command: Sequence[str]) -> None:
        argv = [str(self.bindir / command[0]), *command[1:]]
        if self.as_root:
            argv = ["runuser", "-u", UNPRIVILEGED, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        _stop_abandoned(self)
        (self.base / "owner.pid").write_text(str(os.getpid()))
        if self.as_root:
            user = pwd.getpwnam(UNPRIVILEGED)
            os.chown(self.base, user.pw_uid, user.pw_gid)
        self._run(
            ["initdb", "-D", str(self.data), "-U", ADMIN, "--auth=trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"]
        )  # fmt: skip
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -c max_connections=300"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            ["pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "server.log"),
             "-w", "start"]
        )  # fmt: skip

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{ADMIN}@/{database}?host={self.socket_dir}"

    async def _admin(self, sql: str) -> None:
        connection = await asyncpg.connect(self.url("postgres"))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def create_database(self, *, name: str = "") -> str:
        """A new, empty database; its URL."""
        name = name or f"test_{os.getpid()}_{next(_names)}"
        await self._admin(f"CREATE DATABASE {name}")
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    @contextlib.contextmanager
    def own_database(self) -> Iterator[str]:
        """A new database with no schema for the block (from synchronous code), dropped
        after it."""
        url = run_async(self.create_database())
        try:
            yield url
        finally:
            run_async(self.drop_database(url))


def _stop_abandoned(current: PostgresServer) -> None:
    """Stop the servers of earlier runs that died without their teardown (a killed test
    run), found by the test process that started them no longer being alive."""
    for owner in Path(current.base.parent).glob("chitieu-pg-*/owner.pid"):
        try:
            os.kill(int(owner.read_text()), 0)
            continue  # that run is still going
        except ProcessLookupError:
            pass
        except (PermissionError, ValueError):
            continue  # someone else's, or not ours to judge
        abandoned = PostgresServer(current.bindir, base=owner.parent)
        with contextlib.suppress(RuntimeError):
            abandoned.stop()


_SAVED = "saved_for_tests"


class Snapshot:
    """The rows of a database as they are now, kept in a schema of their own, to put
    back before each test."""

    def __init__(self, url: str, restore: str) -> None:
        self.url = url
        self._restore = restore

    @classmethod
    async def take(cls, url: str) -> Snapshot:
        connection = await asyncpg.connect(url)
        try:
            tables = [
                row["table_name"]
                for row in await connection.fetch(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                    " ORDER BY table_name"
                )
            ]
            identities = await connection.fetch(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND is_identity = 'YES'"
            )
            await connection.execute(f"DROP SCHEMA IF EXISTS {_SAVED} CASCADE")
            await connection.execute(f"CREATE SCHEMA {_SAVED}")
            for table in tables:
                await connection.execute(
                    f'CREATE TABLE {_SAVED}."{table}" AS SELECT * FROM public."{table}"'
                )
        finally:
            await connection.close()
        restore = [
            # Foreign keys are triggers: replica mode skips them while the rows go back in
            # any order (the rows were consistent when saved). DELETE, not TRUNCATE: on
            # tables this small, TRUNCATE's new files cost a hundred times more.
            "SET session_replication_role = replica",
            *(f'DELETE FROM public."{t}"' for t in tables),
            *(f'INSERT INTO public."{t}" SELECT * FROM {_SAVED}."{t}"' for t in tables),
            *(
                f"SELECT setval(pg_get_serial_sequence('public.\"{r['table_name']}\"',"
                f" '{r['column_name']}'), COALESCE((SELECT MAX(\"{r['column_name']}\")"
                f' FROM public."{r["table_name"]}"), 0) + 1, false)'
                for r in identities
            ),
            "SET session_replication_role = DEFAULT",
        ]
        return cls(url, ";\n".join(restore))

    async def restore(self) -> str:
        """The database as it was saved, nobody else connected; its URL."""
        connection = await asyncpg.connect(self.url)
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            await connection.execute(self._restore)
        finally:
            await connection.close()
        return self.url
