"""Reminder rounds on the demo commune: who is reminded of what, once, across restarts."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram import Update
from telegram.ext import Application

from bot.telegram_channel import build_application
from handlers.app import build_router
from handlers.reminders import rounds as reminders
from handlers.services import Services
from indicators.reminders import ReminderSettings
from indicators.values import RatioValue
from storage import Store
from tests.bot.fake_limits import LimitedBotApi
from tests.bot.fake_telegram import TOKEN, FakeBotApi, button_update, message_update
from tests.bot.sending import run_sender
from tests.clock import TestClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SETTINGS = ReminderSettings()
PLAN = "dong-lac-2026"
THON_6 = "Tổ CNSCĐ Thôn 6 (thành viên 6)"
OFFICIAL = "Nguyễn Thị Lan (Văn phòng - Thống kê)"
ADMIN = "Quản trị hệ thống"
GROUP = -100500
_ids = count(50_000)


def at(month: int, day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=VN)


def services_at(store: Store, moment: dt.datetime) -> Services:
    """The store's clock moved to `moment`, and the services over that store."""
    clock = store.clock
    assert isinstance(clock, TestClock)
    clock.set(moment)
    return Services(store=store)


@pytest.fixture
async def reachable(store: Store) -> dict[str, int]:
    """Everyone of the demo commune has a Telegram chat: name → chat id."""
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    chats = {}
    for person in await store.people.in_subtree(commune.id):
        chat = 9000 + person.id
        await store.people.link_identity(person.id, "telegram", str(chat), chat_id=str(chat))
        chats[person.name] = chat
    return chats


async def outbox(store: Store) -> list[tuple[str, dict[str, Any]]]:
    rows = await store.db.fetch_all("SELECT recipient, payload_json FROM outbox ORDER BY id")
    import json

    return [(row["recipient"], json.loads(row["payload_json"])) for row in rows]


async def test_only_units_still_missing_values_are_reminded_once(
    demo_db: str, store: Store, reachable: dict[str, int], clock
) -> None:
    services = services_at(store, at(9, 17))
    planned = await reminders.due_rounds(services, SETTINGS)

    # Q3/2026: every unit reported except Thôn 6 (the demo leaves it behind).
    assert [(p.unit.name, p.kind, p.period.code) for p in planned] == [
        ("Thôn 6", "before-7", "2026-Q3")
    ]
    [round_] = planned
    assert [r.label for r in round_.recipients] == [THON_6]
    text = round_.reply.text
    assert text.startswith(
        "Nhắc hạn: số liệu kỳ Quý III/2026 của Thôn 6 cần gửi trước ngày 25/09/2026"
    )
    assert "còn 7 ngày đến ngày cuối (24/09/2026)" in text
    assert "Còn thiếu 4/4 chỉ tiêu:" in text
    assert "• 3.1. Tỷ lệ phủ của hạ tầng mạng băng rộng cáp quang tại các hộ gia đình" in text
    assert round_.reply.buttons[0][0].label == "Báo cáo ngay"
    assert round_.reply.buttons[0][0].data == "rm:dong-lac-2026:2026-Q3"

    assert len(await reminders.queue_rounds(services, planned)) == 1
    assert await reminders.queue_rounds(services, planned) == []  # the same round again
    assert await reminders.due_rounds(services, SETTINGS) == []  # the next tick
    await store.close()

    async with await Store.open(demo_db, clock=clock) as again:  # a restart an hour later
        assert await reminders.run_due(services_at(again, at(9, 17, 9)), SETTINGS) == []
        sent = await outbox(again)
    assert [(recipient, payload["person_id"]) for recipient, payload in sent] == [
        (str(reachable[THON_6]), reachable[THON_6] - 9000)
    ]


