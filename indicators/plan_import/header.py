"""Finding a plan table's header row and what each column holds, by the words in it.

Headers are compared folded (no case, no diacritics, punctuation as spaces), so
"STT", "Stt", "TT" and "Số TT" are one thing, and "Chỉ tiêu\nnăm 2024" is the
target for 2024 whatever the line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from indicators.plan_import.table import Row, one_line
from indicators.text import folded_words


class Role(StrEnum):
    CODE = "code"
    GROUP = "group"
    NAME = "name"
    UNIT = "unit"
    TARGET = "target"
    ACTUAL = "actual"  # "Thực hiện năm 2023": a result, kept as history
    FORMULA = "formula"
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"
    NOUN = "noun"
    REPORTED_BY = "reported_by"
    LEAD = "lead"
    COORDINATING = "coordinating"
    MONITORING = "monitoring"
    SCHEDULE = "schedule"
    NOTE = "note"
    IGNORED = "ignored"  # results and difficulties of a report: not part of a plan


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    role: Role
    header: str  # as printed, on one line
    year: int | None = None


@dataclass(frozen=True, slots=True)
class Header:
    """The header row(s) found, and the columns read from them."""

    rows: tuple[Row, ...]
    columns: tuple[Column, ...]

    @property
    def last_row(self) -> int:
        return self.rows[-1].number

    def index(self, role: Role) -> int | None:
        """The first column of `role` (targets: see `target_columns`)."""
        for column in self.columns:
            if column.role is role:
                return column.index
        return None

    def all(self, role: Role) -> list[Column]:
        return [c for c in self.columns if c.role is role]


_YEAR = re.compile(r"\b(20\d\d)\b")
# A header cell is a few words; a longer cell is data or prose, never a header.
_MAX_HEADER_WORDS = 10

_CODES = {"stt", "tt", "so tt", "so thu tu", "ma", "ma so", "ma chi tieu", "so"}
_UNITS = {"dvt", "don vi tinh", "don vi do", "don vi"}
_NAMES_EXPLICIT = (
    "ten chi tieu",
    "noi dung",
    "muc tieu chi tieu",
    "chi tieu nhiem vu",
    "ten",
)
_TARGETS_EXPLICIT = (
    "chi tieu nhu in",
    "chi tieu giao",
    "chi tieu cu the",
    "chi tieu ke hoach",
    "chi tieu phan dau",
    "muc phan dau",
    "muc tieu",
    "ke hoach",
    "gia tri",
)
# Checked in this order: "Chủ trì theo dõi, đánh giá" is monitoring, not lead.
_PHRASES: tuple[tuple[Role, tuple[str, ...]], ...] = (
    (Role.IGNORED, ("ket qua", "kho khan", "vuong mac", "de xuat", "nguyen nhan")),
    (Role.NUMERATOR, ("tu so",)),
    (Role.DENOMINATOR, ("mau so",)),
    (Role.NOUN, ("danh tu",)),
    (Role.FORMULA, ("cong thuc", "cach tinh", "phuong phap tinh")),
    (Role.REPORTED_BY, ("cap bao cao", "don vi bao cao", "ai bao cao")),
    (Role.SCHEDULE, ("ky bao cao", "thoi han bao cao", "han bao cao")),
    (Role.GROUP, ("nhom", "linh vuc")),
    (Role.MONITORING, ("theo doi", "kiem tra", "danh gia", "tong hop", "giam sat")),
    (Role.COORDINATING, ("phoi hop",)),
    (Role.LEAD, ("chu tri", "thuc hien chinh", "don vi thuc hien", "bo phan thuc hien")),
    (Role.NOTE, ("ghi chu",)),
)


def _has(words: str, phrase: str) -> bool:
    return f" {phrase} " in f" {words} "


def classify(text: str, *, rows: int = 1) -> tuple[Role, int | None] | None:
    """What a header cell announces, with the year it names; None when it is no header
    word (the ambiguous bare "Chỉ tiêu …" is decided by `read_header`). `rows` is how
    many header rows were joined into `text`."""
    words = folded_words(one_line(text))
    if not words or len(words.split()) > _MAX_HEADER_WORDS * rows:
        return None
    year_match = _YEAR.search(words)
    year = int(year_match.group(1)) if year_match else None
    if words in _CODES:
        return Role.CODE, None
    if words in _UNITS or words.startswith("don vi tinh"):
        return Role.UNIT, None
    if year is not None and _has(words, "thuc hien"):
        return Role.ACTUAL, year
    if _has(words, "nhom") and _has(words, "chi tieu"):
        return Role.NAME, None  # "Nhóm/Chỉ tiêu": groups and indicators in one column
    for role, phrases in _PHRASES:
        if any(_has(words, phrase) for phrase in phrases):
            return role, None
    if any(_has(words, phrase) for phrase in _NAMES_EXPLICIT):
        return Role.NAME, None
    if year is not None and (_has(words, "chi tieu") or _has(words, "muc tieu")):
        return Role.TARGET, year
    if any(_has(words, phrase) for phrase in _TARGETS_EXPLICIT):
        return Role.TARGET, year
    return None


def _ambiguous(text: str, rows: int) -> bool:
    words = folded_words(one_line(text))
    return _has(words, "chi tieu") and len(words.split()) <= _MAX_HEADER_WORDS * rows


def _columns(texts: Sequence[str], rows: int = 1) -> list[Column]:
    found: list[Column] = []
    for index, text in enumerate(texts):
        if not text:
            continue
        if index > 0 and texts[index - 1] == text and found and found[-1].index == index - 1:
            # A cell merged across columns repeats its text: the same column read twice
            # ("Tổ chức thực hiện" over two), unless a second header row told them apart.
            continue
        classified = classify(text, rows=rows)
        if classified is not None:
            role, year = classified
            found.append(Column(index, role, one_line(text), year))
        elif _ambiguous(text, rows):
            # "Chỉ tiêu" alone is the name when no column names the indicators yet,
            # and the target after that (Đồng Lạc: "Chỉ tiêu chiến lược …", "Chỉ tiêu").
            has_name = any(c.role is Role.NAME for c in found)
            found.append(Column(index, Role.TARGET if has_name else Role.NAME, one_line(text)))
    return found


def _is_header(columns: list[Column]) -> bool:
    roles = {c.role for c in columns}
    return Role.CODE in roles and Role.NAME in roles


def _joined(rows: Sequence[Row]) -> list[str]:
    width = max(len(r.cells) for r in rows)
    texts: list[str] = []
    for index in range(width):
        parts: list[str] = []
        for row in rows:
            text = one_line(row.cell(index))
            if text and text not in parts:
                parts.append(text)
        texts.append(" ".join(parts))
    return texts


def read_header(rows: Sequence[Row]) -> Header | None:
    """The first header in `rows`: a row with a code (STT/TT) and a name column, and the
    rows under it that continue it (merged cells of a two-row header)."""
    for position, row in enumerate(rows):
        if not _is_header(_columns(row.cells)):
            continue
        taken = [row]
        code_index = next(c.index for c in _columns(row.cells) if c.role is Role.CODE)
        for following in rows[position + 1 : position + 3]:
            code = following.cell(code_index)
            continues = code in ("", row.cell(code_index))
            worded = any(classify(cell) is not None for cell in following.cells if cell)
            if not (continues and worded):
                break
            taken.append(following)
        columns = _columns(_joined(taken), len(taken))
        return Header(tuple(taken), tuple(columns))
    return None
