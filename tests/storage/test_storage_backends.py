"""The database port: naming a database, rows as mappings, reads beside a long write,
versions under two writers, conflicts as storage errors, backups through the backend."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import pytest

from indicators.values import CountValue
from storage import ConflictError, IntegrityError, StorageError, Store, open_backend
from storage.backends import Params, Row, Tx, numbered_placeholders, parse_url
from tests.storage.storage_fixtures import PLAN_ID, Restore, Tree, build_tree


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("sqlite:///chitieu.sqlite3", "chitieu.sqlite3"),
        ("sqlite:///data/xa.sqlite3", "data/xa.sqlite3"),
        ("sqlite:////var/lib/chitieu/xa.sqlite3", "/var/lib/chitieu/xa.sqlite3"),
        ("sqlite:///:memory:", ":memory:"),
        ("/var/lib/chitieu/xa.sqlite3", "/var/lib/chitieu/xa.sqlite3"),  # a plain path
        (":memory:", ":memory:"),
    ],
)
def test_urls_and_paths_name_a_sqlite_database(target: str, path: str) -> None:
    url = parse_url(target)
    assert (url.scheme, url.path) == ("sqlite", path)


@pytest.mark.parametrize(
    "target",
    [
        "postgresql://chitieu:secret@db.example/chitieu",
        "postgres://chitieu@/chitieu?host=/run/postgresql",
    ],
)
def test_a_postgresql_url_names_a_postgresql_database(target: str) -> None:
    url = parse_url(target)
    assert (url.scheme, url.path) == ("postgresql", target)


@pytest.mark.postgresql
async def test_a_postgresql_database_that_cannot_be_reached_is_one_line(
    postgres_server, clock
) -> None:
    url = postgres_server.url("no_such_database").replace("chitieu@", "chitieu:s3cret@")
    with pytest.raises(StorageError) as refused:
        await Store.open(url, clock=clock)
    message = str(refused.value)
    assert "no_such_database" in message and "\n" not in message
    assert "s3cret" not in message  # the password never reaches a message or a log


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "mysql://localhost/chitieu",
            "unsupported database mysql://…; supported: sqlite:///, postgresql://",
        ),
        ("sqlite://chitieu.sqlite3", "sqlite:///file (relative) or sqlite:////path (absolute)"),
        ("sqlite:///", "sqlite:///file (relative) or sqlite:////path (absolute)"),
        ("", "the database path is empty"),
    ],
)
async def test_a_url_no_backend_opens_is_refused_in_one_line(url: str, reason: str, clock) -> None:
    with pytest.raises(ValueError) as raised:
        parse_url(url)
    assert reason in str(raised.value) and "\n" not in str(raised.value)
    with pytest.raises(StorageError) as refused:
        await Store.open(url, clock=clock)
    assert str(refused.value) == str(raised.value)


async def test_store_opens_a_url(tmp_path: Path, clock) -> None:
    file = tmp_path / "by-url.sqlite3"
    async with await Store.open(f"sqlite:///{file}", clock=clock) as store:
        assert store.db.name == str(file)
        await store.units.add("Đồng Lạc", "xã")
    assert file.exists()
    async with await Store.open(f"sqlite:///{file}", clock=clock) as again:
        assert [u.name for u in await again.units.by_name("Đồng Lạc")] == ["Đồng Lạc"]


async def test_rows_are_mappings_of_column_names(store: Store) -> None:
    async with store.transaction() as tx:
        inside = await tx.fetch_one("SELECT 1 AS one, 'hai' AS two")
    outside = await store.db.fetch_all("SELECT 1 AS one, 'hai' AS two")
    for row in (inside, outside[0]):
        assert isinstance(row, Mapping)
        assert dict(row) == {"one": 1, "two": "hai"}
        assert list(row) == ["one", "two"]  # iterating gives names, as a mapping's keys
    assert await store.db.fetch_value("SELECT 2 AS n, 3 AS m") == 2


async def test_a_statement_says_how_many_rows_it_changed(store: Store) -> None:
    """In a transaction and alone, on both backends: rows inserted, updated, deleted,
    none for an insert that conflicts or an update that finds no row."""
    db = store.db
    insert = (
        "INSERT INTO inbox_chats (channel, bot, chat_key) VALUES ('t', 'b', '1'), ('t', 'b', '2')"
    )
    assert await db.execute(insert + ", ('t', 'b', '3')") == 3
    assert await db.execute(insert + " ON CONFLICT DO NOTHING") == 0
    async with store.transaction() as tx:
        changed = await tx.execute(
            "UPDATE inbox_chats SET claimed_by = 'w' WHERE channel = 't' AND chat_key > ?", ("1",)
        )
        assert changed == 2
        assert await tx.execute("UPDATE inbox_chats SET claimed_by = 'w' WHERE chat_key = '9'") == 0
        assert (
            await tx.execute("DELETE FROM inbox_chats WHERE channel = 't' AND chat_key = '3'") == 1
        )
    assert await db.execute("UPDATE inbox_chats SET claimed_by = NULL WHERE channel = 't'") == 2
    assert await db.fetch_value("SELECT COUNT(*) AS n FROM inbox_chats WHERE claimed_by = 'w'") == 0


def test_placeholders_are_numbered_for_drivers_that_want_it() -> None:
    sql = "SELECT a FROM t WHERE b = ? AND c = 'is it?' AND d IN (?, ?) -- why?\nLIMIT ?"
    assert numbered_placeholders(sql) == (
        "SELECT a FROM t WHERE b = $1 AND c = 'is it?' AND d IN ($2, $3) -- why?\nLIMIT $4"
    )
    assert numbered_placeholders("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', $1"
    assert numbered_placeholders(sql) is numbered_placeholders(sql)  # translated once


async def test_a_read_does_not_wait_for_a_long_write_transaction(file_store: Store, clock) -> None:
    tree = await build_tree(file_store)
    village = tree.villages["Nà Pậu"]
    await file_store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
    writing = asyncio.Event()
    commit = asyncio.Event()

    async def long_writer() -> None:
        async with file_store.transaction():
            await file_store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(2))
            writing.set()
            await commit.wait()

    writer = asyncio.create_task(long_writer())
    await writing.wait()
    # Answered while the write transaction is still open, from the committed snapshot.
    [value] = await asyncio.wait_for(file_store.values.latest([village], PLAN_ID, "2025"), 5)
    assert value.value == CountValue(1) and not writer.done()
    commit.set()
    await writer
    [value] = await file_store.values.latest([village], PLAN_ID, "2025")
    assert value.value == CountValue(2)


async def test_a_memory_database_reads_wait_for_the_writer(memory_store: Store) -> None:
    # One connection only: a read beside an open transaction would see its rows.
    store = memory_store
    tree = await build_tree(store)
    village = tree.villages["Nà Pậu"]
    release = asyncio.Event()
    inside = asyncio.Event()

    async def writer() -> None:
        async with store.transaction():
            await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    reader = asyncio.create_task(store.values.latest([village], PLAN_ID, "2025"))
    await asyncio.sleep(0.01)
    assert not reader.done()
    release.set()
    await task
    assert len(await reader) == 1


async def test_two_stores_on_one_database_never_take_the_same_version(database: str, clock) -> None:
    async with await Store.open(database, clock=clock) as first:
        tree = await build_tree(first)
        village = tree.villages["Bản Cuôn"]
        async with await Store.open(database, clock=clock) as second:
            recorded = await asyncio.gather(
                first.values.record(village, PLAN_ID, "3.1", "2025-Q3", CountValue(10)),
                second.values.record(village, PLAN_ID, "3.1", "2025-Q3", CountValue(20)),
            )
        assert sorted(v.version for v in recorded) == [1, 2]
        history = await first.values.history(village, PLAN_ID, "3.1", "2025-Q3")
        assert [v.version for v in history] == [1, 2]


async def test_the_same_version_twice_is_a_conflict(store: Store, tree: Tree) -> None:
    village = tree.villages["Nà Pậu"]
    stored = await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
    with pytest.raises(ConflictError):
        async with store.transaction() as tx:
            await tx.execute(
                "INSERT INTO report_values (unit_id, plan_id, indicator_code, period, version,"
                " kind, value_json, recorded_at) VALUES (?, ?, '3.1', '2025', ?, 'count', '{}', ?)",
                (village, PLAN_ID, stored.version, tx.stamp),
            )
    with pytest.raises(IntegrityError) as raised:  # a foreign key, not a conflict
        await store.values.record(999_999, PLAN_ID, "3.1", "2025", CountValue(1))
    assert not isinstance(raised.value, ConflictError)


def _colliding(monkeypatch: pytest.MonkeyPatch, collisions: int) -> list[str]:
    """The first `collisions` version INSERTs behave as if a concurrent writer had just
    committed the same version (what happens on a database with several writers): they
    fail with a conflict. Where a failed statement is not undone by the database itself
    (PostgreSQL), they write something first: the attempt's own savepoint must undo it."""
    real = Tx.fetch_all
    attempts: list[str] = []
    inserting = "INSERT INTO report_values (unit_id, plan_id, indicator_code, period, version,"

    async def fetch_all(self: Tx, sql: str, params: Params = ()) -> list[Row]:
        if inserting in sql:
            attempts.append(sql)
            if len(attempts) <= collisions:
                if not self.backend.dialect.failed_statement_undone:
                    await self.execute("UPDATE report_values SET note = 'half-done'")
                raise ConflictError("UNIQUE constraint failed: report_values.version")
        return await real(self, sql, params)

    monkeypatch.setattr(Tx, "fetch_all", fetch_all)
    return attempts