async def test_a_quarter_nobody_reported_catch_up_summaries_and_overdue(
    store: Store, reachable: dict[str, int]
) -> None:
    thon_1 = (await store.units.by_name("Thôn 1"))[0]
    for code in ("3.1", "3.2", "3.3", "3.4"):
        await store.values.record(thon_1.id, PLAN, code, "2026-Q4", RatioValue(180, 200))
    thon_5_member = "Tổ CNSCĐ Thôn 5 (thành viên 5)"
    await store.people.set_unreachable("telegram", str(reachable[thon_5_member]))

    # The bot was down from before the first round until 10:00 on 23 December: only the
    # latest round goes out, once.
    queued = await reminders.run_due(services_at(store, at(12, 23, 10)), SETTINGS)
    assert {(p.unit.name, p.kind) for p in queued} == {
        *((f"Thôn {n}", "before-1") for n in range(2, 7)),
        ("Đồng Lạc", "before-1"),
        ("Đồng Lạc", "summary-before-3"),
    }
    by_unit = {(p.unit.name, p.kind): p for p in queued}
    assert sorted(r.label for r in by_unit["Đồng Lạc", "before-1"].recipients) == sorted(
        [ADMIN, OFFICIAL]
    )
    # 19: the demo commune reports group 5 (yes/no, status, count) besides its 14 shares.
    assert by_unit["Thôn 5", "before-1"].recipients == ()
    commune = by_unit["Đồng Lạc", "before-1"].reply.text
    assert "Còn thiếu 19/19 chỉ tiêu:" in commune and "• 1.1." in commune

    # Next morning: the last-day reminder, and the summary of yesterday's round.
    queued = await reminders.run_due(services_at(store, at(12, 24, 8)), SETTINGS)
    assert {p.kind for p in queued} == {"due-day", "summary-before-1"}
    [summary] = [p for p in queued if p.kind == "summary-before-1"]
    assert sorted(r.label for r in summary.recipients) == sorted([ADMIN, OFFICIAL])
    assert summary.reply.text.split("\n") == [
        "Tình hình báo cáo kỳ Quý IV/2026 của Đồng Lạc (hạn: trước ngày 25/12/2026):",
        "• 1/6 thôn đã báo cáo đủ, 5 thôn chưa báo cáo; còn thiếu: Thôn 2 (4 chỉ tiêu), Thôn 3 (4 chỉ tiêu),"
        " Thôn 4 (4 chỉ tiêu), Thôn 5 (4 chỉ tiêu), Thôn 6 (4 chỉ tiêu).",
        "• 1/1 xã chưa báo cáo; còn thiếu: Đồng Lạc (19 chỉ tiêu).",
        "Chưa có ai nhận được nhắc nhở ở: Thôn 5.",
        f"Đã chặn bot nên không nhắc được: {thon_5_member}.",
    ]
    day = next(p for p in queued if p.kind == "due-day" and p.unit.name == "Thôn 2")
    assert day.reply.text.startswith(
        "Hôm nay (24/12/2026) là ngày cuối cùng gửi số liệu kỳ Quý IV/2026 của Thôn 2."
    )

    # Just after the deadline nothing is due; at 08:00 the overdue notice.
    assert await reminders.run_due(services_at(store, at(12, 25, 0, 1)), SETTINGS) == []
    queued = await reminders.run_due(services_at(store, at(12, 25, 8)), SETTINGS)
    assert {p.kind for p in queued} == {"overdue", "summary-due-day"}
    overdue = next(p for p in queued if p.kind == "overdue" and p.unit.name == "Thôn 2")
    assert overdue.reply.text.startswith(
        "Số liệu kỳ Quý IV/2026 của Thôn 2 đã quá hạn (hạn: trước ngày 25/12/2026)."
    )
    assert overdue.reply.buttons[0][0].data == "rm:dong-lac-2026:2026-Q4"
    # Thôn 1 reported everything: never reminded.
    rows = await store.db.fetch_all("SELECT DISTINCT unit_id FROM reminder_rounds")
    assert thon_1.id not in {row["unit_id"] for row in rows}


