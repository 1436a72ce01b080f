"""Whatever text the cells hold, reading a table and writing its review never crashes,
and the draft is always a plan chitieu could store."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.wording.plan_review import review_text, unit_review_text
from indicators.plan_import.cells import read_formula, read_schedule, read_target, target_in_name
from indicators.plan_import.reader import Destination, read_plan
from indicators.plan_import.table import make_table
from indicators.plan_import.units import read_units
from indicators.plans import load_plan_text

# Cell text as officials' files hold it: Vietnamese words, figures, signs, line breaks,
# and anything else unicode has.
WORDS = st.sampled_from(
    ["I", "II", "1", "1.1", "2.3.", "a)", "-", "*", "Tỷ lệ", "hộ", "≥80%", "> 60%", "đạt",
     "trên", "75%", "tối thiểu", "Có", "Không", "02 cuộc", "Hoàn thành", "/", "Tổng số",
     "năm 2026", "Ghi chú", "STT", "Chỉ tiêu", "thôn", "xã", "Hằng quý", "ngày 25", ";", "\n",
     "(", ")", "100", "%", "x 100%", "Quyết định 528/QĐ-UBND ngày 27/10/2023"]
)  # fmt: skip
CELL = st.one_of(
    st.lists(WORDS, max_size=6).map(" ".join),
    st.text(max_size=30),
)
HEADERS = st.sampled_from(
    [
        ["STT", "Chỉ tiêu", "Chỉ tiêu năm 2026", "Ghi chú"],
        ["TT", "Nội dung", "ĐVT", "Chỉ tiêu giao", "Chủ trì", "Phối hợp"],
        ["Mã", "Tên chỉ tiêu", "Chỉ tiêu (như in)", "Tử số", "Mẫu số", "Cấp báo cáo", "Kỳ báo cáo"],
        ["STT", "Chỉ tiêu", "Chủ trì thực hiện"],
    ]
)
DESTINATION = Destination("xa-na-pai", (("tỉnh", "Bắc Kạn"), ("xã", "Nà Pài")), None, "f.xlsx")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=HEADERS, rows=st.lists(st.lists(CELL, min_size=1, max_size=8), max_size=12))
def test_review_of_any_table(header: list[str], rows: list[list[str]]) -> None:
    reading = read_plan([make_table([header, *rows])], DESTINATION)
    text = review_text(reading, unit_label="xã Nà Pài")
    assert text
    assert reading.plan is not None and reading.yaml_text is not None
    assert load_plan_text(reading.yaml_text, source="draft").id == reading.plan.id
    for doubt in reading.doubts:
        assert doubt.row is None or doubt.row > 1  # each names a row of the data, or the table


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=6), max_size=10))
def test_review_of_any_table_without_a_header(rows: list[list[str]]) -> None:
    reading = read_plan([make_table(rows)], DESTINATION)
    assert review_text(reading, unit_label="xã Nà Pài")
    units = read_units([make_table([["Xã", "Thôn"], *rows])])
    assert unit_review_text(units, frozenset())


@settings(max_examples=500, deadline=None)
@given(text=CELL)
def test_cell_readers_accept_any_text(text: str) -> None:
    read_target(text)
    read_formula(text)
    read_schedule(text)
    target_in_name(text)
