"""A list of units (villages, communes …) read from a table, in either of two layouts:

- one column per level, any depth: "Tỉnh | Xã | Thôn", "Huyện | Xã/Phường | Tổ dân phố";
  the levels are the headers' (or a cell's own prefix, "Phường Ba Đình"). A cell left
  blank at the start of a row repeats the row above (grouped sheets); a blank further
  right skips that level (a two-tier row in a four-tier sheet);
- one unit a row: "Tên | Cấp | Thuộc" (name, level, parent).

Duplicates are the same name (accents and case ignored) twice under the same parent.
What is already in the database is checked at the edge, which knows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from indicators.plan import LEVEL_TIERS, UnitSpec
from indicators.plan_import.table import Row, Table, one_line
from indicators.text import fold, folded_words, normalize


class UnitProblem(StrEnum):
    NO_COLUMNS = "no_columns"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    CONFLICTS_WITH_DATABASE = "conflicts_with_database"  # same name, another level
    UNKNOWN_LEVEL = "unknown_level"
    NO_NAME = "no_name"
    UNKNOWN_PARENT = "unknown_parent"
    AMBIGUOUS_PARENT = "ambiguous_parent"
    NOTHING = "nothing"
    OUTSIDE_SCOPE = "outside_scope"  # would go under a unit the official does not lead
    LEVEL_NOT_BELOW = "level_not_below"  # a commune under a village


@dataclass(frozen=True, slots=True)
class UnitDoubt:
    problem: UnitProblem
    row: int | None = None
    text: str = ""
    other: str = ""


@dataclass(frozen=True, slots=True)
class FileUnit:
    """One unit of the file; `path` holds the names from the file's top unit down to it.
    `anchor` names an existing unit the top of the path belongs under (a parent the
    file names but does not list)."""

    row: int
    path: tuple[str, ...]
    level: str
    anchor: str | None = None

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def key(self) -> tuple[str | None, tuple[str, ...]]:
        return (fold(self.anchor) if self.anchor else None, tuple(fold(n) for n in self.path))


@dataclass(frozen=True, slots=True)
class UnitReading:
    units: tuple[FileUnit, ...]  # parents before their children
    doubts: tuple[UnitDoubt, ...]

    def trees(self) -> list[tuple[str | None, UnitSpec]]:
        """The units as trees, each with the anchor its root hangs under (or None)."""
        children: dict[tuple[str | None, tuple[str, ...]], list[FileUnit]] = {}
        for unit in self.units:
            parent_key = (unit.key[0], unit.key[1][:-1])
            children.setdefault(parent_key, []).append(unit)

        def spec(unit: FileUnit) -> UnitSpec:
            below = [spec(child) for child in children.get(unit.key, [])]
            return UnitSpec(name=unit.name, level=unit.level, children=below)

        return [(u.anchor, spec(u)) for u in self.units if len(u.path) == 1]


_LEVELS = {fold(level): level for level in LEVEL_TIERS}
_LEVEL_PREFIX = re.compile(
    r"^(" + "|".join(sorted((re.escape(k) for k in _LEVELS), key=len, reverse=True)) + r")\s+"
)
_NAME_HEADERS = {"ten", "ten don vi", "ten goi", "don vi", "ten dia ban"}
_LEVEL_HEADERS = {"cap", "cap hanh chinh", "loai", "loai don vi", "cap don vi"}
_PARENT_HEADERS = {"cap tren", "thuoc", "truc thuoc", "don vi cha", "don vi cap tren", "cha"}


def _header_levels(text: str) -> list[str]:
    """The levels a column header names: "Xã/Phường" → [xã, phường]; [] if none."""
    words = folded_words(one_line(text))
    words = re.sub(r"^(ten|don vi|cap)\s+", "", words)
    found: list[str] = []
    for part in re.split(r"\s*[/,;]\s*|\s+hoac\s+", fold(one_line(text))):
        part = " ".join(re.findall(r"[a-z]+", part))
        part = re.sub(r"^(ten|don vi|cap)\s+", "", part)
        if part in _LEVELS:
            found.append(_LEVELS[part])
    if not found and words in _LEVELS:
        found.append(_LEVELS[words])
    return found


def split_level(cell: str, levels: Sequence[str]) -> tuple[str, str]:
    """(level, name) of a cell whose level is one of `levels` (the first unless the cell
    says): "Phường Ba Đình" → (phường, Ba Đình). The level word stays part of the name
    when it is another level ("Bản Cuôn" is a thôn's name) or when only a number is left
    ("Thôn 1" is what people call it)."""
    text = normalize(one_line(cell))
    folded = fold(text)
    match = _LEVEL_PREFIX.match(folded)
    if match is not None and len(folded) == len(text):
        level = _LEVELS[match.group(1)]
        rest = text[match.end() :].strip()
        if level in levels or not levels:
            return level, rest if rest and not rest.isdigit() else text
    return (levels[0] if levels else ""), text


def _level_columns(row: Row) -> list[tuple[int, list[str]]]:
    return [(i, levels) for i, cell in enumerate(row.cells) if (levels := _header_levels(cell))]


def _find(row: Row, names: set[str]) -> int | None:
    for index, cell in enumerate(row.cells):
        if folded_words(one_line(cell)) in names:
            return index
    return None


def read_units(tables: Sequence[Table]) -> UnitReading:
    """The units of the first table whose header names levels or name + level."""
    for table in tables:
        for position, row in enumerate(table.rows):
            name_col, level_col = _find(row, _NAME_HEADERS), _find(row, _LEVEL_HEADERS)
            rest = table.rows[position + 1 :]
            if name_col is not None and level_col is not None:
                return _by_parent(rest, name_col, level_col, _find(row, _PARENT_HEADERS))
            columns = _level_columns(row)
            if columns:
                return _by_levels(rest, columns)
    return UnitReading((), (UnitDoubt(UnitProblem.NO_COLUMNS),))


class _Collector:
    def __init__(self) -> None:
        self.units: list[FileUnit] = []
        self.doubts: list[UnitDoubt] = []
        self._by_key: dict[tuple[str | None, tuple[str, ...]], FileUnit] = {}

    def add(self, unit: FileUnit, *, leaf: bool) -> None:
        found = self._by_key.get(unit.key)
        if found is None:
            self._by_key[unit.key] = unit
            self.units.append(unit)
        elif leaf:
            self.doubts.append(
                UnitDoubt(UnitProblem.DUPLICATE_IN_FILE, unit.row, unit.name, str(found.row))
            )

    def result(self) -> UnitReading:
        if not self.units and not self.doubts:
            self.doubts.append(UnitDoubt(UnitProblem.NOTHING))
        return UnitReading(tuple(self.units), tuple(self.doubts))


def _by_levels(rows: Sequence[Row], columns: list[tuple[int, list[str]]]) -> UnitReading:
    collector = _Collector()
    previous: list[str] = [""] * len(columns)
    for row in rows:
        cells = [one_line(row.cell(index)) for index, _ in columns]
        if not any(cells):
            continue
        first = next(i for i, c in enumerate(cells) if c)
        cells = previous[:first] + cells[first:]
        previous = cells
        path: tuple[str, ...] = ()
        filled = [i for i, c in enumerate(cells) if c]
        for depth in filled:
            level, name = split_level(cells[depth], columns[depth][1])
            path = (*path, name)
            collector.add(FileUnit(row.number, path, level), leaf=depth == filled[-1])
    return collector.result()


def _by_parent(
    rows: Sequence[Row], name_col: int, level_col: int, parent_col: int | None
) -> UnitReading:
    collector = _Collector()
    entries: list[tuple[Row, str, str, str]] = []
    for row in rows:
        name = one_line(row.cell(name_col))
        level_text = one_line(row.cell(level_col))
        if not (name or level_text):
            continue
        if not name:
            collector.doubts.append(UnitDoubt(UnitProblem.NO_NAME, row.number))
            continue
        level = _LEVELS.get(" ".join(re.findall(r"[a-z]+", fold(level_text))))
        if level is None:
            collector.doubts.append(UnitDoubt(UnitProblem.UNKNOWN_LEVEL, row.number, level_text))
            continue
        entries.append((row, name, level, one_line(row.cell(parent_col))))
    by_name: dict[str, list[int]] = {}
    for index, (_, name, level, _) in enumerate(entries):
        by_name.setdefault(fold(split_level(name, [level])[1]), []).append(index)
    paths: dict[int, tuple[str | None, tuple[str, ...]] | None] = {}

    def resolve(index: int, seen: frozenset[int]) -> tuple[str | None, tuple[str, ...]] | None:
        if index in paths:
            return paths[index]
        row, name, level, parent = entries[index]
        own = split_level(name, [level])[1]
        result: tuple[str | None, tuple[str, ...]] | None
        if not parent:
            result = (None, (own,))
        else:
            candidates = [
                i for i in by_name.get(fold(split_level(parent, [])[1]), []) if i != index
            ]
            if len(candidates) > 1:
                rows_named = ", ".join(str(entries[i][0].number) for i in candidates)
                collector.doubts.append(
                    UnitDoubt(UnitProblem.AMBIGUOUS_PARENT, row.number, parent, rows_named)
                )
                result = None
            elif candidates and candidates[0] not in seen:
                above = resolve(candidates[0], seen | {index})
                result = None if above is None else (above[0], (*above[1], own))
            else:
                result = (parent, (own,))
        paths[index] = result
        return result

    resolved = [(i, resolve(i, frozenset())) for i in range(len(entries))]
    for index, path in sorted(resolved, key=lambda item: len(item[1][1]) if item[1] else 0):
        if path is None:
            continue
        row, _, level, _ = entries[index]
        collector.add(FileUnit(row.number, path[1], level, path[0]), leaf=True)
    return collector.result()
