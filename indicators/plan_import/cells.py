"""Reading one cell of a plan table: a target, a formula, a schedule, a level, a list.

Each reader accepts only the forms it knows and says None (or "unreadable") for the
rest: a cell that merely contains a number ("Căn cứ hướng dẫn năm 2024") is not a
target, and the official is asked rather than a figure invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from indicators.numbers import parse_decimal
from indicators.plan import LEVEL_TIERS, Frequency, Tier
from indicators.targets import Comparator, Target, parse_target
from indicators.text import fold, normalize


class TargetForm(StrEnum):
    PERCENT = "percent"  # "≥80%", "đạt trên 75%"
    NUMBER = "number"  # "02 cuộc", ">10": a figure without a percent sign
    YESNO = "yesno"  # "Có"
    STATUS = "status"  # "Hoàn thành"
    PARTS = "parts"  # "90%; 80%; 75%": several levels, none named
    EMPTY = "empty"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class TargetReading:
    form: TargetForm
    printed: str
    normalized: str | None = None  # canonical syntax, when it differs from `printed`
    noun: str | None = None  # what a count counts: "cuộc" of "02 cuộc"
    over_100: bool = False  # a share above 100% cannot be met

    def target(self) -> Target:
        return parse_target(self.printed, normalized=self.normalized)


_COMPARATOR_WORDS: dict[str, Comparator] = {
    "khong vuot qua": Comparator.LE,
    "khong qua": Comparator.LE,
    "toi da": Comparator.LE,
    "khong duoi": Comparator.GE,
    "toi thieu": Comparator.GE,
    "it nhat": Comparator.GE,
    "tren": Comparator.GT,
    "hon": Comparator.GT,
    "duoi": Comparator.LT,
}
_SYMBOLS: dict[str, Comparator] = {
    ">=": Comparator.GE,
    "=>": Comparator.GE,
    "≥": Comparator.GE,
    "<=": Comparator.LE,
    "=<": Comparator.LE,
    "≤": Comparator.LE,
    ">": Comparator.GT,
    "<": Comparator.LT,
    "=": Comparator.EQ,
}
_CANONICAL = {
    Comparator.GE: ">=",
    Comparator.GT: ">",
    Comparator.LE: "<=",
    Comparator.LT: "<",
    Comparator.EQ: "=",
}
_WORDS = "|".join(sorted(_COMPARATOR_WORDS, key=len, reverse=True))
_SIGNS = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
# On folded text: [đạt] [comparator] number [%] [counted noun] [trở lên].
_THRESHOLD = re.compile(
    rf"^(?:dat\s+)?(?P<cmp>{_SIGNS}|(?:{_WORDS})\b)?\s*(?P<num>\d+(?:[.,]\d+)?)\s*"
    r"(?P<pct>%|phan tram\b)?\s*(?P<noun>[a-z][a-z\- ]{0,40}?)?\s*(?P<tail>tro len|tro xuong)?$"
)
_NOUN_WORDS = 4
_YES = {"co"}
_NO = {"khong"}
# Status words officials print instead of a figure; the plan keeps them as printed.
_STATUSES = {
    "hoan thanh",
    "dat",
    "dap ung",
    "trien khai",
    "dang trien khai",
    "trien khai su dung",
    "trien khai thuc hien",
    "pho cap",
    "thuc hien",
    "duy tri",
    "xay dung",
    "van hanh",
}


@dataclass(frozen=True, slots=True)
class _Part:
    comparator: Comparator
    number: str
    percent: bool
    noun: str | None


def _part(text: str) -> _Part | None:
    folded = fold(text).rstrip(" .")
    if len(folded) != len(normalize(text).rstrip(" .")):
        return None  # a character whose folding changed the length: not a plain figure
    match = _THRESHOLD.match(folded)
    if match is None:
        return None
    noun = match.group("noun")
    tail = match.group("tail")
    if noun is not None:
        noun = noun.strip(" -")
        if noun in ("tro len", "tro xuong"):
            noun, tail = None, noun
    if match.group("pct") and noun:
        return None  # "50% doanh nghiệp": a sentence, not a target
    if noun and len(noun.split()) > _NOUN_WORDS:
        return None
    comparator = Comparator.GE
    sign = match.group("cmp")
    if sign:
        comparator = _SYMBOLS.get(sign) or _COMPARATOR_WORDS[sign.strip()]
    if tail == "tro xuong":
        comparator = Comparator.LE
    original_noun = None
    if noun:
        start = match.start("noun")
        original_noun = normalize(text)[start : start + len(match.group("noun"))].strip(" -")
    return _Part(comparator, match.group("num"), bool(match.group("pct")), original_noun)


def read_target(text: str) -> TargetReading:
    printed = normalize(text)
    folded = fold(printed).rstrip(" .")
    if not folded or set(folded) <= set("-–*. "):
        return TargetReading(TargetForm.EMPTY, printed)
    words = set(folded.split())
    if words <= _YES:
        return TargetReading(TargetForm.YESNO, printed)
    if words <= _NO:
        return TargetReading(TargetForm.YESNO, printed)
    if folded in _STATUSES:
        return TargetReading(TargetForm.STATUS, printed)
    pieces = [p for p in printed.split(";") if p.strip()]
    parts = [_part(p) for p in pieces]
    if not parts or any(p is None for p in parts):
        return TargetReading(TargetForm.UNREADABLE, printed)
    readable = [p for p in parts if p is not None]
    amounts = [parse_decimal(p.number) for p in readable]
    if any(a is None for a in amounts):
        return TargetReading(TargetForm.UNREADABLE, printed)
    canonical = "; ".join(
        f"{_CANONICAL[p.comparator]}{p.number}{'%' if p.percent else ''}" for p in readable
    )
    # Kept only where it reads differently from the printed text ("100%" reads as ">=100%").
    same = parse_target(printed).parts == parse_target(canonical).parts
    normalized = None if same else canonical
    if len(readable) > 1:
        return TargetReading(TargetForm.PARTS, printed, normalized)
    part = readable[0]
    amount = amounts[0]
    assert amount is not None
    over = part.percent and (amount > 100 or (amount == 100 and part.comparator is Comparator.GT))
    form = TargetForm.PERCENT if part.percent else TargetForm.NUMBER
    return TargetReading(form, printed, normalized, part.noun, over)


def as_percent(reading: TargetReading) -> TargetReading:
    """A figure without "%" read as a percentage, where the unit column says "%"."""
    part = _part(reading.printed)
    if part is None:
        return reading
    canonical = f"{_CANONICAL[part.comparator]}{part.number}%"
    amount = parse_decimal(part.number)
    over = amount is not None and (
        amount > 100 or (amount == 100 and part.comparator is Comparator.GT)
    )
    return TargetReading(TargetForm.PERCENT, reading.printed, canonical, over_100=over)


# A target printed at the end of an indicator's name, Việt Yên style: "… đạt trên 75%".
_TAIL_TARGET = re.compile(
    r"(?:\bdat\s+)(?:(?:tren|toi thieu|it nhat|khong duoi)\s+)?\d+(?:[.,]\d+)?\s*%$"
    r"|\b(?:tren|toi thieu|it nhat)\s+\d+(?:[.,]\d+)?\s*%$"
)
# … or at its start: "100% CSDL …", "Trên 30% hoạt động kiểm tra …".
_HEAD_TARGET = re.compile(r"^(?:(?:tren|toi thieu|it nhat)\s+)?\d+(?:[.,]\d+)?\s*%(?=\s)")


def target_in_name(name: str) -> str | None:
    """The target a name carries at its end or start, as printed; None if it has none."""
    printed = normalize(name).rstrip(" .")
    folded = fold(printed)
    if len(folded) != len(printed):
        return None
    for pattern in (_TAIL_TARGET, _HEAD_TARGET):
        match = pattern.search(folded)
        if match:
            return printed[match.start() : match.end()].strip()
    return None


@dataclass(frozen=True, slots=True)
class FormulaReading:
    printed: str
    numerator: str
    denominator: str
    noun: str


_FORMULA_PREFIX = re.compile(
    r"^(?:(?:cong thuc|cach tinh)(?: tinh)?\s*[:=]?\s*)?(?:(?:ty le|ty trong)(?: \(%\))?\s*=\s*)?"
)
_TIMES_100 = re.compile(r"\s*[x×*]\s*100\s*%?\s*$", re.IGNORECASE)
_DENOMINATOR_HEAD = re.compile(r"^(?:tong so luong|tong so|tong|so luong|so)\s+")
# Where the counted noun ends: a preposition, a verb of the phrase, a bracket, a comma.
_NOUN_END = re.compile(
    r"\s(?:tren|cua|tai|duoc|co|trong|thuoc|dang|da|phat sinh|su dung|gui|o|theo|tham gia|va)\s"
    r"|\s?\(|,|;"
)


def _slashes(text: str) -> list[int]:
    """Positions of "/" that divide words, not dates or document numbers (27/10/2023,
    528/QĐ-UBND)."""
    found: list[int] = []
    for index, char in enumerate(text):
        if char != "/":
            continue
        before = text[:index].rstrip()
        after = text[index + 1 :].lstrip()
        if before and after and not before[-1].isdigit() and not after[0].isdigit():
            found.append(index)
    return found


def read_formula(text: str) -> FormulaReading | None:
    """A formula "numerator / denominator" as notes print it ("Tỷ lệ = số hộ có cáp quang
    / tổng số hộ"); None when the text divides nothing (a note, not a formula)."""
    printed = normalize(text).strip(" .")
    folded = fold(printed)
    if len(folded) != len(printed):
        return None
    prefix = _FORMULA_PREFIX.match(folded)
    body = printed[prefix.end() if prefix else 0 :]
    slashes = _slashes(body)
    if len(slashes) != 1:
        return None
    numerator = body[: slashes[0]].strip(" ,.:")
    denominator = _TIMES_100.sub("", body[slashes[0] + 1 :]).strip(" ,.:")
    if not re.search(r"[^\W\d_]", numerator) or not re.search(r"[^\W\d_]", denominator):
        return None
    noun = counted_noun(denominator)
    if noun is None:
        return None
    return FormulaReading(printed, numerator, denominator, noun)


def counted_noun(denominator: str) -> str | None:
    """What a denominator counts: "Tổng số hộ gia đình trên địa bàn" → "hộ gia đình"."""
    text = normalize(denominator)
    folded = fold(text)
    if len(folded) != len(text):
        return None
    head = _DENOMINATOR_HEAD.match(folded)
    start = head.end() if head else 0
    rest = folded[start:]
    if rest.startswith("cac "):
        start += 4
        rest = rest[4:]
    end = _NOUN_END.search(f"{rest} ")
    stop = start + (end.start() if end else len(rest))
    noun = text[start:stop].strip(" ,.;:")
    return noun or None


@dataclass(frozen=True, slots=True)
class ScheduleReading:
    frequency: Frequency
    due_day: int
    due_month: Literal["last", "next"]
    printed: str


def read_schedule(text: str) -> ScheduleReading | None:
    """ "Hằng quý, trước ngày 25 của tháng cuối quý" → quarter, 25, last; None otherwise."""
    printed = normalize(text)
    folded = f" {' '.join(re.findall(r'[a-z0-9]+', fold(printed)))} "
    frequency: Frequency | None = None
    for words, found in (
        ((" 6 thang ", " sau thang ", " nua nam "), Frequency.HALF),
        ((" quy ",), Frequency.QUARTER),
        ((" hang thang ", " moi thang ", " thang mot lan "), Frequency.MONTH),
        ((" nam ",), Frequency.YEAR),
    ):
        if any(w in folded for w in words):
            frequency = found
            break
    day = re.search(r" ngay (\d{1,2}) ", folded)
    if frequency is None or day is None or not 1 <= int(day.group(1)) <= 28:
        return None
    month: Literal["last", "next"]
    if any(w in folded for w in (" thang sau ", " thang tiep theo ", " ke tiep ", " sau ky ")):
        month = "next"
    elif " cuoi " in folded:
        month = "last"
    else:
        return None
    return ScheduleReading(frequency, int(day.group(1)), month, printed)


_TIER_WORDS: dict[str, Tier] = {
    **{fold(level): tier for level, tier in LEVEL_TIERS.items()},
    **{tier.value: tier for tier in Tier},
    "xa phuong": Tier.COMMUNE,
    "thon to": Tier.VILLAGE,
    "thon to dan pho": Tier.VILLAGE,
}


def read_tier(text: str) -> Tier | None:
    """The level that reports: "thôn", "Cấp xã", "xã/phường" …; None if not a level."""
    words = " ".join(re.findall(r"[a-z]+", fold(text)))
    words = words.removeprefix("cap ").removeprefix("don vi ")
    return _TIER_WORDS.get(words)


def read_list(text: str) -> list[str]:
    """Units named in a responsibility cell: one a line, or separated by ";"."""
    items: list[str] = []
    for line in text.split("\n"):
        items.extend(normalize(part).strip(" .") for part in line.split(";"))
    return [item for item in items if item]
