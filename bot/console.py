"""The terminal channel: the same handlers, buttons shown as numbered choices."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace
from itertools import count
from pathlib import Path
from typing import TextIO

from handlers.messages import Button, InFile, OutFile, Reply, Turn, TurnKind
from handlers.queued_replies import from_payload
from handlers.router import Router
from locales import _

CHANNEL = "console"


FILE_COMMANDS = ("/tep", "/gui")  # "/tep danh-sach-thon.xlsx": send a file to the bot
MAX_FILE_BYTES = 20 * 1024 * 1024  # what Telegram lets a bot download; plan files are small


class ConsoleChat:
    """One person talking to the bot; "/1", "/2"… press the last reply's buttons.

    Buttons are pressed with a slash so that a bare "1" stays a figure. A terminal cannot
    show a chart or a table, so files are saved to `files` and their path is printed;
    "/tep PATH" sends a file (a unit list, a plan appendix) as a messenger would.
    """

    def __init__(
        self, router: Router, external_id: str, name: str, out: TextIO, files: Path | None = None
    ) -> None:
        self.router = router
        self.external_id = external_id
        self.name = name
        self.out = out
        self.files = files
        self.buttons: dict[int, Button] = {}
        self._numbers: dict[str, int] = {}  # label → its number, kept across replies

    def to_turn(self, line: str) -> Turn:
        text = line.rstrip("\n")
        stripped = text.strip()
        base = Turn(CHANNEL, self.external_id, self.external_id, TurnKind.TEXT, name=self.name)
        if stripped.startswith("/") and stripped[1:].isdigit():
            choice = int(stripped[1:])
            if choice in self.buttons:
                return replace(base, kind=TurnKind.BUTTON, text=self.buttons[choice].data)
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            return replace(base, kind=TurnKind.COMMAND, command=head.lower(), text=rest.strip())
        return replace(base, text=text)

    async def say(self, line: str) -> list[Reply]:
        turn = self.file_turn(line)
        if isinstance(turn, str):
            print(turn + "\n", file=self.out)
            return []
        replies = await self.router.handle(turn or self.to_turn(line))
        self.show(replies)
        return replies

    async def deliver(self) -> None:
        """Show what was queued for this person on the terminal (a figure sent back by
        the official, with its button) and count it as sent."""
        store = self.router.store
        person = await store.people.by_identity(CHANNEL, self.external_id)
        if person is None:
            return
        messages = await store.outbox.claim_for_person(CHANNEL, person.id)
        if not messages:
            return
        print(_("— {n} message(s) for you —").format(n=len(messages)), file=self.out)
        self.show([from_payload(message.payload) for message in messages])
        for message in messages:
            await store.outbox.mark_sent(message.id)

    def file_turn(self, line: str) -> Turn | str | None:
        """The turn sending the file a "/tep PATH" line names, why it cannot be sent, or
        None for any other line."""
        head, _sep, rest = line.strip().partition(" ")
        if head.lower() not in FILE_COMMANDS:
            return None
        if not rest.strip():
            return _("Which file? For example: /tep danh-sach-thon.xlsx")
        path = Path(rest.strip()).expanduser()
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return _("{name} is too large to send.").format(name=path.name)
            content = path.read_bytes()
        except OSError as exc:
            return _("{name}: the file cannot be opened ({reason}).").format(
                name=path.name, reason=exc.strerror or type(exc).__name__
            )
        base = Turn(CHANNEL, self.external_id, self.external_id, TurnKind.OTHER, name=self.name)
        return replace(base, document=InFile(path.name, content))

    def show(self, replies: list[Reply]) -> None:
        shown = [button for reply in replies for row in reply.buttons for button in row]
        numbers = self._number(shown) if shown else {}
        for reply in replies:
            print(reply.text, file=self.out)
            for row in reply.buttons:
                for button in row:
                    print(f"  [/{numbers[button.label]}] {button.label}", file=self.out)
            for attached in (reply.file, reply.image):
                if attached is not None:
                    print(f"  📎 {self._save(attached)}", file=self.out)
            print(file=self.out)
        if shown or replies:
            self.buttons = {numbers[b.label]: b for b in shown}

    def _save(self, attached: OutFile) -> str:
        """Where the file was saved, or, without a folder, what it was."""
        if self.files is None:
            return _("{name} ({size} bytes)").format(
                name=attached.filename, size=len(attached.content)
            )
        try:
            self.files.mkdir(parents=True, exist_ok=True)
            path = self.files / Path(attached.filename).name
            path.write_bytes(attached.content)
        except OSError as exc:
            return _("{name}: could not be saved in {folder} ({reason})").format(
                name=attached.filename, folder=self.files, reason=exc.strerror or type(exc).__name__
            )
        return _("File saved: {path}").format(path=path)

    def _number(self, shown: list[Button]) -> dict[str, int]:
        """A number per label, the same each time the label is shown ("Bỏ qua" stays /1):
        labels seen before keep theirs, new ones take the lowest number free here."""
        numbers: dict[str, int] = {}
        for button in shown:
            known = self._numbers.get(button.label)
            if known is not None and known not in numbers.values():
                numbers[button.label] = known
        for button in shown:
            if button.label not in numbers:
                free = next(n for n in count(1) if n not in numbers.values())
                numbers[button.label] = free
        self._numbers.update(numbers)
        return numbers


async def run_console(
    chat: ConsoleChat,
    source: TextIO,
    *,
    interactive: bool,
    read: Callable[[str], str] = input,
    first: str = "/start",
) -> None:
    """Read turns until end of input; interactive sessions get a prompt. `first` opens
    the session ("/start CODE" joins with an invite code)."""
    await chat.say(first)
    await chat.deliver()
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(read, "> ")
            except EOFError:
                break
        else:
            line = source.readline()
            if not line:
                break
            print(f"> {line.rstrip()}", file=chat.out)
        if interactive and line.strip() in ("/exit", "/thoat"):
            break
        await chat.say(line)
        await chat.deliver()


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
