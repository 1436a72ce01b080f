"""Roll-ups kept per unit, plan, indicator and period (indicators/kept.py), brought up to
date with what they come from.

A recorded value changes the parts of its unit's ancestors only: each is recomputed from
its direct children's kept parts (or, for a child with nothing below it, the child's
value), nearest first, so a write reads about a hundred rows a level instead of the
subtree. A save only marks the cells it wrote (`mark_pending`); `settle` recomputes the
units above the marked cells, for many saves at once, soon after them
(bot/rollup_keeper.py) and before anything reads the kept rows (storage/kept.py), so
that a reading never sees them behind the values. A change of the tree (a unit added, a
merge) changes the shapes and the parts of the ancestors of the units it moves, for
every plan and period kept there; a new version of a plan (other targets, other
indicators) rebuilds that plan's rows.

The tree is the whole one, where a merged unit hangs under the unit it was merged into;
a unit's global parent is therefore `merged_into_id`, else `parent_id`.

A bulk load (storage/bulk.py) writes values past all this and marks what it wrote stale
instead; `rebuild_stale` rebuilds those pairs from the values, and until then their kept
rows are not read (the questions walk the tree as before).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from indicators.kept import (
    Coverage,
    Shape,
    coverage_from_data,
    coverage_of,
    coverage_to_data,
    duties,
    kept_state,
    part_from_data,
    part_to_data,
    shape_from_data,
    shape_of,
    shape_to_data,
)
from indicators.plan import Plan, level_tier
from indicators.plans import parsed_plan
from indicators.rollup import Part
from indicators.values import AnyValue, value_from_data
from storage.audit import dumps
from storage.backends import Backend, Row, Tx

SHAPES = ("", "")  # the rollup_stale row standing for the shapes
_TREE = "rollups:tree"  # the lock of the tree's shape: see _lock

# Units whose values are read in one statement during a rebuild: a few hundred
# villages' worth, so that a country's quarter never sits in memory at once.
_CHUNK = 4000

_LATEST = """
    v.version = (
        SELECT MAX(w.version) FROM report_values w
        WHERE w.unit_id = v.unit_id AND w.plan_id = v.plan_id
          AND w.indicator_code = v.indicator_code AND w.period = v.period
    )
"""

Pair = tuple[str, str]  # (plan id, period code)


# Few distinct value texts in a country's millions (as in storage/values.py).
@functools.lru_cache(maxsize=65536)
def _decoded(value_json: str) -> AnyValue:
    return value_from_data(json.loads(value_json))


@dataclass(frozen=True, slots=True)
class TreeUnit:
    id: int
    level: str
    parent: int | None  # in the whole tree: merged_into_id, else parent_id
    reports: bool

    @property
    def leaf_shape(self) -> Shape:
        return _leaf_shape(self.level, self.reports)


# A unit with nothing below it: its shape is its level's (a save computes it for each of
# a commune's hundred villages).
@functools.lru_cache(maxsize=256)
def _leaf_shape(level: str, reports: bool) -> Shape:
    return shape_of(level_tier(level), level, reports, [])


def tree_unit(row: Row) -> TreeUnit:
    into = row["merged_into_id"]
    return TreeUnit(
        row["id"], row["level"], into if into is not None else row["parent_id"], into is None
    )


def _ids(count: int) -> str:
    return ", ".join("?" * count)


async def _plan(tx: Tx, plan_id: str) -> Plan | None:
    """The plan's latest version, as the questions use it; None if not loaded."""
    text = await tx.fetch_value(
        "SELECT yaml_text FROM plans WHERE plan_id = ? ORDER BY version DESC LIMIT 1",
        (plan_id,),
    )
    if not isinstance(text, str):
        return None
    return parsed_plan(text, source=f"{plan_id}.yaml")


# --- after a write ----------------------------------------------------------------------


