"""The Zalo Official Account end to end, wired as `chitieu run` wires it: the real
webhook, router, outbox senders and channels against the fake OA (and the fake Telegram
Bot API) over HTTP on loopback, on the demo commune."""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx
import pytest

from bot.telegram_channel import TelegramChannel
from bot.zalo.oa import TokenManager, TokenPair
from bot.zalo.oa_tokens import DatabaseTokenStore
from handlers.broadcasts import announcements as broadcasts
from handlers.channels import Channel
from handlers.messages import Reply
from handlers.reminders import rounds as reminders
from handlers.services import Services
from indicators.people import NOT_ALLOWED
from indicators.periods import VIETNAM_TZ
from indicators.reminders import ReminderSettings
from storage import Store
from tests.bot.conftest import invite_code
from tests.bot.fake_limits import LimitedBotApi, bot_for
from tests.bot.fake_telegram import FakeBotApi
from tests.bot.sending import settled
from tests.bot.telegram_session import Session, application
from tests.bot.zalo.fake_oa import APP_ID, APP_SECRET, FakeZaloOA
from tests.bot.zalo.support import signed, text_event
from tests.bot.zalo_oa_session import (
    Follower,
    fake_oa_server,
    running_oa,
    send_outbox,
)
from tests.clock import TestClock

THON_4 = "Tổ CNSCĐ Thôn 4 (thành viên 4)"
THON_5 = "Tổ CNSCĐ Thôn 5 (thành viên 5)"
THON_6 = "Tổ CNSCĐ Thôn 6 (thành viên 6)"
OFFICIAL = "Nguyễn Thị Lan (Văn phòng - Thống kê)"
SILENT = "(quá 7 ngày chưa nhắn)"
CODE = re.compile(r"\b(\d{6})\b")


def at(month: int, day: int, hour: int = 8) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=VIETNAM_TZ)


async def person_id(store: Store, name: str) -> int:
    return next(p.id for p in await store.people.all() if p.name == name)


async def on(store: Store, name: str, channel: str, chat: str) -> int:
    """The demo person `name` writes from `chat` on `channel` too; their id."""
    found = await person_id(store, name)
    await store.people.link_identity(found, channel, chat, chat_id=chat)
    return found


async def outbox_rows(store: Store) -> list[dict[str, object]]:
    rows = await store.db.fetch_all(
        "SELECT channel, recipient, state, last_error, payload_json FROM outbox ORDER BY id"
    )
    return [dict(row) | {"payload": json.loads(row["payload_json"])} for row in rows]


async def test_a_whole_report_a_shortfall_question_and_a_chart(
    store: Store, clock: TestClock
) -> None:
    fake = FakeZaloOA()
    async with fake_oa_server(fake) as url, running_oa(store, fake, url) as running:
        user = Follower(running, fake, "z-new")
        code = await invite_code(store, "Thôn 6")

        [welcome] = await user.say(code)  # the code alone joins; the menu in one message
        assert "Thôn 6" in welcome and "Báo cáo số liệu" in user.labels()
        [intro] = await user.say("/baocao")
        assert intro.startswith("Báo cáo số liệu của Thôn 6, kỳ Quý IV/2026")
        assert user.labels() == ["Bắt đầu", "Quý III/2026 (quá hạn)", "Hủy"]
        [question] = await user.press("Bắt đầu")
        assert "Số hộ gia đình sử dụng mạng băng rộng cáp quang?" in question
        await user.say("150")
        [recorded] = await user.say("300")  # the acknowledgement and the next question
        assert recorded.startswith(
            "Đã ghi 3.1: 50% (150/300 hộ gia đình) — chưa đạt: cần thêm 78 hộ gia đình"
            " (chỉ tiêu năm 2026).\n\nKhó khăn, vướng mắc hoặc đề xuất về chỉ tiêu 3.1?"
        )
        for _ in range(4):  # the comment and the three other indicators
            await user.press("Bỏ qua")
        assert user.labels() == ["Lưu", "Sửa", "Hủy"]
        [saved] = await user.press("Lưu")
        assert saved.startswith("Đã lưu 1 số liệu kỳ Quý IV/2026.")

        [not_met] = await user.say("chỉ tiêu nào chưa đạt")
        assert not_met.startswith("Chỉ tiêu chưa đạt — Thôn 6, Quý IV/2026")
        assert "đạt 50% (150/300 hộ gia đình), chỉ tiêu ≥76%: cần thêm 78 hộ gia đình" in not_met

        await user.say("/tiendo")
        [upload] = fake.uploads
        assert upload["filename"].endswith(".png") and upload["content"][:4] == b"\x89PNG"
        picture = fake.messages[-1]["body"]["message"]
        assert picture["attachment"]["payload"]["elements"] == [
            {"media_type": "image", "attachment_id": "att-1"}
        ]
        assert all(len(text) <= 2000 for text in fake.texts())


