"""An official adds, renames and merges units of their subtree by typing, through the
real Telegram channel: each change is confirmed first, refused with a reason outside
their area or when it would duplicate a unit, and a rename or a merge keeps earlier
periods' answers naming the units as they were."""

from __future__ import annotations

from indicators.people import Role
from storage import Store
from tests.bot.fake_telegram import FakeBotApi
from tests.bot.telegram_session import Session, application

LAN, MEMBER = 919191, 929292


async def _official(
    store: Store, unit: str, level: str, chat: int, role: Role = Role.OFFICIAL
) -> int:
    found = (await store.units.by_name(unit, level=level))[0]
    person = await store.people.add_person("Cán bộ", role, found.id)
    await store.people.link_identity(person.id, "telegram", str(chat), chat_id=str(chat))
    return found.id


async def _children(store: Store, unit_id: int) -> list[str]:
    return [u.name for u in await store.units.children(unit_id)]


async def test_add_and_rename_after_confirmation(store: Store) -> None:
    commune = await _official(store, "Đồng Lạc", "xã", LAN)
    before = await _children(store, commune)
    api = FakeBotApi()
    async with application(store, api) as app:
        lan = Session(app, api, LAN)
        [ask] = await lan.say("thêm thôn Nà Pài")
        assert ask == "Thêm thôn Nà Pài vào xã Đồng Lạc?" and lan.labels() == ["Xác nhận", "Hủy"]
        assert await _children(store, commune) == before
        [done] = await lan.press("Xác nhận")
        assert done.startswith("Đã thêm thôn Nà Pài vào xã Đồng Lạc.")
        assert await _children(store, commune) == [*before, "Nà Pài"]

        [twice] = await lan.say("thêm thôn Na Pai")
        assert twice == "xã Đồng Lạc đã có đơn vị tên Nà Pài; không cần thêm."
        [upward] = await lan.say("thêm xã Hòa Bình")
        assert upward.startswith("xã Đồng Lạc không thể có xã")
        [outside] = await lan.say("thêm thôn Nà Lừa vào thị trấn Sông Mã")
        assert "nằm ngoài xã Đồng Lạc" in outside

        [ask] = await lan.say("đổi tên thôn 3 thành thôn Khuổi Lịa")
        assert ask.startswith("Đổi tên Thôn 3 thành thôn Khuổi Lịa?")
        [kept] = await lan.say("hủy")
        assert kept == "Chưa thay đổi gì." and "Thôn 3" in await _children(store, commune)
        await lan.say("đổi tên thôn 3 thành thôn Khuổi Lịa")
        [renamed] = await lan.say("xác nhận")
        assert renamed == "Đã đổi tên: Thôn 3 nay là thôn Khuổi Lịa."
        thon_3 = (await store.units.by_name("Thôn 3", level="thôn"))[0]
        assert thon_3.name == "Khuổi Lịa"  # the old name still finds it
        assert [f.name for f in await store.units.former_names(thon_3.id)] == ["Thôn 3"]

        [unknown] = await lan.say("đổi tên thôn 99 thành thôn Mới")
        assert unknown.startswith("Không tìm thấy đơn vị “thôn 99” trong xã Đồng Lạc")
        [clash] = await lan.say("đổi tên thôn 4 thành thôn Nà Pài")
        assert clash == "Ở đó đã có đơn vị tên Nà Pài; anh/chị chọn tên khác."
        [own] = await lan.say("đổi tên xã Đồng Lạc thành xã Mới")
        assert own.startswith("xã Đồng Lạc là đơn vị của anh/chị")

        await store.people.link_identity(
            (await store.people.add_person("Tổ viên", Role.MEMBER, thon_3.id)).id,
            "telegram", str(MEMBER), chat_id=str(MEMBER),
        )  # fmt: skip
        [member] = await Session(app, api, MEMBER).say("thêm thôn Bản Mới")
        assert member == "Chỉ cán bộ xã mới thêm, đổi tên hoặc gộp được đơn vị."


async def test_earlier_periods_name_units_as_they_were(store: Store) -> None:
    commune = await _official(store, "Đồng Lạc", "xã", LAN)
    api = FakeBotApi()
    async with application(store, api) as app:
        lan = Session(app, api, LAN)
        [before] = await lan.say("cáp quang quý 3")
        assert "Thôn 3" in before and "Thôn 5" in before
        await lan.say("đổi tên thôn 3 thành thôn Khuổi Lịa")
        await lan.press("Xác nhận")
        [ask] = await lan.say("gộp thôn 5 vào thôn 4")
        assert ask.startswith("Gộp Thôn 5 vào Thôn 4?")
        [merged] = await lan.press("Xác nhận")
        assert (
            merged == "Đã gộp: Thôn 5 nay thuộc Thôn 4. 1 người của Thôn 5 nay thuộc tổ của Thôn 4."
        )
        assert "Thôn 5" not in await _children(store, commune)
        thon_4 = (await store.units.by_name("Thôn 4", level="thôn"))[0]
        team = [p.name for p in await store.people.in_subtree(thon_4.id) if p.unit_id == thon_4.id]
        assert "Tổ CNSCĐ Thôn 5 (thành viên 5)" in team

        # Q3 ended before both changes: its answer names the units as they were then.
        [then] = await lan.say("cáp quang quý 3")
        assert "Thôn 3" in then and "Khuổi Lịa" not in then and "Thôn 5" in then
        # The open quarter names them as they are now.
        [now] = await lan.say("cáp quang quý 4")
        assert "Khuổi Lịa" in now and "Thôn 5" not in now
        # The old name still finds the unit.
        [old] = await lan.say("cáp quang thôn 3 quý 3")
        assert "Thôn 3" in old

        [again] = await lan.say("gộp thôn 5 vào thôn 6")
        assert again == "Thôn 5 đã được gộp vào một đơn vị khác."
        [levels] = await lan.say("gộp thôn 6 vào xã Đồng Lạc")
        assert levels.startswith("xã Đồng Lạc là đơn vị của anh/chị")
