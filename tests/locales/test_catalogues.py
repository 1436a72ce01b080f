"""Every message the bot can say has a Vietnamese translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

import locales

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_is_translated_to_vietnamese(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run([pybabel, "extract", "-k", "_", "-o", str(pot), "handlers", "bot", "indicators"],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with locales.catalogue_path("vi").open("rb") as handle:
        vi = {m.id: m.string for m in read_po(handle, locale="vi") if m.id}
    untranslated = sorted(str(m) for m in wanted if not vi.get(m))
    assert untranslated == [], "run scripts/update_catalogues.py and translate these"


def test_vietnamese_is_the_default_and_english_is_available() -> None:
    assert locales._("Cancel") == "Hủy"
    locales.set_locale("en")
    try:
        assert locales._("Cancel") == "Cancel"
    finally:
        locales.set_locale("vi")
