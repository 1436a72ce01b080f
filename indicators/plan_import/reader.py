"""A plan table's rows read into a plan (as the YAML text chitieu stores) and its doubts.

The draft is always a valid plan, so the review can count and list it; rows in doubt
keep their printed text (a target chitieu cannot judge) and the import refuses to
apply while any doubt is left. Nothing is guessed: what no rule reads is a doubt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from indicators.plan import LEVEL_TIERS, Frequency, Plan, Tier
from indicators.plan_import.cells import (
    FormulaReading,
    TargetForm,
    TargetReading,
    as_percent,
    counted_noun,
    read_formula,
    read_list,
    read_schedule,
    read_target,
    read_tier,
    target_in_name,
)
from indicators.plan_import.doubts import Doubt, Note, Problem, Remark
from indicators.plan_import.header import Column, Header, Role, read_header
from indicators.plan_import.table import Row, Table, one_line
from indicators.plans import load_plan_text
from indicators.text import fold, folded_words, normalize

# When a table states no reporting rule: quarterly, before the 25th of the quarter's
# last month (the rule Việt Yên prints, and the bundled plans' default).
DEFAULT_SCHEDULE = {"frequency": Frequency.QUARTER.value, "due_day": 25, "due_month": "last"}


@dataclass(frozen=True, slots=True)
class Destination:
    """Where the plan goes: the unit (root-first path of (level, name)), the year if the
    command gives it, and the start of the plan's id ("xa-dong-lac" → "xa-dong-lac-2026")."""

    slug: str
    unit_path: tuple[tuple[str, str], ...]
    year: int | None = None
    source: str = ""

    def plan_id(self, year: int | None) -> str:
        return f"{self.slug}-{year}" if year is not None else f"{self.slug}-chua-ro-nam"

    @property
    def unit(self) -> tuple[str, str]:
        return self.unit_path[-1]

    @property
    def tier(self) -> Tier | None:
        return LEVEL_TIERS.get(self.unit[0].lower())


@dataclass(frozen=True, slots=True)
class Reading:
    """What one file gave: the draft plan and its YAML (None when no table was found),
    the doubts that block applying it, and the notes the review shows besides."""

    plan: Plan | None
    yaml_text: str | None
    doubts: tuple[Doubt, ...]
    notes: tuple[Note, ...]
    where: str = ""

    @property
    def clean(self) -> bool:
        return self.plan is not None and not self.doubts


_ROMAN = re.compile(r"^[IVXLC]+$")
_LETTER = re.compile(r"^[A-Z]$")
_INTEGER = re.compile(r"^\d+$")
_DOTTED = re.compile(r"^(?:\d+|[IVXLC]+)(?:\.\d+)+[a-z]?$")
_YEAR_IN_CAPTION = re.compile(r"\bnam (20\d\d)\b")
_SHARE = ("ty le", "ty trong")


def _code_text(cell: str) -> str:
    return one_line(cell).strip().rstrip(".").strip()


@dataclass
class _Group:
    code: str
    name: str
    indicators: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Pending:
    """An indicator row before codes are settled (they may need the group's prefix)."""

    row: Row
    group: _Group
    number: str  # as read, without a trailing dot
    printed: str  # as printed
    data: dict[str, Any]


