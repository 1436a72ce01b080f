"""Report values: every version kept. The highest version of a (unit, plan, indicator,
period) is the value; the lower ones are its history. Nothing here updates or deletes
a report value.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from indicators.text import normalize
from indicators.values import AnyValue, value_from_data, value_to_data
from storage import rollups
from storage.audit import dumps, write_audit
from storage.backends import Backend, ConflictError, Params, Row, StorageError, Tx
from storage.clock import from_db
from storage.units import SUBTREE_CTE

PERIOD = re.compile(r"\d{4}(-H[12]|-Q[1-4]|-(0[1-9]|1[0-2]))?")

_COLUMNS = (
    "v.id, v.unit_id, v.plan_id, v.indicator_code, v.period, v.version, v.value_json,"
    " v.note, v.person_id, v.channel, v.update_key, v.recorded_at"
)

# Keeps only the latest version of each row's (unit, plan, indicator, period); served by
# the UNIQUE (unit_id, plan_id, indicator_code, period, version) index.
_IS_LATEST = """
    v.version = (
        SELECT MAX(w.version) FROM report_values w
        WHERE w.unit_id = v.unit_id AND w.plan_id = v.plan_id
          AND w.indicator_code = v.indicator_code AND w.period = v.period
    )
"""


# Every cell's next version is computed by the INSERT itself, from the versions there
# before it (both databases evaluate the SELECT before inserting: SQLite copies it aside
# when it reads the table written), plus the row's place among the batch's rows of its
# cell (a cell twice in one batch makes two versions).
_INSERT_VERSIONS = (
    "{ancestry}INSERT INTO report_values (unit_id, plan_id, indicator_code, period, version,"
    " kind, value_json, note, person_id, channel, update_key, recorded_at)"
    " SELECT n.column1, n.column2, n.column3, n.column4, COALESCE(("
    "SELECT MAX(w.version) FROM report_values w WHERE w.unit_id = n.column1"
    " AND w.plan_id = n.column2 AND w.indicator_code = n.column3 AND w.period = n.column4"
    "), 0) + n.column5, n.column6, n.column7, n.column8, ?, ?, ?, ?"
    " FROM (VALUES {rows}) AS n WHERE true{open}"
    " ON CONFLICT (update_key, unit_id, plan_id, indicator_code, period) DO NOTHING"
    f" RETURNING {_COLUMNS.replace('v.', '')}"
)
# Every unit of the batch (`origin`) with the units above it, as storage/units.py's
# ANCESTRY_CTE, for the lock test below.
_ANCESTRY = """
    WITH RECURSIVE up (origin, id, depth) AS (
        SELECT id, id, 0 FROM units WHERE id IN ({units})
        UNION ALL
        SELECT up.origin, p.id, up.depth + 1 FROM up
        JOIN units c ON c.id = up.id
        JOIN units p ON p.id = c.parent_id OR p.id = c.merged_into_id
        WHERE up.depth < 64
    )
