"""Figures, units and periods as short Vietnamese lines for answers read on a phone."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.unit_figures import Standing
from handlers.wording.values import format_gap, format_target, format_value, format_verdict
from indicators.evaluation import Verdict
from indicators.plan import Indicator, Tier
from indicators.reporting_status import LevelCount, ReportingStatus
from indicators.rollup import Figure
from indicators.text import fold
from indicators.units import Unit
from locales import _

NAME_LIMIT = 70


def node_label(name: str, level: str) -> str:
    """ "xã Đồng Lạc", but "Thôn 2" where the name already says its level."""
    if fold(name).startswith(fold(level)):
        return name
    return f"{level} {name}"


def unit_label(unit: Unit) -> str:
    return node_label(unit.name, unit.level)


def short_name(indicator: Indicator, limit: int = NAME_LIMIT) -> str:
    name = indicator.name.rstrip(". ")
    if len(name) <= limit:
        return name
    return name[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:(") + "…"


def levels(standing: Standing) -> dict[Tier, str]:
    """The level word units of each tier have below the unit ("thôn", "xã")."""
    return standing.levels


def child_level(standing: Standing) -> str:
    children = standing.node.children
    return children[0].level if children else standing.unit.level


def header(title: str, standing: Standing) -> list[str]:
    """Title, unit and period, how many units below reported, and any fallback."""
    lines = [
        _("{title} — {unit}, {period}").format(
            title=title, unit=unit_label(standing.unit), period=standing.period.vietnamese_name()
        )
    ]
    line = counts_line(standing.counts(below=standing.unit.tier))
    if line:
        lines.append(line)
    if standing.fell_back:
        lines.append(
            _("{asked} has no figures yet; these are the figures of {period}.").format(
                asked=standing.asked.vietnamese_name(), period=standing.period.vietnamese_name()
            )
        )
    return lines


def level_count_text(count: LevelCount) -> str:
    """ "3/6 thôn đã báo cáo đủ, 2 thôn mới báo cáo một phần, 1 thôn chưa báo cáo", without
    the parts that are zero (but always with the share reported in full, or none)."""
    names = {"total": count.total, "level": count.level}
    if count.none == count.total:
        return _("{none}/{total} {level} have not reported yet").format(none=count.none, **names)
    parts = [_("{complete}/{total} {level} reported in full").format(
        complete=count.complete, **names)]  # fmt: skip
    if count.partial:
        parts.append(_("{partial} {level} reported in part").format(
            partial=count.partial, level=count.level))  # fmt: skip
    if count.none:
        parts.append(_("{none} {level} have not reported yet").format(
            none=count.none, level=count.level))  # fmt: skip
    return ", ".join(parts)


def status_line(status: ReportingStatus, *, below: Tier | None = None) -> str:
    """Every reporting level's count as one sentence; "" when there is none."""
    return counts_line(status.counts(below=below))


def counts_line(counts: Sequence[LevelCount]) -> str:
    texts = [level_count_text(c) for c in counts]
    return "; ".join(texts) + "." if texts else ""


def value_text(figure: Figure, standing: Standing) -> str:
    """The figure's value: "58,33% (175/300 hộ gia đình)", "4/5 thôn có", "2/5 thôn chưa đạt"."""
    indicator = figure.indicator
    tier_level = levels(standing).get(indicator.reported_by, "")
    if figure.value is not None and figure.yes is not None and not figure.direct:
        return _("{yes}/{reported} {level} have it").format(
            yes=figure.yes, reported=figure.reported, level=tier_level
        )
    if figure.value is not None:
        return format_value(figure.value, indicator)
    parts = figure.parts_met + figure.parts_not_met
    if parts and not figure.parts_not_met:
        return _("{met}/{parts} {level} met").format(
            met=figure.parts_met, parts=parts, level=child_level(standing)
        )
    if parts:
        return _("{not_met}/{parts} {level} not met").format(
            not_met=figure.parts_not_met, parts=parts, level=child_level(standing)
        )
    return _("no figure yet")


def provisional_text(figure: Figure, standing: Standing) -> str:
    """ "tạm tính, 2/6 thôn": a figure combined from some of the reporting units."""
    return _("provisional, {reported}/{expected} {level}").format(
        reported=figure.reported,
        expected=figure.expected,
        level=levels(standing).get(figure.indicator.reported_by, ""),
    )


def verdict_text(figure: Figure, standing: Standing) -> str:
    """A figure's verdict in an answer: the value's own verdict, except for what only a
    roll-up can say (provisional, or met in some units and not in others)."""
    match figure.verdict:
        case Verdict.PROVISIONAL:
            return _("{provisional}, not judged until all have reported").format(
                provisional=provisional_text(figure, standing)
            )
        case Verdict.NOT_ASSESSABLE if figure.parts_met and figure.parts_not_met:
            return _("no overall share: {met} {level} met, {not_met} not met").format(
                met=figure.parts_met, not_met=figure.parts_not_met, level=child_level(standing)
            )
        case _:
            return format_verdict(figure.evaluation, figure.indicator)


def source_text(figure: Figure, standing: Standing) -> str:
    """Whether the unit reported the value itself or it is combined from below."""
    if figure.verdict in (Verdict.NOT_REPORTED, Verdict.PROVISIONAL):
        return ""  # a provisional figure says its coverage in its verdict
    below = levels(standing).get(figure.indicator.reported_by, "")
    if figure.direct:
        if figure.indicator.reported_by is standing.unit.tier:
            return ""
        return _("reported by {unit} itself").format(unit=unit_label(standing.unit))
    return _("from {reported}/{expected} {level}").format(
        reported=figure.reported, expected=figure.expected, level=below
    )


def shortfall_line(figure: Figure, standing: Standing) -> str:
    """ "3.1. Tỷ lệ…: đạt 58,33% (175/300 hộ gia đình), chỉ tiêu ≥76%: cần thêm 53 hộ gia đình"."""
    indicator = figure.indicator
    gap = format_gap(figure.evaluation, indicator)
    values = {
        "code": indicator.code,
        "name": short_name(indicator),
        "value": value_text(figure, standing),
        "target": format_target(indicator),
        "gap": gap,
    }
    if gap:
        return _("{code}. {name}: reached {value}, target {target}: {gap}").format(**values)
    return _("{code}. {name}: {value}, target {target}").format(**values)
