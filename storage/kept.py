"""Reading the roll-ups kept by storage/rollups.py: a unit's figures and its children's
for a plan and period, without the values below them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from indicators.kept import Coverage, KeptRollup, Shape, kept_state, part_from_data
from indicators.plan import Plan
from indicators.rollup import Node, Part
from indicators.units import Unit
from storage.backends import Backend
from storage.clock import to_db
from storage.rollups import (
    SETTLE_BATCH,
    SHAPES,
    Pair,
    TreeUnit,
    current_values,
    kept_coverage,
    kept_parts,
    rebuild_stale,
    settle,
    shapes_of,
)
from storage.units import SUBTREE_CTE, UNIT_COLUMNS, unit_from_row

# The pairs not to be read, and those with cells to settle first, in one statement: a
# question at every level asks.
_STALE_OR_PENDING = (
    "SELECT plan_id, period, 0 AS pending FROM rollup_stale"
    " UNION ALL SELECT DISTINCT plan_id, period, 1 AS pending FROM rollup_pending"
)


@dataclass(frozen=True, slots=True)
class KeptView:
    """One unit's kept figures for a plan and period, and its direct children's."""

    node: Node  # the unit, its direct children (as leaves) in the order of the tree
    shape: Shape
    coverage: Coverage
    rollup: KeptRollup
    child_shapes: dict[int, Shape]
    child_coverage: dict[int, Coverage]  # children with units below them; {} if none


@dataclass(frozen=True, slots=True)
class MissingUnit:
    """A reporting unit that lacks some of its values: the share of them it lacks."""

    id: int
    name: str
    level: str
    missing: Fraction


class Rollups:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def rebuild_stale(self) -> int:
        async with self._db.transaction() as tx:
            return await rebuild_stale(tx)

    async def settle(self, pairs: Collection[Pair] | None = None) -> int:
        """Bring the kept rows up to date with every value recorded so far (of `pairs`
        only, if given); how many written cells that took. A batch at a time, each in a
        transaction of its own, so that saves go on between them."""
        total = 0
        while True:
            async with self._db.transaction() as tx:
                done = await settle(tx, pairs)
            total += done
            if done < SETTLE_BATCH:
                return total

    async def pending(self) -> bool:
        """Whether some recorded value waits for the rows above it to be recomputed."""
        return await self._db.fetch_one("SELECT 1 FROM rollup_pending LIMIT 1") is not None

    async def fresh(self, pairs: Collection[Pair]) -> bool:
        """Whether the kept rows of all these pairs may be read; those with values
        recorded since their last recompute are settled first."""
        asked = set(pairs)
        stale: set[Pair] = set()
        pending: set[Pair] = set()
        for row in await self._db.fetch_all(_STALE_OR_PENDING):
            (pending if row["pending"] else stale).add((row["plan_id"], row["period"]))
        if SHAPES in stale or stale & asked:
            return False
        if pending & asked:
            await self.settle(pending & asked)
        return True

    async def has_inner_children(self, unit_id: int) -> bool:
        """Whether some unit right below has units below it (a province, the country)."""
        found = await self._db.fetch_value(
            "SELECT COUNT(*) FROM rollup_shapes s JOIN units u ON u.id = s.unit_id"
            " WHERE u.merged_into_id = ? OR (u.parent_id = ? AND u.merged_into_id IS NULL)",
            (unit_id, unit_id),
        )
        return isinstance(found, int) and found > 0

    async def view(self, root: Unit, plan: Plan, period: str) -> KeptView:
        rows = await self._db.fetch_all(
            f"SELECT {UNIT_COLUMNS} FROM units"
            " WHERE merged_into_id = ? OR (parent_id = ? AND merged_into_id IS NULL) ORDER BY id",
            (root.id, root.id),
        )
        below = [unit_from_row(row) for row in rows]
        units = [TreeUnit(u.id, u.level, root.id, not u.merged) for u in below]
        me = TreeUnit(root.id, root.level, None, not root.merged)
        # Read outside a transaction, like the tree walk's values: a write between two
        # statements shows in the next answer.
        db = self._db
        shapes, inner = await shapes_of(db, [me, *units])
        inner_ids = [u.id for u in units if u.id in inner]
        parts = await kept_parts(db, [root.id, *inner_ids], plan.id, period)
        leaves = [u.id for u in units if u.id not in inner]
        values = await current_values(db, leaves, plan.id, period)
        coverage = await kept_coverage(db, [root.id, *inner_ids], plan.id, period)
        states: dict[tuple[int, str], Part | None] = {}
        for unit in (me, *units):
            for indicator in plan.indicators:
                key = (unit.id, indicator.code)
                if unit.id in leaves:
                    states[key] = kept_state(indicator, shapes[unit.id], values.get(key), [])
                elif key in parts:
                    states[key] = parts[key]
                else:
                    states[key] = shapes[unit.id].state(indicator)
        children = tuple(Node(u.id, u.name, u.level, u.tier, reports=not u.merged) for u in below)
        node = Node(root.id, root.name, root.level, root.tier, children, reports=not root.merged)
        return KeptView(
            node,
            shapes[root.id],
            coverage.get(root.id, {}),
            KeptRollup(node, states),
            {u.id: shapes[u.id] for u in units},
            {u: coverage.get(u, {}) for u in inner_ids},
        )

    async def missing_below(
        self,
        roots: Mapping[int, int],
        plan_id: str,
        period: str,
        duty: Sequence[tuple[Sequence[str], Sequence[str]]],
        limit: int,
    ) -> dict[int, list[MissingUnit]]:
        """For each of `roots` (unit id → how many reporting units are below it), the
        first `limit` reporting units strictly below it in the whole tree (a merged unit
        under its successor only) that lack some of their values, most missing first, then
        by id. `duty`, per tier: its level words and the codes units of those levels
        report. Those that reported nothing come first, and are found without reading the
        values of the others; only for roots with fewer than `limit` of them are the
        values counted."""
        if not roots:
            return {}
        found: dict[int, list[MissingUnit]] = {root: [] for root in roots}
        # A large subtree (a province) is asked on its own, walking its units in order
        # until `limit` are found; small ones (a province's hundred communes) together,
        # where a statement each was a hundred round trips (PostgreSQL).
        large = [root for root, size in roots.items() if size > ASKED_ALONE_ABOVE]
        small = [root for root in roots if root not in large]
        for levels, codes in duty:
            for root in large:
                rows = await self._db.fetch_all(
                    f"WITH RECURSIVE {_BELOW}"
                    " SELECT u.id, u.name, u.level FROM units u"
                    " WHERE u.id IN (SELECT id FROM below) AND u.id <> ?"
                    " AND u.merged_into_id IS NULL"
                    f" AND u.level IN ({_marks(levels)})"
                    f" AND {_NOTHING_REPORTED.format('u', _marks(codes))}"
                    " ORDER BY u.id LIMIT ?",
                    (root, root, *levels, plan_id, period, *codes, limit),
                )
                found[root] += [
                    MissingUnit(r["id"], r["name"], r["level"], Fraction(1)) for r in rows
                ]
            if not small:
                continue
            rows = await self._db.fetch_all(
                f"WITH RECURSIVE {_BRANCHES.format(roots=_marks(small))}"
                " SELECT branch, id, name, level FROM ("
                " SELECT b.branch, b.id, b.name, b.level,"
                " ROW_NUMBER() OVER (PARTITION BY b.branch ORDER BY b.id) AS place"
                " FROM branches b"
                " WHERE b.id <> b.branch AND b.merged_into_id IS NULL"
                f" AND b.level IN ({_marks(levels)})"
                f" AND {_NOTHING_REPORTED.format('b', _marks(codes))}"
                ") ranked WHERE place <= ?",
                (*small, *levels, plan_id, period, *codes, limit),
            )
            for row in rows:
                found[row["branch"]].append(
                    MissingUnit(row["id"], row["name"], row["level"], Fraction(1))
                )
        for units in found.values():
            units.sort(key=lambda m: m.id)
            del units[limit:]
        short = [root for root, units in found.items() if len(units) < limit]
        if not short:
            return found
        partial: dict[int, list[MissingUnit]] = {root: [] for root in short}
        for levels, codes in duty:
            rows = await self._db.fetch_all(
                f"WITH RECURSIVE {_BRANCHES.format(roots=_marks(short))}"
                " SELECT branch, id, name, level, had FROM ("
                " SELECT branch, id, name, level, had, ROW_NUMBER() OVER"
                " (PARTITION BY branch ORDER BY had, id) AS place FROM ("
                " SELECT b.branch, b.id, b.name, b.level, (SELECT COUNT(DISTINCT v.indicator_code)"
                " FROM report_values v WHERE v.unit_id = b.id AND v.plan_id = ? AND v.period = ?"
                f" AND v.indicator_code IN ({_marks(codes)})) AS had"
                " FROM branches b WHERE b.id <> b.branch AND b.merged_into_id IS NULL"
                f" AND b.level IN ({_marks(levels)})"
                ") counted WHERE had > 0 AND had < ?) ranked WHERE place <= ?",
                (*short, plan_id, period, *codes, *levels, len(codes), limit),
            )
            for row in rows:
                share = Fraction(len(codes) - row["had"], len(codes))
                partial[row["branch"]].append(
                    MissingUnit(row["id"], row["name"], row["level"], share)
                )
        for root, units in partial.items():
            units.sort(key=lambda m: (-m.missing, m.id))
            found[root] = (found[root] + units)[:limit]
        return found

    async def series(self, unit_id: int, plan: Plan, indicator_code: str) -> dict[str, Part | None]:
        """The unit's kept part of one indicator in every period some row is kept for;
        a period absent has nothing reported below the unit. (Whether a period's rows
        may be read is `fresh`'s to say; its values recorded since are settled here.)"""
        pending = await self._db.fetch_all(
            "SELECT DISTINCT period FROM rollup_pending WHERE plan_id = ?", (plan.id,)
        )
        if pending:
            await self.settle([(plan.id, row["period"]) for row in pending])
        rows = await self._db.fetch_all(
            "SELECT period, part_json FROM rollup_parts"
            " WHERE unit_id = ? AND plan_id = ? AND indicator_code = ?",
            (unit_id, plan.id, indicator_code),
        )
        return {row["period"]: part_from_data(json.loads(row["part_json"])) for row in rows}

    async def tree_as_kept(self, unit_id: int, when: dt.datetime) -> bool:
        """Whether the unit's tree as an answer for a period ending at `moment` sees it is
        the kept one: no unit of its subtree was merged into a unit outside it, nor
        merged or renamed after the moment."""
        moment = to_db(when)
        merged = await self._db.fetch_value(
            "SELECT COUNT(*) FROM units WHERE merged_into_id IS NOT NULL"
        )
        renamed = await self._db.fetch_value(
            "SELECT COUNT(*) FROM unit_names WHERE replaced_at > ?", (moment,)
        )
        if not merged and not renamed:
            return True
        found = await self._db.fetch_value(
            f"WITH RECURSIVE {SUBTREE_CTE}"
            " SELECT COUNT(*) FROM units u WHERE u.id IN (SELECT id FROM subtree)"
            " AND ((u.merged_into_id IS NOT NULL AND (u.merged_at > ?"
            " OR u.merged_into_id NOT IN (SELECT id FROM subtree)))"
            " OR u.id IN (SELECT unit_id FROM unit_names WHERE replaced_at > ?))",
            (unit_id, moment, moment),
        )
        return found == 0


# The unit bound to the first placeholder and every unit below it in the whole tree as
# the kept roll-ups see it: a merged unit under the unit it was merged into only. (One
# statement for all of a province's communes, ranked per commune, was slower: it checks
# every unit, where one commune at a time stops at the first few found.)
ASKED_ALONE_ABOVE = 200  # reporting units below a root: see Rollups.missing_below

_BELOW = """
    below (id) AS (
        SELECT id FROM units WHERE id = ?
        UNION
        SELECT u.id FROM below b JOIN units u
        ON u.merged_into_id = b.id OR (u.parent_id = b.id AND u.merged_into_id IS NULL)
    )
"""

_NOTHING_REPORTED = (
    "NOT EXISTS (SELECT 1 FROM report_values v WHERE v.unit_id = {0}.id"
    " AND v.plan_id = ? AND v.period = ? AND v.indicator_code IN ({1}))"
)

# Every unit of each root's subtree, with the root it is under (`branch`). The columns
# asked of a unit come with it: joined to units again afterwards, PostgreSQL (which
# cannot tell how many rows a recursive query gives) scanned every unit of the country
# for the hundred communes of a province.
_BRANCHES = """
    branches (id, branch, name, level, merged_into_id) AS (
        SELECT id, id, name, level, merged_into_id FROM units WHERE id IN ({roots})
        UNION
        SELECT u.id, b.branch, u.name, u.level, u.merged_into_id FROM branches b JOIN units u
        ON u.merged_into_id = b.id OR (u.parent_id = b.id AND u.merged_into_id IS NULL)
    )
"""


def _marks(items: Sequence[object]) -> str:
    return ", ".join("?" * len(items))
