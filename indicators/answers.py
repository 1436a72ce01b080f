"""Reading what a reporter types as the value of one indicator.

The result is a typed value, a value that needs the reporter's confirmation, or a
rejection with a reason code; the conversation layer turns reasons into Vietnamese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from indicators.numbers import NUMBER, parse_decimal, parse_integer
from indicators.text import fold, folded_words, normalize
from indicators.values import (
    AnyValue,
    CountValue,
    PartsValue,
    PercentValue,
    RatioValue,
    Status,
    StatusValue,
    YesNoValue,
)


class AnswerKind(StrEnum):
    """What the current question expects."""

    PERCENT = "percent"
    RATIO = "ratio"
    COUNT = "count"
    YESNO = "yesno"
    STATUS = "status"
    PARTS = "parts"


class Problem(StrEnum):
    EMPTY = "empty"
    NO_NUMBER = "no_number"
    SEVERAL_NUMBERS = "several_numbers"
    NEGATIVE = "negative"
    NOT_WHOLE = "not_whole"
    NEED_RATIO = "need_ratio"
    ZERO_DENOMINATOR = "zero_denominator"
    NOT_YES_NO = "not_yes_no"
    NOT_STATUS = "not_status"
    WRONG_PART_COUNT = "wrong_part_count"


class Concern(StrEnum):
    PERCENT_OVER_100 = "percent_over_100"
    LOOKS_LIKE_FRACTION = "looks_like_fraction"  # "0,65": 0.65% or 65%?
    LOOKS_LIKE_THOUSANDS = "looks_like_thousands"  # "1.234": 1,234% or a count of 1234?
    NUMERATOR_OVER_DENOMINATOR = "numerator_over_denominator"
    BIG_CHANGE = "big_change"  # far from the previous period's figure
    BEYOND_UNIT = "beyond_unit"  # more than the unit can hold (1,111,111,111 households)


class Decision(StrEnum):
    """A typed answer to "keep this figure?" at a confirmation."""

    YES = "yes"
    NO = "no"


@dataclass(frozen=True, slots=True)
class Accepted:
    value: AnyValue


@dataclass(frozen=True, slots=True)
class NeedsConfirmation:
    value: AnyValue
    concern: Concern


@dataclass(frozen=True, slots=True)
class Rejected:
    problem: Problem


Answer = Accepted | NeedsConfirmation | Rejected

_NEGATIVE = re.compile(r"(?:^|[\s:(])[-−–]\s*\d|(?:^|\s)(?:âm|am)\s+\d", re.IGNORECASE)
# The counted noun may follow either number: "175 hộ / 300 hộ", "175 hộ trên 300 hộ".
_RATIO = re.compile(
    r"^\D*?(\d[\d., ]*?)\s*(?:[a-z]+(?: [a-z]+)*\s*)??"
    r"(?:/|\btren(?: tong(?: so)?)?\b)\s*(\d[\d., ]*?)(?:\s*\D*)?$"
)
_FILLERS_BEFORE = ("da ", "vang ", "u ", "thua ")
_FILLERS_AFTER = (" a", " roi", " nhe", " nha")
_YES = {"co", "c", "co a", "yes", "y", "ok", "oke", "dung", "roi", "da co", "co roi", "u", "vang"}
_NO = {
    "khong", "ko", "k", "kh", "khg", "kg", "hok", "hong", "khong co", "ko co", "k co",
    "chua", "chua co", "no", "khong a", "chua a",
}  # fmt: skip
# At a confirmation "không" means "type it again", never "keep it": these lists are
# separate from the yes/no answers above, where "rồi" is a yes.
_CONFIRM_YES = {
    "co", "ok", "oke", "okay", "dung", "dung roi", "xac nhan", "u", "yes", "y", "vang",
    "dong y", "chinh xac", "giu", "giu nguyen",
}  # fmt: skip
_CONFIRM_NO = {
    "k", "ko", "kg", "kh", "khg", "khong", "khong dung", "sai", "sai roi", "nhap lai",
    "chua", "no", "n", "hok", "hong",
}  # fmt: skip
# What "no comment" looks like where a comment is invited.
_NO_COMMENT = {
    "k", "ko", "kg", "kh", "khg", "khong", "khong co", "ko co", "k co", "kco", "0", "no",
    "none", "khong co gi", "khong a", "chua co", "khong co y kien", "bo qua",
}  # fmt: skip
_NO_COMMENT_MARKS = re.compile(r"[\s.\-_–—…,;:!?]+")
# Words that may stand around a figure without making it a comment: "250 hộ", "175 trên 300".
_FIGURE_WORDS = {"tren", "tong", "so", "ho", "nguoi", "phan", "tram", "la", "khoang", "dat"}
_STATUS = (
    (Status.NOT_MET, ("chua dat", "khong dat", "chua hoan thanh", "chua", "chua xong",
                      "chua co")),
    (Status.IN_PROGRESS, ("dang trien khai", "dang thuc hien", "dang lam", "dang xay dung",
                          "dang tien hanh")),
    (Status.UNIVERSAL, ("pho cap",)),
    (Status.MET, ("da dat", "dat", "hoan thanh", "da hoan thanh", "xong", "da xong",
                  "xong roi")),
)  # fmt: skip


def parse_answer(text: str, kind: AnswerKind, *, parts: int = 1) -> Answer:
    """Read `text` as a value of `kind`; never raises."""
    text = normalize(text)
    if not text:
        return Rejected(Problem.EMPTY)
    match kind:
        case AnswerKind.PERCENT:
            return _percent(text)
        case AnswerKind.RATIO:
            return _ratio(text)
        case AnswerKind.COUNT:
            return _count(text)
        case AnswerKind.YESNO:
            return _yes_no(text)
        case AnswerKind.STATUS:
            return _status(text)
        case AnswerKind.PARTS:
            return _parts(text, parts)


def parse_whole_number(text: str) -> Answer:
    """A numerator or denominator asked on its own ("Số hộ gia đình …?")."""
    return _count(normalize(text))


def status_of(text: str) -> Status | None:
    """The status word in `text` ("Đạt", "chua dat", "Phổ cập"), if it is one."""
    words = _strip_fillers(folded_words(text))
    for status, phrases in _STATUS:
        if words in phrases:
            return status
    return None


def decision_of(text: str) -> Decision | None:
    """Yes or no at a confirmation ("ừ", "đúng", "Xác nhận" / "k", "sai", "Nhập lại")."""
    words = folded_words(text)
    for candidate in (words, _strip_fillers(words)):
        if candidate in _CONFIRM_YES:
            return Decision.YES
        if candidate in _CONFIRM_NO:
            return Decision.NO
    return None


def means_no_comment(text: str) -> bool:
    """ "k", "không có", "0", ".", "-": nothing to add where a comment is invited."""
    text = normalize(text)
    if text and not _NO_COMMENT_MARKS.sub("", text):
        return True  # only dots and dashes
    words = folded_words(text)
    return words in _NO_COMMENT or _strip_fillers(words) in _NO_COMMENT


def looks_like_figure(text: str) -> bool:
    """True when `text` is a figure rather than words about one: "250", "175/300 hộ",
    "65,5%", "175 trên tổng số 300" — not "có thêm 20 hộ mới"."""
    text = normalize(text)
    if not _numbers(text):
        return False
    rest = NUMBER.sub(" ", folded_words_keep_marks(text)).replace("/", " ")
    words = [w for w in re.findall(r"[a-z]+", rest) if w not in _FIGURE_WORDS]
    return not words


def _numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


def _percent(text: str) -> Answer:
    if "/" in text or re.search(r"\btren\b", folded_words(text)):
        ratio = _ratio(text)
        if not isinstance(ratio, Rejected) or ratio.problem is Problem.ZERO_DENOMINATOR:
            return ratio
    if _NEGATIVE.search(text):
        return Rejected(Problem.NEGATIVE)
    found = _numbers(text)
    if not found:
        return Rejected(Problem.NO_NUMBER)
    if len(found) > 1:
        return Rejected(Problem.SEVERAL_NUMBERS)
    amount = parse_decimal(found[0])
    if amount is None:
        return Rejected(Problem.NO_NUMBER)
    value = PercentValue(_tidy(amount))
    if amount > 100:
        return NeedsConfirmation(value, Concern.PERCENT_OVER_100)
    if 0 < amount < 1 and "%" not in text:
        return NeedsConfirmation(value, Concern.LOOKS_LIKE_FRACTION)
    if re.fullmatch(r"\d{1,3}\.\d{3}", found[0]):
        return NeedsConfirmation(value, Concern.LOOKS_LIKE_THOUSANDS)
    return Accepted(value)


def _ratio(text: str) -> Answer:
    if _NEGATIVE.search(text):
        return Rejected(Problem.NEGATIVE)
    folded = " ".join(re.findall(r"[\w/.,]+", folded_words_keep_marks(text)))
    match = _RATIO.match(folded)
    if match is None:
        return Rejected(Problem.NEED_RATIO if _numbers(text) else Problem.NO_NUMBER)
    numerator = parse_integer(match.group(1).strip())
    denominator = parse_integer(match.group(2).strip())
    if numerator is None or denominator is None:
        return Rejected(Problem.NOT_WHOLE)
    if denominator == 0:
        return Rejected(Problem.ZERO_DENOMINATOR)
    value = RatioValue(numerator, denominator)
    if numerator > denominator:
        return NeedsConfirmation(value, Concern.NUMERATOR_OVER_DENOMINATOR)
    return Accepted(value)


def folded_words_keep_marks(text: str) -> str:
    """Folded text that keeps "/", "," and "." so ratios and decimals survive folding."""
    return re.sub(r"[^0-9a-z/.,]+", " ", fold(text)).strip()


def _count(text: str) -> Answer:
    if _NEGATIVE.search(text):
        return Rejected(Problem.NEGATIVE)
    found = _numbers(text)
    if not found:
        return Rejected(Problem.NO_NUMBER)
    if len(found) > 1:
        return Rejected(Problem.SEVERAL_NUMBERS)
    number = parse_integer(found[0])
    if number is None:
        return Rejected(Problem.NOT_WHOLE)
    return Accepted(CountValue(number))


def _strip_fillers(words: str) -> str:
    changed = True
    while changed:
        changed = False
        for filler in _FILLERS_BEFORE:
            if words.startswith(filler) and len(words) > len(filler):
                words, changed = words[len(filler) :], True
        for filler in _FILLERS_AFTER:
            if words.endswith(filler) and len(words) > len(filler):
                words, changed = words[: -len(filler)], True
    return words


def _yes_no(text: str) -> Answer:
    words = folded_words(text)
    for candidate in (words, _strip_fillers(words)):
        if candidate in _YES:
            return Accepted(YesNoValue(True))
        if candidate in _NO:
            return Accepted(YesNoValue(False))
    return Rejected(Problem.NOT_YES_NO)


def _status(text: str) -> Answer:
    status = status_of(text)
    return Accepted(StatusValue(status)) if status else Rejected(Problem.NOT_STATUS)


def _parts(text: str, parts: int) -> Answer:
    if _NEGATIVE.search(text):
        return Rejected(Problem.NEGATIVE)
    pieces = [p for p in re.split(r"[;\n]", text) if p.strip()]
    if len(pieces) == 1:
        pieces = _numbers(text)
    if len(pieces) != parts:
        return Rejected(Problem.WRONG_PART_COUNT)
    values: list[PercentValue | RatioValue] = []
    concern: Concern | None = None
    for piece in pieces:
        answer = _percent(piece)
        if isinstance(answer, Rejected):
            return answer
        if isinstance(answer, NeedsConfirmation):
            concern = concern or answer.concern
        assert isinstance(answer.value, PercentValue | RatioValue)
        values.append(answer.value)
    value = PartsValue(tuple(values))
    return NeedsConfirmation(value, concern) if concern else Accepted(value)


def _tidy(amount: Decimal) -> Decimal:
    """65.50 → 65.5, 100 stays 100 (not 1E+2)."""
    normalized = amount.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized
