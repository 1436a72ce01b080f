"""The buttons under an answer: the next page, and the other questions about the same scope."""

from __future__ import annotations

from handlers.messages import Button
from handlers.questions.paging import COMPLETENESS, EXPORT, PROGRESS, SHORTFALL, Ask
from indicators.people import Person
from indicators.periods import Period
from locales import _

Rows = tuple[tuple[Button, ...], ...]


def more_button(ask: Ask, page: int, pages: int) -> list[tuple[Button, ...]]:
    """ "Xem thêm (2/3)" while pages are left."""
    if page + 1 >= pages:
        return []
    button = ask.at(page + 1).button(_("Show more ({page}/{pages})").format(
        page=page + 2, pages=pages))  # fmt: skip
    return [(button,)] if button else []


def follow_ups(person: Person, unit_id: int, period: Period | None, *, skip: str) -> Rows:
    labels = {
        SHORTFALL: _("Not met"),
        PROGRESS: _("Progress"),
        COMPLETENESS: _("Not reported"),
    }
    row = [
        button
        for kind, label in labels.items()
        if kind != skip and (button := Ask(kind, unit_id, period).button(label))
    ]
    rows: list[tuple[Button, ...]] = [tuple(row)] if row else []
    if person.is_official and skip != EXPORT:
        export = Ask(EXPORT, unit_id, period).button(_("Export the appendix (Excel)"))
        if export:
            rows.append((export,))
    return tuple(rows)
