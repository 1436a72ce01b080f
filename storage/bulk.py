"""Loading a whole tree, its people and its values at once: a new deployment taking over
a province's or a country's figures, or a benchmark building a national database.

The repositories write a row at a time, each checked against what is there (a unit
matched by name, the next version of a value computed by the INSERT). For hundreds of
thousands of units and millions of values that is hours; here rows go in through the
backend's bulk path (`Tx.copy_rows`: COPY on PostgreSQL, a prepared INSERT run by
executemany on SQLite), with ids numbered here after the highest one.

Kept roll-ups (storage/rollups.py) are not brought up to date row by row here: what a
load touches is marked stale, and `Store.rollups.rebuild_stale()` (also run when a store
opens) rebuilds it from the values.

Meant for a database nobody else writes to meanwhile (numbering ids here would race
with another writer). Nothing is merged into what exists: values go in as first
versions, and a cell that has a value already makes the whole batch fail (the UNIQUE
key of a version), so nothing is ever silently doubled.
"""

from __future__ import annotations

from collections.abc import Sequence

from indicators.people import Role
from indicators.text import fold, normalize
from indicators.values import value_to_data
from storage import rollups
from storage.audit import dumps, write_audit
from storage.backends import Backend, StorageError, Tx
from storage.units import normalize_level
from storage.values import NewValue, check_value

_VALUE_COLUMNS = (
    "unit_id",
    "plan_id",
    "indicator_code",
    "period",
    "version",
    "kind",
    "value_json",
    "note",
    "person_id",
    "channel",
    "recorded_at",
)


class Bulk:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def add_units(
        self, units: Sequence[tuple[str, str, int | None]], *, by: int | None = None
    ) -> list[int]:
        """Add units given as (name, level, parent id), parents before their children
        (a parent may be added in the same call); their ids, in the order given."""
        if not units:
            return []
        async with self._db.transaction() as tx:
            first = await _next_id(tx, "units")
            ids = list(range(first, first + len(units)))
            rows = []
            for unit_id, (name, level, parent_id) in zip(ids, units, strict=True):
                clean = normalize(name)
                if not clean:
                    raise ValueError("a unit needs a name")
                rows.append(
                    (unit_id, clean, fold(clean), normalize_level(level), parent_id, tx.stamp)
                )
            await tx.copy_rows(
                "units", ("id", "name", "folded_name", "level", "parent_id", "created_at"), rows
            )
            await rollups.mark_stale(tx, [rollups.SHAPES])
            await write_audit(tx, by, "unit.imported", {"count": len(ids), "bulk": True})
        await self._db.reset_identities()
        return ids

    async def add_people(
        self, people: Sequence[tuple[str, Role, int | None]], *, by: int | None = None
    ) -> list[int]:
        """Add people given as (name, role, unit id); their ids, in the order given."""
        if not people:
            return []
        async with self._db.transaction() as tx:
            first = await _next_id(tx, "people")
            ids = list(range(first, first + len(people)))
            rows = []
            for person_id, (name, role, unit_id) in zip(ids, people, strict=True):
                clean = normalize(name)
                if not clean:
                    raise ValueError("a person needs a name")
                if unit_id is None and role is not Role.ADMIN:
                    raise StorageError(f"a {role.value} needs a unit")
                rows.append((person_id, clean, Role(role).value, unit_id, tx.stamp))
            await tx.copy_rows("people", ("id", "name", "role", "unit_id", "created_at"), rows)
            await write_audit(tx, by, "person.added", {"count": len(ids), "bulk": True})
        await self._db.reset_identities()
        return ids

    async def add_values(
        self,
        items: Sequence[NewValue],
        *,
        person_id: int | None = None,
        channel: str | None = None,
    ) -> int:
        """Record `items` as the first version of cells that have no value yet, all or
        nothing; how many. A cell given twice, or one that has a value, fails the batch."""
        checked = [check_value(item) for item in items]
        if not checked:
            return 0
        async with self._db.transaction() as tx:
            rows = []
            for item in checked:
                data = value_to_data(item.value)
                rows.append(
                    (
                        item.unit_id,
                        item.plan_id,
                        item.indicator_code,
                        item.period,
                        1,
                        str(data["kind"]),
                        dumps(data),
                        item.note,
                        person_id,
                        channel,
                        tx.stamp,
                    )
                )
            await tx.copy_rows("report_values", _VALUE_COLUMNS, rows)
            await rollups.mark_stale(tx, {(i.plan_id, i.period) for i in checked})
            await write_audit(
                tx, person_id, "value.recorded", {"count": len(rows), "channel": channel}
            )
        return len(checked)

    async def analyze(self) -> None:
        """Gather the planner's statistics after a load: right after millions of rows
        went in, PostgreSQL would otherwise plan for an empty table until autovacuum
        comes round, and SQLite has none until asked."""
        async with self._db.transaction() as tx:
            await tx.execute("ANALYZE")


async def _next_id(tx: Tx, table: str) -> int:
    highest = await tx.fetch_value(f"SELECT MAX(id) FROM {table}")
    return (highest if isinstance(highest, int) else 0) + 1
