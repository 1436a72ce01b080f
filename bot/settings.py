"""Settings from the environment or a .env file (CHITIEU_*)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

import locales
from indicators.reminders import ReminderSettings
from storage.backends import DEFAULT_URL, parse_url, sqlite_url


class SettingsError(Exception):
    """A missing or malformed setting; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHITIEU_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    # A bot of the Zalo Bot Platform (bot.zaloplatforms.com): "id:secret" from Zalo Bot Manager.
    zalo_bot_token: SecretStr | None = None
    zalo_bot_api_url: str = "https://bot-api.zaloplatforms.com"
    telegram_webhook_url: str | None = None
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    # The database, as a URL. CHITIEU_DB (a SQLite file's path) is the older shorthand;
    # when both are set the URL wins, so one deployment's .env can move to the URL
    # without removing the old line first.
    database_url: str = DEFAULT_URL
    db: str | None = None
    locale: str = "vi"
    reminder_days: str = "7,3,1"  # days before the last reporting day
    reminder_hour: str = "08:00"  # Vietnam's time of every reminder round
    # Where the terminal chat saves the files it cannot show (charts, appendix tables).
    files_dir: str = "chitieu-files"
    # No time-zone setting: periods and deadlines are Vietnam's administrative calendar
    # (indicators.periods.VIETNAM_TZ) wherever the server runs.

    @field_validator("locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in locales.SUPPORTED:
            raise ValueError(f"must be one of {', '.join(locales.SUPPORTED)}")
        return value

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        token = value.get_secret_value().strip()
        head, _, tail = token.partition(":")
        if not head.isdigit() or len(tail) < 20:
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return SecretStr(token)

    @field_validator("zalo_bot_token")
    @classmethod
    def _zalo_bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        token = value.get_secret_value().strip()
        head, _, tail = token.partition(":")
        if not head or not tail or any(ch.isspace() or ch == "/" for ch in token):
            raise ValueError("does not look like a Zalo bot token (id:secret)")
        return SecretStr(token)

    @field_validator("telegram_api_url", "zalo_bot_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        parse_url(value)
        return value

    @field_validator("db")
    @classmethod
    def _database_path(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must be the path of the database file")
        return value

    @model_validator(mode="after")
    def _database_from_path(self) -> Settings:
        if self.db is not None and "database_url" not in self.model_fields_set:
            self.database_url = sqlite_url(self.db)
        return self

    @field_validator("reminder_days")
    @classmethod
    def _days_list(cls, value: str) -> str:
        ReminderSettings(days_before=_days(value))
        return value

    @field_validator("reminder_hour")
    @classmethod
    def _hour(cls, value: str) -> str:
        ReminderSettings(hour=_time(value))
        return value

    @property
    def reminders(self) -> ReminderSettings:
        return ReminderSettings(
            days_before=_days(self.reminder_days), hour=_time(self.reminder_hour)
        )


def _days(text: str) -> tuple[int, ...]:
    """ "7,3,1" → (7, 3, 1); an empty text means no reminders before the last day."""
    try:
        return tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError as exc:
        raise ValueError("must be whole numbers of days separated by commas, e.g. 7,3,1") from exc


def _time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError("must be a time of day like 08:00") from exc


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "CHITIEU_" + str(first["loc"][0]).upper() if first["loc"] else "CHITIEU_*"
        # The input is left out on purpose: it may be the token.
        raise SettingsError(f"setting {name} is invalid: {first['msg']}") from None
