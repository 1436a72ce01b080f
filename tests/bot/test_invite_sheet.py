"""Invites for a whole commune at once, who has joined, revoking a code and removing a
person: in the chat through the real Telegram channel, and with `chitieu invite
--each-village` / `chitieu people remove` at the terminal."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.telegram_channel import build_application
from handlers.app import build_router
from handlers.members.sheet import qr_png
from handlers.services import Services
from indicators.values import PercentValue
from storage import Store
from tests.bot.conftest import NOW
from tests.bot.fake_telegram import TOKEN
from tests.bot.telegram_session import Session
from tests.bot.test_telegram_questions import FilesApi
from tests.clock import TestClock

OFFICIAL = "Nguyễn Thị Lan (Văn phòng - Thống kê)"
LAN = 616161
VILLAGES = [f"Thôn {n}" for n in range(1, 7)]
CODE = re.compile(r"• (Thôn \d): ([A-Z0-9]{8})")


def sheet_rows(content: bytes) -> tuple[list[tuple[object, ...]], list[bytes]]:
    """The sheet's rows under its header, and its pictures' PNG bytes in order."""
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    pictures = sorted(ws._images, key=lambda image: image.anchor._from.row)
    return rows, [image._data() for image in pictures]


async def test_an_official_invites_every_village_and_manages_the_team(store: Store, clock) -> None:
    clock.set(NOW)
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    lan_id = next(p.id for p in await store.people.in_subtree(commune.id) if p.name == OFFICIAL)
    await store.people.link_identity(lan_id, "telegram", str(LAN), chat_id=str(LAN))
    api = FilesApi()
    services = Services(store=store, bot_username="chitieu_test_bot")
    app = build_application(TOKEN, build_router(services), request=api, rate_limit=False)
    async with app:
        lan = Session(app, api, LAN)
        [text] = await lan.say("mời thành viên")
        assert text.startswith("Mã mời cho 6 thôn của xã Đồng Lạc (dành cho thành viên tổ):")
        assert "Mỗi mã dùng được 10 lần, đến ngày 23/12/2026." in text
        codes = dict(CODE.findall(text))
        assert list(codes) == VILLAGES
        [(name, content)] = [(n, c) for method, n, c in api.files if method == "sendDocument"]
        assert name == "ma-moi-xa-dong-lac.xlsx"
        rows, pictures = sheet_rows(content)
        assert [(r[1], r[2]) for r in rows] == list(codes.items())
        link = f"https://t.me/chitieu_test_bot?start={codes['Thôn 2']}"
        assert link in str(rows[1][3])
        # Each village's QR code holds its own deep link.
        assert pictures == [
            qr_png(f"https://t.me/chitieu_test_bot?start={codes[v]}") for v in VILLAGES
        ]

        # Two people of Thôn 2 join with the same code; one of Thôn 5.
        for user, village in ((801, "Thôn 2"), (802, "Thôn 2"), (803, "Thôn 5")):
            joined = await Session(app, api, user).say(f"/start {codes[village]}")
            assert joined[0].startswith(
                f"Chào mừng anh/chị! Anh/chị đã đăng ký là thành viên Tổ công nghệ số cộng đồng của {village}."
            )
        [roster] = await lan.say("danh sách thành viên")
        assert roster.startswith("Thành viên của xã Đồng Lạc: 11 người.")
        thon_2 = roster.split("• Thôn 2:")[1].split("• Thôn 3")[0]
        assert thon_2.count("— Telegram, từ 23/11/2026") == 2
        assert "(thành viên)" in thon_2

        # Revoke Thôn 5's code: nobody else joins with it; who joined stays.
        [revoked] = await lan.say(f"thu hồi mã {codes['Thôn 5'].lower()}")
        assert revoked.startswith(f"Đã thu hồi mã {codes['Thôn 5']} (Thôn 5)")
        late = await Session(app, api, 804).say(f"/start {codes['Thôn 5']}")
        assert "đã được sử dụng hết" in late[0]
        assert (await lan.say("thu hồi mã ZZZZ9999"))[0].startswith(
            "Không tìm thấy mã mời ZZZZ9999"
        )

        # Remove the first member of Thôn 2 after recording a figure as them.
        newcomer = await store.people.by_identity("telegram", "801")
        assert newcomer is not None
        thon_2_unit = (await store.units.by_name("Thôn 2", level="thôn"))[0]
        value = await store.values.record(
            thon_2_unit.id, "dong-lac-2026", "3.3", "2026-Q4", PercentValue(Decimal(70)),
            person_id=newcomer.id, channel="telegram",
        )  # fmt: skip
        # The fake names every newcomer "Lan": the official chooses among them.
        [ask] = await lan.say("xóa thành viên lan")
        assert ask == "Có nhiều người trùng tên; anh/chị muốn xóa ai?"
        assert lan.labels() == ["Xóa Lan (Thôn 2)", "Xóa Lan (Thôn 2)", "Xóa Lan (Thôn 5)"]
        await store.people.update(newcomer.id, name="Hoàng Văn Nam")
        [ask] = await lan.say("xóa thành viên hoang van nam")
        assert ask.startswith("Xóa Hoàng Văn Nam (Thôn 2) khỏi tổ?")
        assert "số liệu họ đã gửi vẫn giữ, kèm tên" in ask
        [done] = await lan.press("Xóa Hoàng Văn Nam (Thôn 2)")
        assert done == "Đã xóa Hoàng Văn Nam khỏi tổ. Số liệu họ đã gửi vẫn giữ, kèm tên."
        assert await store.people.by_identity("telegram", "801") is None
        assert "chưa đăng ký" in (await Session(app, api, 801).say("báo cáo"))[0]
        kept = await store.values.get(value.id)
        assert kept is not None and kept.person_id == newcomer.id
        [roster] = await lan.say("danh sách thành viên")
        assert roster.startswith("Thành viên của xã Đồng Lạc: 10 người.")

        # Members cannot invite.
        member = Session(app, api, 802)
        assert (await member.say("mời thành viên"))[0].startswith("Chỉ cán bộ xã")


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Run:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHITIEU_DB", str(tmp_path / "chitieu.sqlite3"))
    monkeypatch.delenv("CHITIEU_TELEGRAM_TOKEN", raising=False)
    clock = TestClock(NOW)

    def go(*args: str) -> tuple[int, str, str]:
        code = main(list(args), clock=clock)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return go


def test_invite_each_village_revoke_and_remove_at_the_terminal(run: Run, tmp_path: Path) -> None:
    assert run("init", "--demo")[0] == 0
    code, out, err = run("invite", "--each-village", "--unit", "Đồng Lạc", "--out", "moi.xlsx")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "6 mã mời — Mỗi mã dùng được 10 lần, đến ngày 23/12/2026."
    codes = dict(line.split("\t")[:2] for line in lines[1:7])
    assert list(codes) == VILLAGES
    assert lines[2] == f"Thôn 2\t{codes['Thôn 2']}\t/start {codes['Thôn 2']}"
    rows, pictures = sheet_rows((tmp_path / "moi.xlsx").read_bytes())
    assert [r[2] for r in rows] == list(codes.values())
    assert f"/start {codes['Thôn 1']}" in str(rows[0][3])
    # Without the bot's username the QR code holds the code itself.
    assert pictures == [qr_png(codes[v]) for v in VILLAGES]

    assert run("invite", "--revoke", codes["Thôn 3"])[1].startswith("Đã thu hồi")
    assert run("invite", "--revoke", codes["Thôn 3"])[1].startswith("Mã này vốn đã không còn")
    code, _out, err = run("invite", "--revoke", "NOPE2345")
    assert code == 1 and "không có mã mời này" in err
    code, _out, err = run("invite", "--each-village", "--unit", "Thôn 1")
    assert code == 1 and "không có thôn, tổ dân phố nào" in err
    code, _out, err = run("invite", "--unit", "Thôn 1")
    assert code == 1 and "Cần ghi --role" in err

    people = run("people")[1]
    member = next(line for line in people.splitlines() if "Thôn 4 (thành viên 4)" in line)
    person_id = member.split()[0]
    assert run("people", "remove", person_id)[1].startswith("Đã xóa Tổ CNSCĐ Thôn 4")
    assert run("people", "remove", person_id)[1].endswith("đã được xóa từ trước.\n")
    assert "(removed)" in next(
        line for line in run("people")[1].splitlines() if "Thôn 4 (thành viên 4)" in line
    )
    asyncio.run(_check_counts(tmp_path))


async def _check_counts(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "chitieu.sqlite3", clock=TestClock(NOW)) as store:
        commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
        assert len(await store.members.in_subtree(commune.id)) == 7  # 8 demo people, 1 removed