async def test_forged_and_unsigned_events_are_refused_and_a_redelivery_is_handled_once(
    store: Store, clock: TestClock
) -> None:
    fake = FakeZaloOA()
    async with fake_oa_server(fake) as url, running_oa(store, fake, url) as running:
        user = Follower(running, fake, "z-1")
        code = await invite_code(store, "Thôn 1")
        raw, signature = signed(text_event("z-1", f"/start {code}", "msg-join"))

        assert await user.post(raw, "mac=" + "0" * 64) == 401
        assert await user.post(raw, None) == 401
        forged = raw.replace(b"z-1", b"z-2")  # signed for z-1, claims z-2
        assert await user.post(forged, signature) == 401
        assert fake.messages == [] and await store.people.by_identity("zalo_oa", "z-1") is None

        assert await user.post(raw, signature) == 200
        assert await user.post(raw, signature) == 200  # Zalo's redelivery: the same bytes
        welcome = [t for t in fake.texts("z-1") if t.startswith("Chào mừng")]
        assert len(welcome) == 1
        assert await store.people.by_identity("zalo_oa", "z-1") is not None


async def test_a_follow_is_greeted_once_and_an_unfollow_stops_messages_there(
    store: Store, clock: TestClock
) -> None:
    fake = FakeZaloOA()
    member = await on(store, THON_6, "zalo_oa", "z-6")
    async with fake_oa_server(fake) as url, running_oa(store, fake, url) as running:
        user = Follower(running, fake, "z-6")
        follow: dict[str, object] = {"app_id": APP_ID, "event_name": "follow",
                                     "timestamp": "1795398000001", "follower": {"id": "z-6"}}  # fmt: skip
        [menu] = await user.event(follow)
        assert menu == "Thôn 6 — anh/chị muốn làm gì?"
        assert await user.event(follow) == []  # redelivered
        unfollow = follow | {"event_name": "unfollow", "timestamp": "1795398000002"}
        assert await user.event(unfollow) == []
        assert await store.contacts.of_person(member) is None
        identity = await store.people.identity("zalo_oa", "z-6")
        assert identity is not None and identity.unreachable_reason == "blocked"


async def test_a_reminder_on_zalo_and_a_closed_window_shown_to_the_official(
    store: Store, clock: TestClock
) -> None:
    fake = FakeZaloOA()
    await on(store, THON_6, "zalo_oa", "z-6")
    await on(store, OFFICIAL, "telegram", "9001")
    async with fake_oa_server(fake) as url, running_oa(store, fake, url) as running:
        clock.set(at(9, 17))  # Thôn 6 lacks its Q3 figures; its member is on Zalo only
        [queued] = await reminders.run_due(Services(store=store), ReminderSettings())
        assert queued.unit.name == "Thôn 6"
        clock.run()
        await send_outbox(store, [running.channel], lambda: settled(store))
        [reminder] = fake.texts("z-6")
        assert reminder.startswith("Nhắc hạn: số liệu kỳ Quý III/2026 của Thôn 6")
        assert fake.buttons("z-6")[0]["title"] == "Báo cáo ngay"

        # Three days later the OA may not write to them any more (no message for 7 days).
        fake.window_closed.add("z-6")
        clock.set(at(9, 21))
        await reminders.run_due(Services(store=store), ReminderSettings())
        clock.run()
        await send_outbox(store, [running.channel], lambda: settled(store))
        refused = [r for r in await outbox_rows(store) if r["channel"] == "zalo_oa"][-1]
        assert refused["state"] == "dead"
        assert str(refused["last_error"]).startswith(
            "not allowed on zalo_oa: zalo error -230 (no interaction in the last 7 days)"
        )
        identity = await store.people.identity("zalo_oa", "z-6")
        assert identity is not None and identity.unreachable_reason == NOT_ALLOWED

        # The official's summary the morning after says so, and /nhacnho too.
        clock.set(at(9, 22))
        await reminders.run_due(Services(store=store), ReminderSettings())
        summary = [r for r in await outbox_rows(store) if r["recipient"] == "9001"][-1]
        assert (
            f"Không nhận được tin trên Zalo {SILENT}, nên chưa được nhắc: {THON_6}."
            in str(summary["payload"]["text"])  # type: ignore[index]
        )
        official = await store.people.get(await person_id(store, OFFICIAL))
        assert official is not None
        [answer] = await reminders.remind_now(Services(store=store), official, "")
        assert f"Không nhận được tin trên Zalo {SILENT}" in answer.text

        # Writing to the OA opens the window again: reachable there once more.
        await Follower(running, fake, "z-6").say("xin chào")
        contact = await store.contacts.of_person(await person_id(store, THON_6))
        assert contact is not None and contact.channel == "zalo_oa"


