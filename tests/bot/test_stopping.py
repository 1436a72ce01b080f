"""`chitieu run` as its own process, stopped by SIGTERM (a service manager) or SIGINT
(Ctrl-C) in the middle of a broadcast: it exits 0, the sends on the wire finish and are
recorded, the rest go back to the queue, and nothing was sent twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from handlers.messages import Reply
from handlers.queued_replies import to_payload
from storage import NewMessage, Store
from tests.bot.bot_process import listening, until
from tests.bot.fake_bot_server import TOKEN, FakeBotServer
from tests.clock import TestClock

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 80
FIRST_CHAT = 2_000_000


def _states(db: str) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_stop_signal_finishes_the_sends_on_the_wire_and_requeues_the_rest(
    demo_db: str, clock: TestClock, signum: signal.Signals
) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        messages = [
            NewMessage("telegram", str(FIRST_CHAT + n), to_payload(Reply(f"Thông báo {n}")))
            for n in range(RECIPIENTS)
        ]
        await store.outbox.enqueue_many(messages, batch_id="stop-test")
    server = FakeBotServer()
    server.latency = 0.4  # a dozen sends on the wire at any moment
    async with listening(server) as url:
        env = {
            **os.environ,
            "CHITIEU_TELEGRAM_TOKEN": TOKEN,
            "CHITIEU_TELEGRAM_API_URL": url,
            "CHITIEU_DB": demo_db,
            "CHITIEU_REMINDER_DAYS": "",
        }
        env.pop("CHITIEU_DATABASE_URL", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run",
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await until(lambda: len(server.texts()) >= 15, timeout=60)
            process.send_signal(signum)
            try:
                async with asyncio.timeout(30):
                    _, stderr = await process.communicate()
            except TimeoutError:
                process.kill()
                _, stderr = await process.communicate()
                pytest.fail("still running 30 s after the signal:\n" + stderr.decode())
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log, log
    assert "outbox: stopped;" in log and "stopped" in log.splitlines()[-1]
    states = _states(demo_db)
    assert "sending" not in states
    delivered = server.texts()
    assert len(delivered) == len(set(delivered))  # nothing twice
    # Every send that reached the server is recorded as sent, the others wait.
    assert states.get("sent", 0) == len(delivered)
    assert states.get("sent", 0) + states.get("pending", 0) + states.get("failed", 0) == RECIPIENTS
    assert states.get("pending", 0) + states.get("failed", 0) > 0
