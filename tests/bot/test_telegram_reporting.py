"""The reporting conversation end to end through python-telegram-bot's real Application."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.telegram_channel import build_application, register_commands
from handlers.app import build_router
from indicators.values import RatioValue
from storage import Store
from tests.bot.conftest import invite_code, services_for
from tests.bot.fake_telegram import TOKEN, FakeBotApi, button_update, message_update

USER = 424242


async def send(app: Application, api: FakeBotApi, update: dict[str, Any]) -> list[str]:  # type: ignore[type-arg]
    before = len(api.sent_texts())
    await app.process_update(Update.de_json(update, app.bot))
    return api.sent_texts()[before:]


def button(api: FakeBotApi, label: str) -> str:
    for row in api.last_keyboard():
        for key in row:
            if key["text"] == label:
                return str(key["callback_data"])
    raise AssertionError(f"no button {label!r} in {api.last_keyboard()}")


def started(store: Store, api: FakeBotApi) -> Application:  # type: ignore[type-arg]
    return build_application(
        TOKEN, build_router(services_for(store)), request=api, rate_limit=False
    )


async def test_join_report_restart_and_save(demo_db: str, clock) -> None:
    api = FakeBotApi()
    async with await Store.open(demo_db, clock=clock) as store:
        code = await invite_code(store, "Thôn 2")
        app = started(store, api)
        async with app:
            await register_commands(app)
            commands = [c for c in api.calls if c.method == "setMyCommands"][0]
            assert {
                "command": "baocao",
                "description": "Báo cáo số liệu chỉ tiêu",
            } in commands.params["commands"]

            replies = await send(app, api, message_update(USER, f"/start {code}"))
            assert "Chào mừng" in replies[0] and "Thôn 2" in replies[0]

            replies = await send(app, api, message_update(USER, "/baocao"))
            assert "Quý IV/2026" in replies[0] and "25/12/2026" in replies[0]

            replies = await send(app, api, button_update(USER, button(api, "Bắt đầu")))
            assert "3.1" in replies[-1]
            assert "Số hộ gia đình sử dụng mạng băng rộng cáp quang?" in replies[-1]

            # A sticker, then nonsense: explained, and the same question again.
            replies = await send(app, api, message_update(USER, None, sticker=True))
            assert "chỉ đọc được tin nhắn chữ" in replies[0]
            assert "Số hộ gia đình sử dụng mạng băng rộng cáp quang?" in replies[-1]
            replies = await send(app, api, message_update(USER, "abc"))
            assert "không thấy con số" in replies[0]

            replies = await send(app, api, message_update(USER, "175 hộ"))
            assert "Tổng số hộ gia đình trên địa bàn?" in replies[-1]

        # The bot restarts in the middle of the conversation.
        api2 = FakeBotApi()
        app = started(store, api2)
        async with app:
            replies = await send(app, api2, message_update(USER, "300"))
            assert any("58,33% (175/300 hộ gia đình)" in r for r in replies)
            assert any("cần thêm 53 hộ gia đình" in r for r in replies)  # 76% of 300 = 228
            replies = await send(app, api2, button_update(USER, button(api2, "Bỏ qua")))
            assert "3.2" in replies[-1]
            # Redelivered update: handled once.
            update = message_update(USER, "/huy")
            first = await send(app, api2, update)
            again = await send(app, api2, update)
            assert "Đã hủy" in first[0] and again == []

            replies = await send(app, api2, message_update(USER, "bao cao"))
            replies = await send(app, api2, button_update(USER, button(api2, "Bắt đầu")))
            await send(app, api2, message_update(USER, "175/300"))
            await send(app, api2, message_update(USER, "Thiếu hạ tầng cáp ở xóm trong"))
            for _ in range(3):
                await send(app, api2, button_update(USER, button(api2, "Bỏ qua")))
            replies = api2.sent_texts()[-1:]
            assert "Tóm tắt" in replies[-1]
            replies = await send(app, api2, button_update(USER, button(api2, "Lưu")))
            assert "Đã lưu 1 số liệu" in replies[-1]

        unit = (await store.units.by_name("Thôn 2"))[0]
        saved = await store.values.latest([unit.id], "dong-lac-2026", "2026-Q4")
        by_code = {v.indicator_code: v for v in saved}
        assert by_code["3.1"].value == RatioValue(175, 300)
        assert by_code["3.1"].note == "Thiếu hạ tầng cáp ở xóm trong"
        assert by_code["3.1"].channel == "telegram"
        assert Fraction(175, 300) == by_code["3.1"].value.as_fraction()