class _Reader:
    def __init__(self, table: Table, header: Header, destination: Destination) -> None:
        self.table = table
        self.header = header
        self.destination = destination
        self.doubts: list[Doubt] = []
        self.notes: list[Note] = []
        self.groups: list[_Group] = []
        self.pending: list[_Pending] = []
        self.schedules: list[tuple[Row, str]] = []
        self.col = {role: header.index(role) for role in Role}
        self.year, self.target_column = self._year_and_target()
        self.history_columns = self._history_columns()
        self.tier = destination.tier
        if self.tier is None:
            level, name = destination.unit
            self.doubts.append(Doubt(Problem.UNKNOWN_LEVEL, text=f"{level} {name}"))
        for column in header.all(Role.IGNORED):
            self.notes.append(Note(Remark.IGNORED_COLUMN, text=column.header))
        if self.target_column is None and header.index(Role.TARGET) is None:
            self.notes.append(Note(Remark.TARGET_IN_NAME))

    # -- the plan's year and which column holds its targets -------------------------

    def _year_and_target(self) -> tuple[int | None, int | None]:
        targets = self.header.all(Role.TARGET)
        wanted = self.destination.year
        dated = [c for c in targets if c.year is not None]
        undated = [c for c in targets if c.year is None]
        if wanted is not None:
            matching = [c for c in dated if c.year == wanted]
            if matching:
                return wanted, matching[0].index
            if undated:
                return wanted, undated[0].index
            if dated:
                found = ", ".join(c.header for c in dated)
                self.doubts.append(
                    Doubt(Problem.NO_TARGET_FOR_YEAR, text=found, detail=str(wanted))
                )
            return wanted, None
        if dated:
            latest = max(dated, key=lambda c: c.year or 0)
            return latest.year, latest.index
        year = self._caption_year()
        if year is None:
            self.doubts.append(Doubt(Problem.NO_YEAR))
        return year, undated[0].index if undated else None

    def _caption_year(self) -> int | None:
        years = {
            int(m.group(1))
            for line in self._caption()
            for m in _YEAR_IN_CAPTION.finditer(folded_words(line))
        }
        return years.pop() if len(years) == 1 else None

    def _caption(self) -> list[str]:
        above = [
            one_line(" ".join(c for c in row.cells if c))
            for row in self.table.rows
            if row.number < self.header.rows[0].number and not row.blank
        ]
        return [*self.table.caption, *above]

    def _history_columns(self) -> list[tuple[Column, str]]:
        found: list[tuple[Column, str]] = []
        for column in self.header.columns:
            if column.year is None or column.index == self.target_column:
                continue
            if column.role is Role.ACTUAL:
                found.append((column, "actual"))
            elif column.role is Role.TARGET:
                found.append((column, "target"))
        return found

    # -- rows ------------------------------------------------------------------------

    def read(self) -> None:
        rows = [r for r in self.table.rows if r.number > self.header.last_row and not r.blank]
        dotted = any(_DOTTED.match(_code_text(r.cell(self.col[Role.CODE]))) for r in rows)
        for row in rows:
            if self._skipped(row):
                continue
            self._row(row, dotted=dotted)
        self._settle_codes()

    def _skipped(self, row: Row) -> bool:
        """Header rows repeated at a page break, and the "(1) (2) (3)" numbering row."""
        first = self.header.rows[0]
        code = self.col[Role.CODE]
        if fold(row.cell(code)) == fold(first.cell(code)) and fold(row.cell(code)):
            return True
        filled = [c for c in row.cells if c]
        return len(filled) >= 3 and all(re.fullmatch(r"\(?\d+\)?", c) for c in filled)

    def _row(self, row: Row, *, dotted: bool) -> None:
        printed = one_line(row.cell(self.col[Role.CODE])).strip()
        code = _code_text(printed)
        name = one_line(row.cell(self.col[Role.NAME])).strip()
        group_name = one_line(row.cell(self.col[Role.GROUP])).strip()
        if group_name:
            self._group_named(group_name, code)
        is_group = bool(
            _ROMAN.match(code) or _LETTER.match(code) or (dotted and _INTEGER.match(code))
        )
        if is_group and not group_name:
            self.groups.append(_Group(code, name or code))
            return
        if not code:
            self._unnumbered(row, name)
            return
        if not (_INTEGER.match(code) or _DOTTED.match(code)):
            self.doubts.append(Doubt(Problem.UNREADABLE_CODE, row.number, printed, name))
            code = f"r{row.number}"
        self._indicator(row, code, printed, name)

    def _group_named(self, name: str, code: str) -> None:
        if self.groups and fold(self.groups[-1].name) == fold(name):
            return
        for group in self.groups:
            if fold(group.name) == fold(name):
                self.groups.remove(group)
                self.groups.append(group)
                return
        prefix = code.split(".")[0] if _DOTTED.match(code) else str(len(self.groups) + 1)
        self.groups.append(_Group(prefix, name))

    def _unnumbered(self, row: Row, name: str) -> None:
        has_target = bool(self._target_text(row, name))
        if not (name and has_target and self.pending):
            text = name or one_line(" ".join(c for c in row.cells if c))
            self.doubts.append(Doubt(Problem.NO_CODE, row.number, None, text))
            return
        previous = self.pending[-1].number
        base = re.sub(r"[a-z]$", "", previous)
        taken = {p.number for p in self.pending}
        letter = next(ch for ch in "bcdefghijklmnopqrstuvwxyz" if f"{base}{ch}" not in taken)
        code = f"{base}{letter}"
        self.notes.append(Note(Remark.UNNUMBERED, row.number, code, name))
        self._indicator(row, code, "", name)

    def _current_group(self) -> _Group:
        if not self.groups:
            self.groups.append(_Group("1", "Các chỉ tiêu"))
            self.notes.append(Note(Remark.SINGLE_GROUP))
        return self.groups[-1]

    def _target_text(self, row: Row, name: str) -> str:
        if self.target_column is not None:
            return one_line(row.cell(self.target_column))
        if self.header.index(Role.TARGET) is None:
            return target_in_name(name) or ""
        return ""

    def _indicator(self, row: Row, code: str, printed: str, name: str) -> None:
        group = self._current_group()
        if not name:
            self.doubts.append(Doubt(Problem.NO_NAME, row.number, code))
        target_text = self._target_text(row, name)
        reading = read_target(target_text)
        in_names = self.target_column is None and self.header.index(Role.TARGET) is None
        if in_names and not target_text:
            self.doubts.append(Doubt(Problem.NO_TARGET_IN_NAME, row.number, code, name))
            reading = TargetReading(TargetForm.UNREADABLE, "")
        unit_cell = one_line(row.cell(self.col[Role.UNIT])).strip()
        measure, unit, reading = self._measure(row, code, name, unit_cell, reading)
        formula, notes = self._formula_and_notes(row, code, name)
        data: dict[str, Any] = {
            "code": code,
            "name": name or code,
            "measure": measure,
            "unit": unit,
            "target": {"printed": reading.printed, "normalized": reading.normalized},
            "formula": formula,
            "reported_by": self._reported_by(row, code).value,
            "lead": read_list(row.cell(self.col[Role.LEAD])),
            "coordinating": read_list(row.cell(self.col[Role.COORDINATING])),
            "monitoring": read_list(row.cell(self.col[Role.MONITORING])),
            "notes": notes,
            "history": self._history(row),
        }
        schedule = one_line(row.cell(self.col[Role.SCHEDULE])).strip()
        if schedule:
            self.schedules.append((row, schedule))
        self.pending.append(_Pending(row, group, code, printed, data))

    def _measure(
        self, row: Row, code: str, name: str, unit_cell: str, reading: TargetReading
    ) -> tuple[str, str | None, TargetReading]:
        doubt = _TARGET_DOUBTS.get(reading.form)
        if reading.form is TargetForm.EMPTY and self.target_column is not None:
            self.doubts.append(Doubt(Problem.NO_TARGET, row.number, code, reading.printed))
        elif doubt is not None and reading.printed:
            self.doubts.append(Doubt(doubt, row.number, code, reading.printed))
        share = folded_words(name).startswith(_SHARE)
        if reading.form is TargetForm.YESNO:
            return "yesno", unit_cell or None, reading
        if reading.form is TargetForm.STATUS:
            return "status", unit_cell or None, reading
        if reading.form is TargetForm.NUMBER:
            if unit_cell == "%" or share:
                if unit_cell != "%":
                    self.doubts.append(
                        Doubt(Problem.PERCENT_SIGN_MISSING, row.number, code, reading.printed)
                    )
                reading = as_percent(reading)
            else:
                return "count", unit_cell or reading.noun, reading
        if reading.over_100:
            self.doubts.append(Doubt(Problem.OVER_100, row.number, code, reading.printed))
        if reading.form in (TargetForm.PERCENT, TargetForm.PARTS) or share or unit_cell == "%":
            return "percent", unit_cell or "%", reading
        return "status", unit_cell or None, reading

    def _formula_and_notes(
        self, row: Row, code: str, name: str
    ) -> tuple[dict[str, Any] | None, str | None]:
        note = one_line(row.cell(self.col[Role.NOTE])).strip() or None
        numerator = one_line(row.cell(self.col[Role.NUMERATOR])).strip()
        denominator = one_line(row.cell(self.col[Role.DENOMINATOR])).strip()
        if numerator or denominator:
            noun = one_line(row.cell(self.col[Role.NOUN])).strip() or counted_noun(denominator)
            if not (numerator and denominator and noun):
                text = f"{numerator} / {denominator}".strip(" /")
                self.doubts.append(Doubt(Problem.UNREADABLE_FORMULA, row.number, code, text))
                return None, note
            return _formula_data(None, numerator, denominator, noun), note
        written = one_line(row.cell(self.col[Role.FORMULA])).strip()
        if written:
            reading = read_formula(written)
            if reading is None:
                self.doubts.append(Doubt(Problem.UNREADABLE_FORMULA, row.number, code, written))
                return None, note
            return _reading_data(reading), note
        if note is not None:
            reading = read_formula(note)
            if reading is not None:
                return _reading_data(reading), None
        for inner in re.findall(r"\(([^()]*)\)", name):
            reading = read_formula(inner)
            if reading is not None:
                return _reading_data(reading), note
        return None, note

    def _reported_by(self, row: Row, code: str) -> Tier:
        cell = one_line(row.cell(self.col[Role.REPORTED_BY])).strip()
        if cell:
            tier = read_tier(cell)
            if tier is not None:
                return tier
            self.doubts.append(Doubt(Problem.UNREADABLE_LEVEL, row.number, code, cell))
        return self.tier or Tier.COMMUNE

    def _history(self, row: Row) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        for column, kind in self.history_columns:
            printed = one_line(row.cell(column.index)).strip()
            if printed:
                entries.append({"period": str(column.year), "kind": kind, "printed": printed})
        return entries

    def _settle_codes(self) -> None:
        """Numbers that restart in each group ("I 1 2, II 1 2") become "I.1", "II.1"."""
        integers = [p.number for p in self.pending if _INTEGER.match(p.number)]
        prefix = len(integers) != len(set(integers))
        seen: set[str] = set()
        final: dict[int, str] = {}
        for item in self.pending:
            code = item.number
            if prefix and _INTEGER.match(code):
                code = f"{item.group.code}.{code}"
            if code in seen:
                self.doubts.append(Doubt(Problem.DUPLICATE_CODE, item.row.number, code))
                code = f"{code}-r{item.row.number}"
            seen.add(code)
            final[item.row.number] = code
            data = {**item.data, "code": code}
            if item.printed != code:
                data["printed_code"] = item.printed
            item.group.indicators.append(data)
        # Doubts were noted with the number as read; name them by the code the plan uses.
        self.doubts = [
            replace(d, code=final[d.row])
            if d.row in final and d.problem is not Problem.DUPLICATE_CODE
            else d
            for d in self.doubts
        ]

    # -- the plan as a whole ------------------------------------------------------

    def schedule(self) -> dict[str, Any]:
        printed = {text for _, text in self.schedules}
        if not printed:
            self.notes.append(Note(Remark.DEFAULT_SCHEDULE))
            return {
                **DEFAULT_SCHEDULE,
                "note": "Default: the imported table states no reporting schedule.",
            }
        if len({fold(text) for text in printed}) > 1:
            row, text = self.schedules[-1]
            self.doubts.append(Doubt(Problem.SCHEDULES_DIFFER, row.number, None, text))
        row, text = self.schedules[0]
        reading = read_schedule(text)
        if reading is None:
            self.doubts.append(Doubt(Problem.UNREADABLE_SCHEDULE, row.number, None, text))
            return {**DEFAULT_SCHEDULE, "printed": text}
        return {
            "frequency": reading.frequency.value,
            "due_day": reading.due_day,
            "due_month": reading.due_month,
            "printed": reading.printed,
        }

    def plan_data(self) -> dict[str, Any]:
        groups = [g for g in self.groups if g.indicators]
        if not groups:
            self.doubts.append(Doubt(Problem.NO_INDICATORS))
        level, name = self.destination.unit
        year = self.year or 2000
        caption = self._caption()
        title = next(
            (
                line
                for line in caption
                if "chi tieu" in folded_words(line)
                and "__" not in line
                and not folded_words(line).startswith(("phu luc", "kem theo"))
            ),
            f"Chỉ tiêu chuyển đổi số {level} {name} năm {year}",
        )
        appendix = next((ln for ln in caption if folded_words(ln).startswith("phu luc")), None)
        document = next(
            (ln.strip("() ") for ln in caption if folded_words(ln).startswith("kem theo")),
            self.destination.source or title,
        )
        units: dict[str, Any] = {}
        for unit_level, unit_name in reversed(self.destination.unit_path):
            units = {"name": unit_name, "level": unit_level, "children": [units] if units else []}
        return {
            "id": self.destination.plan_id(self.year),
            "kind": "plan",
            "year": year,
            "title": title,
            "document": document,
            "appendix": appendix.rstrip(": ") if appendix else None,
            "source": self.destination.source or None,
            "issuer": f"{level} {name}",
            "units": units,
            "schedule": self.schedule(),
            "notes": [f"Imported from {self.destination.source or 'a table'}."],
            "groups": [
                {"code": g.code, "name": g.name, "indicators": g.indicators} for g in groups
            ],
        }


