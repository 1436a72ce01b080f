"""“Chỉ tiêu nào chưa đạt”: the indicators not met, largest gap first, grouped as in the plan,
then the ones that have no figure yet."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.messages import Reply
from handlers.questions.follow_ups import follow_ups, more_button
from handlers.questions.paging import SHORTFALL, Ask, group_slug, page_of
from handlers.unit_figures import Standing
from handlers.wording.figures import header, shortfall_line
from indicators.evaluation import Verdict
from indicators.people import Person
from indicators.rollup import Figure
from locales import _

PAGE_SIZE = 8
CODES_SHOWN = 30


def _short(figure: Figure) -> bool:
    """Not met, or not met in some of the units below where no overall share exists."""
    return figure.verdict is Verdict.NOT_MET or (
        figure.verdict is Verdict.NOT_ASSESSABLE and figure.parts_not_met > 0
    )


def shortfall_reply(
    person: Person, found: Sequence[Standing], group: str | None, page: int
) -> list[Reply]:
    first = found[0]
    sections: list[tuple[str, list[tuple[Figure, Standing]]]] = []
    missing: list[str] = []
    provisional: list[str] = []
    judged = 0
    for standing in found:
        label_prefix = (
            f"{standing.plan.appendix} · " if len(found) > 1 and standing.plan.appendix else ""
        )
        for plan_group, figures in standing.figures(group):
            short = sorted((f for f in figures if _short(f)), key=lambda f: -f.gap)
            missing += [f.indicator.code for f in figures if f.verdict is Verdict.NOT_REPORTED]
            provisional += [f.indicator.code for f in figures if f.verdict is Verdict.PROVISIONAL]
            judged += sum(
                1 for f in figures if f.verdict not in (Verdict.NOT_REPORTED, Verdict.PROVISIONAL)
            )
            if short:
                sections.append((label_prefix + plan_group.name, [(f, standing) for f in short]))
    sections.sort(key=lambda s: -s[1][0][0].gap)
    items = [
        f"{label}\n• {shortfall_line(figure, standing)}"
        for label, rows in sections
        for figure, standing in rows
    ]
    shown, page, pages = page_of(items, page, PAGE_SIZE)
    lines = header(_("Indicators not met"), first)
    named = [g.name for s in found for g in s.groups(group)] if group else []
    if named:
        lines.append(_("Group: {group}.").format(group=named[0]))
    lines.append("")
    current = None
    for item in shown:
        label, line = item.split("\n", 1)
        if label != current:
            if current is not None:
                lines.append("")
            lines.append(label)
            current = label
        lines.append(line)
    if not items:
        lines.append(
            _("None: every indicator with a figure ({judged}) is met.").format(judged=judged)
            if judged
            else _("No indicator has been judged yet for this period.")
            if provisional
            else _("No indicator has a figure yet for this period.")
        )
    if page + 1 >= pages and provisional:
        codes = ", ".join(provisional[:CODES_SHOWN])
        codes += "…" if len(provisional) > CODES_SHOWN else ""
        note = _("Provisional, not judged until every reporting unit has reported ({count}): {codes}.")  # fmt: skip
        lines += ["", note.format(count=len(provisional), codes=codes)]
    if page + 1 >= pages and missing:
        codes = ", ".join(missing[:CODES_SHOWN]) + ("…" if len(missing) > CODES_SHOWN else "")
        lines += [
            "",
            _("No figure yet ({count}): {codes}.").format(count=len(missing), codes=codes),
        ]
    ask = Ask(SHORTFALL, first.unit.id, first.period, group_slug(group))
    buttons = (
        *more_button(ask, page, pages),
        *follow_ups(person, first.unit.id, first.period, skip=SHORTFALL),
    )
    return [Reply("\n".join(lines), buttons)]
