"""Vietnamese text utilities: normalisation, diacritic folding, tokens, fuzzy matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"[0-9a-z]+")


def normalize(text: str) -> str:
    """NFC text with fullwidth forms folded and whitespace collapsed.

    NFKC first because phone keyboards send fullwidth digits ("６５") and some send
    decomposed Vietnamese; NFC last so the stored text is in the form everyone compares.
    """
    text = unicodedata.normalize("NFKC", text)
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
