"""A commune's own files into chitieu: its plan (`chitieu plans import`) and its units
(`chitieu units import`). Each prints what it read; `--yes` applies it, all or nothing,
and only when nothing is in doubt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.table_files import TableFileError, read_tables
from handlers.plan_files.reading import read_for_unit
from handlers.wording.plan_review import review_text, unit_review_text
from indicators.plan import UnitSpec
from indicators.plan_import.reader import Reading
from indicators.plan_import.table import Table
from indicators.plan_import.units import FileUnit, UnitDoubt, UnitProblem, UnitReading, read_units
from indicators.text import fold
from indicators.units import Unit
from locales import _
from storage import Store


class ImportRefused(Exception):
    """Nothing was applied: `reason` says why (naming the rows in doubt), after `review`."""

    def __init__(self, review: str, reason: str) -> None:
        super().__init__(reason)
        self.review = review
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Outcome:
    text: str  # the review, then what was done
    applied: bool


def _tables(path: Path, allow: tuple[str, ...]) -> list[Table]:
    try:
        return read_tables(path, allow=allow)
    except TableFileError as exc:
        raise ImportRefused("", str(exc)) from None


async def read_plan_file(store: Store, path: Path, unit: Unit, year: int | None) -> Reading:
    tables = _tables(path, (".docx", ".xlsx"))
    reading, _destination = await read_for_unit(store, tables, unit, year, path.name)
    return reading


async def import_plan(
    store: Store, path: Path, unit: Unit, *, year: int | None, apply: bool, by: int | None = None
) -> Outcome:
    reading = await read_plan_file(store, path, unit, year)
    label = f"{unit.level} {unit.name}"
    review = review_text(reading, unit_label=label)
    if not apply:
        return Outcome(
            review + "\n\n" + _("Nothing was applied: run again with --yes to apply."), False
        )
    if reading.plan is None or reading.yaml_text is None or reading.doubts:
        rows = ", ".join(_doubt_label(d.row, d.code) for d in reading.doubts)
        reason = _("Not applied, rows in doubt: {rows}. Correct the file and import it again.")
        raise ImportRefused(review, reason.format(rows=rows))
    installed = await store.install_plan(
        reading.plan, reading.yaml_text, source=f"import:{path.name}", by=by
    )
    done = _("Applied: plan {id} (version {version}) now applies to {unit} for {year}.").format(
        id=reading.plan.id, version=installed.version.version, unit=label, year=reading.plan.year
    )
    return Outcome(review + "\n\n" + done, True)


def _doubt_label(row: int | None, code: str | None) -> str:
    if row is None:
        return _("the table as a whole")
    return _("row {row}").format(row=row) + (f" ({code})" if code else "")


Key = tuple[str | None, tuple[str, ...]]


@dataclass
class _Placed:
    """Where the file's units go: the parent id of each top unit of the file (None: a
    new root), the units that already exist (by key, with their id), and the doubts."""

    top_parents: dict[Key, int | None]
    existing: dict[Key, int]
    doubts: list[UnitDoubt]


async def _place(store: Store, reading: UnitReading, under: Unit | None) -> _Placed:
    placed = _Placed({}, {}, [])
    for unit in reading.units:
        if len(unit.path) == 1:
            found = await _top(store, unit, under, placed)
            if found is None:
                continue
        else:
            parent_key: Key = (unit.key[0], unit.key[1][:-1])
            if parent_key not in placed.existing:
                continue  # under a new unit (or one in doubt): nothing to compare with
            siblings = await store.units.children_named(placed.existing[parent_key], unit.name)
            found = siblings[0] if siblings else None
            if found is None:
                continue
        if fold(found.level) != fold(unit.level):
            placed.doubts.append(
                UnitDoubt(
                    UnitProblem.CONFLICTS_WITH_DATABASE,
                    unit.row,
                    unit.name,
                    f"{found.level} {found.name}",
                )
            )
            continue
        placed.existing[unit.key] = found.id
    return placed


async def _top(store: Store, unit: FileUnit, under: Unit | None, placed: _Placed) -> Unit | None:
    """Place a top unit of the file; the unit already there for it, if any."""
    if unit.anchor is not None:
        anchors = await store.units.by_name(unit.anchor)
        if len(anchors) != 1:
            problem = UnitProblem.UNKNOWN_PARENT if not anchors else UnitProblem.AMBIGUOUS_PARENT
            listed = ", ".join(f"{u.level} {u.name} ({u.id})" for u in anchors)
            placed.doubts.append(UnitDoubt(problem, unit.row, unit.anchor, listed))
            return None
        parent_id: int | None = anchors[0].id
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


async def import_units(
    store: Store, path: Path, *, under: Unit | None, apply: bool, by: int | None = None
) -> Outcome:
    reading = read_units(_tables(path, (".xlsx", ".csv")))
    placed = await _place(store, reading, under)
    doubts = [*reading.doubts, *placed.doubts]
    shown = UnitReading(reading.units, tuple(doubts))
    existing = frozenset(u.path for u in reading.units if u.key in placed.existing)
    review = unit_review_text(shown, existing)
    if not apply:
        return Outcome(
            review + "\n\n" + _("Nothing was added: run again with --yes to add."), False
        )
    if doubts:
        rows = ", ".join(_doubt_label(d.row, None) for d in doubts)
        reason = _("Nothing was added, rows in doubt: {rows}.").format(rows=rows)
        raise ImportRefused(review, reason)
    trees = _trees(reading, placed)
    added = await store.units.import_trees(trees, by=by)
    return Outcome(review + "\n\n" + _("Added {count} units.").format(count=len(added)), True)


def _trees(reading: UnitReading, placed: _Placed) -> Sequence[tuple[int | None, UnitSpec]]:
    trees: list[tuple[int | None, UnitSpec]] = []
    for anchor, spec in reading.trees():
        key: Key = (fold(anchor) if anchor else None, (fold(spec.name),))
        trees.append((placed.top_parents.get(key), spec))
    return trees
