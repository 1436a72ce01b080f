"""The appendix table for a unit and a period, from the values in the database."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.exports.appendix_xlsx import Row, Sheet, workbook
from handlers.messages import OutFile
from handlers.services import Services
from handlers.unit_figures import Standing, standings
from handlers.wording.figures import status_line, unit_label, value_text
from indicators.evaluation import Verdict
from indicators.periods import Period
from indicators.results import read_printed_result
from indicators.rollup import Figure
from indicators.text import folded_words
from indicators.units import Unit
from indicators.values import CountValue
from locales import _, format_day

DOCUMENT_CHANNEL = "document"  # values loaded from a report's own results


def judgement(figure: Figure, standing: Standing) -> str:
    if figure.verdict is Verdict.PROVISIONAL:
        return _("Provisional ({reported}/{expected} {level})").format(
            reported=figure.reported,
            expected=figure.expected,
            level=standing.levels.get(figure.indicator.reported_by, ""),
        )
    return {
        Verdict.MET: _("Achieved"),
        Verdict.NOT_MET: _("Not achieved"),
        Verdict.NOT_REPORTED: _("No figure yet"),
        Verdict.NOT_ASSESSABLE: _("Not assessed"),
    }[figure.verdict]


def _result(figure: Figure, standing: Standing) -> str | int:
    if figure.verdict is Verdict.NOT_REPORTED:
        return ""
    printed = _as_printed(figure, standing)
    if printed is not None:
        return printed
    if isinstance(figure.value, CountValue):
        return figure.value.count  # the unit of measure has its own column
    return value_text(figure, standing)


def _as_printed(figure: Figure, standing: Standing) -> str | int | None:
    """A result loaded from the report itself reads as the report printed it ("Đang thực
    hiện", "Đáp ứng"), as long as the value is still the one read from that text."""
    stored = standing.stored.get((standing.unit.id, figure.indicator.code))
    if stored is None or stored.channel != DOCUMENT_CHANNEL or not figure.direct:
        return None
    entry = figure.indicator.history_value(stored.period)
    if entry is None or read_printed_result(figure.indicator, entry.printed) != stored.value:
        return None
    return int(entry.printed) if entry.printed.isdigit() else entry.printed


def _notes(figure: Figure, standing: Standing) -> str:
    names = {node.id: node.name for node in standing.node.walk()}
    notes = []
    for (unit_id, code), stored in sorted(standing.stored.items()):
        if code != figure.indicator.code or not stored.note:
            continue
        prefix = "" if unit_id == standing.unit.id else f"{names.get(unit_id, '')}: "
        notes.append(prefix + stored.note)
    return "\n".join(notes)


def sheet(standing: Standing, review: str = "") -> Sheet:
    plan = standing.plan
    rows: list[Row] = []
    for group, figures in standing.figures():
        rows.append(Row(group.code, group.name, is_group=True))
        for figure in figures:
            indicator = figure.indicator
            rows.append(
                Row(
                    code=indicator.printed_code or indicator.code,
                    name=indicator.name,
                    unit=indicator.unit or "",
                    target=indicator.target.printed,
                    result=_result(figure, standing),
                    judgement=judgement(figure, standing),
                    note=_notes(figure, standing),
                )
            )
    heading = f"{plan.appendix}: {plan.title}" if plan.appendix else plan.title
    subheading = _("Unit: {unit} — period: {period}").format(
        unit=unit_label(standing.unit), period=standing.period.vietnamese_name()
    )
    columns = (
        _("No."),
        _("Indicator"),
        _("Unit of measure"),
        _("Target"),
        _("Result"),
        _("Assessment"),
        _("Difficulties, obstacles / proposals"),
    )
    status = status_line(standing.status, below=standing.unit.tier)
    return Sheet(plan.appendix or plan.id, heading, subheading, columns, rows, status, review)


def appendix_sheets(found: Sequence[Standing], reviews: Sequence[str] = ()) -> list[Sheet]:
    """The sheets in the order appendices are numbered; `reviews` aligned with `found`."""
    order = sorted(
        range(len(found)),
        key=lambda i: (folded_words(found[i].plan.appendix or ""), found[i].plan.id),
    )
    return [sheet(found[i], reviews[i] if i < len(reviews) else "") for i in order]


async def review_line(services: Services, standing: Standing) -> str:
    """Whether an official reviewed and locked the figures the sheet shows."""
    lock = await services.store.reviews.lock_of(
        standing.plan.id, standing.period.code, standing.unit.id
    )
    if lock is None:
        return _("Figures not reviewed yet")
    return _("Figures reviewed on {day}").format(
        day=format_day(lock.locked_at.astimezone(services.tz).date())
    )


def file_name(unit: Unit, period: Period) -> str:
    slug = "-".join(folded_words(unit_label(unit)).split())
    return f"phu-luc-{slug}-{period.code}.xlsx"


async def appendix_file(services: Services, unit: Unit, period: Period | None) -> OutFile | None:
    """The workbook for the unit's plans in the period (default: as for questions)."""
    found = await standings(services, unit, period)
    if not found:
        return None
    sheets = appendix_sheets(found, [await review_line(services, s) for s in found])
    used = found[0].period
    caption = _("Appendix table — {unit}, {period}").format(
        unit=unit_label(unit), period=used.vietnamese_name()
    )
    return OutFile(file_name(unit, used), workbook(sheets), caption)