async def mark_pending(tx: Tx, cells: Iterable[tuple[int, str, str, str]]) -> None:
    """Note the written (unit, plan, period, indicator) cells: `settle` brings the rows
    above them up to date. A save pays one statement for its roll-ups, and a burst of
    saves in one commune one recompute of the units above them all."""
    rows = sorted(set(cells))
    if rows:
        await tx.execute_many(
            "INSERT INTO rollup_pending (unit_id, plan_id, period, indicator_code)"
            " VALUES (?, ?, ?, ?)",
            rows,
        )


def _of_pairs(pairs: Collection[Pair] | None) -> tuple[str, tuple[str, ...]]:
    if pairs is None:
        return "", ()
    wanted = sorted(set(pairs))
    where = " WHERE " + " OR ".join(["(plan_id = ? AND period = ?)"] * len(wanted))
    return where, tuple(x for pair in wanted for x in pair)


# Cells settled by one recompute: a commune's hundred villages' reports many times over,
# and few enough units above them for the statements' placeholders.
SETTLE_BATCH = 2000


async def settle(tx: Tx, pairs: Collection[Pair] | None = None) -> int:
    """Recompute the kept rows above the pending cells of `pairs` (of every pair when
    None), at most SETTLE_BATCH of them, and clear their marks; how many were cleared.

    Each pair's units above its pending cells are recomputed from their children as
    they are now, so whatever was written before the marks are read is counted: the
    recompute does not depend on which saves it covers, and a cell written meanwhile
    keeps its mark for the next settle."""
    if pairs is not None and not pairs:
        return 0
    where, params = _of_pairs(pairs)
    found = await tx.fetch_all(
        f"SELECT DISTINCT plan_id, period FROM rollup_pending{where}", params
    )
    if not found:
        return 0
    # Settles of the same pair take turns, and a change of the tree waits for them; only
    # the pairs locked are settled (another may have been marked since).
    locked = [(row["plan_id"], row["period"]) for row in found]
    await _lock(tx, locked)
    where, params = _of_pairs(locked)
    rows = await tx.fetch_all(
        f"SELECT id, unit_id, plan_id, period, indicator_code FROM rollup_pending{where}"
        " ORDER BY id LIMIT ?",
        (*params, SETTLE_BATCH),
    )
    if not rows:
        return 0  # settled by another while this one waited for the lock
    stale = await _stale(tx)
    by_pair: dict[Pair, tuple[set[int], set[str]]] = {}
    for row in rows:
        units, codes = by_pair.setdefault((row["plan_id"], row["period"]), (set(), set()))
        units.add(row["unit_id"])
        codes.add(row["indicator_code"])
    if SHAPES not in stale:
        # A stale pair is rebuilt from all its values (rebuild_stale): its marks go.
        for pair, (unit_ids, codes) in sorted(by_pair.items()):
            if pair not in stale:
                await _refresh_parts(tx, await _chain(tx, unit_ids), pair, sorted(codes))
    ids = [row["id"] for row in rows]
    await tx.execute(f"DELETE FROM rollup_pending WHERE id IN ({_ids(len(ids))})", ids)
    return len(ids)


async def after_tree_change(tx: Tx, unit_ids: Collection[int]) -> None:
    """Bring shapes and parts up to date after `unit_ids` were added under, or moved to,
    a new place (for a merge: the merged unit and its former parent)."""
    if not unit_ids:
        return
    await _lock(tx, [], tree_alone=True)
    stale = await _stale(tx)
    if SHAPES in stale:
        return
    chain = await _chain(tx, unit_ids)
    # Each unit of the chain is recomputed from its direct children, so the periods to
    # recompute are those any of them has kept rows or values for: a chain unit may keep
    # no row of its own (its part was the empty one) while a child below it has values
    # that now concern it (a unit of the reporting tier added beside them).
    around = set(chain.units)
    for unit_id in chain.units:
        around.update(child.id for child, _shape in await _children(tx, unit_id))
    ids = sorted(around)
    pairs: set[Pair] = set()
    for table in ("rollup_parts", "rollup_coverage"):
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            rows = await tx.fetch_all(
                f"SELECT DISTINCT plan_id, period FROM {table}"
                f" WHERE unit_id IN ({_ids(len(part))})",
                part,
            )
            pairs.update((row["plan_id"], row["period"]) for row in rows)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        # A unit with nothing below kept no row of its own values: that unit may be in
        # the chain (a unit added under it).
        rows = await tx.fetch_all(
            "SELECT DISTINCT plan_id, period FROM report_values"
            f" WHERE unit_id IN ({_ids(len(part))})",
            part,
        )
        pairs.update((row["plan_id"], row["period"]) for row in rows)
    await _refresh(tx, chain, sorted(pairs - stale))


