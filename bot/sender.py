"""The outbox worker: sends one channel's queued messages within that channel's limits.

It knows no messenger: the channel (the port in handlers/channels.py) declares its pace
(overall, per person, per group) and says what became of each send. Telegram, for one,
allows about 30 messages a second overall, one a second in a private chat and 20 a
minute in a group, and answers 429 with `retry_after` beyond that. The worker spaces
its sends evenly below the channel's overall pace so that interactive replies, which go
out directly, keep the remaining headroom; it never bursts, because a burst is exactly
what the server counts against us.

Nothing is lost and nothing is sent twice on a normal stop: stopping lets the sends
already on the wire finish and be recorded, and puts claimed messages that were not
started back to pending. After a hard crash the messages that were on the wire at that
instant go out again (at least once beats never); everything else resumes where it was.
A send waits while an answer already received is not yet recorded (Unrecorded), so a
database slow to record cannot leave more than those on the wire to be sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from bot.backoff import STORAGE_RETRY_CAP, Backoff, until_set
from handlers.channels import Capabilities, Channel, Outcome, SendOutcome
from handlers.failure_log import failure_summary
from handlers.queued_replies import BLOCKED, NOT_ALLOWED, from_payload
from storage import OutboxMessage, StorageUnavailable, Store

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    per_second: float  # the channel's outbox pace: its Capabilities say (for_channel)
    private_interval: float = 1.0  # between two messages to one person
    group_interval: float = 3.0  # between two messages to one group
    in_flight: int = 32  # messages claimed and not yet settled
    max_attempts: int = 5  # then a message is given up (dead)
    backoff: float = 5.0  # seconds before the first retry, doubling each time
    backoff_cap: float = 600.0
    retry_in_place: int = 5  # 429s one message waits out before going back to the queue
    poll: float = 1.0  # seconds between looks at the outbox when idle
    stop_timeout: float = 10.0  # how long a stop waits for sends on the wire
    # With other processes sending too: a message claimed longer ago than this belongs
    # to a process that died (a claim lives for seconds, a few minutes under 429s).
    stale_claim: float = 600.0
    abandoned_look: float = 60.0  # seconds between looks for such claims

    @classmethod
    def for_channel(cls, capabilities: Capabilities) -> Limits:
        return cls(
            per_second=capabilities.messages_per_second,
            private_interval=capabilities.private_interval,
            group_interval=capabilities.group_interval,
        )


class Pace:
    """Evenly spaced turns at `per_second`, and never more than that many in any second:
    turns delayed by a busy moment must not bunch up into the next second, which is
    what the server counts. `pause` holds everyone back (a 429)."""

    def __init__(
        self, per_second: float, *, now: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.interval = 1.0 / per_second
        self.per_window = max(1, int(per_second))
        self._now = now
        self._sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._recent: deque[float] = deque()  # the turns of the last second

    async def wait(self) -> None:
        while True:
            now = self._now()
            slot = max(now, self._next, self._paused_until)
            self._next = slot + self.interval
            if slot > now:
                await self._sleep(slot - now)
            now = await self._room_in_window()
            if now < self._paused_until:
                continue  # a 429 arrived meanwhile: queue again behind the pause
            self._recent.append(now)
            return

    async def _room_in_window(self) -> float:
        """Now, once the last second holds fewer than `per_window` turns. A late turn
        waits here, keeping its place, instead of queueing again behind everyone."""
        while True:
            now = self._now()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) < self.per_window:
                return now
            await self._sleep(self._recent[0] + 1.0 - now)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._now() + seconds)
        self._next = max(self._next, self._paused_until)


class SharedPace:
    """The channel's rate shared with the other processes that send for the same bot,
    through the database. Time is cut into WINDOWS_PER_SECOND windows, each granting a
    share of the rate to all processes together. A sliding second can touch one window
    more than a second holds, and a process held up by a busy moment can send a slot
    it took in the window before: the share is sized so that even then the rate stays
    within the channel's (SHARE of it)."""

    WINDOWS_PER_SECOND = 5
    SHARE = 0.75

    def __init__(self, store: Store, channel: str, per_second: float) -> None:
        self.store = store
        self.channel = channel
        self.per_window = max(1, int(per_second * self.SHARE / self.WINDOWS_PER_SECOND))
        self._pruned = 0

    async def wait(self) -> None:
        backoff = Backoff(first=0.2)
        while True:
            now = self.store.clock.now().timestamp()
            window = int(now * self.WINDOWS_PER_SECOND)
            try:
                if await self.store.send_budget.take(self.channel, window, self.per_window):
                    await self._prune(window)
                    return
            except StorageUnavailable as error:
                log.warning("outbox: the shared rate cannot be read (%s)", error)
                await asyncio.sleep(backoff.next_delay())
                continue
            await asyncio.sleep((window + 1) / self.WINDOWS_PER_SECOND - now)

    async def _prune(self, window: int) -> None:
        if window - self._pruned < 60 * self.WINDOWS_PER_SECOND:
            return
        self._pruned = window
        with contextlib.suppress(StorageUnavailable):
            await self.store.send_budget.prune(self.channel, window - self.WINDOWS_PER_SECOND)


