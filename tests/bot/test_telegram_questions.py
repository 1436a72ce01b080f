"""Officials' and members' questions through python-telegram-bot's real Application."""

from __future__ import annotations

import io
import math
import unicodedata
from fractions import Fraction
from typing import Any

from openpyxl import load_workbook

from bot.telegram_channel import register_commands
from indicators.people import Role
from indicators.values import RatioValue
from storage import Store
from tests.bot.conftest import invite_code
from tests.bot.fake_telegram import FakeBotApi, button_update
from tests.bot.telegram_session import Session, application

OFFICIAL, MEMBER = 515151, 626262


class FilesApi(FakeBotApi):
    """Keeps the files the bot uploads (photos, documents), by API method."""

    def __init__(self) -> None:
        super().__init__()
        self.files: list[tuple[str, str, bytes]] = []

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:  # fmt: skip
        if request_data is not None:
            for _name, (filename, content, *_rest) in request_data.multipart_data.items():
                self.files.append((url.rsplit("/", 1)[-1], filename, content))
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def joined(
    store: Store, app: Any, api: FakeBotApi, user: int, unit: str, role: str
) -> Session:
    session = Session(app, api, user)
    await session.say(f"/start {await invite_code(store, unit, Role(role))}")
    return session


async def needed(store: Store, code: str, period: str) -> tuple[int, str] | None:
    """How many more of the counted noun xã Đồng Lạc needs, from its villages' ratios."""
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    plan = await store.plans.get("dong-lac-2026")
    assert plan is not None
    indicator = plan.indicator(code)
    rows = await store.values.latest_in_subtree(commune.id, plan.id, period, indicator_codes=[code])
    ratios = [r.value for r in rows if isinstance(r.value, RatioValue)]
    numerator, denominator = sum(r.numerator for r in ratios), sum(r.denominator for r in ratios)
    target = Fraction(indicator.target.parts[0].amount)
    wanted = math.ceil(target * denominator / 100)
    assert indicator.formula is not None
    return (wanted - numerator, indicator.formula.gap_noun) if numerator < wanted else None


async def pages_of(official: Session, first: list[str]) -> str:
    text = first[0]
    more = [label for label in official.labels() if label.startswith("Xem thêm")]
    while more:
        text += "\n" + (await official.press(more[0]))[0]
        more = [label for label in official.labels() if label.startswith("Xem thêm")]
    return text


async def test_official_asks_without_diacritics_and_pages(store: Store) -> None:
    api = FilesApi()
    async with application(store, api) as app:
        official = await joined(store, app, api, OFFICIAL, "Đồng Lạc", "official")
        first = await official.say("chi tieu nao chua dat")
        text = first[0]
        assert text.startswith("Chỉ tiêu chưa đạt — xã Đồng Lạc, Quý III/2026")
        assert "5/6 thôn đã báo cáo đủ, 1 thôn chưa báo cáo." in text
        assert "Quý IV/2026 chưa có số liệu; dưới đây là số liệu Quý III/2026." in text
        pages = await pages_of(official, first)
        # Thôn 6 missed Q3: the villages' indicators are provisional, not "chưa đạt".
        assert (
            "Tạm tính, chưa đánh giá cho đến khi mọi đơn vị đã báo cáo (4): 3.1, 3.2, 3.3, 3.4."
            in pages
        )
        assert not any(ln.startswith(("• 3.1.", "• 3.2.")) for ln in pages.splitlines())
        thon_6 = (await store.units.by_name("Thôn 6"))[0]
        for code in ("3.1", "3.2", "3.3", "3.4"):
            await store.values.record(thon_6.id, "dong-lac-2026", code, "2026-Q3",
                                      RatioValue(100, 200))  # fmt: skip
        first = await official.say("chi tieu nao chua dat")
        assert "6/6 thôn đã báo cáo đủ." in first[0]
        pages = await pages_of(official, first)
        assert "Tạm tính" not in pages
        for code in ("3.1", "3.2"):
            gap = await needed(store, code, "2026-Q3")
            line = next((ln for ln in pages.splitlines() if ln.startswith(f"• {code}.")), None)
            if gap is None:
                assert line is None
            else:
                assert line is not None and f"cần thêm {gap[0]} {gap[1]}" in line
                assert ": đạt " in line and ", chỉ tiêu ≥" in line


async def test_progress_comes_with_a_chart(store: Store) -> None:
    api = FilesApi()
    async with application(store, api) as app:
        official = await joined(store, app, api, OFFICIAL, "Đồng Lạc", "official")
        decomposed = unicodedata.normalize("NFD", "tình hình xã Đồng Lạc")
        replies = await official.say(decomposed)
        assert replies[0].startswith("Tiến độ — xã Đồng Lạc, Quý III/2026")
        assert "• Xã hội số:" in replies[0] and "Tổng cộng:" in replies[0]
        photos = [(name, content) for method, name, content in api.files if method == "sendPhoto"]
        assert len(photos) == 1
        name, content = photos[0]
        assert name.endswith(".png") and content.startswith(b"\x89PNG") and len(content) > 20_000
        again = await official.press("Chưa đạt")
        assert again[0].startswith("Chỉ tiêu chưa đạt — xã Đồng Lạc, Quý III/2026")


