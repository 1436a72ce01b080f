"""An official sends the unit list to the bot through the real Telegram channel: the
preview shows what would be added under their unit, nothing is added before the
confirmation, nothing twice, and nothing outside their own subtree. /maukehoach sends
the plan template."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import setup
from indicators.people import Role
from storage import Store
from tests.bot.telegram_session import Session, application
from tests.bot.test_adopt_cli import VILLAGES, villages_sheet
from tests.bot.test_plan_file_chat import DocumentsApi, document_update
from tests.clock import TestClock

OFFICIAL, MEMBER = 818181, 828282


@pytest.fixture
async def fresh(tmp_path: Path, clock: TestClock) -> AsyncIterator[Store]:
    """A new database with nothing but the bundled plans (and the units they name)."""
    async with await Store.open(str(tmp_path / "fresh.sqlite3"), clock=clock) as store:
        await setup.load_bundled_plans(store)
        yield store


async def official_of(store: Store, name: str, level: str, chat: int) -> int:
    unit = (await store.units.by_name(name, level=level))[0]
    person = await store.people.add_person("Cán bộ văn phòng", Role.OFFICIAL, unit.id)
    await store.people.link_identity(person.id, "telegram", str(chat), chat_id=str(chat))
    return unit.id


async def _villages(store: Store, unit_id: int) -> list[str]:
    return [u.name for u in await store.units.children(unit_id)]


async def test_the_unit_list_is_previewed_then_added_once(fresh: Store, tmp_path: Path) -> None:
    commune = await official_of(fresh, "Đồng Lạc", "xã", OFFICIAL)
    sheet = villages_sheet(tmp_path / "danh-sach-thon.xlsx", VILLAGES)
    api = DocumentsApi()
    async with application(fresh, api) as app:
        official = Session(app, api, OFFICIAL)
        [preview] = await official.send(document_update(OFFICIAL, api, sheet))
        assert "13 đơn vị trong tệp, 12 đơn vị mới." in preview
        assert "= xã Đồng Lạc" in preview and "+   thôn Nà Pài" in preview
        assert "thêm 12 đơn vị này vào xã Đồng Lạc" in preview
        assert official.labels() == ["Xác nhận", "Hủy"]
        assert await _villages(fresh, commune) == []  # nothing before the confirmation

        [added] = await official.press("Xác nhận")
        assert added.startswith("Đã thêm 12 đơn vị vào xã Đồng Lạc.") and "/moi" in added
        assert await _villages(fresh, commune) == VILLAGES
        assert await fresh.conversations.get("telegram", str(OFFICIAL)) is None

        [again] = await official.send(document_update(OFFICIAL, api, sheet))
        assert "13 đơn vị trong tệp, 0 đơn vị mới." in again and "đã có cả" in again
        assert await _villages(fresh, commune) == VILLAGES


async def test_duplicates_and_units_outside_the_subtree_are_refused(
    fresh: Store, tmp_path: Path
) -> None:
    commune = await official_of(fresh, "Đồng Lạc", "xã", OFFICIAL)
    api = DocumentsApi()
    async with application(fresh, api) as app:
        official = Session(app, api, OFFICIAL)
        twice = tmp_path / "trung.csv"
        twice.write_text("Tên;Cấp;Thuộc\nNà Pài;thôn;Đồng Lạc\nNa Pai;thôn;Đồng Lạc\n",
                         encoding="utf-8")  # fmt: skip
        [preview] = await official.send(document_update(OFFICIAL, api, twice))
        assert "- Dòng 3: 'Na Pai' đã có ở dòng 2" in preview
        assert "Chưa thêm gì khi còn dòng vướng" in preview and official.labels() == ["Hủy"]
        [still] = await official.say("xác nhận")
        assert "Dòng 3" in still and await _villages(fresh, commune) == []
        [cancelled] = await official.press("Hủy")
        assert cancelled == "Chưa thêm đơn vị nào."

        elsewhere = tmp_path / "noi-khac.csv"
        elsewhere.write_text("Tên,Cấp,Thuộc\nNà Lừa,bản,Sông Mã\n", encoding="utf-8")
        [refused] = await official.send(document_update(OFFICIAL, api, elsewhere))
        assert "'Nà Lừa' sẽ nằm ngoài xã Đồng Lạc" in refused

        upside = tmp_path / "nguoc.csv"
        upside.write_text("Xã\nXã Hòa Bình\n", encoding="utf-8")
        [level] = await official.send(document_update(OFFICIAL, api, upside))
        assert "'Hòa Bình' không thể nằm dưới một đơn vị cấp xã" in level
        await official.press("Hủy")

        await fresh.people.link_identity(
            (await fresh.people.add_person("Tổ viên", Role.MEMBER, commune)).id,
            "telegram", str(MEMBER), chat_id=str(MEMBER),
        )  # fmt: skip
        [member] = await Session(app, api, MEMBER).send(document_update(MEMBER, api, twice))
        assert member == "Chỉ cán bộ xã mới gửi được danh sách đơn vị cho bot."
        assert await _villages(fresh, commune) == []


async def test_the_plan_template_comes_from_the_chat(fresh: Store) -> None:
    await official_of(fresh, "Đồng Lạc", "xã", OFFICIAL)
    api = DocumentsApi()
    async with application(fresh, api) as app:
        official = Session(app, api, OFFICIAL)
        await official.say("/start")
        assert "Mẫu kế hoạch" in official.labels()
        [text] = await official.press("Mẫu kế hoạch")
        assert "mẫu kế hoạch" in text.lower()
        [(method, name, content)] = api.files
        assert method == "sendDocument" and name.endswith(".xlsx")
        workbook = load_workbook(io.BytesIO(content))
        assert workbook.sheetnames[1] == "Hướng dẫn"