async def after_plan_change(tx: Tx, plan_id: str) -> None:
    """A new version of the plan: its kept rows rebuilt for every period it has values."""
    await _lock(tx, [], tree_alone=True)
    rows = await tx.fetch_all(
        "SELECT DISTINCT period FROM report_values WHERE plan_id = ?", (plan_id,)
    )
    await mark_stale(tx, [(plan_id, row["period"]) for row in rows])
    await rebuild_stale(tx)


async def mark_stale(tx: Tx, pairs: Iterable[Pair]) -> None:
    """Keep the pairs' rows from being read until rebuild_stale rebuilds them."""
    rows = sorted(set(pairs))
    if not rows:
        return
    await tx.execute_many(
        "INSERT INTO rollup_stale (plan_id, period) VALUES (?, ?) ON CONFLICT DO NOTHING",
        rows,
    )


async def _lock(tx: Tx, pairs: Iterable[Pair], *, tree_alone: bool = False) -> None:
    """Where writers run side by side, make those of the same plan and period take turns
    until the end of their transactions: each recomputes a parent from its children's
    rows as committed, and two writers of sibling units would otherwise each miss the
    other's child and leave the parent without one of them. Every write of a period ends
    at the same root anyway. In one order (sorted), so that none waits in a circle.

    First the tree's lock: shared by writers of values, held alone by a change of the
    tree or of a plan (`tree_alone`). A change waits for the values being written, and
    those wait for the change: otherwise a unit added while the first value of a period
    was written in its branch went uncounted, each transaction recomputing what it saw
    of the other's uncommitted work as if it were not there."""
    await tx.lock_keys([_TREE], shared=not tree_alone)
    await tx.lock_keys([f"rollups:{plan_id}:{period}" for plan_id, period in sorted(set(pairs))])


async def _stale(tx: Tx) -> set[Pair]:
    rows = await tx.fetch_all("SELECT plan_id, period FROM rollup_stale")
    return {(row["plan_id"], row["period"]) for row in rows}


# The units and their ancestors in the whole tree, each with its kept shape (none for a
# unit with nothing below), in one statement instead of one per level.
_CHAIN = """
    WITH RECURSIVE chain (id) AS (
        SELECT id FROM units WHERE id IN ({ids})
        UNION
        SELECT COALESCE(u.merged_into_id, u.parent_id) FROM units u JOIN chain c ON u.id = c.id
        WHERE COALESCE(u.merged_into_id, u.parent_id) IS NOT NULL
    )
    SELECT u.id, u.level, u.parent_id, u.merged_into_id, s.shape_json
    FROM units u JOIN chain c ON u.id = c.id LEFT JOIN rollup_shapes s ON s.unit_id = u.id
"""


@dataclass(frozen=True, slots=True)
class Chain:
    units: dict[int, TreeUnit]
    shapes: dict[int, Shape]  # of the units with units below them


async def _chain(tx: Tx, unit_ids: Collection[int]) -> Chain:
    """The units and all their ancestors in the whole tree."""
    chain = Chain({}, {})
    seeds = sorted(unit_ids)
    for start in range(0, len(seeds), _CHUNK):
        batch = seeds[start : start + _CHUNK]
        rows = await tx.fetch_all(_CHAIN.format(ids=_ids(len(batch))), batch)
        for row in rows:
            unit = tree_unit(row)
            chain.units[unit.id] = unit
            if row["shape_json"] is not None:
                chain.shapes[unit.id] = _shape(row["shape_json"])
    return chain


