"""chitieu's plan template as an .xlsx: the plan sheet with one example row, and a
second sheet explaining each column."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from indicators.plan_import.header import Role
from indicators.plan_import.template import TEMPLATE_COLUMNS
from locales import _

TITLE = "CHỈ TIÊU CHUYỂN ĐỔI SỐ NĂM ____"
HEADER_ROW = 3


def _explanations() -> dict[Role, str]:
    texts: dict[Role, Callable[[], str]] = {
        Role.GROUP: lambda: _(
            "The group the indicator belongs to (Chính quyền số, Kinh tế số, Xã hội số …)."
            " Rows of one group follow each other."
        ),
        Role.CODE: lambda: _(
            "The indicator's number as printed in the plan (1.1, 3.2 …); each number once."
        ),
        Role.NAME: lambda: _("The indicator's full name, as printed."),
        Role.UNIT: lambda: _(
            "Unit of measure: % for a share, or what is counted (cuộc, văn bản, hệ thống)."
        ),
        Role.TARGET: lambda: _(
            "The target as printed: ≥80%, > 60%, đạt trên 75%, tối thiểu 90%, 100%, Có,"
            " 02 cuộc, Hoàn thành."
        ),
        Role.NUMERATOR: lambda: _(
            "For a share: what is counted on top of the fraction (e.g. households with"
            " fibre). Leave empty if the share is reported directly."
        ),
        Role.DENOMINATOR: lambda: _(
            "For a share: what it is out of (e.g. all households in the area)."
        ),
        Role.NOUN: lambda: _(
            "What the denominator counts, as a reporter would say it (hộ gia đình, hồ sơ)."
            " If empty, chitieu takes it from the denominator."
        ),
        Role.REPORTED_BY: lambda: _(
            "Which level reports the figure: thôn, xã, huyện or tỉnh. If empty, the unit"
            " the plan is imported for reports it."
        ),
        Role.LEAD: lambda: _("Who leads (Chủ trì); several separated by ;"),
        Role.COORDINATING: lambda: _("Who coordinates (Phối hợp); several separated by ;"),
        Role.MONITORING: lambda: _("Who monitors and compiles (Theo dõi); several separated by ;"),
        Role.SCHEDULE: lambda: _(
            "When results are due, the same for every row: e.g. 'Hằng quý, trước ngày 25"
            " của tháng cuối quý' or '6 tháng một lần, trước ngày 15 của tháng sau'."
            " If empty: quarterly, before the 25th of the quarter's last month."
        ),
        Role.NOTE: lambda: _("Anything else about the indicator."),
    }
    return {role: text() for role, text in texts.items()}


def template_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Kế hoạch"
    sheet.cell(1, 1, TITLE).font = Font(bold=True, size=13)
    fill = PatternFill("solid", start_color="DDEBF7")
    for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
        header = sheet.cell(HEADER_ROW, index, column.header)
        header.font = Font(bold=True)
        header.fill = fill
        header.alignment = Alignment(wrap_text=True, vertical="center")
        example = sheet.cell(HEADER_ROW + 1, index, column.example or None)
        example.font = Font(italic=True, color="555555")
        example.alignment = Alignment(wrap_text=True, vertical="top")
        letter = header.column_letter
        sheet.column_dimensions[letter].width = column.width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)

    help_sheet = workbook.create_sheet("Hướng dẫn")
    how = _(
        "Write the year in the title of the first sheet (or give --year),"
        " replace the example row, and add one row per indicator."
    )
    help_sheet.cell(1, 1, how)
    for index, text in enumerate((_("Column"), _("What to write"), _("Example")), start=1):
        help_sheet.cell(3, index, text).font = Font(bold=True)
    explanations = _explanations()
    for row, column in enumerate(TEMPLATE_COLUMNS, start=4):
        help_sheet.cell(row, 1, column.header).font = Font(bold=True)
        help_sheet.cell(row, 2, explanations[column.role]).alignment = Alignment(wrap_text=True)
        help_sheet.cell(row, 3, column.example or None)
    help_sheet.column_dimensions["A"].width = 18
    help_sheet.column_dimensions["B"].width = 80
    help_sheet.column_dimensions["C"].width = 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
