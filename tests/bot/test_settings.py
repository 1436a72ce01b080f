"""Start-up settings: one clear line per problem, never the token itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("CHITIEU_TELEGRAM_TOKEN", "CHITIEU_DB", "CHITIEU_DATABASE_URL", "CHITIEU_LOCALE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///chitieu.sqlite3"
    assert settings.telegram_token is None
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.locale == "vi"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("CHITIEU_LOCALE", "fr", "CHITIEU_LOCALE"),
        ("CHITIEU_DATABASE_URL", "mysql://db/chitieu", "CHITIEU_DATABASE_URL"),
        ("CHITIEU_DATABASE_URL", "sqlite://chitieu.sqlite3", "sqlite:////path (absolute)"),
        ("CHITIEU_DB", " ", "CHITIEU_DB"),
        ("CHITIEU_TELEGRAM_API_URL", "api.telegram.org", "CHITIEU_TELEGRAM_API_URL"),
        ("CHITIEU_TELEGRAM_TOKEN", "secret-not-a-token", "CHITIEU_TELEGRAM_TOKEN"),
        ("CHITIEU_ZALO_BOT_TOKEN", "no colon here", "CHITIEU_ZALO_BOT_TOKEN"),
        ("CHITIEU_ZALO_BOT_API_URL", "bot-api.zaloplatforms.com", "CHITIEU_ZALO_BOT_API_URL"),
    ],
)
def test_malformed_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str, words: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert value not in message or name != "CHITIEU_TELEGRAM_TOKEN"


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHITIEU_DB", raising=False)
    monkeypatch.delenv("CHITIEU_DATABASE_URL", raising=False)
    (tmp_path / ".env").write_text("CHITIEU_DB=/data/xa.sqlite3\n", encoding="utf-8")
    assert load_settings().database_url == "sqlite:////data/xa.sqlite3"


def test_the_database_url_wins_over_the_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHITIEU_DB", "old.sqlite3")
    assert load_settings().database_url == "sqlite:///old.sqlite3"
    monkeypatch.setenv("CHITIEU_DATABASE_URL", "sqlite:///:memory:")
    assert load_settings().database_url == "sqlite:///:memory:"


def test_cli_stops_with_one_line_and_no_token(tmp_path: Path) -> None:
    token = "123456:thisIsNotAValid"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "units"],
        env={"CHITIEU_TELEGRAM_TOKEN": token, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "CHITIEU_TELEGRAM_TOKEN" in done.stderr
    assert token not in done.stderr + done.stdout


def test_run_without_token_says_what_to_do(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CHITIEU_DB": str(tmp_path / "x.db")},
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "chitieu chat" in done.stderr