def _bottom_up(chain: dict[int, TreeUnit]) -> list[TreeUnit]:
    """The chain's units, every unit after the chain's units below it."""
    depth: dict[int, int] = {}

    def depth_of(unit_id: int) -> int:
        if unit_id not in depth:
            unit = chain[unit_id]
            parent = unit.parent
            depth[unit_id] = 0 if parent is None or parent not in chain else depth_of(parent) + 1
        return depth[unit_id]

    return sorted(chain.values(), key=lambda u: (-depth_of(u.id), u.id))


async def _children(tx: Tx, unit_id: int) -> list[tuple[TreeUnit, Shape | None]]:
    """The unit's direct children in the whole tree, each with its kept shape."""
    return (await _children_of(tx, [unit_id])).get(unit_id, [])


async def _children_of(
    tx: Tx, unit_ids: Sequence[int]
) -> dict[int, list[tuple[TreeUnit, Shape | None]]]:
    """The direct children in the whole tree of each of the units, each with its kept
    shape, in one statement."""
    marks = _ids(len(unit_ids))
    rows = await tx.fetch_all(
        "SELECT u.id, u.level, u.parent_id, u.merged_into_id, s.shape_json FROM units u"
        " LEFT JOIN rollup_shapes s ON s.unit_id = u.id"
        f" WHERE u.merged_into_id IN ({marks})"
        f" OR (u.parent_id IN ({marks}) AND u.merged_into_id IS NULL)"
        " ORDER BY u.id",
        (*unit_ids, *unit_ids),
    )
    found: dict[int, list[tuple[TreeUnit, Shape | None]]] = {}
    for row in rows:
        child = tree_unit(row)
        if child.parent is not None:
            shape = None if row["shape_json"] is None else _shape(row["shape_json"])
            found.setdefault(child.parent, []).append((child, shape))
    return found


@functools.lru_cache(maxsize=4096)
def _shape(shape_json: str) -> Shape:
    return shape_from_data(json.loads(shape_json))


async def shapes_of(
    tx: Tx | Backend, units: Sequence[TreeUnit]
) -> tuple[dict[int, Shape], set[int]]:
    """The shapes of `units`, and which of them have units below them (those have a kept
    shape; the others' shape is their own)."""
    found = {u.id: u.leaf_shape for u in units}
    inner: set[int] = set()
    if units:
        rows = await tx.fetch_all(
            f"SELECT unit_id, shape_json FROM rollup_shapes WHERE unit_id IN ({_ids(len(units))})",
            [u.id for u in units],
        )
        for row in rows:
            found[row["unit_id"]] = _shape(row["shape_json"])
            inner.add(row["unit_id"])
    return found, inner


async def _refresh(tx: Tx, chain: Chain, pairs: Sequence[Pair]) -> None:
    """Recompute the chain's units bottom-up from their direct children after a change of
    the tree: their shapes, and for each pair their coverage and their parts."""
    plans = {plan_id: await _plan(tx, plan_id) for plan_id in {p for p, _period in pairs}}
    for unit in _bottom_up(chain.units):
        below = await _children(tx, unit.id)
        children = [child for child, _shape in below]
        found = {child.id: shape or child.leaf_shape for child, shape in below}
        inner = {child.id for child, shape in below if shape is not None}
        await tx.execute("DELETE FROM rollup_shapes WHERE unit_id = ?", (unit.id,))
        own = unit.leaf_shape
        if children:
            own = shape_of(
                level_tier(unit.level), unit.level, unit.reports, [found[c.id] for c in children]
            )
            await tx.execute(
                "INSERT INTO rollup_shapes (unit_id, shape_json) VALUES (?, ?)",
                (unit.id, dumps(shape_to_data(own))),
            )
        found[unit.id] = own
        for plan_id, period in pairs:
            await tx.execute(
                "DELETE FROM rollup_parts WHERE unit_id = ? AND plan_id = ? AND period = ?",
                (unit.id, plan_id, period),
            )
            plan = plans[plan_id]
            if plan is None or not children:
                await _write_coverage(tx, unit.id, plan_id, period, {})
                continue
            ids = [unit.id, *(c.id for c in children)]
            inner_ids = [c.id for c in children if c.id in inner]
            values = await current_values(tx, ids, plan_id, period)
            parts = await kept_parts(tx, inner_ids, plan_id, period)
            coverage = await kept_coverage(tx, inner_ids, plan_id, period)
            rows = _unit_rows(unit, children, inner, found, plan, values, parts, coverage)
            await _write(tx, unit.id, plan_id, period, *rows)


