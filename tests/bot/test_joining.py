"""Joining by invite code, and what unregistered and registered people are told."""

from __future__ import annotations

import datetime as dt

from indicators.people import Role
from storage import Store
from tests.bot.conftest import NOW, invite_code
from tests.bot.fake_telegram import FakeBotApi
from tests.bot.telegram_session import Session, application


async def test_codes_wrong_expired_used_up_and_good(store: Store, clock) -> None:
    api = FakeBotApi()
    unit = (await store.units.by_name("Thôn 3"))[0]
    clock.set(NOW - dt.timedelta(days=8))
    expired = await store.invites.create(
        unit.id, Role.MEMBER, expires_at=NOW - dt.timedelta(days=1)
    )
    clock.set(NOW)
    code = await invite_code(store, "Thôn 3")
    async with application(store, api) as app:
        stranger = Session(app, api, 111)
        replies = await stranger.say("chi tieu nao chua dat")
        assert "chưa đăng ký" in replies[0]
        assert "chưa đăng ký" in (await stranger.sticker())[0]
        assert "không đúng" in (await stranger.say("/start ZZZZ9999"))[0]
        assert "hết hạn" in (await stranger.say(f"/start {expired}"))[0]
        # The deep link sends "/start CODE"; a code typed in lower case with spaces works too.
        spaced = " ".join([code[:4].lower(), code[4:].lower()])
        replies = await stranger.say(f"/start {spaced}")
        assert "Chào mừng" in replies[0] and "Thôn 3" in replies[0]
        assert "Báo cáo số liệu" in stranger.labels()

        another = Session(app, api, 222)
        assert "đã được sử dụng hết" in (await another.say(f"/start {code}"))[0]

        replies = await stranger.say("/start")
        assert "Thôn 3 — anh/chị muốn làm gì?" in replies[0]
        replies = await stranger.say(f"/start {code}")
        assert "đã đăng ký rồi" in replies[0]
        replies = await stranger.say("/trogiup")
        assert "/baocao" in replies[0] and "/huy" in replies[0]
        replies = await stranger.say("hôm nay trời đẹp quá")
        assert "chưa hiểu" in replies[0]

    stored = await store.people.by_identity("telegram", "111")
    assert stored is not None and stored.unit_id == unit.id
    assert await store.people.by_identity("telegram", "222") is None


async def test_menu_buttons_run_commands(store: Store) -> None:
    api = FakeBotApi()
    code = await invite_code(store, "Thôn 4")
    async with application(store, api) as app:
        member = Session(app, api, 333)
        await member.say(f"/start {code}")
        replies = await member.press("Hướng dẫn")
        assert "Hướng dẫn sử dụng" in replies[0]
        replies = await member.say("/baocao")
        assert "Thôn 4" in replies[0]
