"""Reading results as report documents print them ("80,37%", "Đạt", "Có", "*1", "13").

Plans transcribed from reports keep each result's printed text in the indicator's
history; this turns such a text into a report value. Where the document prints no
figure ("-", "*", "Chưa xác định được trong năm 2023") the value is that text as
printed (PrintedValue), so nothing the report says is lost; None only for an empty
cell. It reads what is printed and judges nothing that the document does not say.
"""

from __future__ import annotations

from indicators.answers import Accepted, AnswerKind, NeedsConfirmation, parse_answer, status_of
from indicators.plan import Indicator
from indicators.text import folded_words
from indicators.values import AnyValue, Measure, PrintedValue, Status, StatusValue

# Words that turn a status phrase into its negation: "Chưa cung cấp đầy đủ thông tin".
_NEGATIONS = ("chua", "khong")


def read_printed_result(indicator: Indicator, printed: str) -> AnyValue | None:
    """The value a printed result stands for: a figure or a status where it states one,
    else the printed text itself; None for an empty cell."""
    text = printed.strip()
    if not text:
        return None
    read = read_printed_figure(indicator, text)
    return read if read is not None else PrintedValue(text)


def read_printed_figure(indicator: Indicator, printed: str) -> AnyValue | None:
    """The figure or status a printed result states; None when it states neither."""
    words = folded_words(printed)
    if not words:
        return None
    status = status_of(printed)
    if status is not None:
        return StatusValue(status)
    if words in ("co", "khong"):
        # Kept as printed even against a percentage target ("Có" for "70%"): the
        # evaluation then says it cannot be assessed, which is what the document says.
        return _read(printed, AnswerKind.YESNO)
    if any(word.isalpha() for word in words.split()):
        # Prose around a number ("Chưa xác định được trong năm 2023") is no figure.
        return _status_phrase(indicator, words) if indicator.measure is Measure.STATUS else None
    if indicator.target.is_multipart:
        return _read(printed, AnswerKind.PARTS, parts=len(indicator.target.parts))
    match indicator.measure:
        case Measure.PERCENT:
            return _read(printed, AnswerKind.PERCENT)
        case Measure.COUNT:
            return _read(printed, AnswerKind.COUNT)
        case Measure.YESNO:
            return _read(printed, AnswerKind.YESNO)
        case Measure.STATUS:
            return _status_phrase(indicator, words)


def _read(printed: str, kind: AnswerKind, *, parts: int = 1) -> AnyValue | None:
    answer = parse_answer(printed, kind, parts=parts)
    # A document's figure is what it is: an unusual one (over 100%) is still the result.
    return answer.value if isinstance(answer, Accepted | NeedsConfirmation) else None


def _status_phrase(indicator: Indicator, words: str) -> AnyValue | None:
    """A result phrased like a status target: "Đáp ứng" for the target "Đáp ứng" is met,
    "Triển khai" for "Triển khai sử dụng" is met (it repeats the target's own words),
    "Chưa cung cấp đầy đủ thông tin" for "Cung cấp đầy đủ thông tin theo quy định" is not."""
    target = folded_words(indicator.target.printed)
    if not target:
        return None
    negated = words.split()[0] in _NEGATIONS
    core = " ".join(words.split()[1:]) if negated else words
    if not core:
        return None
    repeats = f"{target} ".startswith(f"{core} ") or f"{core} ".startswith(f"{target} ")
    if not repeats:
        return None
    return StatusValue(Status.NOT_MET if negated else Status.MET)