async def _refresh_parts(tx: Tx, chain: Chain, pair: Pair, codes: Sequence[str]) -> None:
    """Recompute the parts of `codes` and the coverage of the chain's units that have
    units below them, bottom-up, after values were written (the shapes stay). Everything
    the chain needs is read, and everything it changes written, a few statements for the
    whole chain whatever its depth: a village's save recomputes its commune, district and
    province in the save's own transaction, which holds the database's one writer."""
    order = [unit for unit in _bottom_up(chain.units) if unit.id in chain.shapes]
    if not order:
        return  # nothing above the written units keeps rows (their own values stand)
    plan_id, period = pair
    plan = await _plan(tx, plan_id)
    chain_ids = [unit.id for unit in order]
    below = await _children_of(tx, chain_ids)
    inner_below = sorted(
        {c.id for kids in below.values() for c, shape in kids if shape is not None}
    )
    values: dict[tuple[int, str], AnyValue] = {}
    parts: dict[tuple[int, str], Part | None] = {}
    coverage: dict[int, Coverage] = {}
    if plan is not None:
        ids = sorted({*chain_ids, *(c.id for kids in below.values() for c, _shape in kids)})
        values = await current_values(tx, ids, plan_id, period)
        # A chain unit below another is among these: its rows as kept, replaced by its
        # new ones once recomputed (bottom-up, before the unit above it).
        parts = await kept_parts(tx, inner_below, plan_id, period, codes)
        coverage = await kept_coverage(tx, inner_below, plan_id, period)
    part_rows: list[tuple[int, str, str, str, str]] = []
    coverage_rows: list[tuple[int, str, str, str]] = []
    uncovered: list[int] = []
    for unit in order:
        kids = below.get(unit.id, [])
        for code in codes:
            parts.pop((unit.id, code), None)
        coverage.pop(unit.id, None)
        if plan is None or not kids:
            uncovered.append(unit.id)
            continue
        children = [child for child, _shape in kids]
        found = {child.id: shape or child.leaf_shape for child, shape in kids}
        found[unit.id] = chain.shapes[unit.id]
        inner = {child.id for child, shape in kids if shape is not None}
        differing, own = _unit_rows(
            unit, children, inner, found, plan, values, parts, coverage, codes
        )
        for code, part in differing:
            parts[(unit.id, code)] = part
            part_rows.append((unit.id, plan_id, period, code, json.dumps(part_to_data(part))))
        if own:
            coverage[unit.id] = own
            coverage_rows.append((unit.id, plan_id, period, dumps(coverage_to_data(own))))
        else:
            uncovered.append(unit.id)
    await tx.execute(
        "DELETE FROM rollup_parts WHERE plan_id = ? AND period = ?"
        f" AND unit_id IN ({_ids(len(chain_ids))}) AND indicator_code IN ({_ids(len(codes))})",
        (plan_id, period, *chain_ids, *codes),
    )
    if part_rows:
        await tx.execute_many(
            "INSERT INTO rollup_parts (unit_id, plan_id, period, indicator_code, part_json)"
            " VALUES (?, ?, ?, ?, ?)",
            part_rows,
        )
    if coverage_rows:
        await tx.execute_many(_UPSERT_COVERAGE, coverage_rows)
    if uncovered:
        await tx.execute(
            "DELETE FROM rollup_coverage WHERE plan_id = ? AND period = ?"
            f" AND unit_id IN ({_ids(len(uncovered))})",
            (plan_id, period, *uncovered),
        )


