"""Reading the roll-ups kept by storage/rollups.py: a unit's figures and its children's
for a plan and period, without the values below them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from fractions import Fraction

from indicators.kept import Coverage, KeptRollup, Shape, kept_state, part_from_data
from indicators.plan import Plan
from indicators.rollup import Node, Part
from indicators.units import Unit
from storage.backends import Backend
from storage.clock import to_db
from storage.rollups import (
    SHAPES,
    Pair,
    TreeUnit,
    current_values,
    kept_coverage,
    kept_parts,
    rebuild_stale,
    shapes_of,
)
from storage.units import SUBTREE_CTE, UNIT_COLUMNS, unit_from_row


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
    """A reporting unit that lacks some of its values: which it has."""

    id: int
    name: str
    level: str
    reported: frozenset[str]


class Rollups:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def rebuild_stale(self) -> int:
        async with self._db.transaction() as tx:
            return await rebuild_stale(tx)

    async def fresh(self, pairs: Collection[Pair]) -> bool:
        """Whether the kept rows of all these pairs may be read."""
        stale = {
            (row["plan_id"], row["period"])
            for row in await self._db.fetch_all("SELECT plan_id, period FROM rollup_stale")
        }
        return SHAPES not in stale and not stale.intersection(pairs)

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
        root_id: int,
        plan_id: str,
        period: str,
        duty: Sequence[tuple[Sequence[str], Sequence[str]]],
        limit: int,
    ) -> list[MissingUnit]:
        """The first `limit` reporting units strictly below `root_id` in the whole tree (a
        merged unit under its successor only) that lack some of their values, most
        missing first, then by id. `duty`, per tier: its level words and the codes units
        of those levels report. Those that reported nothing come first, and are found
        without reading the values of the others; only when there are fewer than `limit`
        of them are the values of the subtree counted."""
        none: list[MissingUnit] = []
        for levels, codes in duty:
            rows = await self._db.fetch_all(
                f"WITH RECURSIVE {_BELOW}"
                " SELECT u.id, u.name, u.level FROM units u"
                " WHERE u.id IN (SELECT id FROM below) AND u.id <> ?"
                " AND u.merged_into_id IS NULL"
                f" AND u.level IN ({_marks(levels)})"
                " AND NOT EXISTS (SELECT 1 FROM report_values v WHERE v.unit_id = u.id"
                f" AND v.plan_id = ? AND v.period = ? AND v.indicator_code IN ({_marks(codes)}))"
                " ORDER BY u.id LIMIT ?",
                (root_id, root_id, *levels, plan_id, period, *codes, limit),
            )
            none += [MissingUnit(r["id"], r["name"], r["level"], frozenset()) for r in rows]
        none.sort(key=lambda m: m.id)
        if len(none) >= limit:
            return none[:limit]
        partial: list[tuple[Fraction, MissingUnit]] = []
        for levels, codes in duty:
            rows = await self._db.fetch_all(
                f"WITH RECURSIVE {_BELOW}"
                " SELECT u.id, u.name, u.level, v.indicator_code FROM units u"
                " JOIN report_values v ON v.unit_id = u.id"
                " WHERE u.id IN (SELECT id FROM below) AND u.id <> ?"
                " AND u.merged_into_id IS NULL"
                f" AND u.level IN ({_marks(levels)})"
                f" AND v.plan_id = ? AND v.period = ? AND v.indicator_code IN ({_marks(codes)})"
                " GROUP BY u.id, u.name, u.level, v.indicator_code",
                (root_id, root_id, *levels, plan_id, period, *codes),
            )
            reported: dict[int, set[str]] = {}
            names: dict[int, tuple[str, str]] = {}
            for row in rows:
                reported.setdefault(row["id"], set()).add(row["indicator_code"])
                names[row["id"]] = (row["name"], row["level"])
            for unit_id, had in reported.items():
                if len(had) < len(codes):
                    share = Fraction(len(codes) - len(had), len(codes))
                    name, word = names[unit_id]
                    partial.append((share, MissingUnit(unit_id, name, word, frozenset(had))))
        partial.sort(key=lambda pair: (-pair[0], pair[1].id))
        return (none + [m for _share, m in partial])[:limit]

    async def series(self, unit_id: int, plan: Plan, indicator_code: str) -> dict[str, Part | None]:
        """The unit's kept part of one indicator in every period some row is kept for;
        a period absent has nothing reported below the unit."""
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
_BELOW = """
    below (id) AS (
        SELECT id FROM units WHERE id = ?
        UNION
        SELECT u.id FROM below b JOIN units u
        ON u.merged_into_id = b.id OR (u.parent_id = b.id AND u.merged_into_id IS NULL)
    )
"""


def _marks(items: Sequence[object]) -> str:
    return ", ".join("?" * len(items))
