"""Refresh locales/*/LC_MESSAGES/chitieu.po from the code's messages (babel extract + update).

Run after changing user-facing text: `.venv/bin/python scripts/update_catalogues.py`.
New messages appear untranslated in vi; tests fail until they are translated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POT = ROOT / "locales" / "chitieu.pot"


def main() -> int:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [pybabel, "extract", "-k", "_", "--no-location", "--sort-output",
         "--project=chitieu", "-o", str(POT), "handlers", "bot", "indicators"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    for locale in ("vi", "en"):
        po = ROOT / "locales" / locale / "LC_MESSAGES" / "chitieu.po"
        action = "update" if po.exists() else "init"
        extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if action == "update" else []
        subprocess.run(
            [pybabel, action, "-D", "chitieu", "-i", str(POT), "-d", str(ROOT / "locales"),
             "-l", locale, *extra],
            cwd=ROOT, check=True,
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
