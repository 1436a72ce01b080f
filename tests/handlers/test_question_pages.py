"""Pieces of the answers: button data that fits Telegram, pages, the chart, the workbook."""

from __future__ import annotations

import io
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from PIL import Image, ImageColor, ImageDraw, ImageFont

from handlers.exports.appendix_xlsx import Row, Sheet, workbook
from handlers.exports.charts import MET, NOT_MET, OPEN, TARGET, Bar, Legend, font, progress_chart
from handlers.messages import BUTTON_DATA_BYTES
from handlers.questions.paging import KINDS, PAGE_CHARS, Ask, group_slug, page_of, parse
from indicators.periods import Period, PeriodKind
from indicators.plans import load_bundled
from indicators.reporting_status import covering_periods


@given(
    st.sampled_from(KINDS),
    st.integers(1, 10**9),
    st.one_of(st.none(), st.builds(Period, st.integers(2000, 2100), st.just(PeriodKind.QUARTER),
                                   st.integers(1, 4))),
    st.one_of(st.none(), st.sampled_from(["Đảm bảo An toàn thông tin mạng", "Kinh tế số"])),
    st.integers(0, 500),
)  # fmt: skip
def test_button_data_round_trips_within_64_bytes(kind, unit_id, period, group, page) -> None:
    slug = group_slug(group)
    ask = Ask(kind, unit_id, period, slug, page, "vinh-loc-2023-huyen", "3.10")
    button = ask.button("Xem thêm")
    assert button is not None and len(button.data.encode()) <= BUTTON_DATA_BYTES
    parsed = parse(button.data)
    assert parsed is not None and replace(parsed, group=slug) == ask
    # A slug cut to fit still names the group: groups match by the start of their name.
    assert slug is None or (parsed.group and slug.startswith(parsed.group))


def test_forged_or_old_button_data_is_refused() -> None:
    for data in (
        "q:",
        "q:z:1:-:-:0",
        "q:s:x:-:-:0",
        "q:s:1:2026-Q9:-:0",
        "q:s:1:-:-:-1",
        "c:baocao",
    ):
        assert parse(data) is None


def test_pages_keep_within_count_and_length() -> None:
    items = [f"• dòng {n} " + "x" * 400 for n in range(30)]
    seen = []
    page, count = 0, 1
    while page < count:
        shown, page, count = page_of(items, page, 8)
        assert len(shown) <= 8 and sum(len(i) + 1 for i in shown) <= PAGE_CHARS + 1
        seen += shown
        page += 1
    assert seen == items
    assert page_of(items, 99, 8)[1] == count - 1  # past the end: the last page
    assert page_of([], 0, 8) == ([], 0, 1)


def test_chart_draws_vietnamese_without_missing_glyphs() -> None:
    bars = (
        Bar("3.1 Tỷ lệ phủ của hạ tầng mạng băng rộng cáp quang tại các hộ gia đình", 58.33, 76.0,
            False, "58,33%"),
        Bar("3.3 Tỷ lệ người dân có tài khoản định danh điện tử", None, 60.0, True, "5/5 thôn đạt"),
        Bar("2.2 Tỷ trọng thương mại điện tử trong tổng mức bán lẻ", 120.0, 5.0, True, "120%"),
        Bar("1.5 Tỷ lệ số hoá hồ sơ, kết quả giải quyết TTHC", 40.0, 100.0, None, "40%"),
    )  # fmt: skip
    title, legend = "Tiến độ — xã Đồng Lạc, Quý III/2026", Legend("Đạt", "Chưa đạt", "Chỉ tiêu")

    # A letter the font lacks is drawn as the font's empty box, without any warning.
    def glyph(face: ImageFont.FreeTypeFont, letter: str) -> bytes:
        canvas = Image.new("L", (48, 48))
        ImageDraw.Draw(canvas).text((8, 8), letter, 255, face)
        return canvas.tobytes()

    for bold in (False, True):
        face = font(17, bold)
        missing = glyph(face, "\ue000")
        text = "".join([title, *(b.label + b.value_text for b in bars), legend.met,
                        legend.not_met, legend.target, "…—%"])  # fmt: skip
        assert [c for c in set(text) if c != " " and glyph(face, c) == missing] == []
    progress_chart.cache_clear()
    png = progress_chart(title, bars, legend)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 720 and image.height > 300
    colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 16) or []}
    for colour in (MET, NOT_MET, OPEN, TARGET):
        assert ImageColor.getrgb(colour) in colours, colour
    # The bars run top down in the given order: red (not met) above green, grey last.
    column = [image.getpixel((300, y)) for y in range(image.height)]
    firsts = [column.index(ImageColor.getrgb(c)) for c in (NOT_MET, MET, OPEN)]
    assert firsts == sorted(firsts)
    again = progress_chart(title, bars, legend)
    assert again is png  # the same figures are not drawn twice


def test_workbook_layout() -> None:
    columns = ("STT", "Tên chỉ tiêu", "Đơn vị tính", "Chỉ tiêu", "Kết quả", "Đánh giá", "Khó khăn")
    rows = [Row("1", "Chính quyền số", is_group=True), Row("1.1", "Tỷ lệ …", "%", "≥80%", "64,62%",
                                                          "Chưa đạt", "Thôn 2: thiếu cáp")]  # fmt: skip
    data = workbook([Sheet("Phụ lục 1", "Phụ lục 1: …", "Đơn vị: xã Đồng Lạc", columns, rows),
                     Sheet("Phụ lục 1", "again", "", columns, [])])  # fmt: skip
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Phụ lục 1", "Phụ lục 1 2"]  # tab names stay unique
    sheet = book["Phụ lục 1"]
    assert sheet["A1"].value == "Phụ lục 1: …" and "A1:G1" in sheet.merged_cells
    assert [c.value for c in sheet[4]] == list(columns)
    assert sheet["B5"].font.b and not sheet["B6"].font.b
    assert sheet["F6"].value == "Chưa đạt" and sheet.freeze_panes == "A5"


def test_a_year_of_a_quarterly_plan_is_read_from_its_quarters_latest_first() -> None:
    plan = load_bundled("dong-lac-2025")
    assert plan.schedule.period_kind is PeriodKind.QUARTER
    codes = [
        p.code for p in covering_periods(plan.schedule.period_kind, Period(2025, PeriodKind.YEAR))
    ]
    assert codes == ["2025", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1"]
    codes = [
        p.code
        for p in covering_periods(plan.schedule.period_kind, Period(2025, PeriodKind.HALF, 1))
    ]
    assert codes == ["2025-H1", "2025-Q2", "2025-Q1"]
    assert covering_periods(plan.schedule.period_kind, Period(2025, PeriodKind.QUARTER, 3)) == [
        Period(2025, PeriodKind.QUARTER, 3)
    ]
    assert covering_periods(plan.schedule.period_kind, Period(2025, PeriodKind.MONTH, 8)) == [
        Period(2025, PeriodKind.MONTH, 8)
    ]