async def test_who_has_not_reported(store: Store) -> None:
    api = FilesApi()
    async with application(store, api) as app:
        official = await joined(store, app, api, OFFICIAL, "Đồng Lạc", "official")
        text = (await official.say("thôn nào chưa báo cáo"))[0]
        assert text.startswith("Chưa báo cáo đủ — xã Đồng Lạc, Quý IV/2026")
        assert "Hạn: trước ngày 25/12/2026 (còn 31 ngày)." in text
        assert "• Thôn 6 (Tổ CNSCĐ Thôn 6 (thành viên 6)): thiếu cả 4 chỉ tiêu" in text
        assert "Kỳ Quý III/2026 vẫn còn thiếu: Thôn 6." in text
        named = (await official.say("/chuanop quý 3"))[0]
        assert "Quý III/2026" in named and "Thôn 6" in named and "Thôn 5 (" not in named


async def test_a_member_sees_only_their_village(store: Store) -> None:
    api = FilesApi()
    async with application(store, api) as app:
        member = await joined(store, app, api, MEMBER, "Thôn 2", "member")
        refused = (await member.say("thôn 3 chưa đạt gì"))[0]
        assert (
            "Thôn 3 nằm ngoài phạm vi" in refused and "chỉ xem được số liệu của Thôn 2" in refused
        )
        assert "nằm ngoài phạm vi" in (await member.say("tiến độ xã Đồng Lạc"))[0]
        own = (await member.say("cáp quang"))[0]
        assert own.startswith("3.1. Tỷ lệ phủ của hạ tầng mạng băng rộng cáp quang")
        assert "Thôn 2, Quý III/2026" in own and "hộ gia đình" in own
        assert "Thôn 1" not in own
        assert "Chỉ cán bộ xã" in (await member.say("/xuatbaocao"))[0]


async def test_a_year_stands_on_its_latest_quarter(store: Store) -> None:
    api = FilesApi()
    async with application(store, api) as app:
        official = await joined(store, app, api, OFFICIAL, "Đồng Lạc", "official")
        text = (await official.say("cáp quang năm 2026"))[0]
        assert "xã Đồng Lạc, Năm 2026 — chỉ tiêu ≥76%" in text
        # Thôn 6 missed Q3: its Q2 figure stands for the year, so all six count.
        assert "(tổng hợp từ 6/6 thôn)" in text and "• Thôn 6: chưa có số liệu" not in text


async def test_export_sends_the_appendix_as_a_document(store: Store) -> None:
    api = FilesApi()
    async with application(store, api) as app:
        official = await joined(store, app, api, OFFICIAL, "Đồng Lạc", "official")
        replies = await official.say("/xuatbaocao")
        assert "Bảng phụ lục — xã Đồng Lạc, Quý III/2026" in replies[0]
        documents = [(n, c) for method, n, c in api.files if method == "sendDocument"]
        assert len(documents) == 1 and documents[0][0] == "phu-luc-xa-dong-lac-2026-Q3.xlsx"
        book = load_workbook(io.BytesIO(documents[0][1]))
        rows = list(book["Phụ lục 01"].iter_rows(values_only=True))
        assert rows[3][5] == "Đánh giá"
        judged = {r[0]: r[5] for r in rows[4:] if r[5]}
        assert set(judged) == {i.code for g in (await store.plans.get("dong-lac-2026")).groups
                               for i in g.indicators}  # fmt: skip
        assert set(judged.values()) <= {"Đạt", "Chưa đạt", "Không đánh giá được", "Chưa có số liệu",
                                        "Tạm tính (5/6 thôn)"}  # fmt: skip
        # Thôn 6 has no Q3 figures: the villages' indicators are not judged, and say so.
        assert {judged[c] for c in ("3.1", "3.2", "3.3", "3.4")} == {"Tạm tính (5/6 thôn)"}
        assert rows[2][0] == "5/6 thôn đã báo cáo đủ, 1 thôn chưa báo cáo."


async def test_unreadable_questions_get_examples_and_commands_are_listed(store: Store) -> None:
    api = FilesApi()
    async with application(store, api) as app:
        official = await joined(store, app, api, OFFICIAL, "Đồng Lạc", "official")
        replies = await official.say("alo")
        assert (
            "chưa hiểu" in replies[0] and "/chuadat" in replies[0] and "/xuatbaocao" in replies[0]
        )
        assert {"Chưa đạt", "Tiến độ", "Chưa báo cáo"} <= set(official.labels())
        picked = await official.say("/chitieu")
        assert "Anh/chị muốn xem chỉ tiêu nào?" in picked[0]
        replies = await official.press("3.1 Tỷ lệ phủ của hạ tầng mạng băng rộng cáp quang…")
        assert replies[0].startswith("3.1. Tỷ lệ phủ") and "Diễn biến: Quý I/2026" in replies[0]
        forged = button_update(OFFICIAL, "q:s:999999:-:-:0")
        assert "không còn hiệu lực" in (await official.send(forged))[0]
        await register_commands(app)
        menu = [c for c in api.calls if c.method == "setMyCommands"][-1].params["commands"]
        assert {"command": "chuadat", "description": "Những chỉ tiêu chưa đạt"} in menu
        assert {"chuadat", "tiendo", "chuanop", "chitieu", "xuatbaocao"} <= {
            c["command"] for c in menu
        }
