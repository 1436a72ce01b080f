"""Reading what officials and members ask: the intent and its scope words.

Everything is matched on folded words (no diacritics, đ→d, lowercase), so "chi tieu nao
chua dat", "Chỉ tiêu nào chưa đạt?" and its decomposed form read alike; texting
abbreviations and a locale's own words are first rewritten as the Vietnamese words they
stand for (indicators.question_words). The reader knows nothing about the database: the
caller passes the names it may meet (units in scope, plan groups, indicator names) as a
`Vocabulary`, and resolves the phrases it gets back.

The whole-message phrases of the commands that also exist as buttons (report, help,
cancel) live here too, so that the router's words and this reader never disagree.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz

from indicators.periods import Period, PeriodKind, search_period
from indicators.question_words import rewrite, table_for
from indicators.text import fold, folded_words, normalize


class Intent(StrEnum):
    SHORTFALL = "shortfall"  # which indicators are not met
    PROGRESS = "progress"  # met / not met / not reported per group
    COMPLETENESS = "completeness"  # who has not reported
    INDICATOR = "indicator"  # one indicator in detail
    REPORT = "report"
    EXPORT = "export"
    HELP = "help"
    CANCEL = "cancel"
    THANKS = "thanks"
    GREETING = "greeting"
    UNKNOWN = "unknown"


# Whole messages that mean a command; the router registers these as the commands' words.
COMMAND_PHRASES: dict[Intent, tuple[str, ...]] = {
    Intent.REPORT: (
        "báo cáo",
        "nhập số liệu",
        "gửi số liệu",
        "tôi muốn báo cáo",
        "báo cáo số liệu",
    ),
    Intent.HELP: ("trợ giúp", "giúp", "hướng dẫn", "giúp đỡ"),
    Intent.CANCEL: ("hủy", "thôi", "dừng lại", "hủy bỏ"),
}

# Courtesy: a message made only of these words, with a thanks or a greeting among them
# ("ok cảm ơn nhé", "chào bot"), is answered politely; "alo" is left out, as people type it
# before a question more often than as a greeting.
_THANKS = (("cam", "on"), ("thank",), ("thanks",), ("thank", "you"), ("tks",), ("camon",))
_GREETINGS = (("xin", "chao"), ("chao",), ("hello",), ("hi",))
_COURTESY_WORDS = {
    "ok", "oke", "okay", "okie", "vang", "da", "duoc", "roi", "nhe", "nha", "a", "nhieu",
    "lam", "rat", "ban", "anh", "chi", "em", "co", "chu", "bac", "bot", "ad", "admin", "moi",
    "nguoi", "ca", "buoi", "sang", "trua", "chieu", "toi", "you", "very", "much", "so",
}  # fmt: skip

# Phrases inside a longer message, checked in this order: the first intent that matches
# wins, so "thôn nào chưa báo cáo" is completeness before it could be a report, and
# "làm sao để báo cáo" is a request for help.
_EXPORT = re.compile(r"\b(xuat|excel|xlsx|file|tep|phu luc|tai ve)\b")
_HELP = re.compile(
    r"\b(giup|tro giup|huong dan|lam sao|lam the nao|lam nhu the nao|cach nao|cach dung)\b"
)
# Abbreviations ("ko", "k") are already spelled out (see question_words).
_NOT = r"(?:chua|khong|chang)"
_SEND = r"(?:bao cao|nop|gui|nhap|cap nhat)"
_COMPLETENESS = re.compile(
    rf"\b{_NOT}(?: (?!dat\b)[a-z0-9]+){{0,2}} {_SEND}\b"
    rf"|\b{_SEND}(?: so lieu)? chua\b"
    r"|\b(thieu|chua co|chua du) so lieu\b"
    r"|\bai chua\b"
)
_SHORTFALL = re.compile(
    r"\b(chua dat|khong dat|chua hoan thanh|chua xong|con thieu|thieu|con yeu|chua toi)\b"
)
# "Đạt chưa?" asks whether something is met: a shortfall question on the group or unit
# named, or a question about one indicator when an indicator is named.
_MET_QUESTION = re.compile(r"\b(?:da )?dat (?:chua|khong)\b|\bco dat khong\b")
_PROGRESS = re.compile(
    r"\b(tien do|tong hop|tinh hinh|tong quan|thong ke|ket qua|bao nhieu chi tieu"
    r"|may chi tieu|dat duoc bao nhieu chi tieu|dat duoc may)\b"
)
_REPORT = re.compile(r"\b(bao cao|nhap so lieu|gui so lieu|nop so lieu)\b")
# A code as plans print them: "3.1", "1.3b", "2.10"; a dot is required so that
# "thôn 2" or "quý 3" are not codes.
_CODE = re.compile(r"(?<![0-9.,/])([0-9]{1,2}(?:\.[0-9]{1,2}){1,2}[a-z]?)(?![0-9,/%])")

# Levels as people type them before a unit's name; folded, longest first.
LEVEL_WORDS: tuple[str, ...] = (
    "thanh pho", "to dan pho", "khu pho", "thi tran", "thi xa", "phuong", "huyen", "tinh",
    "thon", "ban", "lang", "xom", "ap", "xa", "quan", "to",
)  # fmt: skip
LEVEL_SPELLING: dict[str, str] = {
    "thanh pho": "thành phố", "to dan pho": "tổ dân phố", "khu pho": "khu phố",
    "thi tran": "thị trấn", "thi xa": "thị xã", "phuong": "phường", "huyen": "huyện",
    "tinh": "tỉnh", "thon": "thôn", "ban": "bản", "lang": "làng", "xom": "xóm", "ap": "ấp",
    "xa": "xã", "quan": "quận", "to": "tổ",
}  # fmt: skip
# After a level word these mean "my own" or "which": no unit is named.
_OWN_OR_WHICH = {"minh", "nay", "toi", "em", "ta", "nao", "chung", "do", "kia"}
# Words that end a unit's name: question words, intent words, periods.
_NAME_STOP = {
    "chua", "con", "da", "dat", "bao", "nao", "gi", "co", "la", "thi", "o", "tai", "quy",
    "nam", "thang", "ky", "ty", "le", "chi", "tieu", "nhung", "cac", "va", "hay", "the",
    "khong", "ai", "xem", "cho", "hoi", "tien", "tong", "tinh", "ket", "so",
    "vay", "a", "oi", "nhe", "roi", "duoc", "can", "thieu", "nop", "gui", "nhap", "xuat",
    "excel", "file", "6", "sau", "dau", "cuoi", "q1", "q2", "q3", "q4", "h1", "h2", "ve",
    "trong", "cua", "muon", "biet", "minh", "hinh",
}  # fmt: skip
# Stop words that place names share once the accents are gone ("huyện Chợ Mới" is not
# "huyện ... cho", "Bảo Lâm" not "báo cáo"): typed with other accents than these, the
# word is part of the name. Without accents it stays a stop, as it most often is.
_STOP_AS_TYPED: dict[str, frozenset[str]] = {
    "cho": frozenset({"cho"}), "bao": frozenset({"bao", "báo"}),
    "da": frozenset({"da", "đã"}), "co": frozenset({"co", "có"}),
    "la": frozenset({"la", "là"}), "le": frozenset({"le", "lệ"}),
    "tien": frozenset({"tien", "tiến"}), "chi": frozenset({"chi", "chỉ"}),
    "con": frozenset({"con", "còn"}), "dau": frozenset({"dau", "đâu", "đầu"}),
    "so": frozenset({"so", "số"}), "can": frozenset({"can", "cần"}),
}  # fmt: skip
_NAME_MAX_WORDS = 4
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}

# Groups most plans use; a plan's own group names are added through the vocabulary.
DEFAULT_GROUPS: tuple[str, ...] = (
    "Chính quyền số", "Kinh tế số", "Xã hội số", "Hạ tầng số", "Dữ liệu số",
    "An toàn thông tin mạng", "Yêu cầu chung", "Nhận thức số", "Thể chế số", "Nhân lực số",
)  # fmt: skip
# Shorter forms people use for a group whose printed name is longer.
_GROUP_CORES: tuple[str, ...] = ("an toan thong tin", "ha tang so", "du lieu so")

# Words that say nothing about which indicator is meant.
_FILLER = {
    "chi", "tieu", "ty", "le", "so", "lieu", "bao", "nhieu", "dat", "duoc", "la", "cua",
    "co", "cho", "toi", "em", "xem", "hoi", "biet", "muon", "the", "nao", "nhu", "vay",
    "a", "oi", "nhe", "roi", "hien", "nay", "gi", "con", "da", "dang", "o", "tai", "cac",
    "nhung", "ve", "va", "hay", "ra", "sao", "ket", "qua", "tinh", "hinh", "chuyen", "doi",
    "cds", "muc", "do", "ti", "cao", "khong", "thi", "mot", "trong",
}  # fmt: skip
# Words people use for what plans spell out.
_SYNONYMS: dict[str, str] = {
    "smartphone": "dien thoai thong minh",
    "vneid": "dinh danh dien tu",
    "dvc": "dich vu cong",
    "dvctt": "dich vu cong truc tuyen",
    "internet": "bang rong",
}
# A topic must match this share of its words in an indicator's name.
_TOPIC_SHARE = 0.6
# Typos are forgiven in longer words only: short Vietnamese syllables differ by one letter.
_WORD_SIMILARITY = 85.0
_FUZZY_LENGTH = 5
# Indicators scoring this close to the best are offered as choices.
_TIE = 0.1
# When no name holds the words asked, a name holding this many of them in a row, in the
# order typed, is offered as the closest (see _closest_indicators).
_RUN_WORDS = 2
_RUN_SHARE = 0.5
_VOWELS = frozenset("aeiouy")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Names the reader may meet in a question, as the caller knows them."""

    units: Sequence[str] = ()
    groups: Sequence[str] = ()
    indicators: Sequence[str] = ()  # names, index-aligned with `codes`
    codes: Sequence[str] = ()
    period_kind: PeriodKind | None = None  # gives "kỳ này" its kind