def group_update(user_id: int, chat_id: int, text: str) -> dict[str, Any]:
    command = text.split(" ", 1)[0]
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": 1_795_000_000,
            "chat": {"id": chat_id, "type": "supergroup", "title": "Tổ CNSCĐ xã Đồng Lạc"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Lan"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


@pytest.fixture
async def telegram(store: Store) -> AsyncIterator[tuple[Application, FakeBotApi]]:
    api = FakeBotApi()
    router = build_router(services_at(store, at(12, 17, 9)))
    app = build_application(TOKEN, router, request=api, rate_limit=False)
    async with app:
        yield app, api


async def say(app: Application, api: FakeBotApi, update: dict[str, Any]) -> list[str]:
    before = len(api.sent_texts())
    await app.process_update(Update.de_json(update, app.bot))
    return api.sent_texts()[before:]


async def test_a_linked_group_gets_reminders_and_summaries_without_buttons(
    store: Store,
    reachable: dict[str, int],
    telegram: tuple[Application, FakeBotApi],
) -> None:
    app, api = telegram
    official = reachable[OFFICIAL]
    member = reachable[THON_6]
    assert (
        "Anh/chị thêm bot vào nhóm Telegram"
        in (await say(app, api, message_update(official, "/lienket")))[0]
    )
    assert "Chỉ cán bộ" in (await say(app, api, group_update(member, GROUP, "/lienket")))[0]
    [linked] = await say(app, api, group_update(official, GROUP, "/lienket@chitieu_test_bot"))
    assert linked.startswith("Đã liên kết nhóm này với Đồng Lạc")

    queued = await reminders.run_due(services_at(store, at(12, 18, 8)), SETTINGS)
    to_group = [
        (p.kind, r) for p in queued for r in p.recipients if r.message.recipient == str(GROUP)
    ]
    assert {kind for kind, _ in to_group} == {"before-7", "summary-before-7"}
    for _kind, recipient in to_group:
        assert recipient.label == "nhóm chat của Đồng Lạc"
        assert "buttons" not in recipient.message.payload
    reminder = next(r for kind, r in to_group if kind == "before-7")
    assert reminder.message.payload["text"].endswith(
        "Để báo cáo, anh/chị nhắn riêng cho bot và gõ /baocao."
    )

    [unlinked] = await say(app, api, group_update(official, GROUP, "/lienket huỷ"))
    assert unlinked.startswith("Đã hủy liên kết")
    assert await store.contacts.chats_of([linked_unit(queued)]) == []


def linked_unit(queued: list[reminders.PlannedRound]) -> int:
    return next(p.unit.id for p in queued if p.unit.name == "Đồng Lạc")


async def test_a_reminder_during_a_reporting_conversation_leaves_it_intact(
    store: Store, reachable: dict[str, int]
) -> None:
    member = reachable[THON_6]
    api = FakeBotApi()
    app = build_application(TOKEN, build_router(services_at(store, at(9, 17, 7, 55))), request=api,
                            rate_limit=False)  # fmt: skip
    async with app:
        await say(app, api, message_update(member, "/baocao"))
        await say(app, api, button_update(member, "r:start"))
        replies = await say(app, api, message_update(member, "150"))
        assert "Tổng số hộ gia đình trên địa bàn?" in replies[-1]
        before = await store.conversations.get("telegram", str(member))

        queued = await reminders.run_due(services_at(store, at(9, 17, 8)), SETTINGS)
        assert [p.unit.name for p in queued] == ["Thôn 6"]
        limited = LimitedBotApi()
        await run_sender(store, limited)
        assert limited.delivered[member][0].startswith("Nhắc hạn: số liệu kỳ Quý III/2026")

        after = await store.conversations.get("telegram", str(member))
        assert after == before
        replies = await say(app, api, message_update(member, "300"))
        assert any("50% (150/300 hộ gia đình)" in r for r in replies)


async def test_report_now_asks_the_first_missing_indicator_at_once(
    store: Store, reachable: dict[str, int]
) -> None:
    member = reachable[THON_6]
    thon_6 = (await store.units.by_name("Thôn 6"))[0]
    await store.values.record(thon_6.id, PLAN, "3.1", "2026-Q4", RatioValue(90, 120))
    api = FakeBotApi()
    # On 30 December the open period is Q1/2027; the button still reports Q4/2026, late
    # (a period stays open for figures until the next one's deadline).
    app = build_application(TOKEN, build_router(services_at(store, at(12, 30))), request=api,
                            rate_limit=False)  # fmt: skip
    async with app:
        replies = await say(app, api, button_update(member, "rm:dong-lac-2026:2026-Q4"))
    [intro_and_question] = replies
    assert intro_and_question.startswith("Báo cáo số liệu của Thôn 6, kỳ Quý IV/2026")
    assert "\n\n(1/3) 3.2." in intro_and_question
    state = await store.conversations.get("telegram", str(member))
    assert state is not None and state.data["codes"] == ["3.2", "3.3", "3.4"]
    assert state.data["period"] == "2026-Q4" and state.step == "value"


async def test_nhacnho_reminds_the_missing_units_once_a_day(
    store: Store,
    reachable: dict[str, int],
    telegram: tuple[Application, FakeBotApi],
) -> None:
    app, api = telegram
    official, member = reachable[OFFICIAL], reachable[THON_6]
    assert "Chỉ cán bộ" in (await say(app, api, message_update(member, "/nhacnho")))[0]

    [reply] = await say(app, api, message_update(official, "/nhacnho"))
    assert reply == (
        "Đã gửi nhắc nhở kỳ Quý IV/2026 tới 8 người nhận ở 7 đơn vị còn thiếu số liệu:"
        " Đồng Lạc, Thôn 1, Thôn 2, Thôn 3, Thôn 4, Thôn 5, Thôn 6."
    )
    sent = await outbox(store)
    assert len(sent) == 8
    assert sent[-1][1]["text"].startswith(
        f"{OFFICIAL} nhắc: số liệu kỳ Quý IV/2026 của Thôn 6 cần gửi trước ngày 25/12/2026."
    )
    [again] = await say(app, api, message_update(official, "nhắc nhở"))
    assert again.startswith("Hôm nay đã nhắc kỳ Quý IV/2026 rồi: Đồng Lạc, Thôn 1")
    assert len(await outbox(store)) == 8

    [q3] = await say(app, api, message_update(official, "/nhacnho quý 3"))
    assert q3.startswith("Đã gửi nhắc nhở kỳ Quý III/2026 tới 1 người nhận ở 1 đơn vị")
    assert (await outbox(store))[-1][1]["text"].startswith(
        f"{OFFICIAL} nhắc: số liệu kỳ Quý III/2026 của Thôn 6 đã quá hạn"
    )
    [nonsense] = await say(app, api, message_update(official, "/nhacnho abc"))
    assert nonsense.startswith("Tôi không thấy kỳ báo cáo nào")
