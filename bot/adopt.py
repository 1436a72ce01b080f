"""A commune's own files into chitieu: its plan (`chitieu plans import`) and its units
(`chitieu units import`). Each prints what it read; `--yes` applies it, all or nothing,
and only when nothing is in doubt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.table_files import TableFileError, read_tables
from handlers.plan_files.reading import read_for_unit
from handlers.unit_files.placing import place, trees
from handlers.wording.plan_review import review_text, unit_review_text
from indicators.plan_import.reader import Reading
from indicators.plan_import.table import Table
from indicators.plan_import.units import read_units
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


async def import_units(
    store: Store, path: Path, *, under: Unit | None, apply: bool, by: int | None = None
) -> Outcome:
    reading = read_units(_tables(path, (".xlsx", ".csv")))
    placed = await place(store, reading, under)
    shown = placed.shown(reading)
    doubts = shown.doubts
    review = unit_review_text(shown, placed.existing_paths(reading))
    if not apply:
        return Outcome(
            review + "\n\n" + _("Nothing was added: run again with --yes to add."), False
        )
    if doubts:
        rows = ", ".join(_doubt_label(d.row, None) for d in doubts)
        reason = _("Nothing was added, rows in doubt: {rows}.").format(rows=rows)
        raise ImportRefused(review, reason)
    added = await store.units.import_trees(trees(reading, placed), by=by)
    return Outcome(review + "\n\n" + _("Added {count} units.").format(count=len(added)), True)
