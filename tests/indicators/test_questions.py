"""Reading questions: every row of the shared corpus, cases beyond it, and properties."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.periods import Period, PeriodKind, parse_period
from indicators.plans import load_all_bundled, load_bundled
from indicators.questions import COMMAND_PHRASES, Intent, Vocabulary, read_question
from indicators.text import fold
from tests.data import QUESTIONS

CORPUS = QUESTIONS
TODAY = dt.date(2026, 11, 23)
PLANS = load_all_bundled()
EVERY_PLAN = Vocabulary(
    groups=[g.name for p in PLANS for g in p.groups],
    indicators=[i.name for p in PLANS for i in p.indicators],
    codes=[i.code for p in PLANS for i in p.indicators],
)
DONG_LAC = load_bundled("dong-lac-2025")
DEMO = Vocabulary(
    units=["Đồng Lạc", *[f"Thôn {n}" for n in range(1, 7)]],
    groups=[g.name for g in DONG_LAC.groups],
    indicators=[i.name for i in DONG_LAC.indicators],
    codes=[i.code for i in DONG_LAC.indicators],
    period_kind=PeriodKind.QUARTER,
)


def corpus() -> list[tuple[str, str, dict[str, str]]]:
    with CORPUS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    found = []
    for row in rows:
        slots = dict(
            part.strip().split("=", 1) for part in (row["slots"] or "").split(";") if part.strip()
        )
        found.append((row["intent"], row["input"], slots))
    return found


def check(question, intent: str, slots: dict[str, str]) -> None:
    assert question.intent.value == intent
    if "unit" in slots:
        assert question.unit is not None and fold(question.unit) == fold(slots["unit"])
    else:
        assert question.unit is None
    if "group" in slots:
        assert question.group is not None and fold(question.group) == fold(slots["group"])
    if "period" in slots:
        assert question.period == parse_period(slots["period"], today=TODAY)
    else:
        assert question.period is None


@pytest.mark.parametrize(("intent", "text", "slots"), corpus())
def test_corpus_with_every_bundled_plan(intent: str, text: str, slots: dict[str, str]) -> None:
    language = slots.get("locale", "vi")
    check(read_question(text, today=TODAY, vocabulary=EVERY_PLAN, language=language), intent, slots)


@pytest.mark.parametrize(("intent", "text", "slots"), corpus())
def test_corpus_decomposed_and_with_the_demo_communes_names(
    intent: str, text: str, slots: dict[str, str]
) -> None:
    decomposed = unicodedata.normalize("NFD", text)
    language = slots.get("locale", "vi")
    check(read_question(decomposed, today=TODAY, vocabulary=DEMO, language=language), intent, slots)


def test_english_words_are_read_in_the_english_locale_only() -> None:
    for text in ("which indicators are not met", "progress", "who has not reported"):
        assert read_question(text, today=TODAY, vocabulary=DEMO).intent is Intent.UNKNOWN
    # Vietnamese words that look like English ones keep their meaning in English.
    for text, intent in (
        ("làm thế nào để báo cáo", Intent.HELP),
        ("tổ 5 tiến độ", Intent.PROGRESS),
    ):
        assert read_question(text, today=TODAY, language="en").intent is intent


def test_every_corpus_row_was_read() -> None:
    assert len(corpus()) >= 50


@pytest.mark.parametrize(
    ("text", "intent", "unit", "group", "period"),
    [
        ("những chỉ tiêu còn thiếu ở thôn 2", Intent.SHORTFALL, "Thôn 2", None, None),
        ("THÔN 5 CHƯA ĐẠT GÌ", Intent.SHORTFALL, "Thôn 5", None, None),
        ("xã hội số chưa đạt", Intent.SHORTFALL, None, "Xã hội số", None),
        ("an toàn thông tin chưa đạt", Intent.SHORTFALL, None, "Đảm bảo An toàn thông tin mạng", None),
        ("chua dat q3/2025", Intent.SHORTFALL, None, None, Period(2025, PeriodKind.QUARTER, 3)),
        ("tình hình Đồng Lạc", Intent.PROGRESS, "Đồng Lạc", None, None),
        ("tien do nam nay", Intent.PROGRESS, None, None, Period(2026, PeriodKind.YEAR)),
        ("thôn 3 nộp chưa", Intent.COMPLETENESS, "Thôn 3", None, None),
        ("thon nao k bao cao ky truoc", Intent.COMPLETENESS, None, None, Period(2026, PeriodKind.QUARTER, 3)),
        ("xuất báo cáo quý 3", Intent.EXPORT, None, None, Period(2026, PeriodKind.QUARTER, 3)),
        ("gửi file excel năm 2025", Intent.EXPORT, None, None, Period(2025, PeriodKind.YEAR)),
        ("làm thế nào để xem tiến độ", Intent.HELP, None, None, None),
        ("kinh te so quy 2/2025", Intent.PROGRESS, None, "Kinh tế số", Period(2025, PeriodKind.QUARTER, 2)),
        ("Thôn 3", Intent.PROGRESS, "Thôn 3", None, None),
    ],
)  # fmt: skip
def test_own_cases(
    text: str, intent: Intent, unit: str | None, group: str | None, period: Period | None
) -> None:
    question = read_question(text, today=TODAY, vocabulary=DEMO)
    assert (question.intent, question.unit, question.group, question.period) == (
        intent,
        unit,
        group,
        period,
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("cáp quang", "3.1"),
        ("ty trong thuog mai dien tu", "2.2"),  # a typo in a longer word is forgiven
        ("smartphone thôn 4", "3.2"),
        ("dinh danh", "3.3"),
        ("vneid", "3.3"),
        ("hồ sơ sức khỏe điện tử", "3.4"),  # the plan says "hồ sơ số về sức khỏe"
        ("chỉ tiêu 1.3b", "1.3b"),
        ("kết quả cáp quang quý 2", "3.1"),
        ("thương mại điện tử", "2.2"),
    ],
)
def test_one_indicator_found_by_its_words_or_code(text: str, code: str) -> None:
    question = read_question(text, today=TODAY, vocabulary=DEMO)
    assert question.intent is Intent.INDICATOR
    assert DEMO.codes[question.indicators[0]] == code


def test_unit_words_with_and_without_a_vocabulary() -> None:
    bare = Vocabulary()
    assert read_question("xa dong lac chua dat", today=TODAY, vocabulary=bare).unit == "dong lac"
    assert read_question("thôn 12 chưa đạt", today=TODAY, vocabulary=bare).unit == "thôn 12"
    numbered = read_question("tổ dân phố số 3 tiến độ", today=TODAY, vocabulary=bare)
    assert (numbered.unit, numbered.unit_level) == ("tổ dân phố số 3", "to dan pho")
    # Own unit and "which" are no unit; "tình hình" is not "tỉnh Hình".
    for text in ("xã mình chưa đạt gì", "thôn nào chưa nộp", "tình hình chuyển đổi số"):
        assert read_question(text, today=TODAY, vocabulary=bare).unit is None
    # A one-word name is taken only after its level word.
    named = Vocabulary(units=["Lộc"])
    assert read_question("tiến độ lộc", today=TODAY, vocabulary=named).unit is None
    assert read_question("tiến độ xã Lộc", today=TODAY, vocabulary=named).unit == "Lộc"


def test_command_phrases_read_as_their_intents() -> None:
    for intent, phrases in COMMAND_PHRASES.items():
        for phrase in phrases:
            assert read_question(phrase, today=TODAY).intent is intent
            assert read_question(fold(phrase).upper(), today=TODAY).intent is intent


@pytest.mark.parametrize(
    ("text", "codes", "approximate"),
    [
        # No Đồng Lạc indicator is about a personal signature: the one with "chữ ký số"
        # first, then the one with "cá nhân".
        ("chu ky so ca nhan", ["1.6", "3.4"], True),
        ("chữ kí số cá nhân", ["1.6", "3.4"], True),  # "kí" and "ký" are one syllable
        ("chu ky so ca nhan thon 2", ["1.6", "3.4"], True),
        ("ho so so ve suc khoe ca nhan", ["3.4"], False),
        ("chu ky so", ["1.6"], False),
    ],
)
def test_the_closest_indicator_names(text: str, codes: list[str], approximate: bool) -> None:
    question = read_question(text, today=TODAY, vocabulary=DEMO)
    assert question.intent is Intent.INDICATOR
    assert [DEMO.codes[i] for i in question.indicators] == codes
    assert question.approximate is approximate


def test_closest_names_are_not_guessed_from_filler_or_one_common_pair() -> None:
    for vocabulary in (DEMO, EVERY_PLAN):
        for text in ("tình hình chuyển đổi số", "số liệu", "gửi tin nhắn cho cán bộ",
                     "hôm nay trời đẹp quá", "bạn là ai", "muốn hỏi chút"):  # fmt: skip
            question = read_question(text, today=TODAY, vocabulary=vocabulary)
            assert not question.approximate, text
    # "tin", "nhắn", "cán bộ" are each in some name of every plan, not in Đồng Lạc's.
    assert read_question("gửi tin nhắn cho cán bộ", today=TODAY, vocabulary=DEMO).intent is (
        Intent.UNKNOWN
    )


def test_abbreviations_are_spelled_out_before_reading() -> None:
    question = read_question("cq dc bn % r", today=TODAY, vocabulary=DEMO)
    assert question.folded == "cap quang duoc bao nhieu roi"
    assert read_question("đc", today=TODAY).folded == "duoc"
    assert read_question("ntn", today=TODAY).folded == "nhu the nao"
    # A level word typed as an abbreviation's neighbour still names the unit.
    assert read_question("thôn 3 ko đạt gì", today=TODAY, vocabulary=DEMO).unit == "Thôn 3"


def test_unreadable_questions() -> None:
    for text in ("", "   ", "😀", "alo", "hôm nay trời đẹp quá", "???", "12345"):
        assert read_question(text, today=TODAY, vocabulary=DEMO).intent is Intent.UNKNOWN


@given(st.text(max_size=200), st.sampled_from(["vi", "en", "fr"]))
def test_never_raises(text: str, language: str) -> None:
    question = read_question(text, today=TODAY, vocabulary=DEMO, language=language)
    assert question.intent in Intent
    assert all(0 <= i < len(DEMO.indicators) for i in question.indicators)


@given(
    st.lists(
        st.sampled_from(
            ["thôn", "xã", "tỉnh", "quý", "năm", "chưa", "đạt", "báo", "cáo", "2", "III", "/",
             "6", "tháng", "đầu", "kinh", "tế", "số", "cáp", "quang", "3.1", "ai", "nộp", " "]
        ),
        max_size=12,
    )
)  # fmt: skip
def test_never_raises_on_question_like_words(words: list[str]) -> None:
    read_question(" ".join(words), today=TODAY, vocabulary=DEMO)


def test_a_place_name_sharing_a_stop_word_without_its_accents_is_still_a_name() -> None:
    bare = Vocabulary()
    for text, unit in [
        ("/chuadat huyện Chợ Mới", "chợ mới"),
        ("tiến độ huyện Bảo Lâm", "bảo lâm"),
        ("chỉ tiêu nào chưa đạt ở xã Cổ Loa", "cổ loa"),
        ("thôn Đà Lạt chưa báo cáo", "đà lạt"),
    ]:
        assert read_question(text, today=TODAY, vocabulary=bare).unit == unit, text
    # Typed as the stop word it usually is, it still ends the name.
    question = read_question("xã Đồng Lạc cho tôi xem tiến độ", today=TODAY, vocabulary=bare)
    assert question.unit == "đồng lạc"
    assert read_question("xa dong lac cho xem", today=TODAY, vocabulary=bare).unit == "dong lac"
