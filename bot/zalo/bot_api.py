"""The Zalo Bot Platform's HTTP API: one POST with a JSON body per method.

Answers are `{ok, result}` or `{ok: false, error_code, description}`; whether errors
also set the HTTP status is not known, so both are read (the body's code first).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

BASE_URL = "https://bot-api.zaloplatforms.com"  # older host: bot-api.zapps.me
POLL_TIMEOUT = 30  # seconds a getUpdates call waits for an update


class BotApiError(Exception):
    """`{ok: false, error_code, description}`, or an HTTP error without that body."""

    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after


class ZaloBotClient:
    """One POST with a JSON body per method; the result, or BotApiError."""

    def __init__(self, http: httpx.AsyncClient, token: str, *, base_url: str = BASE_URL) -> None:
        self._http = http
        self._base = f"{base_url.rstrip('/')}/bot{token}"
        _hide_in_httpx_log(token)

    async def call(
        self, method: str, payload: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        response = await self._http.post(
            f"{self._base}/{method}", json=dict(payload or {}), **extra
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        if not isinstance(body, dict):
            raise BotApiError(response.status_code, "no readable answer", _header_retry(response))
        code = body.get("error_code")
        code = (
            code if isinstance(code, int) and not isinstance(code, bool) else response.status_code
        )
        description = body.get("description")
        retry = _body_retry(body) or _header_retry(response)
        raise BotApiError(code, description if isinstance(description, str) else "", retry)

    async def get_me(self) -> Any:
        return await self.call("getMe")

    async def get_update(self, timeout: int = POLL_TIMEOUT) -> Mapping[str, Any] | None:
        """The next update, or None when none came within `timeout` seconds (408)."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10.0
            )
        except BotApiError as error:
            if error.code == 408:
                return None
            raise
        return unwrap(result)

    async def set_webhook(self, url: str, secret_token: str) -> None:
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("the platform takes a secret token of 8 to 256 characters")
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> Any:
        return await self.call("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> Any:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> Any:
        payload = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        return await self.call("sendPhoto", payload)


def unwrap(update: object) -> Mapping[str, Any] | None:
    """The update itself: some answers wrap it as `{ok, result}`."""
    if not isinstance(update, dict):
        return None
    if "event_name" not in update and isinstance(update.get("result"), dict):
        inner: dict[str, Any] = update["result"]
        return inner
    return update


def _body_retry(body: Mapping[str, Any]) -> float | None:
    parameters = body.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def _header_retry(response: httpx.Response) -> float | None:
    try:
        value = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if value > 0 else None


class _HideToken(logging.Filter):
    """httpx logs every request's URL at INFO, and this API puts the token in the URL."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = ()
        return True


def _hide_in_httpx_log(token: str) -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _HideToken) and f.token == token for f in logger.filters):
        logger.addFilter(_HideToken(token))
