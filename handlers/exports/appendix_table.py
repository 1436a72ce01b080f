"""The appendix as a document model, built once and rendered to .xlsx and .docx alike.

What the appendix says and how it is laid out on paper is decided here; the renderers
(appendix_xlsx.py, appendix_docx.py) only draw it in their format. The layout follows
the presentation of Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP):
issuing body top left, the national name and motto top right, the appendix's name and
title, the "(Kèm theo Báo cáo số …)" line, the table, and a signature block to fill in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

FONT = "Times New Roman"  # the typeface of Vietnamese administrative documents

# A4 landscape, margins in millimetres: the decree's 20-25 top and bottom, 30-35 left
# (the binding side) and 15-20 right.
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 297, 210
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width: int  # relative width, in characters of the body text
    wrap: bool = False  # long text, left-aligned and wrapped; otherwise centred


@dataclass(frozen=True, slots=True)
class TableRow:
    cells: tuple[str | int, ...]  # one per column
    is_group: bool = False  # a plan group's row above its indicators, in bold


@dataclass(frozen=True, slots=True)
class AppendixTable:
    """One appendix: its formal parts and its table."""

    tab: str  # the sheet's tab: "Phụ lục 1"
    issuer: tuple[str, ...]  # the issuing body, in capitals: ("ỦY BAN NHÂN DÂN", "XÃ ĐỒNG LẠC")
    nation: tuple[str, str]  # the national name and the motto
    title: str  # "Phụ lục 1", or "" when the plan names no appendix
    heading: str  # the plan's table title, as printed
    attached_to: str  # "(Kèm theo Báo cáo số …/BC-UBND ngày … của UBND xã Đồng Lạc)"
    subheading: str  # the unit and the period
    status: str  # who has reported: "3/6 thôn đã báo cáo đủ, …"
    columns: tuple[Column, ...]
    rows: Sequence[TableRow]
    signature: tuple[str, ...]  # place and date line, the signer's title, the instruction
    review: str = ""  # under the table: whether an official reviewed the figures

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row.cells) != len(self.columns):
                raise ValueError("every row needs one cell per column")
