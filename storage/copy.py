"""Copying a whole database to another backend (`chitieu db copy`): SQLite → PostgreSQL
when a deployment outgrows one file, or back.

Both databases are brought to the same schema first (the same migrations); then every
table is copied in foreign-key order, in batches, all inside one transaction of the
target: a copy that fails midway leaves the target as empty as it was, and can simply be
run again. Rows keep their ids; the target's identity sequences are moved past them at
the end. The rows of each table are counted on both sides afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from storage.backends import Backend, ForeignKey, Row, StorageError, Tx

BATCH = 1000
# Rows the migrations write in every database alike: compared, never copied.
_SCHEMA_TABLES = frozenset({"schema_migrations"})


class TargetNotEmpty(StorageError):
    def __init__(self, table: str) -> None:
        super().__init__(f"the target database already has rows in {table}")
        self.table = table


@dataclass(frozen=True, slots=True)
class Progress:
    table: str
    done: int  # rows copied so far, all tables together
    total: int  # rows to copy, all tables together
    table_done: bool = False  # every row of `table` is in


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def matches(self) -> bool:
        return self.source == self.target


def copy_order(tables: Sequence[str], keys: Sequence[ForeignKey]) -> list[str]:
    """The tables, each after every table it references (a table referencing itself is
    handled row by row); ties by name, so the order is always the same."""
    needs = {table: set[str]() for table in tables}
    for key in keys:
        if key.table in needs and key.references != key.table:
            needs[key.table].add(key.references)
    ordered: list[str] = []
    while needs:
        ready = sorted(table for table, wanted in needs.items() if not wanted - set(ordered))
        if not ready:
            raise StorageError(f"foreign keys in a circle between {', '.join(sorted(needs))}")
        ordered.extend(ready)
        for table in ready:
            del needs[table]
    return ordered


async def count_rows(db: Backend, tables: Sequence[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        found = await db.fetch_value(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = int(str(found))
    return counts


async def copy_database(
    source: Backend,
    target: Backend,
    *,
    batch: int = BATCH,
    progress: Callable[[Progress], None] = lambda _: None,
) -> list[TableCount]:
    """Copy every row of `source` into `target` (both migrated to the same version, the
    target without rows); the rows of each table on both sides after the copy."""
    tables = sorted(await source.tables())
    missing = set(tables) - await target.tables()
    if missing:
        raise StorageError(f"the target database has no table {', '.join(sorted(missing))}")
    data_tables = [table for table in tables if table not in _SCHEMA_TABLES]
    for table in data_tables:
        if await target.fetch_one(f'SELECT 1 AS found FROM "{table}" LIMIT 1') is not None:
            raise TargetNotEmpty(table)
    keys = await source.foreign_keys()
    expected = await count_rows(source, data_tables)
    total = sum(expected.values())
    done = 0
    async with target.transaction() as tx:
        for table in copy_order(data_tables, keys):
            later = [
                column
                for key in keys
                if key.table == table and key.references == table
                for column in key.columns
            ]
            pointing: dict[str, list[tuple[object, object]]] = {column: [] for column in later}
            async for rows in source.table_batches(table, batch):
                await _insert(tx, table, rows, pointing)
                done += len(rows)
                progress(Progress(table, done, total))
            for column, updates in pointing.items():
                if updates:
                    await tx.execute_many(
                        f'UPDATE "{table}" SET "{column}" = ? WHERE id = ?', updates
                    )
            progress(Progress(table, done, total, table_done=True))
        await target.reset_identities()
    copied = await count_rows(target, tables)
    counted = {**expected, **await count_rows(source, sorted(_SCHEMA_TABLES & set(tables)))}
    return [TableCount(table, counted[table], copied[table]) for table in tables]


async def _insert(
    tx: Tx, table: str, rows: list[Row], pointing: dict[str, list[tuple[object, object]]]
) -> None:
    """Insert a batch. A row may point at a row of its own table that comes later (a
    commune merged into a newer one): such columns go in empty, and what they point at
    is added to `pointing` (value, row id), to be filled in once the table is complete."""
    if not rows:
        return
    columns = list(rows[0])
    if pointing and "id" not in columns:
        raise StorageError(f"{table} refers to itself but has no id column to copy it by")
    names = ", ".join(f'"{column}"' for column in columns)
    marks = ", ".join("?" * len(columns))
    await tx.execute_many(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
        [tuple(None if c in pointing else row[c] for c in columns) for row in rows],
    )
    for column, updates in pointing.items():
        updates.extend((row[column], row["id"]) for row in rows if row[column] is not None)
