"""The appendix table for a unit and a period, from the values in the database.

Each plan's appendix has the columns its document prints (the plan file's
`appendix_columns`), or the default ones; the judgement column (Đạt / Chưa đạt), which
no document prints, can be added or left out. The table is built once here
(appendix_table.py) and rendered as an Excel workbook or a Word document.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from handlers.exports import appendix_docx, appendix_xlsx
from handlers.exports.appendix_table import AppendixTable, Column, TableRow
from handlers.messages import OutFile
from handlers.services import Services
from handlers.unit_figures import Standing, standings
from handlers.wording.figures import status_line, unit_label, value_text
from indicators.evaluation import Verdict
from indicators.periods import Period
from indicators.plan import AppendixColumn, AppendixField, Group, Plan, Tier
from indicators.results import read_printed_result
from indicators.rollup import Figure
from indicators.text import folded_words
from indicators.units import Unit
from indicators.values import CountValue, Status
from locales import _, format_day

DOCUMENT_CHANNEL = "document"  # values loaded from a report's own results


class FileFormat(StrEnum):
    XLSX = "xlsx"
    DOCX = "docx"


_FORMAT_WORDS = {
    "excel": FileFormat.XLSX,
    "xlsx": FileFormat.XLSX,
    "word": FileFormat.DOCX,
    "docx": FileFormat.DOCX,
}


def format_named(text: str) -> FileFormat | None:
    """The file format a request names ("xuất báo cáo word", "/xuatbaocao excel")."""
    named = {_FORMAT_WORDS[w] for w in folded_words(text).split() if w in _FORMAT_WORDS}
    return named.pop() if len(named) == 1 else None


# How wide each kind of column is (characters) and whether its text wraps at the left.
_LAYOUT: dict[AppendixField, tuple[int, bool]] = {
    AppendixField.CODE: (7, False),
    AppendixField.NAME: (58, True),
    AppendixField.UNIT: (12, False),
    AppendixField.TARGET: (16, False),
    AppendixField.RESULT: (18, False),
    AppendixField.JUDGEMENT: (14, False),
    AppendixField.NOTE: (32, True),
}


def default_label(content: AppendixField) -> str:
    return {
        AppendixField.CODE: _("No."),
        AppendixField.NAME: _("Indicator"),
        AppendixField.UNIT: _("Unit of measure"),
        AppendixField.TARGET: _("Target"),
        AppendixField.RESULT: _("Result"),
        AppendixField.JUDGEMENT: _("Assessment"),
        AppendixField.NOTE: _("Difficulties, obstacles / proposals"),
    }[content]


def columns_of(plan: Plan, judgement: bool | None = None) -> list[AppendixColumn]:
    """The plan's columns; `judgement` True adds the judgement column after the result
    where the document has none, False leaves it out, None keeps the plan's choice."""
    if plan.appendix_columns is not None:
        columns = list(plan.appendix_columns)
    else:
        columns = [AppendixColumn(content=c, label=default_label(c)) for c in AppendixField]
    present = any(c.content is AppendixField.JUDGEMENT for c in columns)
    if judgement is False:
        return [c for c in columns if c.content is not AppendixField.JUDGEMENT]
    if judgement and not present:
        at = next(i for i, c in enumerate(columns) if c.content is AppendixField.RESULT) + 1
        label = default_label(AppendixField.JUDGEMENT)
        columns.insert(at, AppendixColumn(content=AppendixField.JUDGEMENT, label=label))
    return columns


def judgement(figure: Figure, standing: Standing) -> str:
    if figure.verdict is Verdict.PROVISIONAL:
        return _("Provisional ({reported}/{expected} {level})").format(
            reported=figure.reported,
            expected=figure.expected,
            level=standing.levels.get(figure.indicator.reported_by, ""),
        )
    if figure.verdict is Verdict.NOT_ASSESSABLE and figure.evaluation.status is Status.IN_PROGRESS:
        return _("In progress, not assessable")
    return {
        Verdict.MET: _("Achieved"),
        Verdict.NOT_MET: _("Not achieved"),
        Verdict.NOT_REPORTED: _("No figure yet"),
        Verdict.NOT_ASSESSABLE: _("Not assessed"),
    }[figure.verdict]


def _result(figure: Figure, standing: Standing, *, unit_column: bool) -> str | int:
    if figure.verdict is Verdict.NOT_REPORTED:
        return ""
    printed = _as_printed(figure, standing)
    if printed is not None:
        return printed
    if unit_column and isinstance(figure.value, CountValue):
        return figure.value.count  # the unit of measure has its own column
    return value_text(figure, standing)


def _as_printed(figure: Figure, standing: Standing) -> str | int | None:
    """A result loaded from the report itself reads as the report printed it ("Đang thực
    hiện", "Đáp ứng", "*"), as long as the value is still the one read from that text."""
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


