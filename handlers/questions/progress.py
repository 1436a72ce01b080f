"""“Tiến độ”: met / not met / no figure per plan group, with a chart of each indicator's
share against its target."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from fractions import Fraction

from handlers.exports.charts import Bar, Legend, progress_chart
from handlers.messages import OutFile, Reply
from handlers.questions.follow_ups import follow_ups
from handlers.questions.paging import PROGRESS
from handlers.unit_figures import Standing
from handlers.wording.figures import header, provisional_text, unit_label, value_text
from indicators.evaluation import Verdict
from indicators.people import Person
from indicators.plausibility import share
from indicators.rollup import Figure
from indicators.targets import Threshold
from locales import _

MAX_BARS = 24


def _counts(figures: Sequence[Figure]) -> str:
    met = sum(1 for f in figures if f.verdict is Verdict.MET)
    not_met = sum(1 for f in figures if f.verdict is Verdict.NOT_MET)
    missing = sum(1 for f in figures if f.verdict is Verdict.NOT_REPORTED)
    open_ = sum(1 for f in figures if f.verdict is Verdict.NOT_ASSESSABLE)
    provisional = sum(1 for f in figures if f.verdict is Verdict.PROVISIONAL)
    parts = [
        _("{n} met").format(n=met),
        _("{n} not met").format(n=not_met),
        _("{n} no figure").format(n=missing),
    ]
    if provisional:
        parts.append(_("{n} provisional").format(n=provisional))
    if open_:
        parts.append(_("{n} not assessed").format(n=open_))
    return " · ".join(parts)


def _bar(figure: Figure, standing: Standing) -> Bar | None:
    parts = figure.indicator.target.parts
    if len(parts) != 1 or not isinstance(parts[0], Threshold) or not parts[0].is_percent:
        return None
    exact: Fraction | None = share(figure.value) if figure.value is not None else None
    met = {Verdict.MET: True, Verdict.NOT_MET: False}.get(figure.verdict)
    return Bar(
        label=f"{figure.indicator.code} {figure.indicator.name}",
        value=float(exact) if exact is not None else None,  # drawing only
        target=float(parts[0].amount),
        met=met,
        value_text=_bar_text(figure, standing),
    )


def _bar_text(figure: Figure, standing: Standing) -> str:
    """ "68,47%", or "68,47% (tạm tính, 3/6 thôn)" beside a bar from part of the units."""
    text = value_text(figure, standing).split(" (")[0]
    if figure.provisional:
        text += f" ({provisional_text(figure, standing)})"
    return text


def chart(standing: Standing, figures: Sequence[Figure]) -> bytes | None:
    bars = [
        b
        for f in sorted(figures, key=lambda f: f.worst_first)
        if (b := _bar(f, standing)) is not None
    ]
    if not bars:
        return None
    title = _("Progress — {unit}, {period}").format(
        unit=unit_label(standing.unit), period=standing.period.vietnamese_name()
    )
    legend = Legend(met=_("Met"), not_met=_("Not met"), target=_("Target"))
    return progress_chart(title, tuple(bars[:MAX_BARS]), legend)


async def progress_replies(
    person: Person, found: Sequence[Standing], group: str | None
) -> list[Reply]:
    replies = []
    for standing in found:
        lines = header(_("Progress"), standing)
        if len(found) > 1:
            lines.append(standing.plan.appendix or standing.plan.title)
        lines.append("")
        everything: list[Figure] = []
        for plan_group, figures in standing.figures(group):
            lines.append(f"• {plan_group.name}: {_counts(figures)}")
            everything += figures
        met = sum(1 for f in everything if f.verdict is Verdict.MET)
        lines += ["", _("In all: {met}/{total} indicators met.").format(
            met=met, total=len(everything))]  # fmt: skip
        picture = await asyncio.to_thread(chart, standing, everything)
        image = None
        if picture is not None:
            name = f"tien-do-{standing.plan.id}-{standing.period.code}.png"
            image = OutFile(name, picture, _("Each indicator against its target."))
        replies.append(Reply("\n".join(lines), image=image))
    last = found[-1]
    buttons = follow_ups(person, last.unit.id, last.period, skip=PROGRESS)
    replies[-1] = Reply(replies[-1].text, buttons, image=replies[-1].image)
    return replies
