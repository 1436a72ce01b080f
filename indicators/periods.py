"""Reporting periods (kỳ báo cáo): codes, calendar arithmetic, Vietnamese phrases, deadlines.

Codes are the ones plan files use in their history: "2024", "2024-H1", "2024-Q3", "2024-09".
Everything here is calendar-only except the deadlines, which are aware instants (no naive
datetimes: a deadline is a moment in Asia/Ho_Chi_Minh, not in the server's local time).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from indicators.text import folded_words

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

DueMonth = Literal["last", "next"]


class PeriodKind(StrEnum):
    """Values equal `indicators.plan.Frequency`'s, so `PeriodKind(schedule.frequency)` works.

    Defined here rather than imported so that plan.py stays free to import this module.
    """

    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"


_MONTHS: dict[PeriodKind, int] = {
    PeriodKind.YEAR: 12,
    PeriodKind.HALF: 6,
    PeriodKind.QUARTER: 3,
    PeriodKind.MONTH: 1,
}

_ROMAN = ("I", "II", "III", "IV")

_CODE = re.compile(r"([0-9]{4})(?:-H([12])|-Q([1-4])|-(0[1-9]|1[0-2]))?")


def _check_date(value: dt.date) -> None:
    # A datetime is a date subclass; accepting one would silently drop its time zone.
    if isinstance(value, dt.datetime):
        raise TypeError("pass a calendar date (the local date in Vietnam), not a datetime")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """One reporting period. `index` counts from 1 within the year (1 for a year).

    Ordering is chronological among periods of the same kind only: fields compare as
    (year, kind, index), and kinds compare by their string value.
    """

    year: int
    kind: PeriodKind
    index: int = 1

    def __post_init__(self) -> None:
        # Coerce so that plain strings and plan.Frequency members give equal, hashable periods.
        object.__setattr__(self, "kind", PeriodKind(self.kind))
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year out of range: {self.year}")
        count = 12 // _MONTHS[self.kind]
        if not 1 <= self.index <= count:
            raise ValueError(f"{self.kind} index must be 1..{count}, got {self.index}")

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        match self.kind:
            case PeriodKind.YEAR:
                return f"{self.year:04d}"
            case PeriodKind.HALF:
                return f"{self.year:04d}-H{self.index}"
            case PeriodKind.QUARTER:
                return f"{self.year:04d}-Q{self.index}"
            case PeriodKind.MONTH:
                return f"{self.year:04d}-{self.index:02d}"

    @classmethod
    def from_code(cls, code: str) -> Period:
        found = _CODE.fullmatch(code)
        if found is None:
            raise ValueError(f"not a period code: {code!r}")
        year = int(found[1])
        if found[2]:
            return cls(year, PeriodKind.HALF, int(found[2]))
        if found[3]:
            return cls(year, PeriodKind.QUARTER, int(found[3]))
        if found[4]:
            return cls(year, PeriodKind.MONTH, int(found[4]))
        return cls(year, PeriodKind.YEAR)

    @classmethod
    def containing(cls, day: dt.date, kind: PeriodKind) -> Period:
        _check_date(day)
        kind = PeriodKind(kind)
        return cls(day.year, kind, (day.month - 1) // _MONTHS[kind] + 1)

    @property
    def first_month(self) -> int:
        return (self.index - 1) * _MONTHS[self.kind] + 1

    @property
    def last_month(self) -> int:
        return self.index * _MONTHS[self.kind]

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """The last day, inclusive."""
        return _month_end(self.year, self.last_month)

    def contains(self, day: dt.date) -> bool:
        _check_date(day)
        return self.start <= day <= self.end

    def is_within(self, other: Period) -> bool:
        """True when every day of this period lies in `other` (a period is within itself)."""
        return other.start <= self.start and self.end <= other.end

    def next(self) -> Period:
        if self.index == 12 // _MONTHS[self.kind]:
            return Period(self.year + 1, self.kind, 1)
        return Period(self.year, self.kind, self.index + 1)

    def previous(self) -> Period:
        if self.index == 1:
            return Period(self.year - 1, self.kind, 12 // _MONTHS[self.kind])
        return Period(self.year, self.kind, self.index - 1)

    def short_name(self) -> str:
        """Name without the year where the context gives it: "Quý III", "Tháng 9"."""
        match self.kind:
            case PeriodKind.YEAR:
                return f"Năm {self.year}"
            case PeriodKind.HALF:
                return "6 tháng đầu năm" if self.index == 1 else "6 tháng cuối năm"
            case PeriodKind.QUARTER:
                return f"Quý {_ROMAN[self.index - 1]}"
            case PeriodKind.MONTH:
                return f"Tháng {self.index}"

    def vietnamese_name(self) -> str:
        """The name as official documents print it: "Quý III/2024", "6 tháng đầu năm 2023"."""
        match self.kind:
            case PeriodKind.YEAR:
                return f"Năm {self.year}"
            case PeriodKind.HALF:
                return f"{self.short_name()} {self.year}"
            case PeriodKind.QUARTER | PeriodKind.MONTH:
                return f"{self.short_name()}/{self.year}"


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


# --- Phrases -----------------------------------------------------------------------------
#
# Patterns run over `folded_words(text)`: lowercase ASCII tokens joined by single spaces, so
# "Quý III/2024" arrives as "quy iii 2024" and "Q3/2024" as "q3 2024". Folding loses some
# distinctions ("sáu"/"sau", "năm"=five/year); the choices below favour what people type.


@dataclass(frozen=True, slots=True)
class PeriodMatch:
    """A period phrase found in text; `start`/`end` index `folded_words(text)`, not `text`."""

    period: Period
    start: int
    end: int


_RELATIVE: dict[str, int] = {
    "nay": 0,
    "hien tai": 0,
    "truoc": -1,
    "vua qua": -1,
    "ngoai": -1,
    "sau": 1,
    "toi": 1,
}
_REL = r"(?:nay|hien tai|truoc|vua qua|sau|toi)"
# Without "năm" only plausible years count, so a figure like "tháng 9 1500 hộ" stays a figure.
_BARE_YEAR = r"(?:19|20|21)[0-9]{2}"
_YEAR_AFTER_NAM = r"(?: (?P<year>[0-9]{4})| (?P<rel_year>nay|ngoai|truoc|sau|toi))"
_YEAR_SUFFIX = (
    rf"(?: nam (?P<year>[0-9]{{4}})| (?P<bare_year>{_BARE_YEAR})"
    r"| nam (?P<rel_year>nay|ngoai|truoc|sau|toi))?"
)
_YEAR_REQUIRED = rf"(?: nam (?P<year>[0-9]{{4}})| (?P<bare_year>{_BARE_YEAR}))"
_SPELLED_MONTHS: dict[str, int] = {
    "gieng": 1,
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "tu": 4,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "muoi mot": 11,
    "muoi hai": 12,
    "chap": 12,
}
_QUARTER_NUMBERS: dict[str, int] = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

_Builder = Callable[[re.Match[str], dt.date, PeriodKind | None], Period | None]


def _year(found: re.Match[str], today: dt.date) -> int:
    groups = found.groupdict()
    explicit = groups.get("year") or groups.get("bare_year")
    if explicit:
        return int(explicit)
    relative = groups.get("rel_year")
    return today.year + (_RELATIVE[relative] if relative else 0)


def _number(text: str, table: dict[str, int]) -> int:
    return int(text) if text.isdigit() else table[text]


def _quarter(found: re.Match[str], today: dt.date, _: PeriodKind | None) -> Period:
    return Period(_year(found, today), PeriodKind.QUARTER, _number(found["q"], _QUARTER_NUMBERS))


def _half(found: re.Match[str], today: dt.date, _: PeriodKind | None) -> Period:
    half = found["h"]
    index = int(half) if half.isdigit() else (1 if half == "dau" else 2)
    return Period(_year(found, today), PeriodKind.HALF, index)


def _first_half(found: re.Match[str], today: dt.date, _: PeriodKind | None) -> Period:
    return Period(_year(found, today), PeriodKind.HALF, 1)


def _month(found: re.Match[str], today: dt.date, _: PeriodKind | None) -> Period:
    return Period(_year(found, today), PeriodKind.MONTH, _number(found["m"], _SPELLED_MONTHS))


def _year_period(found: re.Match[str], today: dt.date, _: PeriodKind | None) -> Period:
    return Period(_year(found, today), PeriodKind.YEAR)


def _relative(kind: PeriodKind | None) -> _Builder:
    def build(found: re.Match[str], today: dt.date, hint: PeriodKind | None) -> Period | None:
        chosen = kind or hint
        if chosen is None:
            return None
        period = Period.containing(today, chosen)
        step = _RELATIVE[found["rel"]]
        return period.next() if step > 0 else period.previous() if step < 0 else period

    return build


def _rule(pattern: str, build: _Builder) -> tuple[re.Pattern[str], _Builder]:
    return re.compile(rf"\b{pattern}\b"), build


_SPELLED = "|".join(sorted(_SPELLED_MONTHS, key=len, reverse=True))

_RULES: tuple[tuple[re.Pattern[str], _Builder], ...] = (
    # Digits up to two places so that "quý 5" and "tháng 13" are seen, then rejected,
    # rather than leaving their year behind to be read as a whole-year period.
    _rule(rf"quy (?P<q>[0-9]{{1,2}}|iii|ii|iv|i){_YEAR_SUFFIX}", _quarter),
    _rule(rf"q(?P<q>[1-4]){_YEAR_SUFFIX}", _quarter),
    _rule(rf"(?P<year>{_BARE_YEAR}) q(?P<q>[1-4])", _quarter),
    _rule(rf"quy (?P<rel>{_REL})", _relative(PeriodKind.QUARTER)),
    _rule(rf"(?:(?:6|sau) thang|nua) (?P<h>dau|cuoi) nam{_YEAR_AFTER_NAM}?", _half),
    # "Báo cáo 6 tháng năm 2024" is the mid-year report, i.e. the first half.
    _rule(rf"(?:6|sau) thang nam{_YEAR_AFTER_NAM}", _first_half),
    _rule(rf"h(?P<h>[12]){_YEAR_SUFFIX}", _half),
    _rule(rf"(?P<year>{_BARE_YEAR}) h(?P<h>[12])", _half),
    _rule(rf"thang (?P<m>[0-9]{{1,2}}){_YEAR_SUFFIX}", _month),
    # Spelled months only with a year: bare "tháng sau" is next month, "tháng năm" is
    # too often the "ngày … tháng … năm" of a form.
    _rule(rf"thang (?P<m>{_SPELLED}){_YEAR_REQUIRED}", _month),
    _rule(rf"t(?P<m>[0-9]{{1,2}}) (?P<bare_year>{_BARE_YEAR})", _month),
    _rule(rf"thang (?P<rel>{_REL})", _relative(PeriodKind.MONTH)),
    _rule(r"nam (?P<year>[0-9]{4})", _year_period),
    _rule(r"nam (?P<rel>nay|hien tai|ngoai|truoc|sau|toi)", _relative(PeriodKind.YEAR)),
    _rule(rf"ky(?: bao cao)? (?P<rel>{_REL})", _relative(None)),
)


def _candidates(
    folded: str, today: dt.date, kind_hint: PeriodKind | None
) -> list[tuple[int, int, Period | None]]:
    found: list[tuple[int, int, Period | None]] = []
    for pattern, build in _RULES:
        for hit in pattern.finditer(folded):
            try:
                period = build(hit, today, kind_hint)
            except (ValueError, KeyError):
                # Out-of-range numbers ("quý 5") and years past the calendar's ends.
                period = None
            found.append((hit.start(), hit.end(), period))
    return found


def search_periods(
    text: str, *, today: dt.date, kind_hint: PeriodKind | None = None
) -> list[PeriodMatch]:
    """All period phrases in `text`, left to right, not overlapping.

    Where phrases overlap the leftmost, then longest, wins: "quý 3 năm 2024" is one quarter,
    not a quarter and a year. A phrase that looks like a period but is not one ("quý 5")
    still takes its span, so its year is not read on its own.
    """
    _check_date(today)
    folded = folded_words(text)
    chosen: list[PeriodMatch] = []
    taken_until = -1
    for start, end, period in sorted(
        _candidates(folded, today, kind_hint), key=lambda c: (c[0], -c[1])
    ):
        if start < taken_until:
            continue
        taken_until = end
        if period is not None:
            chosen.append(PeriodMatch(period, start, end))
    return chosen


def search_period(
    text: str, *, today: dt.date, kind_hint: PeriodKind | None = None
) -> PeriodMatch | None:
    """The first period phrase in `text`, preferring one of `kind_hint`'s kind if any.

    `today` (the local date in Vietnam) fills in a missing year and anchors "quý này",
    "tháng trước", "năm ngoái": these are calendar-relative, not the open reporting period.
    `kind_hint` also gives "kỳ này" / "kỳ trước" their kind; without it they match nothing.
    """
    matches = search_periods(text, today=today, kind_hint=kind_hint)
    if kind_hint is not None:
        for match in matches:
            if match.period.kind == kind_hint:
                return match
    return matches[0] if matches else None


def parse_period(
    text: str, *, today: dt.date, kind_hint: PeriodKind | None = None
) -> Period | None:
    """The period a Vietnamese phrase names, anywhere in `text`; None when there is none."""
    match = search_period(text, today=today, kind_hint=kind_hint)
    return match.period if match else None


# --- Deadlines ---------------------------------------------------------------------------


def due_date(period: Period, *, due_day: int, due_month: DueMonth) -> dt.date:
    """The day results are due before: "trước ngày 25 của tháng cuối quý" → 25th of month 3."""
    if due_month == "last":
        year, month = period.year, period.last_month
    elif due_month == "next":
        year, month = divmod(period.year * 12 + period.last_month, 12)
        month += 1
    else:
        raise ValueError(f"due_month must be 'last' or 'next', got {due_month!r}")
    return dt.date(year, month, due_day)


def deadline(
    period: Period, *, due_day: int, due_month: DueMonth, tz: dt.tzinfo = VIETNAM_TZ
) -> dt.datetime:
    """The aware instant from which results are late: midnight starting the due day.

    "Trước ngày 25" means by the end of the 24th, so the 25th itself is already late.
    """
    day = due_date(period, due_day=due_day, due_month=due_month)
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


def last_reporting_day(period: Period, *, due_day: int, due_month: DueMonth) -> dt.date:
    """The last day results are on time (the day before `due_date`)."""
    return due_date(period, due_day=due_day, due_month=due_month) - dt.timedelta(days=1)


def open_period(
    kind: PeriodKind,
    *,
    now: dt.datetime,
    due_day: int,
    due_month: DueMonth,
    tz: dt.tzinfo = VIETNAM_TZ,
) -> Period:
    """The period people should be reporting at `now`.

    The earliest of the period before the current one and the current one whose deadline
    is still ahead; when both have passed (a "last month" rule after its day), the next one.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    current = Period.containing(now.astimezone(tz).date(), kind)
    for period in (current.previous(), current):
        if deadline(period, due_day=due_day, due_month=due_month, tz=tz) > now:
            return period
    return current.next()


def reportable_periods(
    kind: PeriodKind,
    *,
    now: dt.datetime,
    due_day: int,
    due_month: DueMonth,
    tz: dt.tzinfo = VIETNAM_TZ,
) -> tuple[Period, Period]:
    """The periods figures may still be sent for at `now`: the one before the open period
    (late, once its deadline has passed) and the open period. Any earlier period is closed:
    its figures were due a whole period ago, and only an official changes it now."""
    current = open_period(kind, now=now, due_day=due_day, due_month=due_month, tz=tz)
    return current.previous(), current
