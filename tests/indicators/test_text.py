"""Vietnamese text: normalisation, folding, tokens, fuzzy matching."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.text import (
    best_matches,
    clean_typed,
    contains_phrase,
    first_phrase,
    fold,
    folded_words,
    normalize,
    tokens,
    writable,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Chỉ tiêu", "Chỉ tiêu"),
        (nfd("Chỉ tiêu chưa đạt"), "Chỉ tiêu chưa đạt"),
        ("  a \t\n b  ", "a b"),
        ("６５％", "65%"),
        ("１７５／３００", "175/300"),
        ("", ""),
        ("   ", ""),
        ("Đồng\u00a0Lạc", "Đồng Lạc"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_gives_nfc():
    text = normalize(nfd("Phổ cập dịch vụ"))
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Chỉ tiêu Đạt", "chi tieu dat"),
        ("chỉ tiêu nào chưa đạt", "chi tieu nao chua dat"),
        ("ĐẠT đạt Đ đ", "dat dat d d"),
        ("Phổ cập", "pho cap"),
        ("Tổ dân phố", "to dan pho"),
        ("Ừ", "u"),
        (nfd("Hưởng ứng"), "huong ung"),
        ("chi tieu nao chua dat", "chi tieu nao chua dat"),
        ("65,5%", "65,5%"),
        ("ＡＢＣ", "abc"),
    ],
)
def test_fold(raw, expected):
    assert fold(raw) == expected


@given(
    st.text(
        alphabet="0123456789aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ "
    )
)
def test_fold_of_vietnamese_letters_is_ascii(text):
    once = fold(text)
    assert once.isascii()
    assert fold(once) == once
    assert fold(text.upper()) == once
    assert fold(nfd(text)) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tỷ lệ 65,5% hộ-gia đình", ["ty", "le", "65", "5", "ho", "gia", "dinh"]),
        ("  Chỉ   tiêu, nào?? chưa đạt! ", ["chi", "tieu", "nao", "chua", "dat"]),
        ("", []),
        ("!!! ...", []),
        ("III.2", ["iii", "2"]),
    ],
)
def test_tokens(raw, expected):
    assert tokens(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Chỉ   tiêu, nào?? chưa đạt! ", "chi tieu nao chua dat"),
        ("CHI TIEU NAO CHUA DAT", "chi tieu nao chua dat"),
        (nfd("Thôn nào chưa báo cáo?"), "thon nao chua bao cao"),
        ("", ""),
    ],
)
def test_folded_words(raw, expected):
    assert folded_words(raw) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("Chỉ tiêu nào chưa đạt?", "chua dat", True),
        ("chi tieu nao CHUA DAT", "chưa đạt", True),
        ("chưa đạt", "dat", True),
        ("dattt", "dat", False),
        ("thôn nào chưa báo cáo", "bao", True),
        ("thôn nào chưa báo cáo", "chua bao cao", True),
        ("thôn nào chưa báo cáo", "nao bao", False),
    ],
)
def test_contains_phrase(text, phrase, expected):
    assert contains_phrase(text, phrase) is expected


def test_first_phrase_in_order_of_phrases():
    assert first_phrase("thôn nào chưa báo cáo", ["chua dat", "bao cao", "thon"]) == "bao cao"
    assert first_phrase("xin chào", ["chua dat", "bao cao"]) is None


def test_best_matches_is_accent_insensitive():
    choices = ["Đồng Lạc", "Đồng Lâm", "Biên Giới", "Sông Mã"]
    found = best_matches("dong lac", choices)
    assert found[0].choice == "Đồng Lạc"
    assert found[0].index == 0
    assert found[0].score == 100.0
    assert "Biên Giới" not in [m.choice for m in found]


def test_best_matches_ordered_best_first_and_limited():
    choices = ["Thôn 2", "Thôn 1", "Thôn 10", "Tổ dân phố 1"]
    found = best_matches("thon 1", choices, limit=2)
    assert len(found) == 2
    assert found[0].choice == "Thôn 1"
    assert found[0].index == 1
    assert found[0].score >= found[1].score


def test_best_matches_cutoff_and_empty():
    assert best_matches("xyzzy", ["Thôn 1", "Thôn 2"]) == []
    assert best_matches("viet yen", []) == []
    assert best_matches("", ["Thôn 1"]) == []


def test_best_matches_returns_original_choice_text():
    found = best_matches(nfd("VIỆT YÊN"), ["Việt Yên", "Vĩnh Lộc"], limit=1)
    assert [m.choice for m in found] == ["Việt Yên"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Liên hệ anh Ba 0912345678 \x01", "Liên hệ anh Ba 0912345678 "),
        ("a\x00b\x08c\x0bd\x0ce\x0ef\x1bg\x7fh\x85i\x9fj", "abcdefghij"),
        ("tab\there", "tab here"),
        ("line\r\nbreak\rand\nmore", "line\nbreak\nand\nmore"),
        ("lone \ud800 surrogate \ufffe\uffff", "lone  surrogate "),
        (nfd("Thôn Nà Pậu"), "Thôn Nà Pậu"),
        ("👨\u200d👩\u200d👧 \u200fمرحبا\u202e", "👨\u200d👩\u200d👧 \u200fمرحبا\u202e"),
        ("１７５", "１７５"),  # fullwidth kept: only parsing folds it (normalize)
    ],
)
def test_clean_typed(raw: str, expected: str) -> None:
    assert clean_typed(raw) == expected


@given(st.text())
def test_cleaned_text_is_nfc_without_controls_and_stable(text: str) -> None:
    cleaned = clean_typed(text)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert all(c == "\n" or unicodedata.category(c) not in ("Cc", "Cs") for c in cleaned)
    assert clean_typed(cleaned) == cleaned
    assert all(unicodedata.category(c) not in ("Cc", "Cs") for c in normalize(text))


@given(st.text())
def test_writable_text_is_valid_xml(text: str) -> None:
    allowed = {"\t", "\n", "\r"}
    assert all(
        c in allowed or ("\x20" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c > "\uffff"
        for c in writable(text)
    )
