"""The words people type for the words the question reader knows, rewritten at the word level.

The reader (indicators.questions) knows Vietnamese question words, spelled out. This is the
one place for the other ways to say them: texting abbreviations ("cq dc bn % r" is "cáp
quang được bao nhiêu % rồi"), and, in the English locale, the English words the bot itself
uses in its examples ("which indicators are not met"). Everything here is folded (no
diacritics, đ→d), so "đc" and "dc" are one entry.

Vietnamese words keep working in every locale: a locale only adds its own words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Texting abbreviations, always read. "cq" is also short for "cơ quan", but in questions
# to this bot it is the fibre-optic indicator people ask about most.
ABBREVIATIONS: dict[str, str] = {
    "cq": "cap quang",
    "dc": "duoc",
    "r": "roi",
    "ko": "khong",
    "k": "khong",
    "kg": "khong",
    "hok": "khong",
    "ntn": "nhu the nao",
    "bn": "bao nhieu",
    "bnh": "bao nhieu",
    "bc": "bao cao",
}

# English question words, read in the English locale only, as the Vietnamese words the
# reader knows; "" drops a word that says nothing here. Longer phrases win over shorter
# ones ("not met" before "met"). "the" and "to" are left alone: they are Vietnamese words
# too ("như thế nào", "tổ 5").
ENGLISH: dict[str, str] = {
    # what is asked
    "not met": "chua dat",
    "not met yet": "chua dat",
    "not achieved": "chua dat",
    "unmet": "chua dat",
    "below target": "chua dat",
    "met": "dat chua",
    "achieved": "dat chua",
    "progress": "tien do",
    "overview": "tong hop",
    "summary": "tong hop",
    "results": "ket qua",
    "not reported": "chua bao cao",
    "not reported yet": "chua bao cao",
    "has not reported": "chua bao cao",
    "have not reported": "chua bao cao",
    "hasn t reported": "chua bao cao",
    "haven t reported": "chua bao cao",
    "did not report": "chua bao cao",
    "didn t report": "chua bao cao",
    "missing figures": "thieu so lieu",
    "missing data": "thieu so lieu",
    "export": "xuat",
    "appendix": "phu luc",
    "download": "tai ve",
    "report": "bao cao",
    "reports": "bao cao",
    "enter figures": "nhap so lieu",
    "send figures": "gui so lieu",
    "submit": "nop",
    "help": "huong dan",
    "how do i": "lam sao",
    "how to": "lam sao",
    "cancel": "huy",
    "how many": "bao nhieu",
    "how much": "bao nhieu",
    "who": "ai",
    "which": "nao",
    "what": "gi",
    "indicator": "chi tieu",
    "indicators": "chi tieu",
    # where
    "village": "thon",
    "villages": "thon",
    "hamlet": "thon",
    "commune": "xa",
    "communes": "xa",
    "district": "huyen",
    "province": "tinh",
    "my commune": "xa minh",
    "my village": "thon minh",
    # when
    "quarter": "quy",
    "this quarter": "quy nay",
    "last quarter": "quy truoc",
    "previous quarter": "quy truoc",
    "this period": "ky nay",
    "last period": "ky truoc",
    "year": "nam",
    "this year": "nam nay",
    "last year": "nam ngoai",
    "month": "thang",
    "first half": "6 thang dau nam",
    # groups and indicators as the English examples name them
    "digital government": "chinh quyen so",
    "digital economy": "kinh te so",
    "digital society": "xa hoi so",
    "digital infrastructure": "ha tang so",
    "digital data": "du lieu so",
    "information security": "an toan thong tin",
    "fibre optic": "cap quang",
    "fiber optic": "cap quang",
    "fibre": "cap quang",
    "fiber": "cap quang",
    "broadband": "bang rong",
    "smartphones": "smartphone",
    "digital identity": "dinh danh dien tu",
    "electronic identity": "dinh danh dien tu",
    "health record": "ho so suc khoe",
    "health records": "ho so suc khoe",
    "online public services": "dich vu cong truc tuyen",
    "e commerce": "thuong mai dien tu",
    # words that say nothing about the question
    "are": "",
    "is": "",
    "has": "",
    "have": "",
    "of": "",
    "in": "",
    "for": "",
    "yet": "",
    "show": "",
    "me": "",
    "please": "",
}

LOCALE_WORDS: dict[str, dict[str, str]] = {"en": ENGLISH}

Table = Mapping[tuple[str, ...], tuple[str, ...]]


def _table(entries: Mapping[str, str]) -> dict[tuple[str, ...], tuple[str, ...]]:
    return {tuple(typed.split()): tuple(meant.split()) for typed, meant in entries.items()}


_TABLES: dict[str, Table] = {
    language: {**_table(ABBREVIATIONS), **_table(words)} for language, words in LOCALE_WORDS.items()
}
_VIETNAMESE: Table = _table(ABBREVIATIONS)


def table_for(language: str) -> Table:
    """The rewriting of `language` ("vi", "en"): abbreviations, and the locale's words."""
    return _TABLES.get(language, _VIETNAMESE)


def rewrite(
    words: Sequence[str], originals: Sequence[str], table: Table
) -> tuple[list[str], list[str]]:
    """`words` (folded) with the table's phrases replaced, longest first, left to right;
    `originals` (the words as typed, aligned) follow, a replaced word taking the folded
    form of what it stands for."""
    longest = max((len(key) for key in table), default=0)
    out_words: list[str] = []
    out_originals: list[str] = []
    index = 0
    while index < len(words):
        for size in range(min(longest, len(words) - index), 0, -1):
            meant = table.get(tuple(words[index : index + size]))
            if meant is not None:
                out_words.extend(meant)
                out_originals.extend(meant)
                index += size
                break
        else:
            out_words.append(words[index])
            out_originals.append(originals[index])
            index += 1
    return out_words, out_originals