_TARGET_DOUBTS = {
    TargetForm.UNREADABLE: Problem.UNREADABLE_TARGET,
    TargetForm.PARTS: Problem.UNLABELLED_PARTS,
}


def _formula_data(
    printed: str | None, numerator: str, denominator: str, noun: str
) -> dict[str, Any]:
    return {
        "printed": printed,
        "numerator": normalize(numerator),
        "denominator": normalize(denominator),
        "noun": normalize(noun),
    }


def _reading_data(reading: FormulaReading) -> dict[str, Any]:
    return _formula_data(reading.printed, reading.numerator, reading.denominator, reading.noun)


def plan_slug(level: str, name: str) -> str:
    """The start of an imported plan's id: "xã Đồng Lạc" → "xa-dong-lac"."""
    ascii_text = unicodedata.normalize("NFKD", fold(f"{level} {name}"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "ke-hoach"


def read_plan(tables: Sequence[Table], destination: Destination) -> Reading:
    """Read the first table with an STT/TT column and a name column into a plan."""
    for table in tables:
        header = read_header(table.rows)
        if header is None:
            continue
        reader = _Reader(table, header, destination)
        reader.read()
        data = reader.plan_data()
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        plan = load_plan_text(text, source=destination.source or destination.slug)
        return Reading(plan, text, tuple(reader.doubts), tuple(reader.notes), table.where)
    return Reading(None, None, (Doubt(Problem.NO_TABLE),), ())


def with_target(
    table: Table, destination: Destination, target: str, *, code: str | None = None,
    row: int | None = None,
) -> Table | None:  # fmt: skip
    """The table with one indicator's target cell replaced by `target`: an official's fix
    typed in the chat ("2.1: ≥ 80%", or by row number). The row is found by its printed
    number (`code`) or its row number; None when there is no such row or no target
    column to put the fix in (targets read from the names: the file must be corrected)."""
    header = read_header(table.rows)
    if header is None:
        return None
    column = _Reader(table, header, destination).target_column
    code_column = header.index(Role.CODE)
    if column is None:
        return None
    wanted = _code_text(code).rstrip(".") if code is not None else None
    rows = list(table.rows)
    for index, current in enumerate(rows):
        if current.number <= header.last_row:
            continue
        found = (row is not None and current.number == row) or (
            wanted is not None and _code_text(current.cell(code_column)).rstrip(".") == wanted
        )
        if found:
            cells = list(current.cells) + [""] * max(0, column + 1 - len(current.cells))
            cells[column] = normalize(target)
            rows[index] = Row(current.number, tuple(cells))
            return replace(table, rows=tuple(rows))
    return None