@dataclass(frozen=True, slots=True)
class Question:
    intent: Intent
    folded: str
    unit: str | None = None  # a name from the vocabulary, or the words typed ("thon 2")
    unit_level: str | None = None  # the folded level word typed before it ("xa")
    group: str | None = None  # a group name (vocabulary form, or a default group)
    period: Period | None = None
    topic: tuple[str, ...] = ()  # words left that may name an indicator
    indicators: tuple[int, ...] = field(default=())  # vocabulary indexes, best first
    code: str | None = None  # an indicator code typed ("3.1")
    # No indicator's name holds the words asked; `indicators` are the closest names.
    approximate: bool = False


def read_question(
    text: str, *, today: dt.date, vocabulary: Vocabulary = Vocabulary(), language: str = "vi"
) -> Question:
    """The intent and slots of `text`; never raises.

    `language` is the locale the person talks to the bot in: its own question words are
    read as well as the Vietnamese ones ("progress" in English is "tiến độ").
    """
    typed = folded_words(text).split()
    originals = _original_words(text)
    if len(originals) != len(typed):
        originals = typed  # cannot align them: match without diacritics only
    words, originals = rewrite(typed, originals, table_for(language))
    folded = " ".join(words)
    if not folded:
        return Question(Intent.UNKNOWN, folded)
    for intent, phrases in COMMAND_PHRASES.items():
        if folded in {folded_words(p) for p in phrases}:
            return Question(intent, folded)
    courtesy = _courtesy(words)
    if courtesy is not None:
        return Question(courtesy, folded)
    taken = [False] * len(words)

    period: Period | None = None
    found = search_period(folded, today=today, kind_hint=vocabulary.period_kind)
    if found is not None:
        period = found.period
        _take_span(folded, found.start, found.end, taken)

    intent, spans = _intent(folded)
    # "Đạt chưa?" names no intent of its own: the scope it comes with decides.
    met_question = intent is Intent.UNKNOWN and _MET_QUESTION.search(folded) is not None
    if met_question:
        spans = [found.span() for found in _MET_QUESTION.finditer(folded)]
    for start, end in spans:
        _take_span(folded, start, end, taken)
    code = _code(text, vocabulary.codes)
    group = _group(words, taken, vocabulary.groups)
    unit, level = _unit(words, originals, taken, vocabulary.units)
    topic = tuple(w for w, t in zip(words, taken, strict=True) if not t and w not in _FILLER)
    matches: tuple[int, ...] = ()
    approximate = False
    if intent in (Intent.UNKNOWN, Intent.PROGRESS) or code is not None:
        matches = _indicator_matches(topic, vocabulary.indicators)
        if not matches and code is None:
            matches = _closest_indicators(words, taken, vocabulary.indicators)
            approximate = bool(matches)
        if code is not None and code in vocabulary.codes:
            index = list(vocabulary.codes).index(code)
            matches = (index, *[m for m in matches if m != index])
            approximate = False
    if intent in (Intent.UNKNOWN, Intent.PROGRESS) and (matches or code is not None):
        # "kết quả cáp quang" asks about one indicator, "kết quả 6 tháng" about all.
        intent = Intent.INDICATOR
    elif met_question:
        # "kinh tế số đạt chưa", "thôn 3 đạt chưa", "đã đạt chưa": what is not met there.
        intent = Intent.SHORTFALL
    elif intent is Intent.UNKNOWN and (unit or group or period) and not topic:
        # Only scope words ("kinh tế số quý 2", "thôn 3"): how that scope stands.
        intent = Intent.PROGRESS
    return Question(intent, folded, unit, level, group, period, topic, matches, code, approximate)