async def test_a_version_taken_meanwhile_is_retried(
    store: Store, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    village = tree.villages["Nà Pậu"]
    await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
    attempts = _colliding(monkeypatch, collisions=2)
    stored = await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(2))
    assert len(attempts) == 3 and stored.version == 2
    history = await store.values.history(village, PLAN_ID, "3.1", "2025")
    assert [(v.version, v.note) for v in history] == [(1, None), (2, None)]  # no half-done


async def test_a_version_that_keeps_conflicting_is_an_error(
    store: Store, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    village = tree.villages["Nà Pậu"]
    attempts = _colliding(monkeypatch, collisions=99)
    with pytest.raises(ConflictError):
        await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(2))
    assert len(attempts) == 5
    assert await store.values.history(village, PLAN_ID, "3.1", "2025") == []


async def test_backup_goes_through_the_backend(
    file_store: Store, tmp_path: Path, clock, restore: Restore
) -> None:
    tree = await build_tree(file_store)
    await file_store.values.record(tree.dong_lac, PLAN_ID, "1.1", "2025", CountValue(7))
    target = await file_store.db.backup(tmp_path / "copy.db")
    copy = await open_backend(await restore(target), clock)
    try:
        assert "report_values" in await copy.tables()
        assert await copy.fetch_value("SELECT COUNT(*) FROM report_values") == 1
    finally:
        await copy.close()
