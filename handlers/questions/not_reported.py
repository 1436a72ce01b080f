"""“Thôn nào chưa báo cáo”: the units still missing values for the period, who reports for
them, what they miss, and the deadline.

A commune's answer lists its villages one by one. Above that (a province of a hundred
communes) villages named "Thôn 4" repeat and a line each would run to hundreds, so each
unit directly below the one asked about gets one line: its own gaps and which of its
units still miss figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from handlers.messages import Reply
from handlers.questions.follow_ups import follow_ups, more_button
from handlers.questions.paging import COMPLETENESS, Ask, page_of
from handlers.services import Services
from handlers.unit_figures import Standing
from handlers.wording.figures import header, node_label
from indicators.kept import duties
from indicators.people import Person, Role
from indicators.plan import LEVEL_TIERS, Tier
from indicators.rollup import TIER_RANK, Node
from locales import _, format_day
from storage.kept import KeptView

PAGE_SIZE = 10
NAMES_SHOWN = 2
CODES_SHOWN = 8
UNITS_SHOWN = 6


@dataclass(frozen=True, slots=True)
class Missing:
    unit_id: int
    name: str
    level: str
    codes: tuple[str, ...]
    total: int  # indicators the unit reports

    @property
    def share(self) -> Fraction:
        return Fraction(len(self.codes), self.total)


def _own(standing: Standing, unit: Node) -> Missing | None:
    """What the unit itself has not reported of the indicators of its level."""
    report = standing.status.unit(unit.id)
    if report is None or report.complete:
        return None
    label = node_label(unit.name, unit.level)
    return Missing(unit.id, label, unit.level, report.missing, len(report.expected))


def missing_in(standing: Standing, node: Node) -> list[Missing]:
    """Units of the node's subtree that lack some of their values, most missing first."""
    found = [m for unit in node.walk() if (m := _own(standing, unit)) is not None]
    return sorted(found, key=lambda m: (-m.share, m.unit_id))


def deadline_line(standing: Standing, today: dt.date) -> str:
    schedule = standing.plan.schedule
    due = schedule.deadline(standing.period).date()
    left = (schedule.last_day(standing.period) - today).days
    if left > 0:
        when = _("{days} days left").format(days=left)
    elif left == 0:
        when = _("today is the last day")
    else:
        when = _("{days} days overdue").format(days=-left)
    return _("Due before {day} ({when}).").format(day=format_day(due), when=when)


def _lines(standing: Standing, reporters: dict[int, list[str]]) -> list[tuple[Fraction, str]]:
    """(weight for ordering, line) for the unit asked about and each unit right below it."""
    root = standing.node
    own = _own(standing, root)
    lines = [(Fraction(2), _line(own, reporters.get(root.id, [])))] if own else []
    for child in root.children:
        below = missing_in(standing, child)
        if not below:
            continue
        if len(below) == 1 and below[0].unit_id == child.id:
            lines.append((below[0].share, _line(below[0], reporters.get(child.id, []))))
            continue
        units = len(standing.status.within(child).units)
        lines.append(
            (Fraction(len(below), max(units, 1)), _branch(standing, child, below, reporters))
        )
    return lines


def late_units(standing: Standing) -> list[str]:
    """The unit asked about, and the units right below it, that miss some figures."""
    root = standing.node
    late = [node_label(root.name, root.level)] if _own(standing, root) else []
    return late + [node_label(c.name, c.level) for c in root.children if missing_in(standing, c)]


# Per level word below a unit: (level, how many of its units miss figures, how many it has)
LevelGaps = list[tuple[str, int, int]]


def _by_rank(gaps: dict[tuple[Tier, str], tuple[int, int]]) -> LevelGaps:
    """The levels that miss figures, the highest tier first (xã before thôn)."""
    ordered = sorted(gaps, key=lambda key: (-TIER_RANK[key[0]], key[1]))
    return [(level, gaps[(tier, level)][0], gaps[(tier, level)][1])
            for tier, level in ordered if gaps[(tier, level)][0]]  # fmt: skip


def _branch(
    standing: Standing, child: Node, below: list[Missing], reporters: dict[int, list[str]]
) -> str:
    itself = next((m for m in below if m.unit_id == child.id), None)
    others = [m for m in below if m.unit_id != child.id]
    gaps: dict[tuple[Tier, str], tuple[int, int]] = {}
    for report in standing.status.within(child).units:
        if report.unit_id != child.id:
            missing, total = gaps.get((report.tier, report.level), (0, 0))
            gaps[(report.tier, report.level)] = (missing + (not report.complete), total + 1)
    return _branch_text(child, itself, _by_rank(gaps), others, reporters)


