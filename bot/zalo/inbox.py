"""What both Zalo channels do with what arrives: turns, one at a time, answered in order.

Updates are handled one after another, as the Telegram channel does
(`concurrent_updates(False)`): the router's store runs one transaction at a time, and a
person's second message must not overtake the first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from aiohttp import web

from handlers.channels import Channel
from handlers.messages import Reply, Turn, TurnKind

log = logging.getLogger(__name__)

OnTurn = Callable[[Turn], Awaitable[list[Reply]]]
# True the first time a key is seen, False for every later call with that key. Without
# one, a redelivered message is still handled once: the router records each turn's
# update id in the same transaction as what the turn changes (so a crash between the
# two can neither lose the turn nor apply it twice), which a dedupe here cannot do.
Dedupe = Callable[[str], Awaitable[bool]]
Job = Callable[[], Awaitable[None]]


def text_turn(base: Turn, text: str) -> Turn:
    """`base` carrying `text`: a command when it starts with a slash, split as the
    Telegram channel splits it."""
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        head, _, rest = stripped[1:].partition(" ")
        command = head.split("@", 1)[0].lower()
        return replace(base, kind=TurnKind.COMMAND, command=command, text=rest.strip())
    return replace(base, kind=TurnKind.TEXT, text=text)


async def deliver(channel: Channel, chat_id: str, replies: Sequence[Reply]) -> bool:
    """Send the answers of one turn in order; False once one fails, leaving the rest
    unsent, since a later answer read without the earlier one makes no sense."""
    for reply in replies:
        outcome = await channel.send(chat_id, reply)
        if not outcome.sent:
            log.warning(
                "%s: an answer was not delivered (%s: %s)",
                channel.name,
                outcome.outcome,
                outcome.detail,
            )
            return False
    return True


class SerialWorker:
    """Runs submitted jobs one at a time in submission order, off the request path.

    A webhook answers at once and leaves the work here: Zalo's OA wants its answer
    within 2 seconds and sends the event again otherwise.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self.name}-worker")

    def submit(self, job: Job) -> None:
        self._queue.put_nowait(job)

    async def drain(self) -> None:
        """Until every job submitted so far has run."""
        await self._queue.join()

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the queued jobs (for at most `timeout` seconds), then stop."""
        if self._task is None:
            return
        # Not asyncio.wait_for, which on Python 3.11 can swallow a cancel (see
        # bot.backoff.until_set).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.drain()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await job()
            except Exception as error:
                # The type only: an exception's text may quote what a person wrote.
                log.error("%s: handling an event failed: %s", self.name, type(error).__name__)
            finally:
                self._queue.task_done()


async def serve(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """`app` listening on host:port; the port actually bound (useful with port 0)."""
    runner = web.AppRunner(app, access_log=None)  # the access log would show query strings
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = port
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            bound = int(address[1])
            break
    return runner, bound
