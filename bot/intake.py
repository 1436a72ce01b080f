"""What a channel receives, made durable: updates are recorded in the inbox before the
messenger is told they arrived, handled chats side by side and each chat's in the order
they came, and every reply a turn gives reaches the person — directly, or through the
outbox when sending it directly failed or a crash cut it off.

The channel supplies two things: how to handle one recorded update (Telegram runs it
through python-telegram-bot's Application, whose handler calls `Router.handle` with
`recorder(turn)` and then `delivered`), and how to tell the people behind updates that
could not be recorded that the system is busy. Nothing here knows a messenger.

A chat's turns never wait on another chat's: each chat with updates gets a lane of its
own (LANES at most at once), so a slow turn, a stalled send or a chat whose replies wait
on the messenger's per-chat limit holds its own lane only. Several processes may work
one inbox (`chitieu run --worker`): each chat is claimed in the database for a lease,
so a chat is handled by one process at a time, in order, and a dead process's chats
are taken over once its leases run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from bot.backoff import STORAGE_RETRY_CAP, Backoff, until_set
from bot.sender import ChatPace
from handlers.failure_log import failure_summary
from handlers.messages import Reply, Turn
from handlers.queued_replies import MAX_QUEUED_TEXT, to_payload
from handlers.router import Record
from locales import _
from storage import Arrival, InboxUpdate, NewMessage, StorageUnavailable, Store, Unreplied

log = logging.getLogger(__name__)

Process = Callable[[InboxUpdate], Awaitable[None]]
TellBusy = Callable[[Sequence[Arrival]], Awaitable[None]]
STOP_TIMEOUT = 15.0  # how long a stop waits for the updates being handled (their sends too)
# Chats handled at once. Each holds at most one turn at a time, so one chat waiting on
# its messenger (a stalled send) holds one place only; one waiting for its pace (see
# Intake.pace) holds none.
LANES = 16
LANE_BATCH = 20  # a chat's updates read at once; the lane reads again after them
# How long a lane that has handled its chat's updates keeps the chat for the person's
# next one (the tap on an answer's buttons comes within seconds): handled in the same
# lane, a turn costs no release (four statements) and no share of a claim (six, for the
# chats claimed together). Only where the chat's updates are recorded, which
# wakes the lane at once. A kept chat holds no place meanwhile; its next update takes a
# free one, or (none free) the chat goes back to wait in line. At most KEPT_CHATS are
# kept at once: each is a task waiting and a lease renewed with the others.
LINGER = 5.0
KEPT_CHATS = 64
# A person who sends more than FLOOD_LIMIT updates within FLOOD_WINDOW is flooding: the
# first update beyond it gets them told so, it and the rest within the window are marked
# handled without a turn (FLOODING), so the flood costs the bot almost nothing. One a
# second for a minute: a person pressing "Bỏ qua" through a long plan without reading
# (37 indicators in the longest bundled one) does not come near it, a script does at
# once; at 20 a minute such a person's presses were dropped.
# How long a claimed chat stays this worker's without a renewal (renewed every third of
# it): how long a dead worker's chats wait before another takes them over.
LEASE = dt.timedelta(seconds=15)
POLL = 1.0  # seconds between looks for updates another process recorded
FLOOD_LIMIT = 60
FLOOD_WINDOW = dt.timedelta(seconds=60)
FLOODING = "flood"


class _Next(enum.Enum):
    """What a lane that handled its chat's updates has next."""

    CAME = "came"  # an update of the chat, and a place to handle it in
    NONE = "none"  # nothing within the linger: the chat is given back if done
    NO_PLACE = "no place"  # an update, but every place was taken meanwhile


