"""The appendix as a .docx document, for pasting into the Word report: bytes in memory.

Draws the model of appendix_table.py, one section (a new A4 landscape page) per
appendix: the formal parts, the table with its header repeated on every page, and the
signature block.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell, _Row

from handlers.exports.appendix_table import (
    FONT,
    MARGINS_MM,
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    AppendixTable,
)
from indicators.text import writable

BODY_PT = 12
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]
_GROUP_FILL = "EDEDED"


def document(tables: Sequence[AppendixTable]) -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    for index, table in enumerate(tables):
        section = doc.sections[0] if index == 0 else doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        _write(doc, table)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _write(doc: DocxDocument, table: AppendixTable) -> None:
    _letterhead(doc, table)
    _paragraph(doc, "")
    if table.title:
        _paragraph(doc, table.title, bold=True, size=13)
    _paragraph(doc, table.heading, bold=True, size=13)
    _paragraph(doc, table.attached_to, italic=True)
    _paragraph(doc, table.subheading, bold=True)
    if table.status:
        _paragraph(doc, table.status, italic=True, size=11)
    _paragraph(doc, "")
    _grid(doc, table)
    if table.review:
        _paragraph(doc, table.review, italic=True, size=11, centre=False)
    _paragraph(doc, "")
    _signature(doc, table)


def _paragraph(
    doc: DocxDocument,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int = BODY_PT,
    centre: bool = True,
) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.LEFT
    run = paragraph.add_run(writable(text))
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def _cell_text(cell: _Cell, lines: Sequence[tuple[str, bool, bool]], *, centre: bool) -> None:
    """Lines of (text, bold, italic) in one cell, replacing its empty first paragraph."""
    for index, (text, bold, italic) in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.LEFT
        run = paragraph.add_run(writable(text))
        run.bold, run.italic = bold, italic


def _letterhead(doc: DocxDocument, table: AppendixTable) -> None:
    """The issuing body left, the national name and motto right, without borders."""
    head = doc.add_table(rows=1, cols=2)
    head.autofit = False
    _widths(head, (0.4, 0.6))
    issuer = [(line, index > 0 or len(table.issuer) == 1, False)
              for index, line in enumerate(table.issuer)]  # fmt: skip
    _cell_text(head.cell(0, 0), issuer, centre=True)
    nation = [(line, True, False) for line in table.nation]
    _cell_text(head.cell(0, 1), nation, centre=True)


def _grid(doc: DocxDocument, table: AppendixTable) -> None:
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    total = sum(c.width for c in table.columns)
    _widths(grid, tuple(c.width / total for c in table.columns))
    header = grid.rows[0]
    _repeat_as_header(header)
    for cell, column in zip(header.cells, table.columns, strict=True):
        _cell_text(cell, [(column.label, True, False)], centre=True)
    for row, item in zip(grid.rows[1:], table.rows, strict=True):
        for cell, column, value in zip(row.cells, table.columns, item.cells, strict=True):
            lines = [(line, item.is_group, False) for line in str(value).split("\n")]
            _cell_text(cell, lines, centre=not column.wrap)
            if item.is_group:
                _shade(cell, _GROUP_FILL)


def _signature(doc: DocxDocument, table: AppendixTable) -> None:
    """The signer's block on the right, with room to sign; the left stays empty."""
    block = doc.add_table(rows=1, cols=2)
    block.autofit = False
    _widths(block, (0.5, 0.5))
    last = len(table.signature) - 1
    lines = [(text, index in (1, 2), index in (0, last))
             for index, text in enumerate(table.signature)]  # fmt: skip
    lines += [("", False, False)] * 4  # the space for the signature and the seal
    _cell_text(block.cell(0, 1), lines, centre=True)


def _widths(table: Table, shares: Sequence[float]) -> None:
    """Column widths as shares of the text width: Word reads the cells' widths,
    LibreOffice the grid's, so both are set."""
    for column, share in zip(table.columns, shares, strict=True):
        width = Mm(TEXT_WIDTH_MM * share)
        column.width = width
        for cell in column.cells:
            cell.width = width


def _repeat_as_header(row: _Row) -> None:
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _shade(cell: _Cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)
