"""Test data kept in the repository: what people really type, extended as cases are found."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent
ANSWERS = DATA / "answers.tsv"
QUESTIONS = DATA / "questions.tsv"