def queued_payloads(reply: Reply, turn: Turn) -> list[dict[str, Any]]:
    """A reply as outbox messages: its text in pieces that fit one message each, the
    buttons on the last. A file or picture is not kept (the person can ask again)."""
    external_id = None if turn.is_group else turn.external_id
    text = reply.text
    pieces: list[str] = []
    while len(text) > MAX_QUEUED_TEXT:
        cut = text.rfind("\n", 0, MAX_QUEUED_TEXT)
        cut = cut if cut > 0 else MAX_QUEUED_TEXT
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text or not pieces:
        pieces.append(text)
    last = len(pieces) - 1
    return [
        to_payload(Reply(piece, reply.buttons if i == last else ()), external_id=external_id)
        for i, piece in enumerate(pieces)
        if piece or (i == last and reply.buttons)
    ]


def _alive(pid: int) -> bool:
    """Whether a process of this machine runs with that id (another's may reuse a dead
    one's id: then its chats wait for their leases, as from another machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def flood_notice() -> str:
    return _(
        "You are sending too many messages in a short time. Please wait a minute before "
        "sending more: the messages sent meanwhile are not taken."
    )


class Intake:
    """One channel account's inbox and the worker that handles it."""

    def __init__(
        self,
        store: Store,
        channel: str,
        *,
        process: Process,
        tell_busy: TellBusy,
        lanes: int = LANES,
        lease: dt.timedelta = LEASE,
        pace: ChatPace | None = None,
        linger: float = LINGER,
        kept: int = KEPT_CHATS,
    ) -> None:
        self.store = store
        self.channel = channel
        self.bot = ""  # the account (Telegram: the bot's id and server), once known
        self.process = process
        self.tell_busy = tell_busy
        self.lanes = lanes
        self.lease = lease
        self.linger = linger
        self.kept = kept
        # A chat's turns after a lane's first no faster than the messenger takes their
        # replies (Telegram: one message a second to a person): a person who sends many
        # messages at once has them answered at that pace, and their turns do not crowd
        # everyone else's out of the CPU meanwhile. A chat's first turn in a lane never
        # waits, and no lane sleeps for a chat whose last answer went out long enough ago.
        self.pace = pace
        # Who holds the chats this one handles: unique among the processes sharing the
        # database, and readable for an operator looking at inbox_chats.
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._arrived = asyncio.Event()
        self._lanes: dict[str, asyncio.Task[None]] = {}  # chat → the task handling it
        self._news: dict[str, asyncio.Event] = {}  # chat → set when an update of it came
        self._resting = 0  # lanes waiting for their chat's pace or next update: no place
        self._lingering = 0  # ...of those, waiting for the next update (LINGER)
        self._receiving = False  # this process records updates (take): lanes may linger
        self._saturated = False  # the last claim filled every place: chats may wait
        # Chats a lane could not give back (the database failed then): still ours in the
        # database, and kept alive by _renew, so given back as soon as it works again,
        # with the updates whose replies were delivered meanwhile.
        self._unreleased: dict[str, list[str]] = {}
        self._recorded: set[str] = set()  # update ids whose turn marked its row handled
        self._flood_skipped: set[str] = set()  # marked skipped with an earlier one of theirs
        self._unreplied: set[str] = set()  # ...and whose replies are still to confirm
        self._delivered: set[str] = set()  # ...delivered: for their lane to mark so
        # update → the chat's earlier updates whose delivery its turn marks (`recorder`),
        # and the updates whose turn committed those marks
        self._marks: dict[str, Sequence[str]] = {}
        self._marked: set[str] = set()

    # --- receiving ---------------------------------------------------------------------

    async def take(self, arrivals: Sequence[Arrival]) -> None:
        """Record updates before they are acknowledged. When the database cannot take
        them, the people who sent them are told to try again in a few minutes, and the
        updates are acknowledged anyway: handling them later would answer messages their
        senders were told had not been taken."""
        if not arrivals:
            return
        try:
            await self.store.inbox.record(self.channel, self.bot, arrivals)
        except StorageUnavailable as error:
            log.warning("%s: %d updates not recorded, answered busy: %s",
                        self.channel, len(arrivals), error)  # fmt: skip
            await self.tell_busy(arrivals)
            return
        self._receiving = True
        # A chat with a lane here is that lane's to read; only the others need a claim.
        unclaimed = False
        for arrival in arrivals:
            news = self._news.get(arrival.chat_key)
            if news is None:
                unclaimed = True
            else:
                news.set()
        if unclaimed:
            self._arrived.set()

    # --- handling ----------------------------------------------------------------------

    async def run(self) -> None:
        """Until cancelled: handle updates as they arrive, chat by chat: up to `lanes`
        chats side by side, each chat's updates one at a time in the order they came,
        each chat claimed in the database so that other processes working the same
        inbox leave it alone (see storage/inbox.py). A stop lets the update each chat
        is in finish, its replies included, and gives the chats back; the updates not
        begun stay in the inbox for whichever process looks next."""
        backoff = Backoff(cap=STORAGE_RETRY_CAP)
        await self._until_stored(self._free_dead_neighbours, "chats of dead processes")
        renewing = asyncio.create_task(self._renew())
        try:
            while True:
                self._arrived.clear()
                free = self.lanes - (len(self._lanes) - self._resting)
                if free > 0:
                    try:
                        await self._give_back_unreleased()
                        chats = await self.store.inbox.claim(
                            self.channel, self.bot, self.worker, free, self.lease
                        )
                    except StorageUnavailable as error:
                        log.warning("%s: inbox not readable (%s)", self.channel, error)
                        # An update recorded meanwhile shows the database works again.
                        await until_set(self._arrived, backoff.next_delay())
                        continue
                    backoff.reset()
                    self._saturated = len(chats) >= free
                    for chat in chats:
                        if chat not in self._lanes:
                            self._news[chat] = asyncio.Event()
                            self._lanes[chat] = asyncio.create_task(self._lane(chat))
                # Woken by an update recorded here, or a lane ending (a place free, or an
                # update of its chat that came after its last look); or, for updates
                # other processes record, by the time.
                await until_set(self._arrived, POLL)
        finally:
            lanes = list(self._lanes.values())
            for lane in lanes:
                lane.cancel()
            if lanes:
                await asyncio.wait(lanes)
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _free_dead_neighbours(self) -> None:
        """Chats held by processes of this machine that are gone (a SIGKILL, a crash
        just before this restart) are given back now rather than when their leases run
        out. A process of another machine cannot be asked: its leases run out."""
        host = self.worker.split(":", 1)[0]
        for holder in await self.store.inbox.holders(self.channel, self.bot, f"{host}:"):
            if holder == self.worker:
                continue
            pid = holder.split(":")[1]
            if pid.isdigit() and not _alive(int(pid)):
                freed = await self.store.inbox.release_all(self.channel, self.bot, holder)
                log.info("%s: %d chats of a process that is gone are free again",
                         self.channel, freed)  # fmt: skip

    async def _renew(self) -> None:
        """Keep the chats this worker holds, for as long as it runs."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            if not self._lanes:
                continue
            try:
                await self.store.inbox.renew(self.channel, self.bot, self.worker, self.lease)
            except StorageUnavailable as error:
                log.warning("%s: chat leases not renewed (%s)", self.channel, error)

    async def _give_back_unreleased(self) -> None:
        for chat in sorted(self._unreleased.keys() - self._lanes.keys()):
            replied = self._unreleased[chat]
            await self.store.inbox.release(
                self.channel, self.bot, self.worker, chat, replied=replied
            )
            del self._unreleased[chat]

    async def _lane(self, chat: str) -> None:
        """One chat's updates in order, until it has none left (or another worker took
        it over) and none came within `linger`; a cancel (a stop) lets the update being
        handled finish (STOP_TIMEOUT at most) and ends the lane. The chat is given back
        at the end.

        A reply delivered is marked so (see `delivered`) by the turn of the chat's next
        update, in the statement marking that one handled (`recorder`), or with the
        chat's release when it has none: a crash between the two resends at most that
        one reply. A mark undone with its turn is made with the next, or the release."""
        backoff = Backoff(cap=STORAGE_RETRY_CAP)
        news = self._news[chat]
        replied: list[str] = []  # delivered, not marked yet
        released = release_failed = try_release = False
        handled = 0
        try:
            while True:
                if try_release:
                    after = await self._next_update(news)
                    if after is _Next.NO_PLACE:
                        return  # given back below: claimed again in its turn
                    try_release = after is _Next.NONE
                if try_release:
                    # Given back unless an update came since the last look: a person who
                    # waits for each answer costs no read that finds nothing.
                    try_release = False
                    try:
                        released = await self.store.inbox.release(
                            self.channel, self.bot, self.worker, chat, replied=replied,
                            if_done=True,
                        )  # fmt: skip
                    except StorageUnavailable:
                        return  # given back (or kept for later) below
                    replied.clear()
                    if released:
                        return
                    release_failed = True
                news.clear()  # what comes from now on, the read may miss
                try:
                    cut_off, rows = await self.store.inbox.pending(
                        self.channel, self.bot, chat, self.worker, LANE_BATCH, back=FLOOD_LIMIT
                    )
                except StorageUnavailable as error:
                    log.warning("%s: inbox not readable (%s)", self.channel, error)
                    await backoff.wait()
                    continue
                backoff.reset()
                cut_off = [row for row in cut_off if row.update_id not in replied]
                if cut_off:
                    await self._until_stored(
                        partial(self._queue_cut_off_replies, cut_off),
                        "replies cut off by a stop",
                    )
                elif not rows:
                    if release_failed:
                        return  # not ours any more
                    try_release = True
                    continue
                release_failed = False
                for row in rows:
                    if replied:
                        # Marked by the turn's own statement (see `recorder`).
                        self._marks[row.update_id] = tuple(replied)
                    task = asyncio.ensure_future(self._handle(row, paced=handled > 0))
                    handled += 1
                    try:
                        await asyncio.shield(task)
                    except asyncio.CancelledError:
                        with contextlib.suppress(Exception, asyncio.CancelledError):
                            await asyncio.wait_for(task, STOP_TIMEOUT)
                        raise
                    except Exception as error:
                        # The row stays unhandled; read again after a pause rather than
                        # spin on it (or end the lane, which the next look would reopen).
                        log.error("%s: update %s left unhandled: %s", self.channel,
                                  row.update_id, failure_summary(error))  # fmt: skip
                        await backoff.wait()
                        break
                    finally:
                        carried = self._marks.pop(row.update_id, ())
                        if row.update_id in self._marked:
                            self._marked.discard(row.update_id)
                            replied[:] = [u for u in replied if u not in carried]
                        if row.update_id in self._delivered:
                            self._delivered.discard(row.update_id)
                            replied.append(row.update_id)
                else:
                    try_release = len(rows) < LANE_BATCH  # all there was at the look
        finally:
            try:
                if not released:
                    await self.store.inbox.release(
                        self.channel, self.bot, self.worker, chat, replied=replied
                    )
            except StorageUnavailable as error:
                self._unreleased[chat] = replied
                log.warning("%s: a chat not given back yet (%s)", self.channel, error)
            finally:
                del self._lanes[chat]
                del self._news[chat]
                self._arrived.set()

    async def _next_update(self, news: asyncio.Event) -> _Next:
        """Whether an update of the lane's chat came since its last read, or comes
        within `linger` (waited for only where updates are recorded, `kept` at most)
        while a place is free for it. When every place was taken meanwhile, the chat
        is given back to wait with the others, in the order their updates came: kept
        chats going first would leave the rest waiting as long as they keep writing
        (bench/turns.py, limiters on: p95 14 s instead of 5 s)."""
        if news.is_set():
            return _Next.CAME
        if not self._receiving or self.linger <= 0 or self._lingering >= self.kept:
            return _Next.NONE
        self._lingering += 1
        self._resting += 1
        self._place_freed()
        try:
            came = await until_set(news, self.linger)
        finally:
            self._lingering -= 1
            self._resting -= 1
        if not came:
            return _Next.NONE
        if len(self._lanes) - self._resting > self.lanes:
            self._saturated = True  # a chat waits: the next place freed claims
            return _Next.NO_PLACE
        return _Next.CAME

    def _place_freed(self) -> None:
        """A lane holds no place for a while: a claim, if the last one left chats waiting
        (otherwise the next update recorded, or the next POLL, looks)."""
        if self._saturated:
            self._arrived.set()

    async def _handle(self, row: InboxUpdate, *, paced: bool) -> None:
        if row.update_id in self._flood_skipped:
            self._flood_skipped.discard(row.update_id)
            return
        if await self._flooding(row):
            return
        pace = self.pace if row.chat_key else None
        if pace is not None and paced and pace.delay(row.chat_key) > 0:
            # Waiting costs nothing: the place is another chat's meanwhile, or a few
            # flooders would hold every lane for as long as their backlogs last.
            self._resting += 1
            self._place_freed()
            try:
                await pace.wait(row.chat_key)
            finally:
                self._resting -= 1
        try:
            await self.process(row)
        except Exception as error:
            log.error("%s: update %s could not be handled: %s", self.channel, row.update_id,
                      failure_summary(error))  # fmt: skip
        finally:
            if pace is not None:
                pace.sent(row.chat_key, group=row.sender_key != row.chat_key)
        if row.update_id in self._recorded:
            self._recorded.discard(row.update_id)
            return
        # The turn did not mark its row (not a turn for us, a handler fault, a busy
        # database): it was answered all the same, so it must not be handled again.
        carried = self._marks.get(row.update_id, ())

        async def mark() -> None:
            await self.store.inbox.handled(self.channel, self.bot, row.update_id,
                                           replied=carried)  # fmt: skip
            if carried:
                self._marked.add(row.update_id)

        await self._until_stored(mark, f"update {row.update_id} handled")

    async def _flooding(self, row: InboxUpdate) -> bool:
        """Whether the update is one too many of a flood; if so it is marked handled
        without a turn, and the first of a flood gets its sender told (in the outbox, in
        the same transaction, so told once however often this runs)."""
        if not row.chat_key:
            return False
        if row.back_at is None or row.back_at < row.received_at - FLOOD_WINDOW:
            # The sender's latest FLOOD_LIMIT + 1 arrivals up to this one do not all fall
            # within the window: no flood, and no read to count them.
            return False
        try:
            recent = await self.store.inbox.recent(
                self.channel, self.bot, row, row.received_at - FLOOD_WINDOW
            )
        except StorageUnavailable:
            return False  # the turn itself answers busy
        if recent.arrived <= FLOOD_LIMIT:
            return False
        notice = None
        if recent.skipped == 0:
            private = row.sender_key == row.chat_key
            payload = to_payload(
                Reply(flood_notice()), external_id=row.sender_key if private else None
            )
            notice = NewMessage(self.channel, row.chat_key, payload, self._key(row.update_id, 0))

        skipped: list[str] = []

        async def skip() -> None:
            # The rest of the same burst goes with it, in one statement: a flood of 300
            # costs a few statements, not 300 transactions the other chats wait behind.
            async with self.store.transaction():
                skipped[:] = await self.store.inbox.skip_burst(
                    self.channel, self.bot, row, FLOODING
                )
                if row.update_id in skipped and notice is not None:
                    await self.store.outbox.enqueue_many([notice])

        await self._until_stored(skip, f"update {row.update_id} skipped")
        self._flood_skipped.update(u for u in skipped if u != row.update_id)
        log.info("%s: update %s and %d more of its burst skipped: its sender sent %d within "
                 "%.0f s%s", self.channel, row.update_id, max(0, len(skipped) - 1),
                 recent.arrived, FLOOD_WINDOW.total_seconds(),
                 ", told so" if notice is not None else "")  # fmt: skip
        return True

    async def _until_stored(self, write: Callable[[], Awaitable[object]], what: str) -> None:
        """A write the next steps depend on, retried until the database takes it."""
        backoff = Backoff(cap=STORAGE_RETRY_CAP)
        while True:
            try:
                await write()
                return
            except StorageUnavailable as error:
                delay = backoff.next_delay()
                log.warning("%s: %s not stored (%s); retry in %.0f s",
                            self.channel, what, error, delay)  # fmt: skip
                await asyncio.sleep(delay)

    async def _queue_cut_off_replies(self, cut_off: Sequence[Unreplied]) -> None:
        """Replies of the chat's turns handled before a stop or by a worker that died,
        possibly never delivered: to the outbox (one may arrive twice: the one on the
        wire at a crash). The chat is held, so no turn of it is under way elsewhere."""
        for row in cut_off:
            async with self.store.transaction():
                messages = [
                    NewMessage(self.channel, row.chat_key, payload, self._key(row.update_id, i))
                    for i, payload in enumerate(row.replies)
                ]
                await self.store.outbox.enqueue_many(messages)
                await self.store.inbox.replied(self.channel, self.bot, row.update_id)
        log.info("%s: replies of %d updates cut off by a stop or a dead process are queued",
                 self.channel, len(cut_off))  # fmt: skip

    def _key(self, update_id: str, index: int) -> str:
        return f"reply:{self.channel}:{self.bot}:{update_id}:{index}"

    # --- a turn's replies ---------------------------------------------------------------

    def recorder(self, turn: Turn) -> Record:
        """For `Router.handle`: marks the turn's inbox row handled, with its replies, in
        the turn's own transaction."""

        async def record(replies: list[Reply]) -> bool:
            if turn.update_id is None:
                return True
            update_id = turn.update_id
            payloads = [p for reply in replies for p in queued_payloads(reply, turn)]
            # The chat's earlier deliveries are marked by the same statement: known stored
            # only once the turn commits, which a failing COMMIT can still prevent.
            carried = self._marks.get(update_id, ())
            handled_now = await self.store.inbox.handled(
                self.channel, turn.bot, update_id, payloads, replied=carried
            )
            if carried:
                self.store.db.after_commit(partial(self._marked.add, update_id))
            if not handled_now:
                if await self.store.inbox.holds(self.channel, turn.bot, turn.update_id):
                    return False  # handled meanwhile, by another process
                # Handed to the Application without the inbox: deduplicated as every
                # other channel's updates are.
                return await self.store.updates.mark_processed(
                    self.channel, turn.update_id, bot=turn.bot
                )
            self._recorded.add(turn.update_id)
            if payloads:
                self._unreplied.add(turn.update_id)
            return True

        return record

    async def delivered(self, turn: Turn, replies: Sequence[Reply], sent: int) -> None:
        """The first `sent` replies went out; the rest go through the outbox, which
        retries them, so no one is left without their "Đã lưu"."""
        if sent < len(replies):
            # Numbered as `recorder` numbered them, so that a replay after a crash
            # (Intake.run) finds these queued already instead of queueing them again.
            done = sum(len(queued_payloads(reply, turn)) for reply in replies[:sent])
            payloads = [p for reply in replies[sent:] for p in queued_payloads(reply, turn)]
            keys = [
                None if turn.update_id is None else self._key(turn.update_id, done + i)
                for i in range(len(payloads))
            ]
            messages = [
                NewMessage(self.channel, turn.chat_id, payload, key)
                for payload, key in zip(payloads, keys, strict=True)
            ]
            log.info("%s: %d replies of update %s go through the outbox",
                     self.channel, len(replies) - sent, turn.update_id)  # fmt: skip

            async def queue() -> None:
                async with self.store.transaction():
                    await self.store.outbox.enqueue_many(messages)
                    if turn.update_id is not None:
                        await self.store.inbox.replied(self.channel, turn.bot, turn.update_id)

            await self._until_stored(queue, f"replies of update {turn.update_id}")
        elif turn.update_id is not None and turn.update_id in self._unreplied:
            self._delivered.add(turn.update_id)  # its lane marks it (Intake._lane)
        if turn.update_id is not None:
            self._unreplied.discard(turn.update_id)
