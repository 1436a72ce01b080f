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
        ("CHITIEU_ZALO_APP_ID", "my-app", "CHITIEU_ZALO_APP_ID"),
        ("CHITIEU_ZALO_OA_SECRET", "two words", "CHITIEU_ZALO_OA_SECRET"),
        ("CHITIEU_ZALO_WEBHOOK_PORT", "80800", "CHITIEU_ZALO_WEBHOOK_PORT"),
        ("CHITIEU_ZALO_WEBHOOK_PATH", "zalo/webhook", "CHITIEU_ZALO_WEBHOOK_PATH"),
        ("CHITIEU_ZALO_API_URL", "openapi.zalo.me", "CHITIEU_ZALO_API_URL"),
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
    assert "two words" not in message


ZALO_OA = {
    "CHITIEU_ZALO_APP_ID": "360846524940903967",
    "CHITIEU_ZALO_APP_SECRET": "app-secret-value",
    "CHITIEU_ZALO_OA_SECRET": "oa-secret-value",
    "CHITIEU_ZALO_ACCESS_TOKEN": "access-token-value",
    "CHITIEU_ZALO_REFRESH_TOKEN": "refresh-token-value",
}


@pytest.mark.parametrize("missing", sorted(ZALO_OA))
def test_an_official_account_needs_all_five_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, missing: str
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in ZALO_OA.items():
        if name != missing:
            monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"setting {missing} is missing") and "\n" not in message
    assert not any(value in message for value in ZALO_OA.values())


def test_a_complete_official_account_and_its_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in ZALO_OA.items():
        monkeypatch.setenv(name, value)
    oa = load_settings().zalo_oa()
    assert oa is not None and oa.app_id == "360846524940903967"
    assert oa.refresh_token.get_secret_value() == "refresh-token-value"
    assert (oa.api_url, oa.oauth_url) == ("https://openapi.zalo.me", "https://oauth.zaloapp.com")
    assert (oa.webhook_host, oa.webhook_port, oa.webhook_path) == ("0.0.0.0", 8080, "/zalo/webhook")
    assert "secret-value" not in repr(oa) and "token-value" not in repr(oa)


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