def _unit_rows(
    unit: TreeUnit,
    children: Sequence[TreeUnit],
    inner: Collection[int],
    shapes: dict[int, Shape],
    plan: Plan,
    values: dict[tuple[int, str], AnyValue],
    parts: dict[tuple[int, str], Part | None],
    coverage: dict[int, Coverage],
    codes: Collection[str] | None = None,
) -> tuple[list[tuple[str, Part | None]], Coverage]:
    """A unit's parts that differ from the empty ones (of every indicator, or of those of
    `codes`), and its coverage, from its own values and its children's kept rows (or,
    for a child with nothing below, values)."""
    shape = shapes[unit.id]
    plan_duties = duties(plan)
    differing: list[tuple[str, Part | None]] = []
    for indicator in plan.indicators:
        if codes is not None and indicator.code not in codes:
            continue
        below: list[Part | None] = []
        for child in children:
            key = (child.id, indicator.code)
            if child.id not in inner:
                below.append(kept_state(indicator, shapes[child.id], values.get(key), []))
            elif key in parts:
                below.append(parts[key])
            else:
                below.append(shapes[child.id].state(indicator))
        state = kept_state(indicator, shape, values.get((unit.id, indicator.code)), below)
        if state != shape.state(indicator):
            differing.append((indicator.code, state))
    reported: dict[int, set[str]] = {}
    for unit_id, code in values:
        reported.setdefault(unit_id, set()).add(code)
    child_coverage: list[Coverage] = []
    for child in children:
        if child.id in inner:
            child_coverage.append(coverage.get(child.id, {}))
        else:
            child_coverage.append(
                coverage_of(
                    shapes[child.id], child.level, plan_duties, reported.get(child.id, ()), []
                )
            )
    own = coverage_of(shape, unit.level, plan_duties, reported.get(unit.id, ()), child_coverage)
    return differing, own


async def _write(
    tx: Tx,
    unit_id: int,
    plan_id: str,
    period: str,
    parts: Sequence[tuple[str, Part | None]],
    coverage: Coverage,
) -> None:
    if parts:
        await tx.execute_many(
            "INSERT INTO rollup_parts (unit_id, plan_id, period, indicator_code, part_json)"
            " VALUES (?, ?, ?, ?, ?)",
            [(unit_id, plan_id, period, c, json.dumps(part_to_data(p))) for c, p in parts],
        )
    await _write_coverage(tx, unit_id, plan_id, period, coverage)


_UPSERT_COVERAGE = (
    "INSERT INTO rollup_coverage (unit_id, plan_id, period, coverage_json) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (unit_id, plan_id, period) DO UPDATE SET coverage_json = excluded.coverage_json"
)


async def _write_coverage(
    tx: Tx, unit_id: int, plan_id: str, period: str, coverage: Coverage
) -> None:
    if not coverage:
        await tx.execute(
            "DELETE FROM rollup_coverage WHERE unit_id = ? AND plan_id = ? AND period = ?",
            (unit_id, plan_id, period),
        )
        return
    await tx.execute(
        _UPSERT_COVERAGE, (unit_id, plan_id, period, dumps(coverage_to_data(coverage)))
    )


async def current_values(
    tx: Tx | Backend, unit_ids: Sequence[int], plan_id: str, period: str
) -> dict[tuple[int, str], AnyValue]:
    """The current value of every indicator the units have for the period."""
    found: dict[tuple[int, str], AnyValue] = {}
    for start in range(0, len(unit_ids), _CHUNK):
        part = unit_ids[start : start + _CHUNK]
        rows = await tx.fetch_all(
            "SELECT v.unit_id, v.indicator_code, v.value_json FROM report_values v"
            f" WHERE v.plan_id = ? AND v.period = ? AND v.unit_id IN ({_ids(len(part))})"
            f" AND {_LATEST}",
            (plan_id, period, *part),
        )
        for row in rows:
            found[(row["unit_id"], row["indicator_code"])] = _decoded(row["value_json"])
    return found