def _branch_text(
    child: Node,
    itself: Missing | None,
    levels: LevelGaps,
    others: Sequence[Missing],
    reporters: dict[int, list[str]],
) -> str:
    """The line of a unit right below: its own gaps, and per level word how many of the
    units below it miss figures, out of how many, the first of `others` named."""
    parts = []
    if itself:
        parts.append(_what(itself))
    count = sum(missing for _level, missing, _total in levels)
    if count:
        names = ", ".join(m.name for m in others[:UNITS_SHOWN])
        names += "…" if count > UNITS_SHOWN else ""
        counts = ", ".join(_("{count}/{total} {level}").format(
            count=missing, total=total, level=level) for level, missing, total in levels)  # fmt: skip
        parts.append(_("{counts} missing figures: {names}").format(counts=counts, names=names))
    return (
        f"• {_unit(node_label(child.name, child.level), reporters.get(child.id, []))}: "
        + "; ".join(parts)
    )


async def _kept_lines(
    services: Services, standing: Standing, reporters: dict[int, list[str]]
) -> list[tuple[Fraction, str]]:
    """`_lines` from the kept roll-ups: the gaps of the unit and of those right below it
    from their own values, how many below each of those miss figures from the kept counts,
    and only the first few of those read by name."""
    kept = standing.kept
    assert kept is not None
    store = services.store
    root = standing.node
    plan_duties = duties(standing.plan)
    own = await _kept_own(services, standing, plan_duties)
    lines = (
        [(Fraction(2), _line(own[root.id], reporters.get(root.id, [])))] if root.id in own else []
    )
    by_tier = [
        (tuple(level for level, of in LEVEL_TIERS.items() if of is tier), codes)
        for tier, codes in plan_duties.items()
    ]
    gaps = []  # per child in the tree's order: its own gaps, and how many below miss figures
    for child in root.children:
        units, complete = _reporting_and_complete(kept, child.id, plan_duties)
        itself = own.get(child.id)
        count = units - complete - (1 if itself else 0)
        below = count if child.id in kept.child_coverage and count > 0 else 0
        gaps.append((child, itself, below, units))
    found = await store.rollups.missing_below(
        {child.id: units for child, _itself, below, units in gaps if below},
        standing.plan.id,
        standing.period.code,
        by_tier,
        UNITS_SHOWN,
    )
    for child, itself, count, units in gaps:
        if not count:
            if itself:
                lines.append((itself.share, _line(itself, reporters.get(child.id, []))))
            continue
        first = found[child.id]
        others = [Missing(m.id, node_label(m.name, m.level), m.level, (), 1) for m in first]
        levels = _kept_level_gaps(kept, child, itself is not None, plan_duties)
        weight = Fraction(count + (1 if itself else 0), max(units, 1))
        lines.append((weight, _branch_text(child, itself, levels, others, reporters)))
    return lines


def _kept_level_gaps(
    kept: KeptView, child: Node, itself_missing: bool, plan_duties: dict[Tier, tuple[str, ...]]
) -> LevelGaps:
    """Per level word of the units below the child (not the child itself), how many miss
    figures and how many there are, from the kept counts."""
    coverage = kept.child_coverage.get(child.id, {})
    gaps: dict[tuple[Tier, str], tuple[int, int]] = {}
    for tier, by_level in kept.child_shapes[child.id].levels.items():
        if tier not in plan_duties:
            continue
        for level, total in by_level.items():
            complete = coverage.get(tier, {}).get(level, (0, 0))[0]
            if child.reports and (child.tier, child.level) == (tier, level):
                total -= 1
                complete -= 0 if itself_missing else 1
            gaps[(tier, level)] = (total - complete, total)
    return _by_rank(gaps)


def _reporting_and_complete(
    kept: KeptView, child_id: int, plan_duties: dict[Tier, tuple[str, ...]]
) -> tuple[int, int]:
    """How many reporting units a child has below it for the plan, and how many of them
    reported everything, from the kept counts."""
    shape = kept.child_shapes[child_id]
    units = sum(n for tier, ls in shape.levels.items() if tier in plan_duties for n in ls.values())
    complete = sum(c for tier, ls in kept.child_coverage.get(child_id, {}).items()
                   if tier in plan_duties for c, _p in ls.values())  # fmt: skip
    return units, complete


