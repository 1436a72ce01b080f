"""Vietnamese text utilities: normalisation, diacritic folding, tokens, fuzzy matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"[0-9a-z]+")
# Control characters (C0, DEL, C1), lone surrogates and the two non-characters: none of
# them is text anyone means to send, and XML (xlsx, docx) cannot hold most of them.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What an XML 1.0 document cannot contain, for writers of stored text (older rows may
# predate `clean_typed`).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\r\n?")


def clean_typed(text: str) -> str:
    """Text as a person sent it, fit to keep and to show again: NFC, line breaks as "\\n",
    tabs as spaces, and no other control characters.

    Every channel's turn passes through this (see `handlers.messages.Turn`), so nothing
    further in can meet a NUL or an escape sequence. Format characters stay: a zero-width
    joiner is part of an emoji, a right-to-left mark part of someone's name.
    """
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    kept = _CONTROLS.sub(lambda found: "\n" if found[0] == "\n" else "", text)
    return unicodedata.normalize("NFC", kept)


def writable(text: str) -> str:
    """`text` without what an XML document (an .xlsx or .docx part) cannot hold."""
    return _NOT_XML.sub("", text)


def normalize(text: str) -> str:
    """NFC text with fullwidth forms folded, control characters dropped and whitespace
    collapsed.

    NFKC first because phone keyboards send fullwidth digits ("６５") and some send
    decomposed Vietnamese; NFC last so the stored text is in the form everyone compares.
    """
    text = _CONTROLS.sub(" ", unicodedata.normalize("NFKC", text))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Lowercase, without diacritics, đ→d: "Chỉ tiêu Đạt" → "chi tieu dat"."""
    decomposed = unicodedata.normalize("NFD", normalize(text).lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")


def tokens(text: str) -> list[str]:
    """Folded alphanumeric tokens."""
    return _TOKEN.findall(fold(text))


def folded_words(text: str) -> str:
    """Folded tokens joined by single spaces: the form phrases are compared in."""
    return " ".join(tokens(text))


def contains_phrase(text: str, phrase: str) -> bool:
    """True when the folded words of `phrase` occur in `text` as whole words."""
    hay = f" {folded_words(text)} "
    return f" {folded_words(phrase)} " in hay


@dataclass(frozen=True, slots=True)
class Match:
    choice: str
    index: int
    score: float


def best_matches(
    query: str, choices: Sequence[str], *, limit: int = 5, cutoff: float = 70.0
) -> list[Match]:
    """Choices that fuzzily match `query`, best first, accent- and case-insensitive."""
    folded_choices = [folded_words(c) for c in choices]
    found = process.extract(
        folded_words(query),
        folded_choices,
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=cutoff,
    )
    return [
        Match(choice=choices[index], index=index, score=float(score)) for _, score, index in found
    ]


def first_phrase(text: str, phrases: Iterable[str]) -> str | None:
    """The first of `phrases` that occurs in `text` (folded, whole words)."""
    for phrase in phrases:
        if contains_phrase(text, phrase):
            return phrase
    return None
