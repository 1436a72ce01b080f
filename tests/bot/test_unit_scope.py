"""A person reads and reports only within their unit's subtree, whatever they send.

Every other unit of the demo holds figures with a sentinel (31.337 of 31.339 households,
a note "SENTINEL-OUTSIDE"); a member of Thôn 1 and the official of another commune send
commands, typed unit names, menu buttons and crafted callback data, and not one of those
figures is shown, and not one value is written outside their own subtree.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.app import build_router
from handlers.messages import Reply, Turn, TurnKind
from handlers.router import Router
from indicators.people import Person, Role
from indicators.units import Unit
from indicators.values import RatioValue
from storage import Store
from tests.bot.conftest import services_for
from tests.bot.fake_telegram import FakeBotApi
from tests.bot.telegram_session import Session, application

PLANS = ("dong-lac-2026", "dong-lac-2025")
PERIODS = ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026-07", "2026", "2027-Q1", "2025-Q4")
SENTINEL = RatioValue(31337, 31339)
SENTINEL_NOTE = "SENTINEL-OUTSIDE"
SHOWN = ("31337", "31.337", "31 337", "31339", "31.339", "99,99", "SENTINEL")
REFUSED = "ngoài phạm vi"


async def other_commune(store: Store) -> tuple[Unit, Person]:
    """xã Bằng Lãng beside Đồng Lạc in huyện Chợ Đồn, with an official of its own."""
    cho_don = (await store.units.by_name("Chợ Đồn"))[0]
    bang_lang = await store.units.add("Bằng Lãng", "xã", cho_don.id)
    official = await store.people.add_person("Hoàng Văn Bằng", Role.OFFICIAL, bang_lang.id)
    await store.people.link_identity(official.id, "telegram", "818181", chat_id="818181")
    return bang_lang, official


async def talk(store: Store, user: int) -> tuple[object, Session]:
    api = FakeBotApi()
    app = application(store, api)
    return app, Session(app, api, user)


async def test_a_member_naming_a_unit_above_them_is_told_so(store: Store) -> None:
    member = next(p for p in await store.people.all() if "Thôn 1" in p.name)
    await store.people.link_identity(member.id, "telegram", "717171", chat_id="717171")
    app, session = await talk(store, 717171)
    async with app:  # type: ignore[attr-defined]
        for asked in ("/chuadat huyện Chợ Đồn", "/tiendo Bắc Kạn",
                      "chỉ tiêu nào chưa đạt ở Chợ Đồn", "/chuanop xã Đồng Lạc"):  # fmt: skip
            [reply] = await session.say(asked)
            assert REFUSED in reply, asked
            assert reply.endswith("Anh/chị chỉ xem được số liệu của Thôn 1."), asked
        # A unit that exists nowhere is said to be unknown, quoted as typed, even when
        # its name shares a common word once accents are gone ("Chợ" and "cho").
        for asked in ("/chuadat huyện Chợ Mới", "tiến độ thôn Nà Pài"):
            [reply] = await session.say(asked)
            assert reply.startswith("Không tìm thấy đơn vị “"), (asked, reply)
        [reply] = await session.say("/chuadat huyện Chợ Mới")
        assert "“chợ mới”" in reply
        # A question without a unit is about their own, as before.
        [own] = await session.say("/chuadat")
        assert own.startswith("Chỉ tiêu chưa đạt — Thôn 1")


async def test_another_communes_official_cannot_export_dong_lac(store: Store) -> None:
    await other_commune(store)
    api = FakeBotApi()
    app = application(store, api)
    session = Session(app, api, 818181)
    async with app:
        [reply] = await session.say("/xuatbaocao Đồng Lạc")
        assert reply.startswith("Xin lỗi, xã Đồng Lạc nằm ngoài phạm vi anh/chị được xem.")
        [reply] = await session.say("/chuadat Thôn 2")  # Đồng Lạc's village, not theirs
        assert REFUSED in reply
    assert not [c for c in api.calls if c.method == "sendDocument"]


# --- the property: nothing outside the subtree, whatever is sent ------------------------

UNIT_WORDS = ["Thôn 2", "thôn 3", "thon 6", "Đồng Lạc", "xã Đồng Lạc", "huyện Chợ Đồn",
              "Chợ Đồn", "Bắc Kạn", "tỉnh Bắc Kạn", "Bằng Lãng", "xã Bằng Lãng", "Thôn 1",
              "Vĩnh Lộc", "huyện Vĩnh Lộc", "Thôn 99", "thôn 2 quý 3", "Đồng Lạc năm 2026"]  # fmt: skip
COMMANDS = ["chuadat", "tiendo", "chuanop", "chitieu", "xuatbaocao", "baocao", "nhacnho",
            "lienket", "thongbao", "start", "huy", "trogiup"]  # fmt: skip
QUESTIONS = ["chỉ tiêu nào chưa đạt ở {u}", "{u} chưa đạt", "tiến độ {u}", "{u} cáp quang",
             "xuất báo cáo {u}", "thôn nào chưa báo cáo {u}", "báo cáo số liệu {u}"]  # fmt: skip
KINDS = ["s", "p", "c", "i", "x", "z"]
ids = st.integers(min_value=-1, max_value=40).map(str) | st.sampled_from(["x", "", "1e3"])
period_codes = st.sampled_from([*PERIODS, "-", "2026-Q9", "abc"])


def question_button() -> st.SearchStrategy[str]:
    plain = st.builds(
        lambda k, u, p, g, n: f"q:{k}:{u}:{p}:{g}:{n}",
        st.sampled_from(KINDS), ids, period_codes, st.sampled_from(["-", "xa-hoi-so", "x"]),
        st.sampled_from(["0", "1", "99", "-1"]),
    )  # fmt: skip
    one = st.builds(lambda base, plan, code: f"{base}:{plan}:{code}", plain,
                    st.sampled_from([*PLANS, "x"]), st.sampled_from(["3.1", "1.1", "9.9"]))  # fmt: skip
    return plain | one


crafted = st.one_of(
    st.builds(
        lambda c, u: ("command", c, u),
        st.sampled_from(COMMANDS),
        st.sampled_from(["", *UNIT_WORDS]),
    ),
    st.builds(
        lambda q, u: ("text", "", q.format(u=u)),
        st.sampled_from(QUESTIONS),
        st.sampled_from(UNIT_WORDS),
    ),
    st.builds(lambda d: ("button", "", d), question_button()),
    st.builds(
        lambda p, c: ("button", "", f"rm:{p}:{c}"), st.sampled_from([*PLANS, "x"]), period_codes
    ),
    st.builds(lambda c: ("button", "", f"r:p:{c}"), period_codes),
    st.sampled_from(
        [
            ("button", "", d)
            for d in (
                "r:start",
                "r:v:5",
                "r:save",
                "r:all",
                "c:xuatbaocao",
                "c:baocao",
                "c:chuanop",
            )
        ]
    ),
    st.sampled_from([("text", "", t) for t in ("175/300", "bỏ qua", "lưu", "có", "1", "/1")]),
)


def visible(replies: Sequence[Reply]) -> str:
    """Everything a reply shows: texts, captions, button labels, and the workbook's cells."""
    parts: list[str] = []
    for reply in replies:
        parts.append(reply.text)
        parts += [b.label for row in reply.buttons for b in row]
        for attached in (reply.file, reply.image):
            if attached is None:
                continue
            parts.append(attached.caption)
            if attached.filename.endswith(".xlsx"):
                with zipfile.ZipFile(io.BytesIO(attached.content)) as book:
                    parts += [book.read(n).decode() for n in book.namelist() if n.endswith(".xml")]
    return "\n".join(parts)