"""
# The row's period open for its unit: no lock of the unit or of a unit above it.
_OPEN = (
    "NOT EXISTS (SELECT 1 FROM up JOIN period_locks l ON l.unit_id = up.id"
    " WHERE up.origin = n.column1 AND l.plan_id = n.column2 AND l.period = n.column4)"
)
_NEW_ROW = (
    "(CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT),"
    " CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))"
)
# Rows per INSERT: well below both databases' limit of 32,766 parameters.
_BATCH = 1000
# Each retry follows a writer that committed the same cell at the same instant; more than
# a few in a row means something else is wrong.
_VERSION_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class NewValue:
    """One answer to record; who, through which channel and from which update are given
    once for the whole batch."""

    unit_id: int
    plan_id: str
    indicator_code: str
    period: str
    value: AnyValue
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StoredValue:
    id: int
    unit_id: int
    plan_id: str
    indicator_code: str
    period: str
    version: int
    value: AnyValue
    note: str | None
    person_id: int | None
    channel: str | None
    update_key: str | None
    recorded_at: dt.datetime


# A national database holds millions of values but few distinct ones (a percentage, a
# ratio of households), and a question reads tens of thousands of rows: decoding each
# JSON text once saves most of the time spent turning rows into values. Values are
# immutable, so rows may share them; the same goes for the timestamps of a bulk load.
@functools.lru_cache(maxsize=65536)
def _decoded(value_json: str) -> AnyValue:
    return value_from_data(json.loads(value_json))


_recorded_at = functools.lru_cache(maxsize=4096)(from_db)


def _stored(row: Row) -> StoredValue:
    return StoredValue(
        id=row["id"],
        unit_id=row["unit_id"],
        plan_id=row["plan_id"],
        indicator_code=row["indicator_code"],
        period=row["period"],
        version=row["version"],
        value=_decoded(row["value_json"]),
        note=row["note"],
        person_id=row["person_id"],
        channel=row["channel"],
        update_key=row["update_key"],
        recorded_at=_recorded_at(row["recorded_at"]),
    )


def _cell(item: NewValue | StoredValue) -> tuple[int, str, str, str]:
    return (item.unit_id, item.plan_id, item.indicator_code, item.period)


def _in_order(
    items: Sequence[NewValue],
    keys: Sequence[tuple[int, str, str, str]],
    created: Sequence[StoredValue],
) -> tuple[list[StoredValue], list[NewValue]]:
    """The versions made for `items` (each item one, a cell's items in order from its
    lowest), and the items of cells that made none."""
    lowest: dict[tuple[int, str, str, str], int] = {}
    for value in created:
        cell = _cell(value)
        lowest[cell] = min(lowest.get(cell, value.version), value.version)
    by_version = {(*_cell(v), v.version): v for v in created}
    stored: list[StoredValue] = []
    held: list[NewValue] = []
    for key, item in zip(keys, items, strict=True):
        if key not in lowest:
            held.append(item)
            continue
        stored.append(by_version[(*key, lowest[key])])
        lowest[key] += 1
    return stored, held


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


def _values_list(count: int, item_type: str) -> str:
    """`(?, ?), (?, ?), ...`: an ordinal and an item per row, for a VALUES list. Typed:
    PostgreSQL cannot tell the type of a bare placeholder in VALUES, and would compare
    the ordinals as text ("10" < "2")."""
    return ", ".join([f"(CAST(? AS INTEGER), CAST(? AS {item_type}))"] * count)


def _numbered(items: Sequence[object]) -> list[object]:
    return [x for pair in enumerate(items) for x in pair]


def check_value(item: NewValue) -> NewValue:
    """The item as stored (code trimmed, note normalised); ValueError if malformed."""
    if not PERIOD.fullmatch(item.period):
        raise ValueError(f"period {item.period!r} is not like 2024, 2024-H1, 2024-Q3, 2024-09")
    if not item.indicator_code.strip() or not item.plan_id.strip():
        raise ValueError("a value needs a plan and an indicator code")
    note = None if item.note is None else normalize(item.note) or None
    return NewValue(
        item.unit_id, item.plan_id, item.indicator_code.strip(), item.period, item.value, note
    )


class Values:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def record(
        self,
        unit_id: int,
        plan_id: str,
        indicator_code: str,
        period: str,
        value: AnyValue,
        *,
        note: str | None = None,
        person_id: int | None = None,
        channel: str | None = None,
        update_key: str | None = None,
    ) -> StoredValue:
        """Record a new version. With an `update_key` (the chat update it came from) a
        redelivered update records nothing and gives the version it recorded before."""
        [stored] = await self.record_many(
            [NewValue(unit_id, plan_id, indicator_code, period, value, note)],
            person_id=person_id,
            channel=channel,
            update_key=update_key,
        )
        return stored

    async def record_many(
        self,
        items: Sequence[NewValue],
        *,
        person_id: int | None = None,
        channel: str | None = None,
        update_key: str | None = None,
    ) -> list[StoredValue]:
        """Record all of `items` in one transaction, all or nothing; the stored versions in
        the order given. The same cell twice in `items` makes two versions (unless an
        update key is given, which records a cell once per update)."""
        stored, _held = await self._record(items, person_id, channel, update_key, open_only=False)
        return stored

    async def record_open(
        self,
        items: Sequence[NewValue],
        *,
        person_id: int | None = None,
        channel: str | None = None,
        update_key: str | None = None,
    ) -> tuple[list[StoredValue], list[NewValue]]:
        """`record_many` for the items whose period no lock covers for their unit (a lock
        of the unit or of a unit above it, storage/reviews.py): the versions stored, in
        the order given, and the items held back, checked in the same statement that
        writes the others."""
        return await self._record(items, person_id, channel, update_key, open_only=True)

    async def _record(
        self,
        items: Sequence[NewValue],
        person_id: int | None,
        channel: str | None,
        update_key: str | None,
        *,
        open_only: bool,
    ) -> tuple[list[StoredValue], list[NewValue]]:
        checked = [check_value(item) for item in items]
        if not checked:
            return [], []
        # A failure ends the caller's work (a save): the enclosing turn needs no
        # savepoint to undo it to.
        async with self._db.joined() as tx:
            await _lock_cells(tx, checked)
            # With an update key a cell is recorded once per update: its first item.
            keys = [_cell(item) for item in checked]
            rows = checked
            if update_key is not None:
                first: dict[tuple[int, str, str, str], NewValue] = {}
                for key, item in zip(keys, checked, strict=True):
                    first.setdefault(key, item)
                rows = list(first.values())
            created: list[StoredValue] = []
            for start in range(0, len(rows), _BATCH):
                created += await self._insert(
                    tx, rows[start : start + _BATCH], person_id, channel, update_key, open_only
                )
            if created:
                await rollups.mark_pending(
                    tx, {(v.unit_id, v.plan_id, v.period, v.indicator_code) for v in created}
                )
                await write_audit(
                    tx,
                    person_id,
                    "value.recorded",
                    {
                        "value_ids": sorted(v.id for v in created),
                        "channel": channel,
                        "update_key": update_key,
                    },
                )
            if update_key is None:
                stored, held = _in_order(checked, keys, created)
            else:
                by_cell = {_cell(v): v for v in created}
                if len(by_cell) < len(rows):  # an earlier delivery of the update, or a lock
                    earlier = await tx.fetch_all(
                        f"SELECT {_COLUMNS} FROM report_values v WHERE v.update_key = ?",
                        (update_key,),
                    )
                    for row in earlier:
                        by_cell.setdefault(_cell(value := _stored(row)), value)
                stored = [by_cell[key] for key in keys if key in by_cell]
                held = [item for key, item in zip(keys, checked, strict=True) if key not in by_cell]
            if held and not open_only:
                raise StorageError(f"value for {_cell(held[0])} neither recorded nor found")
            return stored, held

    async def _insert(
        self,
        tx: Tx,
        items: Sequence[NewValue],
        person_id: int | None,
        channel: str | None,
        update_key: str | None,
        open_only: bool,
    ) -> list[StoredValue]:
        """The versions stored now, in one statement (none for a cell the update
        recorded before, nor, if `open_only`, for a cell of a locked period)."""
        # In the order of the text: the units whose ancestry is asked, the batch's own
        # columns, its rows.
        units = sorted({item.unit_id for item in items}) if open_only else []
        params: list[object] = [*units, person_id, channel, update_key, tx.stamp]
        place: dict[tuple[int, str, str, str], int] = {}
        for item in items:
            data = value_to_data(item.value)
            cell = _cell(item)
            place[cell] = place.get(cell, 0) + 1
            params += [*cell, place[cell], str(data["kind"]), dumps(data), item.note]
        sql = _INSERT_VERSIONS.format(
            rows=", ".join([_NEW_ROW] * len(items)),
            ancestry=_ANCESTRY.format(units=_placeholders(len(units))) if open_only else "",
            open=f" AND {_OPEN}" if open_only else "",
        )
        # Under SQLite's single writer nobody can take a version between the MAX and the
        # INSERT; with concurrent writers the cells are locked first (_lock_cells), so
        # writers of one cell take their turns. Should two compute the same number all
        # the same (a writer that took no lock), the UNIQUE (unit, plan, indicator,
        # period, version) constraint refuses the later; then the INSERT is tried again
        # in a new statement, which sees the version committed meanwhile. Only the failed
        # attempt is undone: by SQLite itself, by a savepoint of its own on PostgreSQL
        # (which would abort the whole transaction).
        # Only the update-key index is named as the ON CONFLICT target: a clash on the
        # version must raise, never be dropped silently.
        attempt = 1
        while True:
            try:
                return [_stored(row) for row in await self._db.execute_returning(sql, params)]
            except ConflictError:
                if attempt == _VERSION_ATTEMPTS:
                    raise
                attempt += 1

    async def get(self, value_id: int) -> StoredValue | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM report_values v WHERE v.id = ?", (value_id,)
        )
        return None if row is None else _stored(row)

    async def latest(
        self,
        unit_ids: Collection[int],
        plan_id: str,
        period: str,
        *,
        indicator_codes: Collection[str] | None = None,
    ) -> list[StoredValue]:
        """The current value of every indicator the units reported for the period."""
        if not unit_ids or (indicator_codes is not None and not indicator_codes):
            return []
        codes_condition, codes_params = _codes_filter(indicator_codes)
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM report_values v"
            " WHERE v.plan_id = ? AND v.period = ?"
            f" AND v.unit_id IN ({_placeholders(len(unit_ids))})"
            f"{codes_condition} AND {_IS_LATEST}"
            " ORDER BY v.unit_id, v.indicator_code",
            (plan_id, period, *unit_ids, *codes_params),
        )
        return [_stored(row) for row in rows]

    async def latest_in_subtree(
        self,
        root_id: int,
        plan_id: str,
        period: str,
        *,
        indicator_codes: Collection[str] | None = None,
    ) -> list[StoredValue]:
        """Like `latest` for every unit of a subtree, merged-in units included."""
        if indicator_codes is not None and not indicator_codes:
            return []
        codes_condition, codes_params = _codes_filter(indicator_codes)
        rows = await self._db.fetch_all(
            f"WITH RECURSIVE {SUBTREE_CTE}"
            f" SELECT {_COLUMNS} FROM report_values v"
            " WHERE v.plan_id = ? AND v.period = ? AND v.unit_id IN (SELECT id FROM subtree)"
            f"{codes_condition} AND {_IS_LATEST}"
            " ORDER BY v.unit_id, v.indicator_code",
            (root_id, plan_id, period, *codes_params),
        )
        return [_stored(row) for row in rows]

    async def missing(
        self,
        unit_ids: Sequence[int],
        plan_id: str,
        period: str,
        indicator_codes: Sequence[str],
    ) -> dict[int, list[str]]:
        """For each unit that lacks some: the indicators it has no value for in the period,
        units and codes in the order given."""
        if not unit_ids or not indicator_codes:
            return {}
        rows = await self._db.fetch_all(
            f"WITH scope (ord, unit_id) AS (VALUES {_values_list(len(unit_ids), 'INTEGER')}),"
            f" codes (ord, code) AS (VALUES {_values_list(len(indicator_codes), 'TEXT')})"
            " SELECT s.unit_id, c.code FROM scope s CROSS JOIN codes c"
            f" WHERE {_NOT_REPORTED.format(unit='s.unit_id')}"
            " ORDER BY s.ord, c.ord",
            (*_numbered(unit_ids), *_numbered(indicator_codes), plan_id, period),
        )
        return _grouped(rows)

    async def history(
        self, unit_id: int, plan_id: str, indicator_code: str, period: str
    ) -> list[StoredValue]:
        """Every version of one value, oldest first; the last one is the value."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM report_values v WHERE v.unit_id = ? AND v.plan_id = ?"
            " AND v.indicator_code = ? AND v.period = ? ORDER BY v.version",
            (unit_id, plan_id, indicator_code, period),
        )
        return [_stored(row) for row in rows]

    async def series(
        self, unit_ids: Collection[int], plan_id: str, indicator_code: str
    ) -> list[StoredValue]:
        """The current value of one indicator in every period the units reported, by unit
        then period code. Period codes of one kind sort by time as text, mixed kinds do
        not ("2024-09" < "2024-Q3"): sort with the periods module when they mix."""
        if not unit_ids:
            return []
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM report_values v WHERE v.plan_id = ?"
            f" AND v.indicator_code = ? AND v.unit_id IN ({_placeholders(len(unit_ids))})"
            f" AND {_IS_LATEST} ORDER BY v.unit_id, v.period",
            (plan_id, indicator_code, *unit_ids),
        )
        return [_stored(row) for row in rows]

    async def series_in_subtree(
        self, root_id: int, plan_id: str, indicator_code: str
    ) -> list[StoredValue]:
        """Like `series` for every unit of a subtree, merged-in units included."""
        rows = await self._db.fetch_all(
            f"WITH RECURSIVE {SUBTREE_CTE}"
            f" SELECT {_COLUMNS} FROM report_values v"
            " WHERE v.plan_id = ? AND v.indicator_code = ?"
            f" AND v.unit_id IN (SELECT id FROM subtree) AND {_IS_LATEST}"
            " ORDER BY v.unit_id, v.period",
            (root_id, plan_id, indicator_code),
        )
        return [_stored(row) for row in rows]

    async def first_period_with_values(
        self, root_id: int, plan_id: str, periods: Sequence[str]
    ) -> str | None:
        """The first of `periods` for which some unit of the subtree has a value."""
        if not periods:
            return None
        found = await self._db.fetch_value(
            f"WITH RECURSIVE {SUBTREE_CTE},"
            f" wanted (ord, period) AS (VALUES {_values_list(len(periods), 'TEXT')})"
            " SELECT w.period FROM wanted w WHERE EXISTS ("
            " SELECT 1 FROM report_values v WHERE v.plan_id = ? AND v.period = w.period"
            " AND v.unit_id IN (SELECT id FROM subtree))"
            " ORDER BY w.ord LIMIT 1",
            (root_id, *_numbered(periods), plan_id),
        )
        return found if isinstance(found, str) else None


