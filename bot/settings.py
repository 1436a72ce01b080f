"""Settings from the environment or a .env file (CHITIEU_*)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
    # A Zalo Official Account (Open API v3): the app on developers.zalo.me and the OA.
    # Either none of the five or all of them (see `zalo_oa`).
    zalo_app_id: str | None = None
    zalo_app_secret: SecretStr | None = None
    zalo_oa_secret: SecretStr | None = None  # the OA's webhook secret key, not the app's
    # The first token pair, from authorising the OA; used only until the database
    # holds a pair refreshed from it (storage/zalo_tokens.py).
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_webhook_host: str = "0.0.0.0"
    zalo_webhook_port: int = Field(default=8080, ge=1, le=65535)
    zalo_webhook_path: str = "/zalo/webhook"
    telegram_webhook_url: str | None = None
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Each chat's turns no faster than Telegram takes its replies (one message a second
    # to a person, one every three seconds to a group). Off only against a server
    # without that limit (the tests' fake one).
    telegram_pace_chats: bool = True
    # Seconds a process holds a chat of the inbox without renewing it: how long the
    # chats of a process that died wait before another process takes them over.
    inbox_lease: float = Field(default=15.0, ge=1.0, le=600.0)
    # The database, as a URL. CHITIEU_DB (a SQLite file's path) is the older shorthand;
    # when both are set the URL wins, so one deployment's .env can move to the URL
    # without removing the old line first.
    database_url: str = DEFAULT_URL
    db: str | None = None
    locale: str = "vi"
    reminder_days: str = "7,3,1"  # days before the last reporting day
    reminder_hour: str = "08:00"  # Vietnam's time of every reminder round
    # More than one process sends for the same bots (a receiver and its workers): each
    # send then takes a slot of a rate shared through the database (storage/send_budget.py).
    shared_send_budget: bool = False
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

    @field_validator("zalo_app_id")
    @classmethod
    def _zalo_app_id(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().isdigit():
            raise ValueError("must be the app's numeric id from developers.zalo.me")
        return value.strip()

    @field_validator("zalo_app_secret", "zalo_oa_secret", "zalo_access_token", "zalo_refresh_token")
    @classmethod
    def _zalo_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        secret = value.get_secret_value().strip()
        if any(ch.isspace() for ch in secret):
            raise ValueError("must be one word, as Zalo shows it (no spaces inside)")
        return SecretStr(secret)

    @field_validator("zalo_webhook_path")
    @classmethod
    def _zalo_webhook_path(cls, value: str) -> str:
        if not value.startswith("/") or any(ch.isspace() for ch in value):
            raise ValueError("must be a URL path starting with /, e.g. /zalo/webhook")
        return value

    @field_validator("zalo_webhook_host")
    @classmethod
    def _zalo_webhook_host(cls, value: str) -> str:
        if not value.strip() or any(ch.isspace() for ch in value.strip()):
            raise ValueError("must be the address to listen on, e.g. 0.0.0.0")
        return value.strip()

    @field_validator("telegram_api_url", "zalo_bot_api_url", "zalo_api_url", "zalo_oauth_url")
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

    def zalo_oa(self) -> ZaloOASettings | None:
        """The Official Account's settings; None when none is configured. SettingsError
        (naming the first one missing) when only some of the five are set."""
        given = {name: getattr(self, name) for name in _ZALO_OA_REQUIRED}
        if all(value is None for value in given.values()):
            return None
        for name, value in given.items():
            if value is None:
                raise SettingsError(
                    f"setting CHITIEU_{name.upper()} is missing: a Zalo Official Account"
                    " needs " + ", ".join(f"CHITIEU_{n.upper()}" for n in _ZALO_OA_REQUIRED)
                )
        assert self.zalo_app_id is not None
        assert self.zalo_app_secret is not None and self.zalo_oa_secret is not None
        assert self.zalo_access_token is not None and self.zalo_refresh_token is not None
        return ZaloOASettings(
            app_id=self.zalo_app_id,
            app_secret=self.zalo_app_secret,
            oa_secret=self.zalo_oa_secret,
            access_token=self.zalo_access_token,
            refresh_token=self.zalo_refresh_token,
            api_url=self.zalo_api_url,
            oauth_url=self.zalo_oauth_url,
            webhook_host=self.zalo_webhook_host,
            webhook_port=self.zalo_webhook_port,
            webhook_path=self.zalo_webhook_path,
        )

    @property
    def reminders(self) -> ReminderSettings:
        return ReminderSettings(
            days_before=_days(self.reminder_days), hour=_time(self.reminder_hour)
        )


_ZALO_OA_REQUIRED = (
    "zalo_app_id",
    "zalo_app_secret",
    "zalo_oa_secret",
    "zalo_access_token",
    "zalo_refresh_token",
)


@dataclass(frozen=True, slots=True)
class ZaloOASettings:
    """A complete Official Account configuration (secrets stay SecretStr)."""

    app_id: str
    app_secret: SecretStr
    oa_secret: SecretStr
    access_token: SecretStr
    refresh_token: SecretStr
    api_url: str
    oauth_url: str
    webhook_host: str
    webhook_port: int
    webhook_path: str


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
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "CHITIEU_" + str(first["loc"][0]).upper() if first["loc"] else "CHITIEU_*"
        # The input is left out on purpose: it may be the token.
        raise SettingsError(f"setting {name} is invalid: {first['msg']}") from None
    settings.zalo_oa()  # an incomplete Official Account stops start-up here, not later
    return settings
