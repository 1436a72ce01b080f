"""Buttons that ask a question again: follow-ups and "xem thêm" pages.

Everything a button needs travels in its data (at most BUTTON_DATA_BYTES), so a page
still works after a restart and leaves the conversation state alone:
"q:<kind>:<unit id>:<period code or ->:<group slug or ->:<page>[:<plan id>:<code>]".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from handlers.messages import BUTTON_DATA_BYTES, Button
from indicators.periods import Period
from indicators.text import folded_words

PREFIX = "q:"
SHORTFALL, PROGRESS, COMPLETENESS, INDICATOR, EXPORT = "s", "p", "c", "i", "x"
KINDS = (SHORTFALL, PROGRESS, COMPLETENESS, INDICATOR, EXPORT)
GROUP_SLUG = 18
MIN_SLUG = 4
# A page stays well inside Telegram's 4096 characters and short enough to read on a phone.
PAGE_CHARS = 3000


@dataclass(frozen=True, slots=True)
class Ask:
    kind: str
    unit_id: int
    period: Period | None = None
    group: str | None = None  # a slug of the group's folded name
    page: int = 0
    plan_id: str = ""
    code: str = ""

    def data(self) -> str:
        """The callback data; a long group slug is cut to fit, since it matches by prefix."""
        parts = [
            "q",
            self.kind,
            str(self.unit_id),
            self.period.code if self.period else "-",
            self.group or "-",
            str(self.page),
        ]
        if self.plan_id:
            parts += [self.plan_id, self.code]
        data = ":".join(parts)
        excess = len(data.encode()) - BUTTON_DATA_BYTES
        if excess > 0 and self.group and len(self.group) > excess + MIN_SLUG:
            parts[4] = self.group[: len(self.group) - excess]
            data = ":".join(parts)
        return data

    def button(self, label: str) -> Button | None:
        """The button, or None when the data cannot fit BUTTON_DATA_BYTES."""
        data = self.data()
        return Button(label, data) if len(data.encode()) <= BUTTON_DATA_BYTES else None

    def at(self, page: int) -> Ask:
        return replace(self, page=page)


def group_slug(name: str | None) -> str | None:
    if not name:
        return None
    return "-".join(folded_words(name).split())[:GROUP_SLUG]


def parse(data: str) -> Ask | None:
    """The question a button asks; None for data that is not one (old or forged)."""
    parts = data.split(":")
    if len(parts) not in (6, 8) or parts[0] != "q" or parts[1] not in KINDS:
        return None
    _, kind, unit, period_code, group, page = parts[:6]
    if not unit.isdigit() or not page.isdigit():
        return None
    try:
        period = None if period_code == "-" else Period.from_code(period_code)
    except ValueError:
        return None
    plan_id, code = (parts[6], parts[7]) if len(parts) == 8 else ("", "")
    return Ask(kind, int(unit), period, None if group == "-" else group, int(page), plan_id, code)


def page_of(items: Sequence[str], page: int, size: int) -> tuple[list[str], int, int]:
    """The items of `page` (at most `size`, within PAGE_CHARS), that page's number (kept
    within range) and how many pages there are.

    Pages are cut by count and by length alike, so one very long item cannot push a
    message past the limit."""
    pages: list[list[str]] = [[]]
    length = 0
    for item in items:
        if pages[-1] and (len(pages[-1]) >= size or length + len(item) > PAGE_CHARS):
            pages.append([])
            length = 0
        pages[-1].append(item[:PAGE_CHARS])
        length += len(item) + 1
    page = min(max(page, 0), len(pages) - 1)
    return pages[page], page, len(pages)
