"""Gettext catalogues (Vietnamese first) and the formatting of dates for people.

The .po files are the source of truth; they are compiled in memory with babel when
first used, so there is no build step and no stale .mo file.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "chitieu"
DEFAULT_LOCALE = "vi"
SUPPORTED = ("vi", "en")
_HERE = Path(__file__).resolve().parent
_active: ContextVar[str] = ContextVar("chitieu_locale", default=DEFAULT_LOCALE)


def catalogue_path(locale: str) -> Path:
    return _HERE / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    path = catalogue_path(locale)
    if not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def set_locale(locale: str) -> None:
    if locale not in SUPPORTED:
        raise ValueError(f"unsupported locale {locale!r}; choose one of {', '.join(SUPPORTED)}")
    _active.set(locale)


def current_locale() -> str:
    return _active.get()


def _(message: str) -> str:
    """Translate `message` (an English msgid) into the active locale."""
    return translations(_active.get()).gettext(message)


def format_day(day: dt.date) -> str:
    """25/09/2024 — the form Vietnamese documents use."""
    return format_date(day, "dd/MM/yyyy", locale=_active.get())