def _courtesy(words: Sequence[str]) -> Intent | None:
    """THANKS or GREETING when the message is only that ("cảm ơn nhé", "chào bot")."""
    found: Intent | None = None
    index = 0
    while index < len(words):
        for intent, phrases in ((Intent.THANKS, _THANKS), (Intent.GREETING, _GREETINGS)):
            phrase = next((p for p in phrases if tuple(words[index : index + len(p)]) == p), None)
            if phrase is not None:
                found = found or intent  # "chào, cảm ơn" is a greeting first
                index += len(phrase)
                break
        else:
            if words[index] not in _COURTESY_WORDS:
                return None
            index += 1
    return found


def _intent(folded: str) -> tuple[Intent, list[tuple[int, int]]]:
    """The first intent whose phrases occur, and where they occur in `folded`."""
    checks = (
        (_EXPORT, Intent.EXPORT),
        (_HELP, Intent.HELP),
        (_COMPLETENESS, Intent.COMPLETENESS),
        (_SHORTFALL, Intent.SHORTFALL),
        (_PROGRESS, Intent.PROGRESS),
        (_REPORT, Intent.REPORT),
    )
    for pattern, intent in checks:
        spans = [found.span() for found in pattern.finditer(folded)]
        if spans:
            return intent, spans
    return Intent.UNKNOWN, []


