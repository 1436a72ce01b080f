"""What the reader could not read, row by row, and what it only wants the official to know."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Problem(StrEnum):
    """Why a row (or the whole table) cannot be used as read; each blocks the import."""

    NO_TABLE = "no_table"  # no table with an STT/TT column and a name column
    NO_YEAR = "no_year"  # neither the table nor the command says the year
    NO_TARGET_FOR_YEAR = "no_target_for_year"  # target columns, none for the year asked
    UNKNOWN_LEVEL = "unknown_level"  # the unit's level is not one chitieu knows
    NO_INDICATORS = "no_indicators"
    NO_TARGET = "no_target"
    NO_TARGET_IN_NAME = "no_target_in_name"  # no target column, and the name carries none
    UNREADABLE_TARGET = "unreadable_target"
    UNLABELLED_PARTS = "unlabelled_parts"  # "90%; 80%; 75%" without saying which is which
    OVER_100 = "over_100"  # "> 100%" of a share can never be met
    PERCENT_SIGN_MISSING = "percent_sign_missing"  # "Tỷ lệ …" with target ">10"
    NO_NAME = "no_name"
    NO_CODE = "no_code"  # a row with text but neither an STT nor a target
    UNREADABLE_CODE = "unreadable_code"  # "-", "a)", "*": not an indicator number
    DUPLICATE_CODE = "duplicate_code"
    UNREADABLE_FORMULA = "unreadable_formula"
    UNREADABLE_LEVEL = "unreadable_level"  # the "Cấp báo cáo" cell
    UNREADABLE_SCHEDULE = "unreadable_schedule"
    SCHEDULES_DIFFER = "schedules_differ"


class Remark(StrEnum):
    """What the reader decided where the table said nothing; none blocks the import."""

    UNNUMBERED = "unnumbered"  # a row without STT got a code after the row above
    DEFAULT_SCHEDULE = "default_schedule"
    IGNORED_COLUMN = "ignored_column"  # results, difficulties: not part of a plan
    TARGET_IN_NAME = "target_in_name"  # no target column: targets read from the names
    SINGLE_GROUP = "single_group"  # no group rows: one group for all


@dataclass(frozen=True, slots=True)
class Doubt:
    """`row` is the row number the official sees; `text` the cell as printed."""

    problem: Problem
    row: int | None = None
    code: str | None = None
    text: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Note:
    remark: Remark
    row: int | None = None
    code: str | None = None
    text: str = ""