async def test_linked_from_telegram_a_refused_reminder_arrives_on_telegram(
    store: Store, clock: TestClock
) -> None:
    fake = FakeZaloOA()
    member = await on(store, THON_6, "telegram", "9006")
    api = FakeBotApi()
    async with (
        fake_oa_server(fake) as url,
        running_oa(store, fake, url) as running,
        application(store, api) as app,
    ):
        telegram = Session(app, api, 9006)
        [shown] = await telegram.say("/ketnoi")
        match = CODE.search(shown)
        assert match is not None and "10 phút" in shown
        clock.advance(dt.timedelta(minutes=1))
        zalo = Follower(running, fake, "z-6")
        [linked] = await zalo.say(match.group(1))  # the code alone, by someone new here
        assert linked.startswith(f"Đã liên kết: {THON_6}")
        person = await store.people.by_identity("zalo_oa", "z-6")
        assert person is not None and person.id == member
        assert (await store.contacts.of_person(member)).channel == "zalo_oa"

        fake.window_closed.add("z-6")
        clock.set(at(9, 17))
        await reminders.run_due(Services(store=store), ReminderSettings())
        [queued] = await outbox_rows(store)
        assert queued["channel"] == "zalo_oa"  # the messenger they used last
        clock.run()
        limited = LimitedBotApi()
        async with bot_for(limited) as bot:
            channels: list[Channel] = [running.channel, TelegramChannel(bot)]
            await send_outbox(store, channels, lambda: settled(store))
    [moved] = await outbox_rows(store)
    assert (moved["channel"], moved["recipient"], moved["state"]) == ("telegram", "9006", "sent")
    [why] = moved["payload"]["rerouted"]  # type: ignore[index]
    assert "zalo error -230" in why
    [reminder] = limited.delivered[9006]
    assert reminder.startswith("Nhắc hạn: số liệu kỳ Quý III/2026 của Thôn 6")
    assert fake.texts("z-6") == [linked]


async def test_linked_from_zalo_a_report_begun_there_is_finished_on_telegram(
    store: Store, clock: TestClock
) -> None:
    fake = FakeZaloOA()
    member = await on(store, THON_6, "zalo_oa", "z-6")
    api = FakeBotApi()
    async with (
        fake_oa_server(fake) as url,
        running_oa(store, fake, url) as running,
        application(store, api) as app,
    ):
        zalo = Follower(running, fake, "z-6")
        [shown] = await zalo.say("/ketnoi")
        match = CODE.search(shown)
        assert match is not None
        telegram = Session(app, api, 9006)
        wrong = "000000" if match.group(1) != "000000" else "111111"
        [refused] = await telegram.say(f"/ketnoi {wrong}")
        assert refused.startswith("Mã liên kết không đúng")
        assert await store.people.by_identity("telegram", "9006") is None
        [linked] = await telegram.say(f"/ketnoi {match.group(1)}")
        assert linked.startswith(f"Đã liên kết: {THON_6}")

        clock.advance(dt.timedelta(minutes=1))
        await zalo.say("/baocao")
        await zalo.press("Bắt đầu")
        [denominator] = await zalo.say("150")
        assert denominator.endswith("Tổng số hộ gia đình trên địa bàn?")
        clock.advance(dt.timedelta(minutes=1))
        finished = await telegram.say("300")  # the same conversation, the other messenger
        assert finished[0].startswith("Đã ghi 3.1: 50% (150/300 hộ gia đình)")
        assert "Bỏ qua" in telegram.labels()

        clock.set(at(9, 17))
        await reminders.run_due(Services(store=store), ReminderSettings())
    [queued] = await outbox_rows(store)
    assert (queued["channel"], queued["recipient"]) == ("telegram", "9006")  # used last
    assert queued["payload"]["person_id"] == member  # type: ignore[index]