async def _kept_own(
    services: Services, standing: Standing, plan_duties: dict[Tier, tuple[str, ...]]
) -> dict[int, Missing]:
    """What the unit and each unit right below it have not reported themselves."""
    nodes = [standing.node, *standing.node.children]
    rows = await services.store.values.latest(
        [n.id for n in nodes], standing.plan.id, standing.period.code
    )
    have = {(r.unit_id, r.indicator_code) for r in rows}
    found = {}
    for node in nodes:
        if not node.reports or node.tier is None or node.tier not in plan_duties:
            continue
        expected = plan_duties[node.tier]
        missing = tuple(code for code in expected if (node.id, code) not in have)
        if missing:
            label = node_label(node.name, node.level)
            found[node.id] = Missing(node.id, label, node.level, missing, len(expected))
    return found


async def _late_units(services: Services, standing: Standing) -> list[str]:
    if standing.kept is None:
        return late_units(standing)
    kept = standing.kept
    root = standing.node
    plan_duties = duties(standing.plan)
    own = await _kept_own(services, standing, plan_duties)
    late = [node_label(root.name, root.level)] if root.id in own else []
    for child in root.children:
        units, complete = _reporting_and_complete(kept, child.id, plan_duties)
        if child.id in own or (child.id in kept.child_coverage and complete < units):
            late.append(node_label(child.name, child.level))
    return late


async def completeness_replies(
    services: Services,
    person: Person,
    found: Sequence[Standing],
    previous: Sequence[Standing],
    page: int,
) -> list[Reply]:
    first = found[0]
    if first.kept is not None:  # only the names of those of the unit and right below
        ids = [first.node.id, *(c.id for c in first.node.children)]
        people = await services.store.people.of_units(ids)
    else:
        people = await services.store.people.in_subtree(first.unit.id)
    reporters: dict[int, list[str]] = {}
    for someone in sorted(people, key=lambda p: (p.role is not Role.MEMBER, p.id)):
        if someone.unit_id is not None and someone.role is not Role.ADMIN:
            reporters.setdefault(someone.unit_id, []).append(someone.name)
    items: list[str] = []
    for standing in found:
        prefix = f"{standing.plan.appendix}: " if len(found) > 1 and standing.plan.appendix else ""
        lines_of = (
            await _kept_lines(services, standing, reporters)
            if standing.kept is not None
            else _lines(standing, reporters)
        )
        ordered = sorted(lines_of, key=lambda pair: -pair[0])
        items += [prefix + line for _weight, line in ordered]
    shown, page, pages = page_of(items, page, PAGE_SIZE)
    lines = header(_("Not reported yet"), first)
    lines.append(deadline_line(first, services.now().date()))
    lines.append("")
    if items:
        lines.append(_("{count} units still miss figures:").format(count=len(items)))
        lines += shown
    else:
        lines.append(_("Everyone has reported for {period}.").format(
            period=first.period.vietnamese_name()))  # fmt: skip
    late_names = [name for s in previous for name in await _late_units(services, s)]
    late = list(dict.fromkeys(late_names))
    if late and page + 1 >= pages:
        names = ", ".join(late[:UNITS_SHOWN]) + ("…" if len(late) > UNITS_SHOWN else "")
        lines += ["", _("Still missing for {period}: {units}.").format(
            period=previous[0].period.vietnamese_name(), units=names)]  # fmt: skip
    ask = Ask(COMPLETENESS, first.unit.id, first.period)
    buttons = (
        *more_button(ask, page, pages),
        *follow_ups(person, first.unit.id, first.period, skip=COMPLETENESS),
    )
    return [Reply("\n".join(lines), buttons)]


def _unit(label: str, names: list[str]) -> str:
    who = ", ".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else "")
    return f"{label} ({who})" if who else label


def _what(missing: Missing) -> str:
    if len(missing.codes) == missing.total:
        return _("all {total} indicators missing").format(total=missing.total)
    codes = ", ".join(missing.codes[:CODES_SHOWN]) + (
        "…" if len(missing.codes) > CODES_SHOWN else ""
    )
    return _("missing {count}/{total}: {codes}").format(
        count=len(missing.codes), total=missing.total, codes=codes)  # fmt: skip


def _line(missing: Missing, names: list[str]) -> str:
    return f"• {_unit(missing.name, names)}: {_what(missing)}"