class Window:
    """At most `per_second` sends in any second, shared by everything that sends on one
    account: the outbox sender and the direct replies both take their turn here, so
    together they stay within the platform's overall limit. No spacing: a send goes at
    once while the last second has room, so a reply to a quiet bot waits for nothing."""

    def __init__(
        self, per_second: int, *, now: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.per_second = per_second
        self._now = now
        self._sleep = sleep
        self._recent: deque[float] = deque()

    async def take(self) -> None:
        while True:
            now = self._now()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) < self.per_second:
                self._recent.append(now)
                return
            await self._sleep(self._recent[0] + 1.0 - now)


class ChatPace:
    """The earliest next send per chat: groups are slower."""

    def __init__(
        self,
        private_interval: float,
        group_interval: float,
        *,
        now: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._private = private_interval
        self._group = group_interval
        self._now = now
        self._sleep = sleep
        self._next: dict[str, float] = {}

    def delay(self, chat: str) -> float:
        """Seconds until the chat may get its next message (0 or less: it may now)."""
        return self._next.get(chat, 0.0) - self._now()

    async def wait(self, chat: str) -> None:
        """Until the chat may get its next message; one caller per chat at a time."""
        delay = self.delay(chat)
        if delay > 0:
            await self._sleep(delay)

    def sent(self, chat: str, *, group: bool) -> None:
        """Counted from the real send, which the overall pace may have delayed."""
        now = self._now()
        if len(self._next) > 10_000:
            self._next = {c: t for c, t in self._next.items() if t > now}
        self._next[chat] = now + (self._group if group else self._private)


class Unrecorded:
    """Sends answered whose outcome is not stored yet. After a hard kill these go out
    again, like the sends still on the wire; unlike those, nothing bounds them but this:
    a send starts only while there are none, so that the sender never runs ahead of its
    records. Otherwise every lane whose answer came back while the database was busy
    with turns would be one more message a kill sends twice."""

    def __init__(self) -> None:
        self._count = 0
        self._none = asyncio.Event()
        self._none.set()

    @property
    def none(self) -> bool:
        return self._count == 0

    async def until_none(self) -> None:
        await self._none.wait()

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        self._count += 1
        self._none.clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._none.set()


@dataclass
class Counters:
    sent: int = 0
    retry_after: int = 0  # 429 answers received
    retried: int = 0  # failed attempts queued for a later retry
    dead: int = 0
    blocked: int = 0
    not_allowed: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class OutboxSender:
    """Claims due messages of one channel and sends each within that channel's limits."""

    def __init__(
        self,
        store: Store,
        channel: Channel,
        *,
        limits: Limits | None = None,
        on_drained: Callable[[], Awaitable[object]] | None = None,
        shared: bool = False,
    ) -> None:
        """`shared`: other processes send for the same bot; the rate is theirs too."""
        self.store = store
        self.sender = channel
        self.limits = limits or Limits.for_channel(channel.capabilities)
        self.channel = channel.name
        self.clock = store.clock
        self.on_drained = on_drained
        self.counters = Counters()
        self.pace = Pace(self.limits.per_second)
        self.shared = SharedPace(store, self.channel, self.limits.per_second) if shared else None
        self.chat_pace = ChatPace(self.limits.private_interval, self.limits.group_interval)
        self.unrecorded = Unrecorded()
        self._lanes: dict[str, deque[OutboxMessage]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._in_flight = 0
        self._stopping = False
        self._settled_since_drained = True  # a first look for finished broadcasts at start
        self._unsent: list[int] = []  # claimed, then given back by a stop
        self._next_abandoned_look = 0.0
        self._progress = asyncio.Event()

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll (something was queued)."""
        self._progress.set()

    async def run(self) -> None:
        """Send until cancelled; cancelling stops cleanly (see the module's docstring).
        A database that cannot work now is waited out: the loop backs off and retries."""
        try:
            reset = await self._stored(self._reset_interrupted, "the start's reset")
            if reset:
                log.info("outbox: %s messages interrupted by the last stop are pending again",
                         reset)  # fmt: skip
            backoff = Backoff(cap=STORAGE_RETRY_CAP)
            while True:
                # Cleared before looking, so that progress made meanwhile is not missed.
                self._progress.clear()
                if self.shared is not None:
                    await self._reset_abandoned()
                try:
                    claimed = await self._claim()
                except StorageUnavailable as error:
                    delay = backoff.next_delay()
                    log.warning("outbox: cannot claim messages (%s); retry in %.0f s",
                                error, delay)  # fmt: skip
                    # Something queued meanwhile (wake) shows the database works again.
                    await until_set(self._progress, delay)
                    continue
                backoff.reset()
                if claimed:
                    continue
                if not self._lanes and self._settled_since_drained:
                    self._settled_since_drained = False
                    await self._drained()
                await self._idle()
        except asyncio.CancelledError:
            await self._stop()
            raise

    async def _reset_interrupted(self) -> int:
        """At the start: alone, whatever is still 'sending' was cut off by the last stop;
        beside other processes, only what a process that died left claimed."""
        if self.shared is None:
            return await self.store.outbox.reset_stale_sending()
        return await self.store.outbox.reset_stale_sending(self._stale_before())

    async def _reset_abandoned(self) -> None:
        """Beside other processes, now and then: the claims of one that died."""
        now = time.monotonic()
        if now < self._next_abandoned_look:
            return
        self._next_abandoned_look = now + self.limits.abandoned_look
        try:
            reset = await self.store.outbox.reset_stale_sending(self._stale_before())
        except StorageUnavailable as error:
            log.warning("outbox: cannot look for abandoned claims (%s)", error)
            return
        if reset:
            log.info("outbox: %d messages claimed by a process that stopped are pending again",
                     reset)  # fmt: skip

    def _stale_before(self) -> dt.datetime:
        return self.clock.now() - dt.timedelta(seconds=self.limits.stale_claim)

    async def _claim(self) -> int:
        free = self.limits.in_flight - self._in_flight
        if free <= 0:
            return 0
        messages = await self.store.outbox.claim_due(free, channel=self.channel)
        for message in messages:
            self._in_flight += 1
            lane = self._lanes.get(message.recipient)
            if lane is None:
                lane = self._lanes[message.recipient] = deque()
                self._tasks[message.recipient] = asyncio.create_task(
                    self._run_lane(message.recipient, lane)
                )
            lane.append(message)
        return len(messages)

    async def _idle(self) -> None:
        await until_set(self._progress, self.limits.poll)

    async def _drained(self) -> None:
        if self.on_drained is None:
            return
        try:
            await self.on_drained()
        except StorageUnavailable as error:
            log.warning("outbox: the drained hook could not look (%s)", error)
        except Exception as error:
            log.error("outbox: the drained hook failed: %s", failure_summary(error))

    async def _run_lane(self, chat: str, lane: deque[OutboxMessage]) -> None:
        """One chat's messages, in order, one at a time."""
        try:
            while lane and not self._stopping:
                if not await self._deliver(lane[0]):
                    break
                lane.popleft()
                self._in_flight -= 1
                self._settled_since_drained = True
                self._progress.set()
        except Exception as error:
            log.error("outbox: a send lane failed (%s); its messages go back to the queue",
                      failure_summary(error))  # fmt: skip
        finally:
            if self._lanes.get(chat) is lane:
                del self._lanes[chat]
                del self._tasks[chat]
            self._in_flight -= len(lane)
            if lane and not self._stopping:
                await self._requeue(lane)
            elif lane:
                self._unsent.extend(message.id for message in lane)
            self._progress.set()

    async def _requeue(self, lane: deque[OutboxMessage]) -> None:
        retry_at = self.clock.now() + dt.timedelta(seconds=self.limits.backoff)
        for message in lane:
            try:
                await self.store.outbox.mark_failed(message.id, "interrupted", retry_at=retry_at)
            except StorageUnavailable as error:
                log.warning("outbox: message %d stays claimed until the next start (%s)",
                            message.id, error)  # fmt: skip
            except Exception as error:
                log.error("outbox: message %d stays claimed until the next start: %s",
                          message.id, failure_summary(error))  # fmt: skip

    async def _stop(self) -> None:
        self._stopping = True
        tasks = list(self._tasks.values())
        if tasks:
            # Sends on the wire finish and are recorded; lanes waiting for their turn
            # give their message back instead of sending it.
            _done, pending = await asyncio.wait(tasks, timeout=self.limits.stop_timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        try:
            if self.shared is None:
                reset = await asyncio.shield(self.store.outbox.reset_stale_sending())
            else:
                # Only this process's own: the others' claims are on their wires.
                reset = await asyncio.shield(self.store.outbox.release(self._unsent))
        except StorageUnavailable as error:
            log.warning("outbox: stopped; claimed messages are reset at the next start (%s)",
                        error)  # fmt: skip
            return
        log.info("outbox: stopped; %d claimed messages are pending again", reset)

    async def _stored(self, write: Callable[[], Awaitable[object]], what: str) -> object:
        """A write whose outcome is already decided (a send happened), retried until the
        database takes it: given up, the message would go out again."""
        backoff = Backoff(first=0.5)
        while True:
            try:
                return await write()
            except StorageUnavailable as error:
                delay = backoff.next_delay()
                log.warning("outbox: %s not stored (%s); retry in %.1f s", what, error, delay)
                await asyncio.sleep(delay)

    async def _deliver(self, message: OutboxMessage) -> bool:
        """Send one message and record the outcome; False if a stop came first (the
        message then goes back to pending untouched)."""
        group = isinstance(message.payload.get("unit_id"), int)
        for _ in range(self.limits.retry_in_place):
            await self.chat_pace.wait(message.recipient)
            await self._turn()
            if self._stopping:
                return False
            # Counted from before the send, so that no other send to the chat starts
            # meanwhile, and again from its answer: the platform counts from when the
            # send reached it, which a slow start may have made later than this.
            self.chat_pace.sent(message.recipient, group=group)
            outcome = await self._send(message)
            self.chat_pace.sent(message.recipient, group=group)
            if outcome.outcome is Outcome.RETRY_AFTER:
                self.counters.retry_after += 1
                self.pace.pause(outcome.retry_after)
                log.warning("outbox: the channel asks to wait, all sends wait %.1f s",
                            outcome.retry_after)  # fmt: skip
                continue
            with self.unrecorded.recording():
                await self._stored(functools.partial(self._settle, message, outcome), "an outcome")
            return True
        retry_at = self.clock.now() + dt.timedelta(seconds=self.limits.backoff)
        await self._stored(
            lambda: self.store.outbox.mark_failed(
                message.id, "429 Too Many Requests", retry_at=retry_at
            ),
            "a retry",
        )
        self.counters.retried += 1
        return True

    async def _turn(self) -> None:
        """A turn of the pace taken while every answer so far is recorded. A turn that
        an answer came back during is let go: sending on it would run ahead of the
        records, and holding it for later would bunch the sends."""
        while True:
            await self.unrecorded.until_none()
            await self.pace.wait()
            if self.shared is not None:
                await self.shared.wait()
            if self.unrecorded.none or self._stopping:
                return

    async def _send(self, message: OutboxMessage) -> SendOutcome:
        try:
            return await self.sender.send(message.recipient, from_payload(message.payload))
        except (ValueError, KeyError, TypeError) as error:
            return SendOutcome(Outcome.REJECTED, detail=type(error).__name__)
        except Exception as error:
            # A channel that failed in a way it did not map: treat it as passing.
            return SendOutcome(Outcome.TRANSIENT, detail=type(error).__name__)

    async def _settle(self, message: OutboxMessage, outcome: SendOutcome) -> None:
        """Record what became of one send: the outcome alone decides."""
        match outcome.outcome:
            case Outcome.SENT:
                await self.store.outbox.mark_sent(message.id)
                self.counters.sent += 1
            case Outcome.BLOCKED:
                await self._blocked(message)
            case Outcome.MOVED:
                await self._migrated(message, outcome.new_chat_id)
            case Outcome.REJECTED:
                await self._give_up(message, outcome.detail or "rejected")
            case Outcome.NOT_ALLOWED:
                await self._not_allowed(message, outcome.detail)
            case _:
                await self._retry_later(message, outcome.detail or "transient")

    async def _blocked(self, message: OutboxMessage) -> None:
        """403: the person blocked the bot, or the bot left the group. Sending again is
        pointless until they write to the bot again (see the router)."""
        external_id = message.payload.get("external_id")
        if isinstance(external_id, str):
            await self.store.people.set_unreachable(message.channel, external_id)
        if isinstance(message.payload.get("unit_id"), int):
            await self.store.contacts.unlink_chat(message.channel, message.recipient)
        await self.store.outbox.mark_dead(message.id, BLOCKED)
        self.counters.blocked += 1
        self.counters.dead += 1

    async def _not_allowed(self, message: OutboxMessage, detail: str) -> None:
        """A platform window or quota refused it (Zalo OA: no message from the person for
        7 days): sending again blindly would be refused again. Until the person writes
        there, that identity is not written to; the message goes to their other
        messenger if they have one, and otherwise stays undelivered with why, which
        their official is shown."""
        self.counters.not_allowed += 1
        why = f"{NOT_ALLOWED} on {message.channel}: {detail}"
        external_id = message.payload.get("external_id")
        person_id = message.payload.get("person_id")
        if isinstance(external_id, str):
            await self.store.people.set_unreachable(
                message.channel, external_id, reason=NOT_ALLOWED
            )
        other = (
            await self.store.contacts.of_person(person_id) if isinstance(person_id, int) else None
        )
        if other is not None:
            rerouted = message.payload.get("rerouted")
            payload = dict(message.payload, external_id=other.external_id)
            payload["rerouted"] = [*(rerouted if isinstance(rerouted, list) else []), why]
            moved = await self.store.outbox.reroute(
                message.id, channel=other.channel, recipient=other.chat_id, payload=payload,
                reason=why,
            )  # fmt: skip
            if moved:
                log.info("outbox: message %d goes to the %s of its recipient instead",
                         message.id, other.channel)  # fmt: skip
                return
        await self.store.outbox.mark_dead(message.id, why)
        self.counters.dead += 1

    async def _migrated(self, message: OutboxMessage, new_chat_id: str) -> None:
        """A group changed its id (a Telegram supergroup): follow it for the next messages."""
        unit_id = message.payload.get("unit_id")
        if isinstance(unit_id, int) and new_chat_id:
            await self.store.contacts.unlink_chat(message.channel, message.recipient)
            await self.store.contacts.link_chat(unit_id, message.channel, new_chat_id)
        await self.store.outbox.mark_dead(message.id, "chat migrated")
        self.counters.dead += 1

    async def _give_up(self, message: OutboxMessage, error: str) -> None:
        await self.store.outbox.mark_dead(message.id, error)
        self.counters.dead += 1
        self.counters.errors[error] = self.counters.errors.get(error, 0) + 1
        log.warning("outbox: message %d given up: %s", message.id, error)

    async def _retry_later(self, message: OutboxMessage, described: str) -> None:
        if message.attempts >= self.limits.max_attempts:
            await self._give_up(message, f"{described} (after {message.attempts} attempts)")
            return
        delay = min(self.limits.backoff_cap, self.limits.backoff * 2 ** (message.attempts - 1))
        retry_at = self.clock.now() + dt.timedelta(seconds=delay)
        await self.store.outbox.mark_failed(message.id, described, retry_at=retry_at)
        self.counters.retried += 1
        log.info("outbox: message %d failed (%s), retry in %.0f s", message.id, described, delay)