async def test_a_broadcast_to_people_on_telegram_on_zalo_and_out_of_zalos_window(
    store: Store, clock: TestClock
) -> None:
    fake = FakeZaloOA()
    for n in (1, 2, 3):
        await on(store, f"Tổ CNSCĐ Thôn {n} (thành viên {n})", "telegram", f"900{n}")
    await on(store, OFFICIAL, "telegram", "9100")
    await on(store, THON_4, "zalo_oa", "z-4")
    await on(store, THON_5, "zalo_oa", "z-5")  # Zalo only, silent for a week
    await on(store, THON_6, "telegram", "9006")
    clock.advance(dt.timedelta(minutes=1))
    await on(store, THON_6, "zalo_oa", "z-6")  # Zalo linked later, silent too
    fake.window_closed |= {"z-5", "z-6"}
    api = FakeBotApi()
    async with (
        fake_oa_server(fake) as url,
        running_oa(store, fake, url) as running,
        application(store, api) as app,
    ):
        official = Session(app, api, 9100)
        await official.say("/thongbao")
        await official.say("Họp Tổ CNSCĐ lúc 8 giờ sáng thứ Hai.")
        await official.press("Thành viên (6)")
        [queued] = await official.press("Gửi")  # and the progress, in one message
        assert queued.startswith("Đã xếp hàng gửi thông báo tới 6 người.")
        batch = str(await store.db.fetch_value("SELECT batch_id FROM broadcasts"))

        async def reported() -> bool:
            done = await store.broadcasts.get(batch)
            return done is not None and done.finished_at is not None and await settled(store)

        clock.run()
        services = Services(store=store)
        limited = LimitedBotApi()
        async with bot_for(limited) as bot:
            await send_outbox(
                store,
                [running.channel, TelegramChannel(bot)],
                reported,
                on_drained=lambda: broadcasts.finish_completed(services),
            )
    announcement = f"Thông báo từ {OFFICIAL} (Đồng Lạc):\n\nHọp Tổ CNSCĐ lúc 8 giờ sáng thứ Hai."
    for chat in (9001, 9002, 9003, 9006):  # Thôn 6 through Telegram, Zalo refused it
        assert limited.delivered[chat] == [announcement]
    assert fake.texts("z-4") == [announcement]
    assert fake.texts("z-5") == fake.texts("z-6") == []
    assert limited.delivered[9100] == [
        "Đã gửi xong thông báo: 5/6 người đã nhận được.\n"
        f"Không nhận được tin trên Zalo {SILENT}: {THON_5}."
    ]


class Crash(Exception):
    pass


class CrashAfterSave(DatabaseTokenStore):
    """The process dies the instant the refreshed pair is committed, before any use."""

    async def save(self, pair: TokenPair) -> None:
        await super().save(pair)
        raise Crash


async def test_tokens_expire_rotate_and_survive_a_crash_between_refresh_and_use(
    demo_db: str, clock: TestClock
) -> None:
    fake = FakeZaloOA()
    configured = fake.grant()  # what CHITIEU_ZALO_ACCESS_TOKEN / _REFRESH_TOKEN hold
    async with fake_oa_server(fake) as url:
        async with (
            await Store.open(demo_db, clock=clock) as store,
            running_oa(store, fake, url, configured) as running,
        ):
            assert (await running.channel.send("z-1", Reply("một"))).sent
            clock.advance(
                dt.timedelta(hours=2)
            )  # the configured access token is not trusted longer
            assert (await running.channel.send("z-1", Reply("hai"))).sent
            assert fake.refreshes == [configured[1]]
            second = await store.zalo_tokens.load(APP_ID)
            assert second is not None and fake.messages[-1]["token"] == second.access_token
            clock.advance(dt.timedelta(hours=26))  # Zalo's access token lives 25 hours
            assert (await running.channel.send("z-1", Reply("ba"))).sent
            assert fake.refreshes == [configured[1], second.refresh_token]
            third = await store.zalo_tokens.load(APP_ID)
            assert third is not None
            fake.access_tokens.discard(third.access_token)  # revoked early: -216
            assert (await running.channel.send("z-1", Reply("bốn"))).sent
            assert len(fake.refreshes) == 3

            # The refresh is committed, then the process dies before using the new pair.
            clock.advance(dt.timedelta(hours=26))
            async with httpx.AsyncClient() as http:
                dying = TokenManager(
                    http,
                    CrashAfterSave(store.zalo_tokens, APP_ID),
                    clock,
                    app_id=APP_ID,
                    app_secret=APP_SECRET,
                    oauth_url=url,
                )
                with pytest.raises(Crash):
                    await dying.token()
        sent_before = len(fake.messages)

        # The restarted process still has the stale configured pair in its environment.
        async with (
            await Store.open(demo_db, clock=clock) as store,
            running_oa(store, fake, url, configured) as running,
        ):
            assert (await running.channel.send("z-1", Reply("năm"))).sent
            survived = await store.zalo_tokens.load(APP_ID)
    assert survived is not None and len(fake.refreshes) == 4
    assert fake.messages[sent_before]["token"] == survived.access_token
    assert fake.refused_refreshes == []  # the spent configured refresh token never went out again
    assert survived.access_token != configured[0]
