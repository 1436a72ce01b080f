"""Webhook mode (CHITIEU_TELEGRAM_WEBHOOK_URL) end to end: the bot registers its webhook
with a secret, takes updates POSTed to it (recorded before the answer), answers through
the Bot API, and refuses POSTs that do not carry the secret."""

from __future__ import annotations

from typing import Any

import httpx

from bot.settings import Settings
from storage import Store
from tests.bot.bot_process import listening, running, until
from tests.bot.conftest import invite_code
from tests.bot.fake_bot_server import TOKEN, FakeBotServer, message
from tests.bot.test_run_channels import free_port

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PERSON = 424242


def _registered(server: FakeBotServer) -> dict[str, Any] | None:
    calls = [params for method, params in server.calls if method == "setWebhook"]
    return calls[-1] if calls else None


async def test_updates_posted_to_the_webhook_are_answered_and_forgeries_refused(
    demo_db: str, clock
) -> None:
    server = FakeBotServer()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as api_url:
        code = await invite_code(store, "Thôn 2")
        settings = Settings(
            _env_file=None, db=demo_db, telegram_token=TOKEN, telegram_api_url=api_url,
            telegram_webhook_url=hook, telegram_webhook_port=port,
        )  # fmt: skip
        async with running(settings, store) as bot, httpx.AsyncClient(timeout=30) as http:
            await until(lambda: _registered(server) is not None, timeout=60, bot=bot)
            registered = _registered(server)
            assert registered is not None and registered["url"] == hook
            secret = str(registered["secret_token"])
            assert len(secret) >= 32
            assert "getUpdates" not in server.methods()  # no polling beside a webhook

            update = {"update_id": 9001, **message(PERSON, f"/start {code}")}
            for headers in ({}, {SECRET_HEADER: "guessed"}):
                refused = await http.post(hook, json=update, headers=headers)
                assert refused.status_code == 403
            assert await store.db.fetch_value("SELECT COUNT(*) FROM inbox") == 0

            # Telegram delivers again when an answer is late: handled once all the same.
            for _ in range(2):
                taken = await http.post(hook, json=update, headers={SECRET_HEADER: secret})
                assert taken.status_code == 200
            await until(lambda: bool(server.texts(PERSON)), timeout=60, bot=bot)

            async def all_handled() -> bool:
                waiting = "SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL"
                return await store.db.fetch_value(waiting) == 0

            await until(all_handled, timeout=60, bot=bot)
            welcomes = [t for t in server.texts(PERSON) if t.startswith("Chào mừng")]
            assert len(welcomes) == 1 and "Thôn 2" in welcomes[0]
            asked = {"update_id": 9002, **message(PERSON, "/chuadat")}
            await http.post(hook, json=asked, headers={SECRET_HEADER: secret})

            def answered() -> bool:
                # The welcome's second message (the menu) may still be on its way.
                return any(t.startswith("Chỉ tiêu chưa đạt — Thôn 2") for t in server.texts(PERSON))

            await until(answered, timeout=60, bot=bot)
            welcomes = [t for t in server.texts(PERSON) if t.startswith("Chào mừng")]
            assert len(welcomes) == 1
