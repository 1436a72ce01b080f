"""One indicator: the unit's figure, each unit below it, the target, and the trend."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.messages import Button, Reply
from handlers.questions.follow_ups import follow_ups, more_button
from handlers.questions.paging import INDICATOR, Ask, page_of
from handlers.services import Services
from handlers.unit_figures import Standing
from handlers.wording.figures import (
    node_label,
    provisional_text,
    short_name,
    source_text,
    unit_label,
    value_text,
    verdict_text,
)
from handlers.wording.values import format_target
from indicators.evaluation import Verdict
from indicators.people import Person
from indicators.periods import Period
from indicators.plan import Indicator
from indicators.rollup import Figure, Node, Rollup, figure_of
from indicators.values import AnyValue
from locales import _

PAGE_SIZE = 12
TREND_PERIODS = 5
CHOICE_LABEL = 48


def _node_line(node: Node, figure: Figure, standing: Standing) -> str:
    label = node_label(node.name, node.level)
    if figure.verdict is Verdict.NOT_REPORTED:
        return f"• {label}: " + _("no figure yet")
    return f"• {label}: {value_text(figure, standing)} — {verdict_text(figure, standing)}"


async def trend(services: Services, standing: Standing, indicator: Indicator) -> str:
    """ "Quý I/2026: 70,2% → Quý II/2026: 75,3%": the unit's figure in past periods."""
    if standing.kept is not None:
        return await _kept_trend(services, standing, indicator)
    assert isinstance(standing.rollup, Rollup)
    rows = await services.store.values.series_in_subtree(
        standing.unit.id, standing.plan.id, indicator.code
    )
    by_period: dict[str, dict[tuple[int, str], AnyValue]] = {}
    for row in rows:
        by_period.setdefault(row.period, {})[(row.unit_id, row.indicator_code)] = row.value
    periods = sorted((Period.from_code(code) for code in by_period), key=lambda p: (p.end, p.start))
    periods = [p for p in periods if p.end <= standing.period.end][-TREND_PERIODS:]
    if len(periods) < 2:
        return ""
    figures = []
    for period in periods:
        rollup = standing.rollup.with_values(by_period[period.code])
        figure = rollup.figure(standing.node, indicator)
        if figure is not None:
            figures.append((period, figure))
    return _trend_text(standing, figures)


async def _kept_trend(services: Services, standing: Standing, indicator: Indicator) -> str:
    """The trend from the kept parts of the unit, where every period's are fresh."""
    parts = await services.store.rollups.series(standing.unit.id, standing.plan, indicator.code)
    periods = sorted((Period.from_code(code) for code in parts), key=lambda p: (p.end, p.start))
    periods = [p for p in periods if p.end <= standing.period.end][-TREND_PERIODS:]
    if not await services.store.rollups.fresh([(standing.plan.id, p.code) for p in periods]):
        return ""
    figures = [
        (period, figure_of(indicator, part))
        for period in periods
        if (part := parts[period.code]) is not None
    ]
    return _trend_text(standing, figures)


def _trend_text(standing: Standing, figures: Sequence[tuple[Period, Figure]]) -> str:
    steps = []
    for period, figure in figures:
        if figure.verdict is Verdict.NOT_REPORTED:
            continue
        step = f"{period.vietnamese_name()}: {value_text(figure, standing).split(' (')[0]}"
        if figure.provisional:
            # Like with like: a point from fewer reporting units says so.
            step += f" ({provisional_text(figure, standing)})"
        steps.append(step)
    return _("Trend: {steps}").format(steps=" → ".join(steps)) if len(steps) > 1 else ""


async def indicator_replies(
    services: Services,
    person: Person,
    standing: Standing,
    indicator: Indicator,
    others: Sequence[tuple[str, Indicator]],
    page: int,
) -> list[Reply]:
    figure = standing.rollup.figure(standing.node, indicator)
    lines = [f"{indicator.code}. {indicator.name}"]
    lines.append(_("{unit}, {period} — target {target}").format(
        unit=unit_label(standing.unit), period=standing.period.vietnamese_name(),
        target=format_target(indicator)))  # fmt: skip
    if standing.fell_back:
        lines.append(_("{asked} has no figures yet; these are the figures of {period}.").format(
            asked=standing.asked.vietnamese_name(), period=standing.period.vietnamese_name()))  # fmt: skip
    children = [
        (node, child)
        for node in standing.node.children
        if (child := standing.rollup.figure(node, indicator)) is not None
    ]
    if figure is not None:
        line = f"{value_text(figure, standing)} — {verdict_text(figure, standing)}"
        source = source_text(figure, standing)
        line += f" ({source})" if source else ""
        lines.append(_("Overall: {figure}").format(figure=line) if children else line)
    children.sort(key=lambda pair: pair[1].worst_first)
    items = [_node_line(node, child, standing) for node, child in children]
    shown, page, pages = page_of(items, page, PAGE_SIZE)
    lines += shown
    if page + 1 >= pages:
        steps = await trend(services, standing, indicator)
        if steps:
            lines.append(steps)
    ask = Ask(
        INDICATOR, standing.unit.id, standing.period, None, 0, standing.plan.id, indicator.code
    )
    rows: list[tuple[Button, ...]] = list(more_button(ask, page, pages))
    for plan_id, other in others:
        choice = Ask(INDICATOR, standing.unit.id, None, None, 0, plan_id, other.code)
        button = choice.button(f"{other.code} {short_name(other, CHOICE_LABEL)}")
        if button:
            rows.append((button,))
    rows += follow_ups(person, standing.unit.id, standing.period, skip=INDICATOR)
    return [Reply("\n".join(lines), tuple(rows))]


def choices_reply(unit_id: int, indicators: Sequence[tuple[str, Indicator]], text: str) -> Reply:
    """A button per indicator, for people who prefer tapping to typing a name."""
    rows = []
    for plan_id, indicator in indicators:
        button = Ask(INDICATOR, unit_id, None, None, 0, plan_id, indicator.code).button(
            f"{indicator.code} {short_name(indicator, CHOICE_LABEL)}"
        )
        if button:
            rows.append((button,))
    return Reply(text, tuple(rows))