async def kept_parts(
    tx: Tx | Backend,
    unit_ids: Sequence[int],
    plan_id: str,
    period: str,
    codes: Collection[str] | None = None,
) -> dict[tuple[int, str], Part | None]:
    """The units' kept parts, of every indicator or of those of `codes`."""
    if not unit_ids:
        return {}
    only = "" if codes is None else f" AND indicator_code IN ({_ids(len(codes))})"
    rows = await tx.fetch_all(
        "SELECT unit_id, indicator_code, part_json FROM rollup_parts"
        f" WHERE plan_id = ? AND period = ? AND unit_id IN ({_ids(len(unit_ids))})" + only,
        (plan_id, period, *unit_ids, *sorted(codes or ())),
    )
    return {
        (row["unit_id"], row["indicator_code"]): part_from_data(json.loads(row["part_json"]))
        for row in rows
    }


async def kept_coverage(
    tx: Tx | Backend, unit_ids: Sequence[int], plan_id: str, period: str
) -> dict[int, Coverage]:
    if not unit_ids:
        return {}
    rows = await tx.fetch_all(
        "SELECT unit_id, coverage_json FROM rollup_coverage"
        f" WHERE plan_id = ? AND period = ? AND unit_id IN ({_ids(len(unit_ids))})",
        (plan_id, period, *unit_ids),
    )
    return {row["unit_id"]: coverage_from_data(json.loads(row["coverage_json"])) for row in rows}


# --- rebuilding from the values ---------------------------------------------------------


async def rebuild_stale(tx: Tx) -> int:
    """Rebuild the stale shapes and (plan, period) pairs from the units and the values,
    and clear their marks; how many pairs were rebuilt."""
    if not await _stale(tx):
        return 0  # every start looks: it waits for no writer when there is nothing to do
    await _lock(tx, [], tree_alone=True)
    stale = await _stale(tx)
    if not stale:
        return 0
    rows = await tx.fetch_all("SELECT id, level, parent_id, merged_into_id FROM units ORDER BY id")
    units = {u.id: u for u in (tree_unit(row) for row in rows)}
    children: dict[int, list[TreeUnit]] = {}
    for unit in units.values():
        if unit.parent is not None and unit.parent in units:
            children.setdefault(unit.parent, []).append(unit)
    order = _post_order(units, children)
    if SHAPES in stale:
        await _rebuild_shapes(tx, order, children)
        # Every part is relative to the shapes: every pair with values is rebuilt.
        pairs = await tx.fetch_all("SELECT DISTINCT plan_id, period FROM report_values")
        stale |= {(row["plan_id"], row["period"]) for row in pairs}
    shape_rows = await tx.fetch_all("SELECT unit_id, shape_json FROM rollup_shapes")
    shapes = {row["unit_id"]: shape_from_data(json.loads(row["shape_json"])) for row in shape_rows}
    rebuilt = 0
    for plan_id, period in sorted(stale - {SHAPES}):
        await tx.execute(
            "DELETE FROM rollup_parts WHERE plan_id = ? AND period = ?", (plan_id, period)
        )
        await tx.execute(
            "DELETE FROM rollup_coverage WHERE plan_id = ? AND period = ?", (plan_id, period)
        )
        plan = await _plan(tx, plan_id)
        if plan is not None:
            await _rebuild_pair(tx, plan, period, order, children, shapes)
        rebuilt += 1
        await tx.execute(
            "DELETE FROM rollup_pending WHERE plan_id = ? AND period = ?", (plan_id, period)
        )
    await tx.execute("DELETE FROM rollup_stale")
    return rebuilt


