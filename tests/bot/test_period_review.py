"""Review and lock of a period through the real Telegram channel, on the demo commune:
the official reviews Q3, sends a figure back, the village corrects it from the message's
button, the official locks the period; a later change waits for approval; the history
and the appendix say what happened."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from indicators.values import PercentValue, RatioValue
from storage import Store
from tests.bot.conftest import NOW
from tests.bot.fake_telegram import FakeBotApi, button_update
from tests.bot.sending import run_sender
from tests.bot.telegram_session import Session, application
from tests.bot.test_telegram_questions import FilesApi

PLAN = "dong-lac-2026"
OFFICIAL = "Nguyễn Thị Lan (Văn phòng - Thống kê)"
THON_2 = "Tổ CNSCĐ Thôn 2 (thành viên 2)"
THON_1 = "Tổ CNSCĐ Thôn 1 (thành viên 1)"
LAN, HAI, MOT = 616161, 700002, 700001


async def _people(store: Store) -> dict[str, int]:
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    return {p.name: p.id for p in await store.people.in_subtree(commune.id)}


async def _link(store: Store, person_id: int, chat: int) -> None:
    await store.people.link_identity(person_id, "telegram", str(chat), chat_id=str(chat))


async def _unit_id(store: Store, name: str) -> int:
    return (await store.units.by_name(name, level="thôn"))[0].id


async def _suspicious_q3(store: Store, reporter: int) -> None:
    """Thôn 2 sends Q3 figures that look wrong: fibre to nearly every household after
    two thirds last quarter, and more than 100% with an electronic identity."""
    thon_2 = await _unit_id(store, "Thôn 2")
    await store.values.record(
        thon_2, PLAN, "3.1", "2026-Q3", RatioValue(180, 184), person_id=reporter, channel="telegram"
    )
    await store.values.record(
        thon_2,
        PLAN,
        "3.3",
        "2026-Q3",
        PercentValue(Decimal(120)),
        person_id=reporter,
        channel="telegram",
    )


def _sent_to(api: FakeBotApi, chat: int) -> list[str]:
    return api.sent_texts(chat)


async def test_review_return_correct_lock_and_approve(store: Store, clock) -> None:
    clock.set(NOW)
    people = await _people(store)
    await _link(store, people[OFFICIAL], LAN)
    await _link(store, people[THON_2], HAI)
    await _link(store, people[THON_1], MOT)
    await _suspicious_q3(store, people[THON_2])
    api = FilesApi()
    async with application(store, api) as app:
        lan = Session(app, api, LAN)
        hai = Session(app, api, HAI)

        await lan.say("xuất báo cáo excel quý 3")
        [review] = await lan.say("duyệt số liệu quý 3")
        assert "Duyệt số liệu Quý III/2026 — xã Đồng Lạc" in review
        assert (
            "• Thôn 2 (4/4): 3.1 97,83% (180/184) ⚠ · 3.2 81,52% (150/184) · 3.3 120% ⚠ · 3.4 98%"
            in review
        )
        assert (
            "⚠ 3.1: chênh lệch lớn so với kỳ trước (64,67% (119/184 hộ gia đình)); chưa có giải thích"
            in review
        )
        assert (
            "⚠ 3.3: chênh lệch lớn so với kỳ trước (58%); trên 100%; chưa có giải thích" in review
        )
        assert "• Thôn 6 (0/4)" in review and "chưa gửi số liệu nào" in review
        labels = lan.labels()
        assert "↩ 3.1 Thôn 2" in labels and "↩ 3.3 Thôn 2" in labels
        assert "Chấp nhận tất cả" in labels and "Khóa kỳ" in labels

        # Send 3.1 back from its button, with a comment.
        [ask] = await lan.press("↩ 3.1 Thôn 2")
        assert "Thôn 2 cần xem lại điều gì ở 3.1?" in ask
        [done] = await lan.say("Số hộ có cáp quang tăng quá nhanh, đề nghị kiểm tra lại")
        assert done == "Đã trả lại 3.1 cho Thôn 2 kèm nhận xét của anh/chị (đã báo cho 1 người)."
        # 3.3 in one typed message.
        [typed] = await lan.say("trả lại 3.3 thôn 2: Tỷ lệ không thể vượt 100%")
        assert typed.startswith("Đã trả lại 3.3 cho Thôn 2")

        await run_sender(store, api)
        to_hai = _sent_to(api, HAI)
        assert any("đề nghị Thôn 2 xem lại số liệu 3.1 của Quý III/2026" in t
                   and "Nhận xét: Số hộ có cáp quang tăng quá nhanh" in t for t in to_hai)  # fmt: skip
        assert not _sent_to(api, MOT)  # nothing for Thôn 1

        # The team opens the correction from the message about 3.1.
        fix = next(
            key["callback_data"]
            for call in api.calls
            if call.method == "sendMessage" and int(call.params["chat_id"]) == HAI
            and "3.1" in call.params["text"]
            for row in call.params["reply_markup"]["inline_keyboard"]
            for key in row
        )  # fmt: skip
        [question] = await hai.send(button_update(HAI, fix))
        assert question.startswith("(1/1) 3.1.")
        await hai.say("130/184")
        await hai.press("Bỏ qua")
        [saved] = await hai.press("Lưu")
        assert saved.startswith("Đã lưu 1 số liệu kỳ Quý III/2026")

        [review] = await lan.say("duyệt số liệu quý 3")
        assert "3.1 70,65% (130/184)" in review
        assert "↩ 3.3 đã trả lại" in review or "3.3 đã trả lại" in review

        [history] = await lan.say("lịch sử 3.1 thôn 2")
        assert history.startswith("Lịch sử 3.1 — Thôn 2, Quý III/2026:")
        lines = history.splitlines()
        assert (
            lines[2]
            == "1. 23/11/2026 08:00 — hệ thống, qua dữ liệu mẫu: 82,61% (152/184 hộ gia đình)"
        )
        assert lines[3].endswith(
            f"— {THON_2}, qua Telegram: 82,61% (152/184 hộ gia đình) → 97,83% (180/184 hộ gia đình)"
        )
        assert lines[4].endswith(
            f"— {OFFICIAL} trả lại bản 2: “Số hộ có cáp quang tăng quá nhanh, đề nghị kiểm tra lại”"
        )
        assert lines[5].endswith(
            "qua Telegram: 97,83% (180/184 hộ gia đình) → 70,65% (130/184 hộ gia đình)"
        )

        # Accept the rest and lock.
        [accepted] = await lan.press("Chấp nhận tất cả")
        assert accepted.startswith("Đã chấp nhận")
        [locked] = await lan.say("khóa kỳ quý 3")
        assert locked.startswith("Đã khóa Quý III/2026 của xã Đồng Lạc")
        assert "Đơn vị còn thiếu số liệu: Thôn 6." in locked
        assert "3.3 Thôn 2" in locked  # sent back, not corrected
        assert (await lan.say("khóa kỳ quý 3"))[0] == "Quý III/2026 đã được khóa từ trước."

        # After the lock Thôn 2 corrects 3.3 from the earlier message: it waits.
        fix_33 = next(
            key["callback_data"]
            for call in api.calls
            if call.method == "sendMessage" and int(call.params["chat_id"]) == HAI
            and "3.3" in call.params["text"] and call.params.get("reply_markup")
            for row in call.params["reply_markup"]["inline_keyboard"]
            for key in row
        )  # fmt: skip
        await hai.send(button_update(HAI, fix_33))
        await hai.say("98")
        await hai.press("Xác nhận")  # still far from Q2: the dialog asks why
        await hai.say("Đã đối chiếu lại với danh sách dân cư")
        await hai.press("Bỏ qua")
        [waiting] = await hai.press("Lưu")
        assert "Quý III/2026 đã được duyệt và khóa, nên 3.3 đang chờ cán bộ duyệt" in waiting
        thon_2 = await _unit_id(store, "Thôn 2")
        [current] = await store.values.latest([thon_2], PLAN, "2026-Q3", indicator_codes=["3.3"])
        assert current.value == PercentValue(Decimal(120))  # the reviewed figure stays

        await run_sender(store, api)
        proposal = [t for t in _sent_to(api, LAN) if "đề nghị sửa 3.3" in t]
        assert proposal and "120% → 98%" in proposal[0]
        assert "Ghi chú: Đã đối chiếu lại với danh sách dân cư" in proposal[0]
        [approved] = await lan.press("Duyệt")
        assert approved == "Đã duyệt: 3.3 của Thôn 2, Quý III/2026 nay là 98%."
        [current] = await store.values.latest([thon_2], PLAN, "2026-Q3", indicator_codes=["3.3"])
        assert current.value == PercentValue(Decimal(98)) and current.person_id == people[THON_2]
        assert (await lan.press("Duyệt"))[0] == "Đề nghị này đã được xử lý rồi."

        await run_sender(store, api)
        assert any("đã duyệt đề nghị sửa 3.3" in t for t in _sent_to(api, HAI))
        [history] = await hai.say("lịch sử 3.3")
        assert f"sửa sau khi khóa kỳ; {OFFICIAL} đã duyệt" in history
        assert "Kỳ này đã được khóa ngày" in history

        # The same figure and note typed again after the lock: nothing to approve.
        await hai.send(button_update(HAI, fix_33))
        await hai.say("98")
        await hai.press("Xác nhận")
        await hai.say("Đã đối chiếu lại với danh sách dân cư")
        await hai.press("Bỏ qua")
        [same] = await hai.press("Lưu")
        assert same.startswith("3.3: giống số liệu đã duyệt của kỳ đã khóa"), same
        assert await store.reviews.waiting([thon_2], PLAN, "2026-Q3") == []

        # The appendix says the figures were reviewed.
        await lan.say("xuất báo cáo excel quý 3")
    assert _last_line(api, -1) == "Số liệu đã được duyệt ngày 23/11/2026"
    assert _last_line(api, 0) == "Số liệu chưa được duyệt"


def _last_line(api: FilesApi, index: int) -> str:
    """The line under the table of the `index`th appendix the bot sent."""
    documents = [content for method, _name, content in api.files if method == "sendDocument"]
    rows = list(
        load_workbook(io.BytesIO(documents[index])).worksheets[0].iter_rows(values_only=True)
    )
    # Under the table, above the signature block: whether an official reviewed the figures.
    [line] = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("Số liệu")]
    assert isinstance(line, str)
    return line


async def test_members_cannot_review_and_an_open_period_cannot_be_locked(
    store: Store, clock
) -> None:
    clock.set(NOW)
    people = await _people(store)
    await _link(store, people[OFFICIAL], LAN)
    await _link(store, people[THON_2], HAI)
    api = FakeBotApi()
    async with application(store, api) as app:
        lan = Session(app, api, LAN)
        hai = Session(app, api, HAI)
        assert (await hai.say("duyệt số liệu quý 3"))[
            0
        ] == "Chỉ cán bộ xã mới dùng được lệnh /duyet."
        assert (await hai.say("khóa kỳ quý 3"))[0] == "Chỉ cán bộ xã mới dùng được lệnh /khoaky."
        assert (await hai.say("trả lại 3.1 thôn 1: sai"))[0].startswith("Chỉ cán bộ xã")
        # A member's history is of their own unit; another village is out of reach.
        [own] = await hai.say("lịch sử 3.1")
        assert own.startswith("Lịch sử 3.1 — Thôn 2, Quý III/2026:")
        assert "ngoài phạm vi" in (await hai.say("lịch sử 3.1 thôn 1"))[0]

        # Q4 is still open (due before 25/12/2026): it can be reviewed, not locked.
        [review] = await lan.say("/duyet quý 4")
        assert "Chưa hết hạn nộp (25/12/2026)" in review and "Khóa kỳ" not in lan.labels()
        [refused] = await lan.say("khóa kỳ quý 4")
        assert refused == ("Chưa thể khóa Quý IV/2026 trước hạn nộp (25/12/2026): "
                           "các đơn vị vẫn có thể gửi số liệu.")  # fmt: skip
        commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
        assert await store.reviews.lock_of(PLAN, "2026-Q4", commune.id) is None
        assert "Tôi không tìm thấy kỳ" in (await lan.say("/duyet hôm qua nữa"))[0]
        [typo] = await lan.say("trả lại thôn 2")
        assert typo.startswith("Anh/chị gõ mã chỉ tiêu và đơn vị")
        # The comment is asked when the typed request has none; /huy sends nothing.
        [ask] = await lan.say("trả lại 3.2 thôn 2")
        assert ask.startswith("Thôn 2 cần xem lại điều gì ở 3.2?")
        assert (await lan.say("/huy"))[0] == "Chưa trả lại số liệu nào."
        assert await store.db.fetch_value("SELECT COUNT(*) FROM value_reviews") == 0
