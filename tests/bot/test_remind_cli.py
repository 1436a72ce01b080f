"""`chitieu remind --dry-run`: who would get what, and nothing queued."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from bot.reminding import remind
from bot.settings import Settings
from storage import Store

ROOT = Path(__file__).resolve().parents[2]


async def test_dry_run_prints_who_would_get_what_and_queues_nothing(demo_db: str, clock) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        member = next(p for p in await store.people.all() if p.name.startswith("Tổ CNSCĐ Thôn 6"))
        await store.people.link_identity(member.id, "telegram", "9106", chat_id="9106")
    settings = Settings(db=demo_db, _env_file=None)

    lines = await remind(settings, clock, dry_run=True, day=dt.date(2026, 9, 21))

    assert lines[0] == (
        "Reminder rounds due at 2026-09-21 08:00 (Asia/Ho_Chi_Minh); dry run, nothing queued."
    )
    assert lines[1:3] == [
        "dong-lac-2026 2026-Q3 before-3 → Thôn 6: 1 recipient",
        f"  to {member.name} [telegram 9106]",
    ]
    assert lines[3].startswith("  | Nhắc hạn: số liệu kỳ Quý III/2026 của Thôn 6")
    assert await remind(settings, clock, dry_run=True, day=dt.date(2026, 9, 30)) == [
        "Reminder rounds due at 2026-09-30 08:00 (Asia/Ho_Chi_Minh); dry run, nothing queued.",
        "Nothing is due.",
    ]
    async with await Store.open(demo_db, clock=clock) as store:
        assert await store.db.fetch_value("SELECT COUNT(*) FROM outbox") == 0
        assert await store.db.fetch_value("SELECT COUNT(*) FROM reminder_rounds") == 0


def test_a_date_without_dry_run_is_refused(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CHITIEU_DB": str(tmp_path / "x.db")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "remind", "--date", "2026-12-17"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "--date only goes with --dry-run" in done.stderr
