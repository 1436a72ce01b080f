"""Buttons as numbered text ("/1 Label"), for chats that cannot show real buttons.

The router does not read "/1" itself: like the terminal channel, the channel remembers
the data of the numbered choices it last showed in a chat and turns a later "/2" from
that chat back into a press of the second choice. The slash keeps a bare "2" a figure.
A reply without numbered choices leaves them as they were: one turn's answer is often a
list of choices followed by a hint, and the hint must not make the list unusable.

Where that memory lives is the app's choice (`ChoiceMemory`): `StoredChoices` keeps it
in the database, so the choices on screen survive a restart of the bot; `RecentChoices`
keeps it in this process (the terminal, tests), where a restart forgets them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from handlers.messages import Button, Reply, Turn, TurnKind
from storage.choices import ShownChoices


class ChoiceMemory(Protocol):
    async def remember(self, chat_id: str, data: Sequence[str]) -> None:
        """The data of the numbered choices just shown in `chat_id`, in order."""

    async def recall(self, chat_id: str) -> Sequence[str]:
        """What `remember` kept for `chat_id`, or nothing."""


class RecentChoices:
    """`ChoiceMemory` in this process, for the `limit` chats written to last."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._chats: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    async def remember(self, chat_id: str, data: Sequence[str]) -> None:
        self._chats.pop(chat_id, None)
        if data:
            self._chats[chat_id] = tuple(data)
            while len(self._chats) > self._limit:
                self._chats.popitem(last=False)

    async def recall(self, chat_id: str) -> Sequence[str]:
        return self._chats.get(chat_id, ())


class StoredChoices:
    """`ChoiceMemory` in the database, for one channel."""

    def __init__(self, choices: ShownChoices, channel: str) -> None:
        self._choices = choices
        self._channel = channel

    async def remember(self, chat_id: str, data: Sequence[str]) -> None:
        await self._choices.remember(self._channel, chat_id, data)

    async def recall(self, chat_id: str) -> Sequence[str]:
        return await self._choices.recall(self._channel, chat_id)


def flat_buttons(reply: Reply) -> list[Button]:
    return [button for row in reply.buttons for button in row]


def numbered_lines(buttons: Sequence[Button], max_label: int) -> str:
    """One "/N Label" line per button, numbered from 1 across all rows."""
    return "\n".join(
        f"/{index} {_clip(button.label, max_label)}" for index, button in enumerate(buttons, 1)
    )


def with_numbered_choices(text: str, buttons: Sequence[Button], max_label: int) -> str:
    if not buttons:
        return text
    lines = numbered_lines(buttons, max_label)
    return f"{text}\n\n{lines}" if text else lines


async def resolve_choice(turn: Turn, memory: ChoiceMemory) -> Turn:
    """A "/N" command naming one of the choices last shown in the chat becomes that
    button's press; any other turn is returned as it is."""
    command = turn.command
    numeric = command.isascii() and command.isdigit()
    if turn.kind is not TurnKind.COMMAND or turn.text or not numeric:
        return turn
    choices = await memory.recall(turn.chat_id)
    index = int(command)
    if not 1 <= index <= len(choices):
        return turn
    return replace(turn, kind=TurnKind.BUTTON, text=choices[index - 1], command="")


def _clip(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: max(limit - 1, 0)] + "…"
