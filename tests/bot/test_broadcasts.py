"""Announcements end to end: /thongbao, preview, audience, confirmation, sending, counts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from telegram import Update
from telegram.ext import Application

from bot.telegram_channel import build_application
from handlers.app import build_router
from handlers.broadcasts import announcements as broadcasts
from storage import Store
from tests.bot.conftest import services_for
from tests.bot.fake_limits import LimitedBotApi
from tests.bot.fake_telegram import TOKEN, FakeBotApi, button_update, message_update
from tests.bot.sending import run_sender, settled

OFFICIAL = "Nguyễn Thị Lan (Văn phòng - Thống kê)"
ANNOUNCEMENT = "Họp Tổ CNSCĐ lúc 8 giờ sáng thứ Hai tại nhà văn hóa xã. Đề nghị các thôn đi đủ."


@pytest.fixture
async def chats(store: Store) -> dict[str, int]:
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    found = {}
    for person in await store.people.in_subtree(commune.id):
        chat = 9000 + person.id
        await store.people.link_identity(person.id, "telegram", str(chat), chat_id=str(chat))
        found[person.name] = chat
    return found


class Chat:
    def __init__(self, app: Application, api: FakeBotApi, user: int) -> None:
        self.app, self.api, self.user = app, api, user

    async def send(self, update: dict[str, object]) -> list[str]:
        before = len(self.api.sent_texts())
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.sent_texts()[before:]

    async def say(self, text: str) -> list[str]:
        return await self.send(message_update(self.user, text))

    async def press(self, label: str) -> list[str]:
        for row in self.api.last_keyboard():
            for key in row:
                if key["text"] == label:
                    return await self.send(button_update(self.user, key["callback_data"]))
        raise AssertionError(f"no button {label!r} in {self.labels()}")

    def labels(self) -> list[str]:
        return [key["text"] for row in self.api.last_keyboard() for key in row]


@pytest.fixture
async def app(store: Store) -> AsyncIterator[tuple[Application, FakeBotApi]]:
    api = FakeBotApi()
    application = build_application(TOKEN, build_router(services_for(store)), request=api,
                                    rate_limit=False)  # fmt: skip
    async with application:
        yield application, api


async def test_announcement_preview_audience_confirm_progress_and_final_count(
    store: Store,
    chats: dict[str, int],
    app: tuple[Application, FakeBotApi],
) -> None:
    official = Chat(*app, chats[OFFICIAL])
    [ask] = await official.say("/thongbao")
    assert ask.startswith("Anh/chị gõ nội dung thông báo cần gửi.")
    [preview] = await official.say(ANNOUNCEMENT)
    assert preview.split("\n") == [
        "Xem trước thông báo:",
        "",
        f"Thông báo từ {OFFICIAL} (Đồng Lạc):",
        "",
        ANNOUNCEMENT,
        "",
        "Gửi tới ai?",
    ]
    assert official.labels() == ["Thành viên (6)", "Cán bộ (1)", "Cả hai (7)", "Hủy"]
    [confirm] = await official.press("Thành viên (6)")
    assert confirm == "Gửi thông báo này tới 6 thành viên thuộc Đồng Lạc?"
    [queued] = await official.press("Gửi")  # and the progress, in one message
    assert queued.startswith("Đã xếp hàng gửi thông báo tới 6 người.")
    assert queued.endswith(
        "\n\nTiến độ: đã gửi 0, đang chờ 6, lỗi đang thử lại 0, không gửi được 0 (tổng 6)."
    )
    assert await store.conversations.get("telegram", str(chats[OFFICIAL])) is None
    refresh = official.api.last_keyboard()[0][0]["callback_data"]
    # Pressing Send again (a double tap) sends nothing more.
    assert (await official.send(button_update(official.user, "b:send")))[0].startswith("Nút này")

    blocked = chats["Tổ CNSCĐ Thôn 3 (thành viên 3)"]
    api = LimitedBotApi(blocked={blocked})
    services = services_for(store)
    batch = str(await store.db.fetch_value("SELECT batch_id FROM broadcasts"))

    async def reported() -> bool:
        broadcast = await store.broadcasts.get(batch)
        return broadcast is not None and broadcast.finished_at is not None and await settled(store)

    await run_sender(
        store,
        api,
        until=reported,
        on_drained=lambda: broadcasts.finish_completed(services),
    )
    members = [chat for name, chat in chats.items() if name.startswith("Tổ CNSCĐ")]
    assert sorted(api.delivered) == sorted([chats[OFFICIAL], *(c for c in members if c != blocked)])
    for chat in members:
        if chat != blocked:
            assert api.delivered[chat] == [f"Thông báo từ {OFFICIAL} (Đồng Lạc):\n\n{ANNOUNCEMENT}"]
    # The final count went to the official once, through the outbox as well.
    assert api.delivered[chats[OFFICIAL]] == [
        "Đã gửi xong thông báo: 5/6 người đã nhận được.\n"
        "Đã chặn bot: Tổ CNSCĐ Thôn 3 (thành viên 3)."
    ]
    assert all(len(texts) == 1 for texts in api.delivered.values())
    assert await broadcasts.finish_completed(services) == 0

    [done] = await official.send(button_update(official.user, refresh))
    assert done == "Tiến độ: đã gửi 5, đang chờ 0, lỗi đang thử lại 0, không gửi được 1 (tổng 6)."
    assert await settled(store)


async def test_members_cannot_broadcast_and_the_dialog_can_be_edited_or_cancelled(
    store: Store,
    chats: dict[str, int],
    app: tuple[Application, FakeBotApi],
) -> None:
    member = Chat(*app, chats["Tổ CNSCĐ Thôn 1 (thành viên 1)"])
    assert (await member.say("/thongbao Họp"))[0].startswith("Chỉ cán bộ")

    official = Chat(*app, chats[OFFICIAL])
    [too_long] = await official.say("/thongbao " + "x" * 3100)
    assert too_long.startswith("Thông báo quá dài (3100 ký tự; tối đa 3000)")
    await official.say("/thongbao Lịch họp tuần này")
    [confirm] = await official.press("Cả hai (7)")
    assert confirm == "Gửi thông báo này tới 7 thành viên và cán bộ thuộc Đồng Lạc?"
    [again] = await official.press("Sửa")
    assert again.startswith("Anh/chị gõ nội dung thông báo")
    [preview] = await official.say("Lịch họp đã đổi sang thứ Ba")
    assert "Lịch họp đã đổi sang thứ Ba" in preview
    [wrong] = (await official.say("/thongbao"))[:1]
    assert wrong.startswith("Xem trước thông báo:")  # /thongbao again resumes
    [cancelled] = await official.press("Hủy")
    assert cancelled == "Đã hủy thông báo; chưa gửi gì."
    assert await store.db.fetch_value("SELECT COUNT(*) FROM outbox") == 0


async def test_an_admin_reaches_everyone(
    store: Store,
    chats: dict[str, int],
    app: tuple[Application, FakeBotApi],
) -> None:
    elsewhere = (await store.units.by_name("Việt Yên"))[0]
    outsider = await store.people.add_person("Trần Văn Minh", "official", elsewhere.id)  # type: ignore[arg-type]
    await store.people.link_identity(outsider.id, "telegram", "777", chat_id="777")
    admin = Chat(*app, chats["Quản trị hệ thống"])
    await admin.say("/thongbao Bảo trì hệ thống tối nay")
    assert admin.labels() == ["Thành viên (6)", "Cán bộ (2)", "Cả hai (8)", "Hủy"]
    [confirm] = await admin.press("Cán bộ (2)")
    assert confirm == "Gửi thông báo này tới 2 cán bộ thuộc tất cả các đơn vị?"
    await admin.press("Gửi")
    rows = await store.db.fetch_all("SELECT recipient, payload_json FROM outbox ORDER BY id")
    assert sorted(row["recipient"] for row in rows) == sorted([str(chats[OFFICIAL]), "777"])
    assert json.loads(rows[0]["payload_json"])["text"].startswith(
        "Thông báo từ Quản trị hệ thống (Đồng Lạc):"
    )
