"""Issues 9 and 10: one meaning of "đã báo cáo" on every surface, and a commune judged on
all its villages. A partial quarter is built in the demo database, then every surface
is read through the real code: the Telegram answers, the not-reported answer, the
reminders, the officials' summary and the appendix; and the half-year and the year."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from handlers.exports.appendix import appendix_file
from handlers.reminders.owed import plan_scope, unit_statuses
from handlers.reminders.rounds import summary_reply
from handlers.unit_figures import standings
from handlers.wording.figures import header
from indicators.periods import Period, PeriodKind
from indicators.reporting_status import Coverage
from indicators.values import RatioValue
from storage import Store
from tests.bot.conftest import services_for
from tests.bot.telegram_session import application
from tests.bot.test_telegram_questions import OFFICIAL, FilesApi, joined

PLAN = "dong-lac-2026"
Q4 = Period(2026, PeriodKind.QUARTER, 4)
LINE = "3/6 thôn đã báo cáo đủ, 2 thôn mới báo cáo một phần, 1 thôn chưa báo cáo"
REPORTED = {
    "Thôn 1": ("3.1", "3.2", "3.3", "3.4"),
    "Thôn 2": ("3.1", "3.2", "3.3", "3.4"),
    "Thôn 3": ("3.1", "3.2", "3.3", "3.4"),
    "Thôn 4": ("3.1", "3.2"),
    "Thôn 5": ("3.1",),
}


async def partial_quarter(store: Store) -> None:
    for name, codes in REPORTED.items():
        village = (await store.units.by_name(name))[0]
        for code in codes:
            await store.values.record(village.id, PLAN, code, Q4.code, RatioValue(180, 200))


async def test_every_surface_says_the_same_for_a_partial_quarter(store: Store) -> None:
    await partial_quarter(store)
    services = services_for(store)
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    api = FilesApi()
    async with application(store, api) as app:
        official = await joined(store, app, api, OFFICIAL, "Đồng Lạc", "official")
        progress = (await official.say("tiến độ"))[0]
        shortfall = (await official.say("chi tieu nao chua dat"))[0]
        missing = (await official.say("/chuanop"))[0]
        fibre = (await official.say("cáp quang"))[0]
    for text in (progress, shortfall, missing):
        assert "Quý IV/2026" in text.splitlines()[0]
        assert f"{LINE}." in text.splitlines()
    lines = missing.splitlines()
    thon_4 = next(ln for ln in lines if ln.startswith("• Thôn 4"))
    assert "2/4" in thon_4 and "3.3, 3.4" in thon_4
    assert any(ln.startswith("• Thôn 6") and "cả 4 chỉ tiêu" in ln for ln in lines)
    assert not any(ln.startswith(("• Thôn 1", "• Thôn 2", "• Thôn 3")) for ln in lines)
    # 3.1 comes from five villages of six: shown, not judged.
    assert "tạm tính, 5/6 thôn, chưa đánh giá" in fibre
    assert "— đạt" not in fibre.splitlines()[2]
    assert "3.1" in shortfall and "Tạm tính, chưa đánh giá" in shortfall
    assert "tạm tính" in progress

    # Reminders and the officials' summary, from the same status.
    statuses = await unit_statuses(services, (await store.plans.get(PLAN)), Q4,  # type: ignore[arg-type]
                                   await plan_scope(services, PLAN))  # fmt: skip
    by_name = {s.unit.name: s for s in statuses}
    assert [i.code for i in by_name["Thôn 4"].missing] == ["3.3", "3.4"]
    assert [i.code for i in by_name["Thôn 5"].missing] == ["3.2", "3.3", "3.4"]
    assert by_name["Thôn 1"].complete and by_name["Thôn 6"].coverage is Coverage.NONE
    plan = await store.plans.get(PLAN)
    assert plan is not None
    summary = summary_reply(commune, statuses, plan, Q4, services).text.splitlines()
    village_line = next(ln for ln in summary if "thôn" in ln)
    assert village_line.startswith(f"• {LINE}; còn thiếu: ")
    assert "Thôn 4 (2 chỉ tiêu)" in village_line and "Thôn 1 (" not in village_line

    # The appendix: the same sentence under its heading, and 3.1 provisional.
    out = await appendix_file(services, commune, Q4)
    assert out is not None
    rows = list(load_workbook(io.BytesIO(out.content))["Phụ lục 01"].iter_rows(values_only=True))
    assert rows[2][0] == f"{LINE}."
    judged = {r[0]: r[5] for r in rows[4:] if r[5]}
    assert judged["3.1"] == "Tạm tính (5/6 thôn)" and judged["3.2"] == "Tạm tính (4/6 thôn)"
    assert judged["1.1"] == "Chưa có số liệu"  # the commune reported nothing for Q4


async def test_half_year_and_year_read_their_quarters_on_every_surface(store: Store) -> None:
    await partial_quarter(store)
    services = services_for(store)
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    plan = await store.plans.get(PLAN)
    assert plan is not None
    scope = await plan_scope(services, PLAN)
    # H2: Q4 where given, else Q3; Thôn 6 has neither. The year: Thôn 6's Q2 stands.
    for period, line in [
        (Period(2026, PeriodKind.HALF, 2), "5/6 thôn đã báo cáo đủ, 1 thôn chưa báo cáo."),
        (Period(2026, PeriodKind.YEAR), "6/6 thôn đã báo cáo đủ."),
    ]:
        [standing] = await standings(services, commune, period, plan_id=PLAN)
        assert line in header("x", standing)
        statuses = await unit_statuses(services, plan, period, scope)
        summary = summary_reply(commune, statuses, plan, period, services).text
        assert f"• {line.rstrip('.')}" in summary
        out = await appendix_file(services, commune, period)
        assert out is not None
        rows = list(
            load_workbook(io.BytesIO(out.content)).worksheets[0].iter_rows(values_only=True)
        )
        assert rows[2][0] == line
    year = await unit_statuses(services, plan, Period(2026, PeriodKind.YEAR), scope)
    assert all(s.complete for s in year)  # before, every unit missed all its figures