def _take_span(folded: str, start: int, end: int, taken: list[bool]) -> None:
    """Mark the words of folded[start:end] as used."""
    position = 0
    for index, word in enumerate(folded.split(" ")):
        if position >= start and position + len(word) <= end:
            taken[index] = True
        position += len(word) + 1


def _find(words: Sequence[str], phrase: Sequence[str], taken: Sequence[bool]) -> int | None:
    """Where the words of `phrase` occur in `words` among untaken words, or None."""
    size = len(phrase)
    if not size:
        return None
    for start in range(len(words) - size + 1):
        if list(words[start : start + size]) == list(phrase) and not any(
            taken[start : start + size]
        ):
            return start
    return None


def _group(words: list[str], taken: list[bool], groups: Sequence[str]) -> str | None:
    candidates = [*groups, *DEFAULT_GROUPS]
    forms: list[tuple[list[str], str]] = []
    for name in candidates:
        name_folded = folded_words(name)
        forms.append((name_folded.split(), name))
        forms.extend(
            (core.split(), name) for core in _GROUP_CORES if f" {core} " in f" {name_folded} "
        )
    forms.sort(key=lambda f: -len(f[0]))
    for phrase, name in forms:
        start = _find(words, phrase, taken)
        if start is not None:
            for index in range(start, start + len(phrase)):
                taken[index] = True
            return name
    return None


@lru_cache(maxsize=1 << 16)
def _name_words(name: str) -> tuple[str, ...]:
    """A name's folded words; cached because a province official's vocabulary holds every
    unit name of the province and every question reads against it."""
    return tuple(folded_words(name).split())


def _unit(
    words: list[str], originals: list[str], taken: list[bool], units: Sequence[str]
) -> tuple[str | None, str | None]:
    present = set(words)
    known = sorted(
        ((_name_words(u), u) for u in units if _name_words(u)[:1] and _name_words(u)[0] in present),
        key=lambda k: -len(k[0]),
    )
    for phrase, name in known:
        start = _find(words, phrase, taken)
        if start is None:
            continue
        level = _level_before(words, originals, taken, start)
        if len(phrase) == 1 and level is None and not phrase[0].isdigit():
            # A one-word name alone is too often an ordinary word ("Tân", "Lộc").
            continue
        for index in range(start, start + len(phrase)):
            taken[index] = True
        if level is not None:
            for index in range(start - len(level.split()), start):
                taken[index] = True
        return name, level
    return _typed_unit(words, originals, taken)


