"""Issue 13's "done when", through the real Telegram channel: on a new database with only
the bundled plans, a commune official joins, sends the list of the commune's 12 villages
and a plan appendix (.docx) in a layout none of the source documents has, fixes the two
rows the bot could not read, confirms; invites the villages; three village teams join
with their codes and report; the official reviews the quarter, sends one figure back,
the team corrects it, the official locks the period and exports the appendix."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import setup
from indicators.people import Role
from indicators.values import RatioValue
from storage import Store
from tests.bot.appendix_rows import appendix_parts
from tests.bot.conftest import NOW
from tests.bot.fake_telegram import button_update, message_update
from tests.bot.sending import run_sender
from tests.bot.telegram_session import Session, application
from tests.bot.test_adopt_cli import VILLAGES, villages_sheet
from tests.bot.test_plan_file_chat import DocumentsApi, document_update
from tests.clock import TestClock
from tests.indicators.plan_import.builders import Appendix, write_docx

OFFICIAL = 515151
TEAMS = {"Nà Pài": 525201, "Bản Cuôn": 525202, "Nà Bưa": 525203}
PLAN_ID = "xa-dong-lac-2026"

# Not one of the five documents' layouts: the reporting level as the third column, the
# target after it, "Đơn vị tính" after the target, group rows numbered "I." with a dot,
# formulas in "Ghi chú", and two targets no reader can turn into a number.
NEW_LAYOUT = Appendix(
    caption=(
        "UỶ BAN NHÂN DÂN XÃ ĐỒNG LẠC",
        "Phụ lục: Bộ chỉ tiêu chuyển đổi số của xã năm 2026",
        "(Ban hành kèm theo Kế hoạch số 12/KH-UBND)",
    ),
    rows=[
        ["TT", "Nội dung chỉ tiêu", "Cấp báo cáo", "Mục tiêu", "Đơn vị tính", "Ghi chú"],
        ["I.", "Xã hội số", "", "", "", ""],
        ["1.1", "Tỷ lệ hộ gia đình có cáp quang", "Thôn", "đạt trên 75%", "%",
         "Số hộ có cáp quang/Tổng số hộ gia đình"],
        ["1.2", "Tỷ lệ người trưởng thành có điện thoại thông minh", "Thôn", "> 60%", "%",
         "Số người có điện thoại thông minh/Tổng số người trưởng thành"],
        ["1.3", "Tỷ lệ hộ dùng nền tảng số của thôn", "Thôn", "Căn cứ hướng dẫn của huyện",
         "%", "Số hộ dùng nền tảng số/Tổng số hộ gia đình"],
        ["II.", "Chính quyền số", "", "", "", ""],
        ["2.1", "Tỷ lệ hồ sơ trực tuyến toàn trình", "Xã", "tối thiểu 90%", "%", ""],
        ["2.2", "Thôn có tổ công nghệ số cộng đồng", "Thôn", "Có", "", ""],
        ["2.3", "Hội nghị trực tuyến với các thôn", "Xã", "Phấn đấu tăng so với năm trước",
         "Cuộc", ""],
    ],
)  # fmt: skip

# Each team's answers, in the order the report asks: 1.1, 1.2, 1.3 as counts over a
# total, 2.2 yes or no.
ANSWERS = {
    "Nà Pài": ["310/200", "150/260", "90/200", "có"],  # 310 of 200: sent back
    "Bản Cuôn": ["120/150", "140/210", "80/150", "có"],
    "Nà Bưa": ["60/100", "70/120", "40/100", "không"],
}


@pytest.fixture
async def fresh(tmp_path: Path, clock: TestClock) -> AsyncIterator[Store]:
    """A new database with nothing but the bundled plans (and the units they name)."""
    async with await Store.open(str(tmp_path / "commune.sqlite3"), clock=clock) as store:
        await setup.load_bundled_plans(store)
        yield store


async def report(team: Session, answers: list[str]) -> str:
    """Report the open quarter from /baocao to Lưu: each answer, no notes."""
    await team.say("/baocao")
    replies = await team.press("Bắt đầu")
    pending = list(answers)
    for _turn in range(40):  # a hang guard: the report asks a handful of questions
        last = replies[-1]
        if "Tóm tắt" in last:
            [saved] = await team.press("Lưu")
            return saved
        if re.match(r"\(\d+/\d+\) ", last):  # "(2/4) 1.2. …": the next figure
            assert pending, f"asked more than answered: {last}"
            replies = await team.say(pending.pop(0))
        elif "Xác nhận" in team.labels():  # over 100%: the team says it is so
            replies = await team.press("Xác nhận")
        else:  # a note or an explanation: none
            replies = await team.press("Bỏ qua")
    raise AssertionError(f"the report did not end: {replies}")


async def test_a_commune_adopts_chitieu_in_the_chat(
    fresh: Store, clock: TestClock, tmp_path: Path
) -> None:
    clock.set(NOW)
    commune = (await fresh.units.by_name("Đồng Lạc", level="xã"))[0]
    assert await fresh.units.children(commune.id) == []
    # The operator's one step: a code for the commune's official (`chitieu invite`).
    code = await fresh.invites.create(
        commune.id, Role.OFFICIAL, uses=1, expires_at=NOW + dt.timedelta(days=7)
    )
    api = DocumentsApi()
    async with application(fresh, api) as app:
        lan = Session(app, api, OFFICIAL)
        [welcome, *_menu] = await lan.say(f"/start {code}")
        assert "cán bộ của Đồng Lạc" in welcome

        # 1. The villages, from the commune's spreadsheet.
        sheet = villages_sheet(tmp_path / "danh-sach-thon.xlsx", VILLAGES)
        [preview] = await lan.send(document_update(OFFICIAL, api, sheet))
        assert "13 đơn vị trong tệp, 12 đơn vị mới." in preview
        [added] = await lan.press("Xác nhận")
        assert added.startswith("Đã thêm 12 đơn vị vào xã Đồng Lạc.")
        assert [u.name for u in await fresh.units.children(commune.id)] == VILLAGES

        # 2. The plan, from its appendix: two rows in doubt, fixed by answering.
        plan_file = write_docx(NEW_LAYOUT, tmp_path / "phu-luc-chi-tieu-2026.docx")
        [review] = await lan.send(document_update(OFFICIAL, api, plan_file))
        assert (
            "6 chỉ tiêu trong 2 nhóm; 3 có công thức; 2 chỉ tiêu chưa đọc được chỉ tiêu" in review
        )
        assert "Dòng 5 (1.3): chưa đọc được chỉ tiêu 'Căn cứ hướng dẫn của huyện'" in review
        assert "Dòng 9 (2.3): chưa đọc được chỉ tiêu 'Phấn đấu tăng so với năm trước'" in review
        [one_left] = await lan.say("1.3: ≥ 50%")
        assert "Dòng 5 (1.3)" not in one_left and "Dòng 9 (2.3)" in one_left
        [clean] = await lan.say("2.3: 04 cuộc")
        assert "Không còn gì vướng" in clean
        [applied] = await lan.press("Xác nhận")
        assert applied.startswith(f"Đã áp dụng: kế hoạch {PLAN_ID} (phiên bản 1)")
        plan = await fresh.plans.get(PLAN_ID)
        assert plan is not None and plan.indicator("1.3").target.describe() == "≥50%"

        # 3. The invites: one code per village, as a sheet to print.
        [invites] = await lan.say("/moi")
        assert "12 thôn của xã Đồng Lạc" in invites
        codes = dict(re.findall(r"• thôn (.+?): (\S+)", invites))
        assert len(codes) == 12
        assert [m for m, _n, _c in api.files if m == "sendDocument"]

        # 4. Three teams join with their village's code and report the quarter.
        teams: dict[str, Session] = {}
        for village, chat in TEAMS.items():
            team = Session(app, api, chat)
            [joined, *_rest] = await team.send(
                message_update(chat, f"/start {codes[village]}", name=f"Tổ {village}")
            )
            assert village in joined
            saved = await report(team, ANSWERS[village])
            assert saved.startswith("Đã lưu 4 số liệu kỳ Quý IV/2026"), saved
            teams[village] = team

        # 5. After the deadline (25/12), the review: Nà Pài's fibre is over 100%; it is
        # sent back with a comment.
        clock.set(dt.datetime(2026, 12, 28, 9, 0, tzinfo=NOW.tzinfo))
        [figures] = await lan.say("duyệt số liệu quý 4")
        assert "Duyệt số liệu Quý IV/2026 — xã Đồng Lạc" in figures
        assert "1.1 155% (310/200) ⚠" in figures
        assert "trên 100%" in figures
        [back] = await lan.say("trả lại 1.1 thôn Nà Pài: Số hộ có cáp quang vượt tổng số hộ")
        assert back.startswith("Đã trả lại 1.1 cho thôn Nà Pài")
        await run_sender(fresh, api)
        chat = TEAMS["Nà Pài"]
        fix = next(
            key["callback_data"]
            for call in api.calls
            if call.method == "sendMessage" and int(call.params["chat_id"]) == chat
            and "xem lại số liệu 1.1" in call.params["text"]
            for row in call.params["reply_markup"]["inline_keyboard"]
            for key in row
        )  # fmt: skip
        opened = await teams["Nà Pài"].send(button_update(chat, fix))
        assert opened[-1].startswith("(1/1) 1.1.")
        await teams["Nà Pài"].say("170/200")
        await teams["Nà Pài"].press("Bỏ qua")
        [corrected] = await teams["Nà Pài"].press("Lưu")
        assert corrected.startswith("Đã lưu 1 số liệu kỳ Quý IV/2026")
        [history] = await lan.say("lịch sử 1.1 thôn Nà Pài")
        assert "trả lại bản 1: “Số hộ có cáp quang vượt tổng số hộ”" in history
        assert "155% (310/200 hộ gia đình) → 85% (170/200 hộ gia đình)" in history
        [again] = await lan.say("duyệt số liệu quý 4")
        assert "1.1 85% (170/200)" in again
        [accepted] = await lan.press("Chấp nhận tất cả")
        assert accepted.startswith("Đã chấp nhận")

        # 6. The lock, then the appendix.
        [locked] = await lan.say("khóa kỳ quý 4")
        assert locked.startswith("Đã khóa Quý IV/2026 của xã Đồng Lạc")
        await lan.say("xuất báo cáo excel quý 4")
        [*_earlier, (_method, name, content)] = [f for f in api.files if f[0] == "sendDocument"]
        assert name.endswith(".xlsx")
        table = appendix_parts(content)
        results = table.column("Kết quả đạt được")
        assert results["1.1"] == "77,78% (350/450 hộ gia đình)"  # 170 + 120 + 60 of 450
        assert results["1.2"] == "61,02% (360/590 người trưởng thành)"
        assert results["1.3"] == "46,67% (210/450 hộ gia đình)"
        assert results["2.2"] == "2/3 thôn có"
        assert table.column("Chỉ tiêu")["1.3"] == "≥ 50%" and "2.1" not in results
        assert "3/12 thôn đã báo cáo đủ, 9 thôn chưa báo cáo." in table.above
        assert _review_line(content) == "Số liệu đã được duyệt ngày 28/12/2026"

    na_pai = (await fresh.units.by_name("Nà Pài", level="thôn"))[0]
    [latest] = await fresh.values.latest([na_pai.id], PLAN_ID, "2026-Q4", indicator_codes=["1.1"])
    assert latest.value == RatioValue(170, 200)


def _review_line(content: bytes) -> str:
    """The line under the appendix's table saying whether an official reviewed it."""
    rows = load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)
    [line] = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("Số liệu")]
    return str(line)
