"""Benchmark: what is lost or doubled when the bot is killed, or the Bot API fails.

    .venv/bin/python -m bench.faults [--members 30] [--recipients 150] [--runs kill,faults]

Each run copies a fresh demo database, adds `--members` villages with one member each,
queues a broadcast to `--recipients` people, and runs `chitieu run` as a subprocess
against a fake Bot API server on 127.0.0.1 (tests/bot/fake_bot_server.py). Every member
goes through the whole reporting conversation (join, /baocao, Bắt đầu, a value for 3.1,
Bỏ qua for the rest, Lưu), one step after the answer to the last, as a person does.

- kill: the bot is SIGKILLed every `--kill-every` seconds (`--kills` times) and started
  again at once, in the middle of the conversations and of the broadcast;
- faults: 20 % of sendMessage, getUpdates and answerCallbackQuery calls fail: 502 before
  the call takes effect, a 10-second stall (beyond the bot's 8-second timeout, the call
  taking effect), a connection dropped after the call took effect, or a 3-second answer
  (within the timeout).

Printed per run: members told "Đã lưu" and whether each such value is stored exactly
once, members never told, broadcast recipients reached, duplicates (a chat receiving the
same text twice in a row), and the calls that took effect without the bot seeing the
answer (the only way a message can go out twice besides a kill).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from handlers.messages import Reply
from handlers.queued_replies import to_payload
from indicators.people import Role
from storage import NewMessage, Store, SystemClock
from tests.bot.fake_bot_server import TOKEN, FakeBotServer, Faults, message, press

ROOT = Path(__file__).resolve().parents[1]
FIRST_MEMBER = 3_000_000
FIRST_RECIPIENT = 4_000_000
SAVED = "Đã lưu"


@dataclass
class Result:
    run: str
    members: int
    told_saved: int
    stored_once: int
    never_told: int
    recipients: int
    reached: int
    duplicates_broadcast: int
    duplicates_replies: int
    effect_unseen: int
    faults: dict[str, int]
    kills: int
    seconds: float
    # For each member never told: the last messages they got, and the buttons of the last
    # (the bench's own villages and figures, nothing personal).
    unfinished: list[str] = field(default_factory=list)


async def prepare(db: str, members: int, recipients: int) -> list[str]:
    """The demo database with a village and an invite per member, and a broadcast."""
    from bot import setup

    async with await Store.open(db, clock=SystemClock()) as store:
        await setup.load_bundled_plans(store)
        await setup.add_demo(store)
        commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
        codes = []
        for n in range(members):
            unit = await store.units.add(f"Xóm Bench {n + 1}", "thôn", commune.id)
            expires = store.clock.now().replace(year=store.clock.now().year + 1)
            codes.append(await store.invites.create(unit.id, Role.MEMBER, expires_at=expires))
        text = "Thông báo: họp Tổ công nghệ số cộng đồng lúc 8 giờ sáng thứ Hai."
        await store.outbox.enqueue_many(
            [
                NewMessage("telegram", str(FIRST_RECIPIENT + n), to_payload(Reply(text)))
                for n in range(recipients)
            ],
            batch_id="bench-faults",
        )
    return codes


class Member:
    """One person going through the conversation, acting on the bot's last answer."""

    def __init__(self, server: FakeBotServer, chat: int, code: str, value: int) -> None:
        self.server = server
        self.chat = chat
        self.code = code
        self.value = value
        self.done = False

    def labels(self) -> set[str]:
        return {key["text"] for row in self.server.keyboards.get(self.chat, []) for key in row}

    async def answered(self, before: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.server.texts(self.chat)) > before:
                await asyncio.sleep(0.3)  # the rest of a turn's answer
                return True
            await asyncio.sleep(0.05)
        return False

    async def run(self, deadline: float) -> None:
        steps = [message(self.chat, f"/start {self.code}"), message(self.chat, "/baocao")]
        for update in steps:
            before = len(self.server.texts(self.chat))
            self.server.push(update)
            await self.answered(before, 60)
        gave_value = False
        while time.monotonic() < deadline:
            texts = self.server.texts(self.chat)
            if any(t.startswith(SAVED) for t in texts):
                self.done = True
                return
            labels = self.labels()
            if "Lưu" in labels:
                update = press(self.chat, self.server.button(self.chat, "Lưu"))
            elif "Bắt đầu" in labels and not gave_value:
                update = press(self.chat, self.server.button(self.chat, "Bắt đầu"))
            elif not gave_value and texts and "3.1" in texts[-1]:
                update = message(self.chat, f"{self.value}/300")
                gave_value = True
            elif "Bỏ qua" in labels:
                update = press(self.chat, self.server.button(self.chat, "Bỏ qua"))
            else:
                # No step to take: wait for the answer still coming, then look again. When
                # nothing comes, the last message is an earlier one delivered again late
                # (a send that took effect unseen), its buttons not the conversation's:
                # ask to go on, as a person scrolling back would.
                if not await self.answered(len(texts), 30):
                    self.server.push(message(self.chat, "/baocao"))
                continue
            before = len(texts)
            self.server.push(update)
            # A person waits for the answer; with every update answered in the end,
            # acting again early would only add work behind the same faults.
            await self.answered(before, 120)