async def is_current(tx: Tx, item: NewValue) -> bool:
    """Whether the cell's current version already holds this figure and note."""
    item = check_value(item)
    row = await tx.fetch_one(
        f"SELECT {_COLUMNS} FROM report_values v WHERE v.unit_id = ? AND v.plan_id = ?"
        f" AND v.indicator_code = ? AND v.period = ? AND {_IS_LATEST}",
        (item.unit_id, item.plan_id, item.indicator_code, item.period),
    )
    if row is None:
        return False
    current = _stored(row)
    return current.value == item.value and current.note == item.note


async def _lock_cells(tx: Tx, items: Sequence[NewValue]) -> None:
    """Where writers run side by side, make those of the same cell wait for each other
    until the end of their transactions; in one order (sorted), so that two batches
    never wait for each other's cells in a circle."""
    cells = {f"report_values:{i.unit_id}:{i.plan_id}:{i.indicator_code}:{i.period}" for i in items}
    await tx.lock_keys(sorted(cells))


_NOT_REPORTED = """
    NOT EXISTS (
        SELECT 1 FROM report_values v
        WHERE v.unit_id = {unit} AND v.plan_id = ? AND v.period = ?
          AND v.indicator_code = c.code
    )
"""


def _codes_filter(codes: Collection[str] | None) -> tuple[str, Params]:
    if codes is None:
        return "", ()
    return f" AND v.indicator_code IN ({_placeholders(len(codes))})", tuple(codes)


def _grouped(rows: list[Row]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row["unit_id"], []).append(row["code"])
    return found
