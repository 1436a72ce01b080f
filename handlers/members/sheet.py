"""The printable invite sheet: one row per village with its code and a QR code to scan
at the meeting. Bytes in memory, no files.

The QR code holds the t.me link that opens the bot with the code already filled in, when
the bot's username is known; otherwise the code itself, which the person then types
after /start.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, Side

from locales import _

FONT = "Times New Roman"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")
_LEFT = Alignment(wrap_text=True, vertical="center")
QR_SCALE = 4  # pixels per module: a version-3 code is about 130 px, 3.5 cm printed
QR_ROW_HEIGHT = 105  # points, a little more than the picture
WIDTHS = (6, 24, 16, 46, 22)


@dataclass(frozen=True, slots=True)
class VillageInvite:
    unit: str  # "Thôn 2"
    code: str
    link: str  # the t.me deep link, or "" when the bot's username is not known

    @property
    def qr_content(self) -> str:
        return self.link or self.code


def qr_png(content: str) -> bytes:
    qr = segno.make_qr(content, error="m")
    out = io.BytesIO()
    qr.save(out, kind="png", scale=QR_SCALE, border=2)
    return out.getvalue()


def invite_sheet(title: str, note: str, invites: Sequence[VillageInvite]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = _("Invites")
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[chr(ord("A") + index - 1)].width = width
    for row, text, size, bold in ((1, title, 13, True), (2, note, 11, False)):
        ws.merge_cells(f"A{row}:E{row}")
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = Font(name=FONT, bold=bold, italic=not bold, size=size)
        cell.alignment = _CENTRE
        ws.row_dimensions[row].height = 36
    header = 4
    labels = (_("No."), _("Village"), _("Invite code"), _("How to join"), _("QR code"))
    for column, label in enumerate(labels, start=1):
        cell = ws.cell(row=header, column=column, value=label)
        cell.font = Font(name=FONT, bold=True)
        cell.alignment = _CENTRE
        cell.border = _BORDER
    for number, invite in enumerate(invites, start=1):
        row = header + number
        how = (
            _("Scan the QR code with the phone's camera and press Start in Telegram, or open {link}").format(link=invite.link)
            if invite.link
            else _("Open the bot in Telegram and type /start {code}").format(code=invite.code)
        )  # fmt: skip
        cells = (number, invite.unit, invite.code, how, "")
        for column, value in enumerate(cells, start=1):
            cell = ws.cell(row=row, column=column, value=value)
            cell.font = Font(name=FONT, bold=column == 3, size=14 if column == 3 else 11)
            cell.alignment = _LEFT if column == 4 else _CENTRE
            cell.border = _BORDER
        ws.row_dimensions[row].height = QR_ROW_HEIGHT
        picture = Image(io.BytesIO(qr_png(invite.qr_content)))
        ws.add_image(picture, f"E{row}")
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