async def stored_outside(store: Store, inside: set[int]) -> set[tuple[int, str, str, str, int]]:
    found = set()
    for root in await store.units.roots():
        for plan in PLANS:
            for period in PERIODS:
                for row in await store.values.latest_in_subtree(root.id, plan, period):
                    if row.unit_id not in inside:
                        key = (row.unit_id, plan, period, row.indicator_code, row.version)
                        found.add(key)
    return found


async def seed_sentinels(store: Store, inside: set[int]) -> None:
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    outside = [u for u in await store.units.subtree(commune.id) if u.id not in inside]
    for ancestor in await store.units.ancestors(commune.id):
        outside.append(ancestor)
    for unit in outside:
        for period in ("2026-Q3", "2026-Q4"):
            await store.values.record(
                unit.id, "dong-lac-2026", "3.1", period, SENTINEL, note=SENTINEL_NOTE
            )


_update_ids = count(5_000_000)


def turn_of(user: str, kind: str, command: str, text: str) -> Turn:
    return Turn(
        "telegram", user, user, TurnKind(kind), text=text, command=command,
        update_id=str(next(_update_ids)),
    )  # fmt: skip


async def run_script(router: Router, user: str, script: list[tuple[str, str, str]]) -> str:
    shown = []
    for kind, command, text in script:
        shown.append(visible(await router.handle(turn_of(user, kind, command, text))))
    return "\n".join(shown)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(member_script=st.lists(crafted, min_size=4, max_size=10),
       official_script=st.lists(crafted, min_size=2, max_size=6))  # fmt: skip
async def test_crafted_inputs_never_reach_outside_the_subtree(
    store: Store,
    member_script: list[tuple[str, str, str]],
    official_script: list[tuple[str, str, str]],
) -> None:
    router = build_router(services_for(store))
    thon_1 = (await store.units.by_name("Thôn 1"))[0]
    member = next(p for p in await store.people.all() if p.unit_id == thon_1.id)
    if await store.people.by_identity("telegram", "717171") is None:
        await store.people.link_identity(member.id, "telegram", "717171", chat_id="717171")
        await seed_sentinels(store, {thon_1.id})
        await other_commune(store)
    bang_lang = (await store.units.by_name("Bằng Lãng"))[0]
    before = await stored_outside(store, {thon_1.id, bang_lang.id})

    shown = await run_script(router, "717171", member_script)
    shown += await run_script(router, "818181", official_script)

    for sentinel in SHOWN:
        assert sentinel not in shown, (sentinel, member_script, official_script)
    assert await stored_outside(store, {thon_1.id, bang_lang.id}) == before
    for user in ("717171", "818181"):
        await store.conversations.clear("telegram", user)


async def test_the_sentinels_are_seen_where_they_may_be(store: Store) -> None:
    """The control: Đồng Lạc's own official does see them, so the property can fail."""
    thon_1 = (await store.units.by_name("Thôn 1"))[0]
    await seed_sentinels(store, {thon_1.id})
    official = next(p for p in await store.people.all() if p.role is Role.OFFICIAL)
    await store.people.link_identity(official.id, "telegram", "919191", chat_id="919191")
    router = build_router(services_for(store))
    shown = await run_script(router, "919191", [("command", "chitieu", "cáp quang quý 4")])
    assert "31.337" in shown or "99,99" in shown
    shown = await run_script(router, "919191", [("command", "xuatbaocao", "excel quý 4")])
    assert SENTINEL_NOTE in shown
