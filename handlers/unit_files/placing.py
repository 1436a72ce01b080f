"""Where the units of a list go in the tree: which already exist, which are new, under
which parent, and what cannot be added. Shared by `chitieu units import` and the list
sent in the chat; the chat passes a `scope` (the official's unit), the terminal does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from indicators.plan import UnitSpec, level_tier
from indicators.plan_import.units import FileUnit, UnitDoubt, UnitProblem, UnitReading
from indicators.text import fold
from indicators.units import Unit, tier_above
from storage import Store

Key = tuple[str | None, tuple[str, ...]]


@dataclass
class Placed:
    """Where the file's units go: the parent id of each top unit of the file (None: a
    new root), the units that already exist (by key, with their id), and the doubts."""

    top_parents: dict[Key, int | None] = field(default_factory=dict)
    existing: dict[Key, int] = field(default_factory=dict)
    doubts: list[UnitDoubt] = field(default_factory=list)

    def shown(self, reading: UnitReading) -> UnitReading:
        """The reading with the doubts found against the database added."""
        return UnitReading(reading.units, (*reading.doubts, *self.doubts))

    def existing_paths(self, reading: UnitReading) -> frozenset[tuple[str, ...]]:
        return frozenset(u.path for u in reading.units if u.key in self.existing)

    def new_count(self, reading: UnitReading) -> int:
        return sum(1 for u in reading.units if u.key not in self.existing)


@dataclass(frozen=True)
class _Scope:
    root: Unit
    inside: frozenset[int]  # the root's subtree: where new units may go
    above: dict[str, Unit]  # the root and its ancestors by folded name: paths pass there


async def place(
    store: Store, reading: UnitReading, under: Unit | None, scope: Unit | None = None
) -> Placed:
    """Match the file's units against the database. With `scope`, the file's units go
    under it (a top unit naming it or one of its ancestors is that unit), and a new unit
    anywhere else is refused."""
    bounds = None
    if scope is not None:
        inside = frozenset(u.id for u in await store.units.subtree(scope.id))
        above = {fold(u.name): u for u in [*await store.units.ancestors(scope.id), scope]}
        bounds = _Scope(scope, inside, above)
        under = scope
    placed = Placed()
    levels: dict[Key, str] = {}
    for unit in reading.units:
        levels[unit.key] = unit.level
        parent_key: Key = (unit.key[0], unit.key[1][:-1])
        if len(unit.path) == 1:
            found = await _top(store, unit, under, placed, bounds)
        elif parent_key in placed.existing:
            siblings = await store.units.children_named(placed.existing[parent_key], unit.name)
            found = siblings[0] if siblings else None
        else:
            found = None  # under a new unit (or one in doubt): nothing to compare with
        if found is not None:
            if fold(found.level) != fold(unit.level):
                placed.doubts.append(UnitDoubt(UnitProblem.CONFLICTS_WITH_DATABASE, unit.row,
                                               unit.name, f"{found.level} {found.name}"))  # fmt: skip
                continue
            placed.existing[unit.key] = found.id
            continue
        parent_id: int | None = None
        if len(unit.path) == 1:
            if unit.key not in placed.top_parents:
                continue  # its anchor is in doubt
            parent_id = placed.top_parents[unit.key]
        elif parent_key in placed.existing:
            parent_id = placed.existing[parent_key]
        parent_level = levels.get(parent_key)
        if parent_id is not None:
            parent_level = await _level_of(store, parent_id)
        if bounds is not None and parent_id is not None and parent_id not in bounds.inside:
            placed.doubts.append(UnitDoubt(UnitProblem.OUTSIDE_SCOPE, unit.row, unit.name,
                                           f"{bounds.root.level} {bounds.root.name}"))  # fmt: skip
        elif parent_level is not None and not _fits_under(unit.level, parent_level):
            placed.doubts.append(
                UnitDoubt(UnitProblem.LEVEL_NOT_BELOW, unit.row, unit.name, parent_level)
            )
    return placed


def _fits_under(level: str, parent_level: str) -> bool:
    child, parent = level_tier(level), level_tier(parent_level)
    return child is None or parent is None or tier_above(parent, child)


async def _level_of(store: Store, unit_id: int) -> str | None:
    unit = await store.units.get(unit_id)
    return unit.level if unit is not None else None


async def _top(
    store: Store, unit: FileUnit, under: Unit | None, placed: Placed, bounds: _Scope | None
) -> Unit | None:
    """Place a top unit of the file; the unit already there for it, if any."""
    if unit.anchor is not None:
        anchors = await store.units.by_name(unit.anchor)
        if bounds is not None:
            mine = [a for a in anchors if a.id in bounds.inside]
            if anchors and not mine:
                placed.doubts.append(UnitDoubt(UnitProblem.OUTSIDE_SCOPE, unit.row, unit.name,
                                               f"{bounds.root.level} {bounds.root.name}"))  # fmt: skip
                return None
            anchors = mine
        if len(anchors) != 1:
            problem = UnitProblem.UNKNOWN_PARENT if not anchors else UnitProblem.AMBIGUOUS_PARENT
            listed = ", ".join(f"{u.level} {u.name} ({u.id})" for u in anchors)
            placed.doubts.append(UnitDoubt(problem, unit.row, unit.anchor, listed))
            return None
        parent_id: int | None = anchors[0].id
    elif bounds is not None:
        # "Xã Nà Pài | Thôn …" from Nà Pài's official: the file starts at their unit
        # (or above it, "Tỉnh | Xã | Thôn"), which is there already.
        same = bounds.above.get(fold(unit.name))
        if same is not None and fold(same.level) == fold(unit.level):
            placed.top_parents[unit.key] = same.parent_id
            return same
        parent_id = bounds.root.id
    elif under is not None:
        parent_id = under.id
    else:
        # A file without --under starts where its top unit already is, if it is there
        # once ("Đồng Lạc" of a list of Đồng Lạc's villages); else it is a new root.
        anywhere = await store.units.by_name(unit.name, level=unit.level)
        if len(anywhere) == 1:
            placed.top_parents[unit.key] = anywhere[0].parent_id
            return anywhere[0]
        parent_id = None
    placed.top_parents[unit.key] = parent_id
    siblings = await store.units.children_named(parent_id, unit.name)
    return siblings[0] if siblings else None


def trees(reading: UnitReading, placed: Placed) -> Sequence[tuple[int | None, UnitSpec]]:
    """The file's trees, each with the id of the unit its top goes under."""
    found: list[tuple[int | None, UnitSpec]] = []
    for anchor, spec in reading.trees():
        key: Key = (fold(anchor) if anchor else None, (fold(spec.name),))
        found.append((placed.top_parents.get(key), spec))
    return found
