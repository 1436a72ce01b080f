"""Units: the administrative tree, with renames and merges that keep history attributable.

A merged unit keeps its row; `merged_into_id` points at the unit that took it over.
Its past values keep its id, and the subtree of the unit it was merged into includes
it (and its children), so "all values under the new commune" still finds them. The
old parent's subtree includes it too, so reports on an old plan still see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from indicators.plan import UnitSpec
from indicators.text import fold, normalize
from indicators.units import FormerName, Unit
from storage import rollups
from storage.audit import write_audit
from storage.backends import Backend, Row, StorageError, Tx
from storage.clock import from_db, optional_from_db, to_db

UNIT_COLUMNS = "id, name, level, parent_id, merged_into_id, merged_at, created_at"

# The unit bound to the first placeholder and everything below it: children by parent
# and units merged into it, recursively. UNION (not UNION ALL) drops repeats, so a unit
# reachable both ways is listed once. Use as `WITH RECURSIVE {SUBTREE_CTE} ...`.
SUBTREE_CTE = """
    subtree (id) AS (
        SELECT id FROM units WHERE id = ?
        UNION
        SELECT u.id FROM units u
        JOIN subtree s ON u.parent_id = s.id OR u.merged_into_id = s.id
    )
"""

# The unit bound to the first placeholder (depth 0) and every unit whose subtree holds
# it, with the number of steps up; a unit reachable by several ways appears once per
# way, so take MIN(depth). The depth limit is far beyond any real tree and only keeps
# the walk finite should a cycle ever get into the table.
ANCESTRY_CTE = """
    up (id, depth) AS (
        SELECT id, 0 FROM units WHERE id = ?
        UNION ALL
        SELECT p.id, up.depth + 1 FROM up
        JOIN units c ON c.id = up.id
        JOIN units p ON p.id = c.parent_id OR p.id = c.merged_into_id
        WHERE up.depth < 64
    )