def _cells(figure: Figure, standing: Standing, columns: Sequence[AppendixColumn]) -> TableRow:
    indicator = figure.indicator
    unit_column = any(c.content is AppendixField.UNIT for c in columns)
    values: dict[AppendixField, str | int] = {
        AppendixField.CODE: indicator.printed_code or indicator.code,
        AppendixField.NAME: indicator.name,
        AppendixField.UNIT: indicator.unit or "",
        AppendixField.TARGET: indicator.target.printed,
        AppendixField.RESULT: _result(figure, standing, unit_column=unit_column),
        AppendixField.JUDGEMENT: judgement(figure, standing),
        AppendixField.NOTE: _notes(figure, standing),
    }
    return TableRow(tuple(values[c.content] for c in columns))


def _group_row(group: Group, columns: Sequence[AppendixColumn]) -> TableRow:
    has_code = any(c.content is AppendixField.CODE for c in columns)
    name = group.name if has_code else f"{group.code}. {group.name}"
    values = {AppendixField.CODE: group.code, AppendixField.NAME: name}
    return TableRow(tuple(values.get(c.content, "") for c in columns), is_group=True)


def issuing_unit(unit: Unit, parent: Unit | None) -> Unit:
    """Who issues the report the appendix goes with: a village has no People's Committee,
    its commune does."""
    if unit.tier is Tier.VILLAGE and parent is not None:
        return parent
    return unit


def table(
    standing: Standing, issuer: Unit, judgement_column: bool | None = None, review: str = ""
) -> AppendixTable:
    plan = standing.plan
    columns = columns_of(plan, judgement_column)
    rows: list[TableRow] = []
    for group, figures in standing.figures():
        rows.append(_group_row(group, columns))
        rows.extend(_cells(figure, standing, columns) for figure in figures)
    issuer_name = unit_label(issuer)
    return AppendixTable(
        tab=plan.appendix or plan.id,
        issuer=(_("PEOPLE'S COMMITTEE"), f"{issuer.level} {issuer.name}".upper()),
        nation=(_("SOCIALIST REPUBLIC OF VIETNAM"), _("Independence - Freedom - Happiness")),
        title=plan.appendix or "",
        heading=plan.title,
        attached_to=_(
            "(Attached to Report No. …/BC-UBND dated … of the People's Committee of {unit})"
        ).format(unit=issuer_name),
        subheading=_("Unit: {unit} — period: {period}").format(
            unit=unit_label(standing.unit), period=standing.period.vietnamese_name()
        ),
        status=status_line(standing.status, below=standing.unit.tier),
        columns=tuple(Column(c.label, *_LAYOUT[c.content]) for c in columns),
        rows=rows,
        review=review,
        signature=(
            _("{place}, date … month … year …").format(place=issuer.name),
            _("ON BEHALF OF THE PEOPLE'S COMMITTEE"),
            _("CHAIRPERSON"),
            _("(Signature, full name and seal)"),
        ),
    )


def appendix_tables(
    found: Sequence[Standing],
    issuer: Unit,
    judgement_column: bool | None = None,
    reviews: Sequence[str] = (),
) -> list[AppendixTable]:
    """The tables in the order appendices are numbered; `reviews` aligned with `found`."""
    order = sorted(
        range(len(found)),
        key=lambda i: (folded_words(found[i].plan.appendix or ""), found[i].plan.id),
    )
    return [
        table(found[i], issuer, judgement_column, reviews[i] if i < len(reviews) else "")
        for i in order
    ]


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


def file_name(unit: Unit, period: Period, file_format: FileFormat = FileFormat.XLSX) -> str:
    slug = "-".join(folded_words(unit_label(unit)).split())
    return f"phu-luc-{slug}-{period.code}.{file_format.value}"


def render(tables: Sequence[AppendixTable], file_format: FileFormat) -> bytes:
    if file_format is FileFormat.DOCX:
        return appendix_docx.document(tables)
    return appendix_xlsx.workbook(tables)


async def appendix_file(
    services: Services,
    unit: Unit,
    period: Period | None,
    file_format: FileFormat = FileFormat.XLSX,
    *,
    judgement_column: bool | None = None,
) -> OutFile | None:
    """The appendix of the unit's plans in the period (default: as for questions)."""
    found = await standings(services, unit, period)
    if not found:
        return None
    parent = await services.store.units.get(unit.parent_id) if unit.parent_id else None
    reviews = [await review_line(services, s) for s in found]
    tables = appendix_tables(found, issuing_unit(unit, parent), judgement_column, reviews)
    used = found[0].period
    caption = _("Appendix table — {unit}, {period}").format(
        unit=unit_label(unit), period=used.vietnamese_name()
    )
    return OutFile(file_name(unit, used, file_format), render(tables, file_format), caption)
