"""The operator commands on a real database file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def chitieu(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CHITIEU_DB": str(tmp_path / "x.db"),
           **(env or {})}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=120)  # fmt: skip


def test_init_invite_plans_copy_units_people_backup(tmp_path: Path) -> None:
    assert chitieu(tmp_path, "init").returncode == 0
    assert chitieu(tmp_path, "init").returncode == 0  # idempotent
    units = chitieu(tmp_path, "units").stdout
    assert "xã Đồng Lạc" in units and "thị xã Việt Yên" in units

    done = chitieu(tmp_path, "invite", "--unit", "Đồng Lạc", "--role", "official", "--uses", "3")
    assert done.returncode == 0 and "Mã mời" in done.stdout and "cán bộ" in done.stdout
    zalo = {
        "CHITIEU_ZALO_BOT_TOKEN": "12345:bot-secret",
        "CHITIEU_ZALO_APP_ID": "360846524940903967",
        "CHITIEU_ZALO_APP_SECRET": "s1",
        "CHITIEU_ZALO_OA_SECRET": "s2",
        "CHITIEU_ZALO_ACCESS_TOKEN": "a1",
        "CHITIEU_ZALO_REFRESH_TOKEN": "r1",
    }
    on_zalo = chitieu(tmp_path, "invite", "--unit", "Minh Tân", "--role", "member", env=zalo)
    assert on_zalo.returncode == 0, on_zalo.stderr
    code = on_zalo.stdout.split()[2]  # "Mã mời: CODE  (…)"
    assert on_zalo.stdout.splitlines()[1:] == [
        f"Zalo OA: quan tâm OA rồi nhắn mã: {code}",
        f"Zalo Bot: nhắn cho bot mã: {code}",
    ]
    ambiguous = chitieu(tmp_path, "invite", "--unit", "Vĩnh Lộc", "--role", "member")
    assert ambiguous.returncode == 1 and "hãy ghi mã đơn vị" in ambiguous.stderr
    missing = chitieu(tmp_path, "invite", "--unit", "Thôn 99", "--role", "member")
    assert missing.returncode == 1 and "không có đơn vị" in missing.stderr

    copied = chitieu(tmp_path, "plans", "copy", "viet-yen-2024", "--year", "2026")
    assert copied.returncode == 0 and "viet-yen-2026" in copied.stdout
    plans = chitieu(tmp_path, "plans").stdout
    assert "viet-yen-2026" in plans and "(from viet-yen-2024)" in plans
    backwards = chitieu(tmp_path, "plans", "copy", "viet-yen-2024", "--year", "2023")
    assert backwards.returncode == 1

    backup = tmp_path / "copy.sqlite3"
    assert chitieu(tmp_path, "backup", str(backup)).returncode == 0 and backup.stat().st_size > 0
    assert chitieu(tmp_path, "people").returncode == 0


def test_output_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path) -> None:
    # `chitieu units | head -1`: head leaves after one line, and the rest has nowhere to go.
    assert chitieu(tmp_path, "init").returncode == 0
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CHITIEU_DB": str(tmp_path / "x.db")}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "units"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
