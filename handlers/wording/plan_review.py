"""The review an official reads before an imported plan is used: what was read, and each
row in doubt with what is wrong with it."""

from __future__ import annotations

from collections.abc import Callable

from indicators.plan import Indicator
from indicators.plan_import.doubts import Doubt, Note, Problem, Remark
from indicators.plan_import.reader import Reading
from indicators.plan_import.units import UnitDoubt, UnitProblem, UnitReading
from indicators.text import normalize
from indicators.values import Measure
from locales import _

_QUOTE_LENGTH = 40
_NAME_LENGTH = 70


def shorten(text: str, length: int = _QUOTE_LENGTH) -> str:
    text = normalize(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _problem_summary(problem: Problem) -> str:
    """ "{count} chỉ tiêu …" for the summary line, one phrase per kind of doubt."""
    phrases: dict[Problem, Callable[[], str]] = {
        Problem.NO_TARGET: lambda: _("{count} indicators have no target"),
        Problem.NO_TARGET_IN_NAME: lambda: _("{count} indicators whose name gives no target"),
        Problem.UNREADABLE_TARGET: lambda: _("{count} indicators whose target could not be read"),
        Problem.UNLABELLED_PARTS: lambda: _("{count} indicators with several unnamed targets"),
        Problem.OVER_100: lambda: _("{count} indicators with a share above 100%"),
        Problem.PERCENT_SIGN_MISSING: lambda: _("{count} shares without a percent sign"),
        Problem.NO_NAME: lambda: _("{count} rows without a name"),
        Problem.NO_CODE: lambda: _("{count} rows without a number"),
        Problem.UNREADABLE_CODE: lambda: _("{count} rows whose number could not be read"),
        Problem.DUPLICATE_CODE: lambda: _("{count} numbers used twice"),
        Problem.UNREADABLE_FORMULA: lambda: _("{count} formulas that could not be read"),
        Problem.UNREADABLE_LEVEL: lambda: _("{count} rows whose reporting level could not be read"),
        Problem.UNREADABLE_SCHEDULE: lambda: _("the reporting schedule could not be read"),
        Problem.SCHEDULES_DIFFER: lambda: _("the rows give different reporting schedules"),
        Problem.NO_TABLE: lambda: _("no table with an STT/TT column and a name column was found"),
        Problem.NO_YEAR: lambda: _("the year of the plan is not given"),
        Problem.NO_TARGET_FOR_YEAR: lambda: _("no target column for the year asked"),
        Problem.UNKNOWN_LEVEL: lambda: _("the unit's level is not one chitieu knows"),
        Problem.NO_INDICATORS: lambda: _("no indicator rows were found"),
    }
    return phrases[problem]()


def describe_doubt(doubt: Doubt) -> str:
    """One doubt as a sentence that names its row and what is wrong."""
    quoted = shorten(doubt.text, 80)
    messages: dict[Problem, Callable[[], str]] = {
        Problem.NO_TARGET: lambda: _("no target"),
        Problem.NO_TARGET_IN_NAME: lambda: _(
            "the table has no target column and '{text}' does not end with its target"
            " (e.g. 'đạt 80%')"
        ),
        Problem.UNREADABLE_TARGET: lambda: _("target '{text}' could not be read"),
        Problem.UNLABELLED_PARTS: lambda: _(
            "target '{text}' has several levels but does not say which is for what"
        ),
        Problem.OVER_100: lambda: _("target '{text}': a share cannot be more than 100%"),
        Problem.PERCENT_SIGN_MISSING: lambda: _(
            "target '{text}' has no % sign but the indicator is a share"
        ),
        Problem.NO_NAME: lambda: _("the indicator has no name"),
        Problem.NO_CODE: lambda: _("'{text}' has neither a number (STT) nor a target"),
        Problem.UNREADABLE_CODE: lambda: _("number '{text}' is not an indicator number"),
        Problem.DUPLICATE_CODE: lambda: _("this number is used by an earlier row too"),
        Problem.UNREADABLE_FORMULA: lambda: _(
            "formula '{text}' could not be read (write it as numerator / denominator)"
        ),
        Problem.UNREADABLE_LEVEL: lambda: _(
            "reporting level '{text}' is not a level (thôn, xã, huyện, tỉnh)"
        ),
        Problem.UNREADABLE_SCHEDULE: lambda: _(
            "schedule '{text}' could not be read"
            " (e.g. 'Hằng quý, trước ngày 25 của tháng cuối quý')"
        ),
        Problem.SCHEDULES_DIFFER: lambda: _(
            "schedule '{text}' differs from the rows above; a plan has one schedule"
        ),
        Problem.NO_TABLE: lambda: _(
            "no table with an STT/TT column and a name column was found in the file"
        ),
        Problem.NO_YEAR: lambda: _(
            "neither the table nor its title gives the year; give it with --year"
        ),
        Problem.NO_TARGET_FOR_YEAR: lambda: _(
            "the table has targets for {text}, none for {detail}"
        ),
        Problem.UNKNOWN_LEVEL: lambda: _(
            "'{text}' has a level chitieu does not know, so who reports is unclear"
        ),
        Problem.NO_INDICATORS: lambda: _("the table has no indicator rows"),
    }
    sentence = messages[doubt.problem]().format(text=quoted, detail=doubt.detail)
    return _where(doubt.row, doubt.code) + sentence


def _where(row: int | None, code: str | None) -> str:
    if row is not None and code:
        return _("Row {row} ({code}): ").format(row=row, code=code)
    if row is not None:
        return _("Row {row}: ").format(row=row)
    return ""


def describe_note(note: Note) -> str:
    messages: dict[Remark, Callable[[], str]] = {
        Remark.UNNUMBERED: lambda: _("has no number; it is coded {code} after the row above"),
        Remark.DEFAULT_SCHEDULE: lambda: _(
            "The table gives no reporting schedule: quarterly, before the 25th of the"
            " quarter's last month."
        ),
        Remark.IGNORED_COLUMN: lambda: _("Column '{text}' is not part of a plan and was left out."),
        Remark.TARGET_IN_NAME: lambda: _(
            "The table has no target column: targets were read from the names."
        ),
        Remark.SINGLE_GROUP: lambda: _(
            "The table has no group rows: all indicators are in one group."
        ),
    }
    sentence = messages[note.remark]().format(code=note.code, text=shorten(note.text, 60))
    if note.row is not None:
        return _("Row {row}: ").format(row=note.row) + sentence
    return sentence


def _indicator_line(indicator: Indicator) -> str:
    target = (
        indicator.target.describe() if indicator.target.assessable else indicator.target.printed
    )
    counted = indicator.measure is Measure.COUNT and indicator.unit
    unit = f" {indicator.unit}" if counted else ""
    line = f"  {indicator.code}. {shorten(indicator.name, _NAME_LENGTH)} — {target or '…'}{unit}"
    if indicator.formula is not None:
        formula = (
            f"{shorten(indicator.formula.numerator)} / {shorten(indicator.formula.denominator)}"
        )
        line += "\n      " + _("formula: {formula}").format(formula=formula)
    return line


def summary_line(reading: Reading) -> str:
    """ "18 chỉ tiêu trong 4 nhóm; 9 có công thức; 2 chỉ tiêu chưa đọc được chỉ tiêu: 2.1
    ('Căn cứ hướng dẫn…'), 3.4 (…)" """
    parts: list[str] = []
    if reading.plan is not None:
        indicators = reading.plan.indicators
        parts.append(
            _("{count} indicators in {groups} groups").format(
                count=len(indicators), groups=len(reading.plan.groups)
            )
        )
        with_formula = sum(1 for i in indicators if i.formula is not None)
        parts.append(_("{count} with a formula").format(count=with_formula))
    by_problem: dict[Problem, list[Doubt]] = {}
    for doubt in reading.doubts:
        by_problem.setdefault(doubt.problem, []).append(doubt)
    for problem, doubts in by_problem.items():
        phrase = _problem_summary(problem).format(count=len(doubts))
        rows = [_doubt_label(d) for d in doubts if d.row is not None]
        parts.append(f"{phrase}: {', '.join(rows)}" if rows else phrase)
    return "; ".join(parts)


def _doubt_label(doubt: Doubt) -> str:
    label = doubt.code or _("row {row}").format(row=doubt.row)
    return f"{label} ('{shorten(doubt.text)}')" if doubt.text else label


def review_text(reading: Reading, *, unit_label: str) -> str:
    """The whole review: the plan, the summary, the indicators by group, the doubts."""
    lines: list[str] = []
    plan = reading.plan
    if plan is not None:
        lines.append(
            _('Plan "{title}" for {unit}, year {year} (id {id}).').format(
                title=shorten(plan.title, 90), unit=unit_label, year=plan.year, id=plan.id
            )
        )
        if reading.where:
            lines.append(_("Read from {where}.").format(where=reading.where))
    lines.append(summary_line(reading) + ".")
    if plan is not None:
        schedule = plan.schedule.printed or _(
            "{frequency}, before day {day} of the {month} month"
        ).format(
            frequency=_frequency(plan.schedule.frequency.value),
            day=plan.schedule.due_day,
            month=_("last") if plan.schedule.due_month == "last" else _("next"),
        )
        lines.append(_("Reporting: {schedule}.").format(schedule=schedule))
        for group in plan.groups:
            lines.append("")
            lines.append(f"{group.code}. {group.name}")
            lines.extend(_indicator_line(i) for i in group.indicators)
    if reading.doubts:
        lines.append("")
        lines.append(_("To fix before the plan can be used:"))
        lines.extend(f"- {describe_doubt(d)}" for d in reading.doubts)
    if reading.notes:
        lines.append("")
        lines.extend(f"* {describe_note(n)}" for n in reading.notes)
    return "\n".join(lines)


def _frequency(value: str) -> str:
    names = {
        "year": _("Yearly"),
        "half": _("Every six months"),
        "quarter": _("Quarterly"),
        "month": _("Monthly"),
    }
    return names[value]


def describe_unit_doubt(doubt: UnitDoubt) -> str:
    messages: dict[UnitProblem, Callable[[], str]] = {
        UnitProblem.NO_COLUMNS: lambda: _(
            "no level columns (tỉnh / xã / thôn …) and no name + level columns were found"
        ),
        UnitProblem.DUPLICATE_IN_FILE: lambda: _("'{text}' is already on row {other}"),
        UnitProblem.CONFLICTS_WITH_DATABASE: lambda: _("'{text}' already exists there as {other}"),
        UnitProblem.UNKNOWN_LEVEL: lambda: _("level '{text}' is not one chitieu knows"),
        UnitProblem.NO_NAME: lambda: _("the unit has no name"),
        UnitProblem.UNKNOWN_PARENT: lambda: _(
            "parent '{text}' is neither in the file nor in chitieu"
        ),
        UnitProblem.AMBIGUOUS_PARENT: lambda: _("parent '{text}' names several units: {other}"),
        UnitProblem.NOTHING: lambda: _("the file has no units"),
        UnitProblem.OUTSIDE_SCOPE: lambda: _(
            "'{text}' would go outside {other}, which is the area you can change"
        ),
        UnitProblem.LEVEL_NOT_BELOW: lambda: _(
            "'{text}' cannot go under a unit of level {other}: it is not a lower level"
        ),
    }
    sentence = messages[doubt.problem]().format(text=shorten(doubt.text, 60), other=doubt.other)
    return _where(doubt.row, None) + sentence


def unit_review_text(reading: UnitReading, existing: frozenset[tuple[str, ...]]) -> str:
    """The preview of a unit import: the tree, new units marked, then the doubts."""
    lines: list[str] = []
    new = [u for u in reading.units if u.path not in existing]
    lines.append(
        _("{count} units in the file, {new} new.").format(count=len(reading.units), new=len(new))
    )
    for unit in reading.units:
        mark = "+" if unit.path not in existing else "="
        line = f"{mark} {'  ' * (len(unit.path) - 1)}{unit.level} {unit.name}"
        if unit.anchor and len(unit.path) == 1:
            line += " " + _("(under {parent})").format(parent=unit.anchor)
        lines.append(line)
    if reading.doubts:
        lines.append("")
        lines.append(_("To fix before the units can be added:"))
        lines.extend(f"- {describe_unit_doubt(d)}" for d in reading.doubts)
    return "\n".join(lines)