def _is_level(
    words: list[str], originals: list[str], taken: list[bool], start: int, level: str
) -> bool:
    """The level word at `start`; when typed with diacritics they must be the level's own
    ("tình hình" is not "tỉnh Hình")."""
    level_words = level.split()
    end = start + len(level_words)
    if start < 0 or words[start:end] != level_words or any(taken[start:end]):
        return False
    typed = " ".join(originals[start:end])
    return typed == level or typed == LEVEL_SPELLING[level]


def _level_before(
    words: list[str], originals: list[str], taken: list[bool], start: int
) -> str | None:
    for level in LEVEL_WORDS:
        if _is_level(words, originals, taken, start - len(level.split()), level):
            return level
    return None


def _typed_unit(
    words: list[str], originals: list[str], taken: list[bool]
) -> tuple[str | None, str | None]:
    """A level word and the name after it: "thôn 2", "xã Đồng Lạc"."""
    for start in range(len(words)):
        if taken[start]:
            continue
        for level in LEVEL_WORDS:
            level_words = level.split()
            end = start + len(level_words)
            if not _is_level(words, originals, taken, start, level):
                continue
            name: list[str] = []
            index = end
            while index < len(words) and len(name) < _NAME_MAX_WORDS and not taken[index]:
                word = words[index]
                numbered_next = index + 1 < len(words) and words[index + 1].isdigit()
                # "Thôn 6" and "tổ dân phố số 3": a number right after the level is a name.
                first_number = name == [] and (word.isdigit() or (word == "so" and numbered_next))
                if _ends_name(word, originals[index]) and not first_number:
                    break
                name.append(word)
                index += 1
            if not name or name[0] in _OWN_OR_WHICH:
                break
            if level == "to" and not name[0].isdigit():
                break  # "tổ" alone is too common a word; "tổ 5" is a residential group
            for position in range(start, index):
                taken[position] = True
            numbered = all(w.isdigit() or w in _ROMAN or w == "so" for w in name)
            # As typed (lowercase, accents kept): matching folds it, and an answer that
            # found no such unit quotes it the way the person wrote it.
            typed = originals[start:index] if numbered else originals[end:index]
            return " ".join(typed), level
    return None, None


def _ends_name(word: str, typed: str) -> bool:
    if word not in _NAME_STOP:
        return False
    spellings = _STOP_AS_TYPED.get(word)
    return spellings is None or typed in spellings


def _original_words(text: str) -> list[str]:
    """The lowercase words as typed, aligned with `folded_words(text)`."""
    found: list[str] = []
    current: list[str] = []
    for char in normalize(text).lower():
        plain = fold(char)
        if plain and all("a" <= c <= "z" or "0" <= c <= "9" for c in plain):
            current.append(char)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return found


def _code(text: str, codes: Sequence[str]) -> str | None:
    for found in _CODE.finditer(fold(text)):
        candidate = found.group(1)
        if not codes or candidate in codes:
            return candidate
    return None


def _concepts(topic: Sequence[str]) -> list[tuple[str, ...]]:
    """Each topic word with the words it may be spelled out as ("vneid" or "định danh điện tử")."""
    found: list[tuple[str, ...]] = []
    for word in dict.fromkeys(topic):
        found.append((word,))
        if word in _SYNONYMS:
            found[-1] = (word, _SYNONYMS[word])
    return found


def _concept_at(concept: tuple[str, ...], name_words: Sequence[str]) -> int | None:
    for form in concept:
        positions = [_word_in(word, name_words) for word in form.split()]
        if all(p is not None for p in positions):
            return positions[0]
    return None