"""


def unit_from_row(row: Row) -> Unit:
    return Unit(
        id=row["id"],
        name=row["name"],
        level=row["level"],
        parent_id=row["parent_id"],
        merged_into_id=row["merged_into_id"],
        merged_at=optional_from_db(row["merged_at"]),
        created_at=from_db(row["created_at"]),
    )


def normalize_level(level: str) -> str:
    """Levels are compared and stored lowercase, the form LEVEL_TIERS is keyed by."""
    return normalize(level).lower()


class Units:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def add(
        self,
        name: str,
        level: str,
        parent_id: int | None = None,
        *,
        by: int | None = None,
    ) -> Unit:
        async with self._db.transaction() as tx:
            unit_id = await self._insert(tx, name, level, parent_id)
            await rollups.after_tree_change(tx, [unit_id])
            await write_audit(tx, by, "unit.added", {"unit_id": unit_id})
        return await self._require(unit_id)

    async def get(self, unit_id: int) -> Unit | None:
        row = await self._db.fetch_one(f"SELECT {UNIT_COLUMNS} FROM units WHERE id = ?", (unit_id,))
        return None if row is None else unit_from_row(row)

    async def by_name(self, name: str, *, level: str | None = None) -> list[Unit]:
        """Units whose current name, a former name or an alias equals `name`, accents and
        case ignored; current-name matches first."""
        folded = fold(name)
        level_condition = "" if level is None else " AND level = ?"
        level_params = () if level is None else (normalize_level(level),)
        rows = await self._db.fetch_all(
            f"SELECT {UNIT_COLUMNS} FROM units WHERE (folded_name = ?"
            " OR id IN (SELECT unit_id FROM unit_names WHERE folded_name = ?)"
            " OR id IN (SELECT unit_id FROM unit_aliases WHERE folded_alias = ?))"
            f"{level_condition}"
            " ORDER BY CASE WHEN folded_name = ? THEN 0 ELSE 1 END, id",
            (folded, folded, folded, *level_params, folded),
        )
        return [unit_from_row(row) for row in rows]

    async def children(self, unit_id: int, *, include_merged: bool = False) -> list[Unit]:
        """Direct children by parent, in the order they were added."""
        merged_condition = "" if include_merged else " AND merged_into_id IS NULL"
        rows = await self._db.fetch_all(
            f"SELECT {UNIT_COLUMNS} FROM units WHERE parent_id = ?{merged_condition} ORDER BY id",
            (unit_id,),
        )
        return [unit_from_row(row) for row in rows]

    async def roots(self) -> list[Unit]:
        rows = await self._db.fetch_all(
            f"SELECT {UNIT_COLUMNS} FROM units WHERE parent_id IS NULL"
            " AND merged_into_id IS NULL ORDER BY id"
        )
        return [unit_from_row(row) for row in rows]

    async def subtree(self, unit_id: int, *, active_only: bool = False) -> list[Unit]:
        """The unit and everything below it, merged-in units included.

        `active_only` leaves out units that were merged away (they no longer report),
        but still includes the children they brought along.
        """
        merged_condition = " AND u.merged_into_id IS NULL" if active_only else ""
        rows = await self._db.fetch_all(
            # IN rather than a join: with statistics, SQLite scanned every unit of the
            # country and probed the subtree for each.
            f"WITH RECURSIVE {SUBTREE_CTE}"
            f" SELECT {_prefixed('u')} FROM units u WHERE u.id IN (SELECT id FROM subtree)"
            f"{merged_condition} ORDER BY u.id",
            (unit_id,),
        )
        return [unit_from_row(row) for row in rows]

    async def ancestors(self, unit_id: int) -> list[Unit]:
        """Every unit whose subtree holds this one, nearest first.

        A merged unit has two ways up: its old parent and the unit it was merged into;
        both are listed, since plans of either apply to its history.
        """
        rows = await self._db.fetch_all(
            f"""
            WITH RECURSIVE {ANCESTRY_CTE},
            nearest (id, depth) AS (
                SELECT id, MIN(depth) FROM up WHERE depth > 0 GROUP BY id
            )
            SELECT {_prefixed("u")} FROM nearest n JOIN units u ON u.id = n.id
            ORDER BY n.depth, u.id
            """,
            (unit_id,),
        )
        return [unit_from_row(row) for row in rows]

    async def rename(
        self,
        unit_id: int,
        new_name: str,
        *,
        by: int | None = None,
    ) -> Unit:
        new_name = normalize(new_name)
        if not new_name:
            raise ValueError("a unit needs a name")
        async with self._db.transaction() as tx:
            old = await self._require_in(tx, unit_id)
            if old.name == new_name:
                return old
            at = tx.stamp
            await tx.execute(
                "INSERT INTO unit_names (unit_id, name, folded_name, replaced_at)"
                " VALUES (?, ?, ?, ?)",
                (unit_id, old.name, fold(old.name), at),
            )
            await tx.execute(
                "UPDATE units SET name = ?, folded_name = ? WHERE id = ?",
                (new_name, fold(new_name), unit_id),
            )
            await write_audit(
                tx,
                by,
                "unit.renamed",
                {"unit_id": unit_id, "from": old.name, "to": new_name},
            )
        return await self._require(unit_id)

    async def merge(
        self,
        source_id: int,
        into_id: int,
        *,
        by: int | None = None,
    ) -> Unit:
        """Mark `source_id` as merged into `into_id`; the merged unit (as it is now)."""
        if source_id == into_id:
            raise StorageError("a unit cannot be merged into itself")
        async with self._db.transaction() as tx:
            source = await self._require_in(tx, source_id)
            into = await self._require_in(tx, into_id)
            if source.merged:
                raise StorageError(
                    f"{source.name} was already merged into unit {source.merged_into_id}"
                )
            if into.merged:
                raise StorageError(f"{into.name} was itself merged away; merge into its successor")
            inside = await tx.fetch_value(
                f"WITH RECURSIVE {SUBTREE_CTE} SELECT COUNT(*) FROM subtree WHERE id = ?",
                (source_id, into_id),
            )
            if inside:
                raise StorageError(f"{into.name} lies inside {source.name}; that would be a cycle")
            await tx.execute(
                "UPDATE units SET merged_into_id = ?, merged_at = ? WHERE id = ?",
                (into_id, tx.stamp, source_id),
            )
            # The merged unit now hangs under its successor: both ways up change.
            moved = [source_id] if source.parent_id is None else [source_id, source.parent_id]
            await rollups.after_tree_change(tx, moved)
            await write_audit(tx, by, "unit.merged", {"unit_id": source_id, "into_id": into_id})
        return await self._require(source_id)

    async def add_alias(
        self,
        unit_id: int,
        alias: str,
        *,
        by: int | None = None,
    ) -> None:
        alias = normalize(alias)
        async with self._db.transaction() as tx:
            await self._require_in(tx, unit_id)
            added = await tx.execute(
                "INSERT INTO unit_aliases (unit_id, alias, folded_alias, added_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (unit_id, alias, fold(alias), tx.stamp),
            )
            if added:
                await write_audit(tx, by, "unit.alias_added", {"unit_id": unit_id, "alias": alias})

    async def former_names(self, unit_id: int) -> list[FormerName]:
        rows = await self._db.fetch_all(
            "SELECT name, replaced_at FROM unit_names WHERE unit_id = ? ORDER BY replaced_at, id",
            (unit_id,),
        )
        return [FormerName(row["name"], from_db(row["replaced_at"])) for row in rows]

    async def former_names_since(
        self, root_id: int, moment: dt.datetime
    ) -> dict[int, list[FormerName]]:
        """The former names replaced after `moment` of the units in `root_id`'s subtree,
        by unit, oldest first: what `indicators.units.name_at` needs for that moment."""
        rows = await self._db.fetch_all(
            f"WITH RECURSIVE {SUBTREE_CTE}"
            " SELECT n.unit_id, n.name, n.replaced_at FROM unit_names n"
            " JOIN subtree s ON s.id = n.unit_id WHERE n.replaced_at > ?"
            " ORDER BY n.unit_id, n.replaced_at, n.id",
            (root_id, to_db(moment)),
        )
        found: dict[int, list[FormerName]] = {}
        for row in rows:
            found.setdefault(row["unit_id"], []).append(
                FormerName(row["name"], from_db(row["replaced_at"]))
            )
        return found

    async def name_index(self, root_id: int | None = None) -> list[tuple[int, str]]:
        """(unit id, name) for every current name, former name and alias, for fuzzy
        matching what people type; limited to a subtree when `root_id` is given."""
        names = """
            SELECT id AS unit_id, name FROM units
            UNION SELECT unit_id, name FROM unit_names
            UNION SELECT unit_id, alias FROM unit_aliases
        """
        if root_id is None:
            rows = await self._db.fetch_all(f"SELECT unit_id, name FROM ({names}) n ORDER BY 1, 2")
        else:
            # Each kind of name limited to the subtree before the union: the union of
            # every name of a country (83,000 units) and then the join cost a commune's
            # official 50 ms a question.
            rows = await self._db.fetch_all(
                f"WITH RECURSIVE {SUBTREE_CTE}"
                " SELECT id AS unit_id, name FROM units WHERE id IN (SELECT id FROM subtree)"
                " UNION SELECT unit_id, name FROM unit_names"
                " WHERE unit_id IN (SELECT id FROM subtree)"
                " UNION SELECT unit_id, alias FROM unit_aliases"
                " WHERE unit_id IN (SELECT id FROM subtree)"
                " ORDER BY 1, 2",
                (root_id,),
            )
        return [(row["unit_id"], row["name"]) for row in rows]

    async def distinct_names(self) -> list[str]:
        """Every name, former name and alias in use, each once: a country's 83,000 units
        have a few thousand ("Thôn 1" in every commune), so reading what a question may
        name costs a few thousand strings instead of a row per unit."""
        rows = await self._db.fetch_all(
            "SELECT name FROM units UNION SELECT name FROM unit_names"
            " UNION SELECT alias AS name FROM unit_aliases ORDER BY 1"
        )
        return [row["name"] for row in rows]

    async def named(self, names: Collection[str]) -> list[tuple[int, str]]:
        """(unit id, name) of the units called any of `names` (exactly, as
        `distinct_names` gives them) now, before or by alias, by unit id."""
        if not names:
            return []
        wanted = sorted(set(names))
        folded = sorted({fold(name) for name in wanted})
        names_in = ", ".join("?" * len(wanted))
        folded_in = ", ".join("?" * len(folded))
        # Looked up by the folded forms, which are indexed; the exact name then picks.
        rows = await self._db.fetch_all(
            f"SELECT id AS unit_id, name FROM units WHERE folded_name IN ({folded_in})"
            f" AND name IN ({names_in})"
            f" UNION SELECT unit_id, name FROM unit_names WHERE folded_name IN ({folded_in})"
            f" AND name IN ({names_in})"
            f" UNION SELECT unit_id, alias FROM unit_aliases WHERE folded_alias IN ({folded_in})"
            f" AND alias IN ({names_in})"
            " ORDER BY 1, 2",
            (*folded, *wanted) * 3,
        )
        return [(row["unit_id"], row["name"]) for row in rows]

    async def import_tree(
        self,
        spec: UnitSpec,
        *,
        by: int | None = None,
    ) -> dict[tuple[str, ...], int]:
        """Add the units of a plan's tree that are not there yet; ids by path of names.

        A unit matches an existing one with the same parent, level and name (accents
        and case ignored; former names and aliases count), so importing again, or
        importing a second plan of the same commune, adds nothing twice. Keys are
        paths from the root (names as in `spec`) because village names repeat across
        communes.
        """
        ids: dict[tuple[str, ...], int] = {}
        async with self._db.transaction() as tx:
            added: list[int] = []
            await self._import(tx, spec, None, (), ids, added)
            await rollups.after_tree_change(tx, added)
            if added:
                await write_audit(tx, by, "unit.imported", {"unit_ids": added})
        return ids

    async def import_trees(
        self,
        trees: Sequence[tuple[int | None, UnitSpec]],
        *,
        by: int | None = None,
    ) -> list[int]:
        """Add each tree under its parent (None: as a root), all or nothing; the ids of the
        units added. Units already there (same parent, level and name, as `import_tree`
        matches them) are kept, so importing a file twice adds nothing the second time."""
        added: list[int] = []
        async with self._db.transaction() as tx:
            for parent_id, spec in trees:
                if parent_id is not None:
                    await self._require_in(tx, parent_id)
                await self._import(tx, spec, parent_id, (), {}, added)
            await rollups.after_tree_change(tx, added)
            if added:
                await write_audit(tx, by, "unit.imported", {"unit_ids": added})
        return added

    async def children_named(self, parent_id: int | None, name: str) -> list[Unit]:
        """Units directly under `parent_id` (roots for None) called `name` now or before,
        or by alias, at any level; accents and case ignored."""
        folded = fold(name)
        parent_condition = "parent_id IS NULL" if parent_id is None else "parent_id = ?"
        parent_params = () if parent_id is None else (parent_id,)
        rows = await self._db.fetch_all(
            f"SELECT {UNIT_COLUMNS} FROM units WHERE {parent_condition}"
            " AND (folded_name = ?"
            " OR id IN (SELECT unit_id FROM unit_names WHERE folded_name = ?)"
            " OR id IN (SELECT unit_id FROM unit_aliases WHERE folded_alias = ?))"
            " ORDER BY id",
            (*parent_params, folded, folded, folded),
        )
        return [unit_from_row(row) for row in rows]

    async def _import(
        self,
        tx: Tx,
        spec: UnitSpec,
        parent_id: int | None,
        parent_path: tuple[str, ...],
        ids: dict[tuple[str, ...], int],
        added: list[int],
    ) -> None:
        path = (*parent_path, spec.name)
        unit_id = await self._find(tx, spec.name, spec.level, parent_id)
        if unit_id is None:
            unit_id = await self._insert(tx, spec.name, spec.level, parent_id)
            added.append(unit_id)
        ids[path] = unit_id
        for child in spec.children:
            await self._import(tx, child, unit_id, path, ids, added)

    async def _find(self, tx: Tx, name: str, level: str, parent_id: int | None) -> int | None:
        folded = fold(name)
        parent_condition = "parent_id IS NULL" if parent_id is None else "parent_id = ?"
        parent_params = () if parent_id is None else (parent_id,)
        found = await tx.fetch_value(
            f"SELECT id FROM units WHERE {parent_condition} AND level = ? AND (folded_name = ?"
            " OR id IN (SELECT unit_id FROM unit_names WHERE folded_name = ?)"
            " OR id IN (SELECT unit_id FROM unit_aliases WHERE folded_alias = ?))"
            " ORDER BY CASE WHEN folded_name = ? THEN 0 ELSE 1 END, id",
            (*parent_params, normalize_level(level), folded, folded, folded, folded),
        )
        return found if isinstance(found, int) else None

    async def _insert(self, tx: Tx, name: str, level: str, parent_id: int | None) -> int:
        name = normalize(name)
        if not name:
            raise ValueError("a unit needs a name")
        return await tx.insert(
            "INSERT INTO units (name, folded_name, level, parent_id, created_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (name, fold(name), normalize_level(level), parent_id, tx.stamp),
        )

    async def _require(self, unit_id: int) -> Unit:
        unit = await self.get(unit_id)
        if unit is None:
            raise StorageError(f"no unit {unit_id}")
        return unit

    async def _require_in(self, tx: Tx, unit_id: int) -> Unit:
        row = await tx.fetch_one(f"SELECT {UNIT_COLUMNS} FROM units WHERE id = ?", (unit_id,))
        if row is None:
            raise StorageError(f"no unit {unit_id}")
        return unit_from_row(row)


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in UNIT_COLUMNS.split(","))