async def start_bot(db: str, url: str, log: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "CHITIEU_TELEGRAM_TOKEN": TOKEN,
        "CHITIEU_TELEGRAM_API_URL": url,
        "CHITIEU_DB": db,
        "CHITIEU_REMINDER_DAYS": "",
    }
    env.pop("CHITIEU_DATABASE_URL", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log.open("ab"),
    )  # fmt: skip


def _last_seen(server: FakeBotServer, member: Member) -> str:
    texts = [t[:70].replace("\n", " / ") for t in server.texts(member.chat)[-4:]]
    return (
        f"member {member.chat}: {' | '.join(texts)} [buttons: {', '.join(sorted(member.labels()))}]"
    )


def duplicates(texts: list[str]) -> int:
    return sum(1 for a, b in itertools.pairwise(texts) if a == b)


async def one_run(run: str, args: argparse.Namespace) -> Result:
    workdir = Path(tempfile.mkdtemp(prefix=f"chitieu-faults-{run}-"))
    db = str(workdir / "bench.sqlite3")
    codes = await prepare(db, args.members, args.recipients)
    faults = Faults(rate=args.fault_rate if run == "faults" else 0.0)
    server = FakeBotServer(faults=faults)
    runner = web.AppRunner(server.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/bot"
    log = workdir / "bot.log"
    started = time.monotonic()
    bot = await start_bot(db, url, log)
    members = [Member(server, FIRST_MEMBER + n, code, 200 + n) for n, code in enumerate(codes)]
    deadline = started + args.timeout
    driving = asyncio.gather(*(m.run(deadline) for m in members))
    kills = 0
    try:
        if run == "kill":
            while kills < args.kills and not driving.done():
                await asyncio.sleep(args.kill_every)
                bot.kill()
                await bot.wait()
                kills += 1
                bot = await start_bot(db, url, log)
        await driving

        def broadcast_settled() -> bool:
            with sqlite3.connect(db) as conn:
                waiting = conn.execute(
                    "SELECT COUNT(*) FROM outbox WHERE state IN ('pending','sending','failed')"
                ).fetchone()[0]
            return int(waiting) == 0

        while not broadcast_settled() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
    finally:
        bot.send_signal(signal.SIGTERM)
        await bot.wait()
        await runner.cleanup()
    seconds = time.monotonic() - started
    with sqlite3.connect(db) as conn:
        stored_once = 0
        for member in members:
            rows = conn.execute(
                "SELECT v.value_json FROM report_values v JOIN units u ON u.id = v.unit_id"
                " WHERE u.name = ? AND v.indicator_code = '3.1'",
                (f"Xóm Bench {member.chat - FIRST_MEMBER + 1}",),
            ).fetchall()
            told = any(t.startswith(SAVED) for t in server.texts(member.chat))
            if told and len(rows) == 1 and str(member.value) in rows[0][0]:
                stored_once += 1
    recipients = [FIRST_RECIPIENT + n for n in range(args.recipients)]
    result = Result(
        run=run,
        members=len(members),
        told_saved=sum(m.done for m in members),
        stored_once=stored_once,
        never_told=sum(not m.done for m in members),
        recipients=len(recipients),
        reached=sum(bool(server.texts(r)) for r in recipients),
        duplicates_broadcast=sum(max(0, len(server.texts(r)) - 1) for r in recipients),
        duplicates_replies=sum(duplicates(server.texts(m.chat)) for m in members),
        effect_unseen=server.counters.effect_unseen,
        faults=dict(server.counters.faults),
        kills=kills,
        seconds=seconds,
        unfinished=[_last_seen(server, m) for m in members if not m.done],
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--recipients", type=int, default=150)
    parser.add_argument("--runs", default="kill,faults")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--kill-every", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for run in args.runs.split(","):
        r = await one_run(run, args)
        faults = ", ".join(f"{k} {v}" for k, v in sorted(r.faults.items())) or "none"
        print(
            f"{r.run}: {r.seconds:.0f} s, kills {r.kills}, faults injected: {faults}\n"
            f"  members told 'Đã lưu' {r.told_saved}/{r.members}, value stored exactly once "
            f"{r.stored_once}/{r.told_saved}, never told {r.never_told}\n"
            f"  broadcast reached {r.reached}/{r.recipients}, duplicates {r.duplicates_broadcast}"
            f"; duplicate replies to members {r.duplicates_replies}\n"
            f"  sends that took effect unseen by the bot (stall, drop): {r.effect_unseen}"
        )
        for line in r.unfinished:
            print(f"  never told: {line}")


if __name__ == "__main__":
    asyncio.run(main())