def _indicator_matches(topic: Sequence[str], names: Sequence[str]) -> tuple[int, ...]:
    """Indicator names that the topic words describe, best first; near-ties all listed."""
    concepts = _concepts(topic)
    if not concepts or not names:
        return ()
    scored: list[tuple[float, int, int]] = []
    for index, name in enumerate(names):
        name_words = _name_words(name)
        hits = [_concept_at(concept, name_words) for concept in concepts]
        share = sum(1 for h in hits if h is not None) / len(concepts)
        if share < _TOPIC_SHARE:
            continue
        # Words found next to each other in the name count extra: "cáp quang" as a phrase.
        pairs = sum(1 for a, b in pairwise(hits) if a is not None and b is not None and b == a + 1)
        scored.append((share + 0.1 * pairs, -len(name_words), index))
    scored.sort(reverse=True)
    best = scored[0][0] if scored else 0.0
    return tuple(index for score, _, index in scored if score >= best - _TIE)


def _word_in(word: str, name_words: Sequence[str]) -> int | None:
    spelled = _spelling(word)
    for position, candidate in enumerate(name_words):
        if candidate == word or (spelled[-1] == "i" and _spelling(candidate) == spelled):
            return position
    if len(word) >= _FUZZY_LENGTH:
        for position, candidate in enumerate(name_words):
            if _similar(word, candidate):
                return position
    return None


@lru_cache(maxsize=1 << 16)
def _similar(word: str, candidate: str) -> bool:
    """The same word, or a typo of it in a longer word ("thuog" for "thuong")."""
    if _spelling(word) == _spelling(candidate):
        return True
    return (
        len(word) >= _FUZZY_LENGTH
        and len(candidate) >= _FUZZY_LENGTH
        and fuzz.ratio(word, candidate) >= _WORD_SIMILARITY
    )


def _spelling(word: str) -> str:
    """Both spellings of a syllable ending in i or y after a consonant read alike: "ký" and
    "kí", "lý" and "lí" are written either way; "tuy" and "tui" are different words."""
    if len(word) >= 2 and word[-1] == "y" and word[-2] not in _VOWELS:
        return word[:-1] + "i"
    return word


def _closest_indicators(
    words: Sequence[str], taken: Sequence[bool], names: Sequence[str]
) -> tuple[int, ...]:
    """Names that hold a run of the words typed, in the order typed, longest run first.

    For a question no name fully answers ("chu ky so ca nhan" where the plan has "chữ ký
    số chuyên dùng"): the words around a phrase may be the asker's, the phrase the plan's.
    A run must hold _RUN_WORDS words that say something, so that "chuyển đổi số" or "số
    liệu" (filler only) finds nothing and a single shared word is never enough, and at
    least _RUN_SHARE of the words asked that say something, so that a long message
    sharing one common pair with a name ("gửi tin nhắn cho cán bộ") is not taken for it.
    """
    segments: list[list[str]] = [[]]
    for word, used in zip(words, taken, strict=True):
        if used:
            segments.append([])
        else:
            segments[-1].append(word)
    asked = sum(1 for s in segments for w in s if w not in _FILLER)
    needed = max(_RUN_WORDS, math.ceil(asked * _RUN_SHARE))
    segments = [s for s in segments if sum(1 for w in s if w not in _FILLER) >= needed]
    if not segments:
        return ()
    scored: list[tuple[int, int, int, int]] = []
    for index, name in enumerate(names):
        name_words = _name_words(name)
        best = max(_longest_run(segment, name_words) for segment in segments)
        if best[0] >= needed:
            scored.append((*best, -len(name_words), -index))
    scored.sort(reverse=True)
    return tuple(-index for *_score, index in scored)


def _longest_run(asked: Sequence[str], name: Sequence[str]) -> tuple[int, int]:
    """(words that say something, words) of the longest run of `asked` found in `name`."""
    best = (0, 0)
    # ending[j]: (content, length) of the common run ending at asked[i] and name[j].
    previous: list[tuple[int, int]] = [(0, 0)] * (len(name) + 1)
    for word in asked:
        current: list[tuple[int, int]] = [(0, 0)] * (len(name) + 1)
        content = 0 if word in _FILLER else 1
        # Only these words can match a different spelling: skip the comparison otherwise.
        loose = len(word) >= _FUZZY_LENGTH or _spelling(word)[-1] == "i"
        for j, candidate in enumerate(name, start=1):
            if candidate == word or (loose and _similar(word, candidate)):
                before = previous[j - 1]
                current[j] = (before[0] + content, before[1] + 1)
                best = max(best, current[j])
        previous = current
    return best
