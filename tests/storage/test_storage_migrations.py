"""Migrations: numbered, recorded, atomic, and an old database upgrades with its data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from indicators.people import Person, Role
from indicators.values import RatioValue, value_to_data
from storage import Backend, StorageError, Store, open_backend
from storage import migrations as migrations_module
from storage.audit import dumps
from storage.backends.postgres import postgres_ddl
from storage.clock import to_db
from storage.migrations import LATEST, MIGRATIONS, _hash_invite_codes, current_version, migrate
from tests.storage.storage_fixtures import NOW, PLAN_ID


async def test_database_at_migration_1_upgrades_with_its_data(empty_database: str, clock) -> None:
    db = await open_backend(empty_database, clock)
    assert await migrate(db, target=1) == 1
    assert "unit_aliases" not in await db.tables()
    at = to_db(NOW)
    # Written as version 1 of the program wrote it: plain SQL against the old schema.
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO units (id, name, folded_name, level, parent_id, created_at)"
            " VALUES (1, 'Đồng Lạc', 'dong lac', 'xã', NULL, ?),"
            " (2, 'Nà Pậu', 'na pau', 'thôn', 1, ?)",
            (at, at),
        )
        await tx.execute(
            "INSERT INTO people (id, name, role, unit_id, created_at)"
            " VALUES (1, 'Lường Thị B', 'member', 2, ?)",
            (at,),
        )
        await tx.execute(
            "INSERT INTO identities (channel, external_id, person_id, linked_at)"
            " VALUES ('zalo', 'z-77', 1, ?)",
            (at,),
        )
        for version, numerator in ((1, 150), (2, 175)):
            data = value_to_data(RatioValue(numerator, 300))
            await tx.execute(
                "INSERT INTO report_values (unit_id, plan_id, indicator_code, period, version,"
                " kind, value_json, person_id, channel, recorded_at)"
                " VALUES (2, ?, '3.1', '2025-Q3', ?, 'ratio', ?, 1, 'zalo', ?)",
                (PLAN_ID, version, dumps(data), at),
            )
        await tx.execute(
            "INSERT INTO conversation_state VALUES ('zalo', 'z-77', 'report', 'q2', '{}', ?)",
            (at,),
        )
    await db.close()

    async with await Store.open(empty_database, clock=clock) as store:
        assert await current_version(store.db) == LATEST
        applied = await store.db.fetch_all("SELECT version FROM schema_migrations ORDER BY 1")
        assert [row["version"] for row in applied] == list(range(1, LATEST + 1))
        person = await store.people.by_identity("zalo", "z-77")
        assert person is not None and person.role is Role.MEMBER and person.unit_id == 2
        history = await store.values.history(2, PLAN_ID, "3.1", "2025-Q3")
        assert [v.value for v in history] == [RatioValue(150, 300), RatioValue(175, 300)]
        assert history[0].recorded_at == NOW
        state = await store.conversations.get("zalo", "z-77")
        assert state is not None and state.step == "q2"
        # Migration 4 made it the person's conversation, whichever messenger they use.
        keys = await store.db.fetch_all("SELECT channel, external_id FROM conversation_state")
        assert [(row["channel"], row["external_id"]) for row in keys] == [("person", "1")]
        # What migration 2 added works on the old rows.
        await store.units.add_alias(2, "Thôn 3")
        [found] = await store.units.by_name("thon 3")
        assert found.name == "Nà Pậu"


async def test_opening_again_applies_nothing(empty_database: str, clock) -> None:
    async with await Store.open(empty_database, clock=clock) as store:
        first = await store.db.fetch_all("SELECT version, applied_at FROM schema_migrations")
    async with await Store.open(empty_database, clock=clock) as store:
        again = await store.db.fetch_all("SELECT version, applied_at FROM schema_migrations")
    assert first == again


async def test_failing_migration_leaves_nothing_behind(
    empty_database: str, monkeypatch: pytest.MonkeyPatch, clock
) -> None:
    broken = [
        *migrations_module.MIGRATIONS,
        (LATEST + 1, ["CREATE TABLE half_done (id INTEGER)", "THIS IS NOT SQL"]),
    ]
    monkeypatch.setattr(migrations_module, "MIGRATIONS", broken)
    monkeypatch.setattr(migrations_module, "LATEST", LATEST + 1)
    db: Backend = await open_backend(empty_database, clock)
    try:
        with pytest.raises(Exception, match="syntax error"):
            await migrate(db)
        assert await current_version(db) == LATEST
        assert "half_done" not in await db.tables()
    finally:
        await db.close()


async def test_database_from_a_newer_program_is_refused(empty_database: str, clock) -> None:
    async with await Store.open(empty_database, clock=clock) as store, store.transaction() as tx:
        await tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
            (LATEST + 1, to_db(NOW)),
        )
    with pytest.raises(StorageError, match="newer"):
        await Store.open(empty_database, clock=clock)


async def test_invite_codes_of_an_older_database_are_hashed(db_path: Path, clock) -> None:
    hashing = next(n for n, steps in MIGRATIONS if _hash_invite_codes in steps)
    db = await open_backend(db_path, clock)
    assert await migrate(db, target=hashing - 1) == hashing - 1
    at, later = to_db(NOW), to_db(NOW + dt.timedelta(days=7))
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO units (id, name, folded_name, level, parent_id, created_at)"
            " VALUES (1, 'Đồng Lạc', 'dong lac', 'xã', NULL, ?)",
            (at,),
        )
        await tx.execute(
            "INSERT INTO people (id, name, role, unit_id, created_at)"
            " VALUES (1, 'Lường Thị B', 'member', 1, ?)",
            (at,),
        )
        await tx.execute(
            "INSERT INTO invites (code, unit_id, role, uses_left, expires_at, created_at)"
            " VALUES ('ABCD2345', 1, 'member', 1, ?, ?), ('WXYZ6789', 1, 'member', 0, ?, ?)",
            (later, at, later, at),
        )
        await tx.execute(
            "INSERT INTO invite_uses (code, person_id, channel, external_id, used_at)"
            " VALUES ('WXYZ6789', 1, 'zalo', 'z-1', ?)",
            (at,),
        )
        for code in ("ABCD2345", "WXYZ6789"):
            await tx.execute(
                "INSERT INTO audit_log (person_id, action, details_json, at)"
                " VALUES (NULL, 'invite.created', ?, ?)",
                (dumps({"code": code, "unit_id": 1}), at),
            )
    await db.close()

    async with await Store.open(db_path, clock=clock) as store:
        for table in ("invites", "invite_uses", "audit_log"):
            for row in await store.db.fetch_all(f"SELECT * FROM {table}"):
                assert "ABCD2345" not in repr(dict(row)) and "WXYZ6789" not in repr(dict(row))
        assert [u.external_id for u in await store.invites.uses("WXYZ6789")] == ["z-1"]
        joined = await store.invites.redeem(
            "abcd-2345", channel="telegram", external_id="9", name="Hà Văn C"
        )
        assert isinstance(joined, Person) and joined.unit_id == 1
        created = await store.audit.entries(action="invite.created")
        assert len(created) == 2
        assert all(set(e.details) == {"invite", "unit_id"} for e in created)


def test_the_ddl_becomes_postgresql_types_in_one_place() -> None:
    sql = """
    CREATE TABLE t (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL CHECK (text <> 'INTEGER REAL TEXT'),
        share REAL,
        parent_id INTEGER REFERENCES t (id)
    )
    """
    assert " ".join(postgres_ddl(sql).split()) == (
        "CREATE TABLE t ( id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " text TEXT COLLATE \"C\" NOT NULL CHECK (text <> 'INTEGER REAL TEXT'),"
        " share DOUBLE PRECISION, parent_id BIGINT REFERENCES t (id) )"
    )
    assert postgres_ddl("ALTER TABLE t ADD COLUMN note TEXT") == (
        'ALTER TABLE t ADD COLUMN note TEXT COLLATE "C"'
    )
    assert postgres_ddl("CREATE INDEX t_idx ON t (parent_id)") == (
        "CREATE INDEX t_idx ON t (parent_id)"
    )


@pytest.mark.postgresql
async def test_the_same_migrations_make_the_same_tables_and_columns(
    database: str, backend: str, clock
) -> None:
    async def columns(store: Store, sql: str) -> set[tuple[str, str, bool]]:
        found = set()
        for table in await store.db.tables():
            for row in await store.db.fetch_all(sql, (table,)):
                found.add((table, row["name"], bool(row["nullable"])))
        return found

    async with (
        await Store.open(":memory:", clock=clock) as sqlite,
        await Store.open(database, clock=clock) as postgres,
    ):
        assert await sqlite.db.tables() == await postgres.db.tables()
        on_sqlite = await columns(
            sqlite, 'SELECT name, NOT "notnull" AND pk = 0 AS nullable FROM pragma_table_info(?)'
        )
        on_postgres = await columns(
            postgres,
            "SELECT column_name AS name, is_nullable = 'YES' AS nullable"
            " FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
        )
        assert on_sqlite == on_postgres
        assert set(await sqlite.db.foreign_keys()) == set(await postgres.db.foreign_keys())