def _post_order(units: dict[int, TreeUnit], children: dict[int, list[TreeUnit]]) -> list[TreeUnit]:
    order: list[TreeUnit] = []
    for root in (u for u in units.values() if u.parent is None or u.parent not in units):
        stack: list[tuple[TreeUnit, bool]] = [(root, False)]
        while stack:
            unit, expanded = stack.pop()
            if expanded:
                order.append(unit)
                continue
            stack.append((unit, True))
            stack.extend((c, False) for c in reversed(children.get(unit.id, [])))
    return order


async def _rebuild_shapes(
    tx: Tx, order: Sequence[TreeUnit], children: dict[int, list[TreeUnit]]
) -> None:
    await tx.execute("DELETE FROM rollup_shapes")
    shapes: dict[int, Shape] = {}
    rows = []
    for unit in order:
        below = children.get(unit.id, [])
        if not below:
            continue
        shape = shape_of(
            level_tier(unit.level),
            unit.level,
            unit.reports,
            [shapes.pop(c.id) if c.id in shapes else c.leaf_shape for c in below],
        )
        shapes[unit.id] = shape
        rows.append((unit.id, dumps(shape_to_data(shape))))
    await tx.copy_rows("rollup_shapes", ("unit_id", "shape_json"), rows)


async def _rebuild_pair(
    tx: Tx,
    plan: Plan,
    period: str,
    order: Sequence[TreeUnit],
    children: dict[int, list[TreeUnit]],
    shapes: dict[int, Shape],
) -> None:
    """Every kept row of one plan and period, bottom-up through the tree, the values read
    a chunk of units at a time in the same order."""
    parts: dict[tuple[int, str], Part | None] = {}
    coverage: dict[int, Coverage] = {}
    # The values of units with nothing below, until their parent is done: their parent
    # may come in a later chunk.
    leaves: dict[tuple[int, str], AnyValue] = {}
    part_rows: list[tuple[int, str, str, str, str]] = []
    coverage_rows: list[tuple[int, str, str, str]] = []
    for start in range(0, len(order), _CHUNK):
        chunk = order[start : start + _CHUNK]
        values = await current_values(tx, [u.id for u in chunk], plan.id, period)
        for unit in chunk:
            below = children.get(unit.id, [])
            if not below:
                leaves.update(
                    ((unit.id, i.code), values[(unit.id, i.code)])
                    for i in plan.indicators
                    if (unit.id, i.code) in values
                )
                continue
            inner = {c.id for c in below if c.id in shapes}
            unit_shapes = {c.id: shapes.get(c.id) or c.leaf_shape for c in below}
            unit_shapes[unit.id] = shapes[unit.id]
            known = {
                (unit.id, i.code): values[(unit.id, i.code)]
                for i in plan.indicators
                if (unit.id, i.code) in values
            }
            for child in below:
                if child.id in inner:
                    continue
                for indicator in plan.indicators:
                    found = leaves.pop((child.id, indicator.code), None)
                    if found is not None:
                        known[(child.id, indicator.code)] = found
            kept_below = {
                (c.id, i.code): parts.pop((c.id, i.code))
                for c in below
                for i in plan.indicators
                if (c.id, i.code) in parts
            }
            child_coverage = {c.id: coverage.pop(c.id) for c in below if c.id in coverage}
            differing, own = _unit_rows(
                unit, below, inner, unit_shapes, plan, known, kept_below, child_coverage
            )
            for code, part in differing:
                parts[(unit.id, code)] = part
                part_rows.append((unit.id, plan.id, period, code, json.dumps(part_to_data(part))))
            if own:
                coverage[unit.id] = own
                coverage_rows.append((unit.id, plan.id, period, dumps(coverage_to_data(own))))
    await tx.copy_rows(
        "rollup_parts", ("unit_id", "plan_id", "period", "indicator_code", "part_json"), part_rows
    )
    await tx.copy_rows(
        "rollup_coverage", ("unit_id", "plan_id", "period", "coverage_json"), coverage_rows
    )
