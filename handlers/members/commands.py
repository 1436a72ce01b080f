"""People in the chat, for officials: "mời thành viên" (/moi) gives one code per village
as a printable sheet, "danh sách thành viên" (/thanhvien) who has joined, "thu hồi mã
ABCD2345" revokes a code, "xóa thành viên <tên>" removes a person after a confirmation."""

from __future__ import annotations

from handlers.members.roster import invite_villages, roster_lines
from handlers.messages import Button, Reply, Turn
from handlers.router import OFFICIALS, Command, Router
from handlers.services import Services
from handlers.unit_lookup import home_unit, may_see
from handlers.wording.figures import unit_label
from indicators.people import Person
from indicators.text import fold, folded_words
from locales import _
from storage.conversations import ConversationState
from storage.invites import normalize_code

REMOVE_BUTTON = "mb:rm:"  # "mb:rm:<person id>": remove after the official confirmed
MAX_CHOICES = 8

_INVITE = ("moi thanh vien", "tao ma moi", "ma moi cac thon")
_ROSTER = ("danh sach thanh vien", "thanh vien")
_REVOKE = ("thu hoi ma moi", "thu hoi ma", "huy ma moi", "huy ma")
_REMOVE = ("xoa thanh vien", "bo thanh vien")


def _rest(text: str, leads: tuple[str, ...]) -> str | None:
    folded = folded_words(text)
    for lead in leads:
        if folded == lead or folded.startswith(lead + " "):
            return " ".join(text.split()[len(lead.split()) :])
    return None


class People:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store

    async def read(self, turn: Turn, person: Person) -> list[Reply] | None:
        text = turn.text
        for leads, run, command in (
            (_INVITE, self.invite, "moi"),
            (_ROSTER, self.roster, "thanhvien"),
            (_REVOKE, self.revoke, "thanhvien"),
            (_REMOVE, self.remove, "thanhvien"),
        ):
            rest = _rest(text, leads)
            if rest is None or (leads is _ROSTER and rest):
                continue
            if not person.is_official:
                only = _("Only commune officials can use /{command}.")
                return [Reply(only.format(command=command))]
            return await run(person, rest)
        return None

    async def invite(self, person: Person, text: str = "") -> list[Reply]:
        root = await home_unit(self.services, person)
        made = await invite_villages(self.services, root, by=person.id)
        if made is None:
            return [Reply(_("{unit} has no villages to invite. Ask the administrator for a code for your unit.").format(
                unit=unit_label(root)))]  # fmt: skip
        lines = [
            _("Invite codes for the {n} villages of {unit} (for team members):").format(
                n=len(made.invites), unit=unit_label(root)
            ),
            made.note(self.services),
        ]
        lines += [f"• {i.unit}: {i.code}" for i in made.invites]
        lines.append(_("The sheet attached has a QR code per village, to print and hand out. To revoke a code: “thu hồi mã ABCD2345”."))  # fmt: skip
        return [Reply("\n".join(lines), file=made.sheet(self.services))]

    async def roster(self, person: Person, text: str = "") -> list[Reply]:
        root = await home_unit(self.services, person)
        lines = await roster_lines(self.services, root)
        lines.append(_("To remove someone: “xóa thành viên <name>”; what they reported stays, with their name."))  # fmt: skip
        return [Reply("\n".join(lines))]

    async def revoke(self, person: Person, text: str) -> list[Reply]:
        code = normalize_code(text)
        if not code:
            return [Reply(_("Which code? For example: thu hồi mã ABCD2345"))]
        invite = await self.store.invites.get(code)
        if invite is None or not await may_see(self.services, person, invite.unit_id):
            return [Reply(_("I found no invite code {code} among yours.").format(code=code))]
        unit = await self.services.unit(invite.unit_id)
        if not await self.store.invites.revoke(code, by=person.id):
            return [Reply(_("The code {code} ({unit}) could no longer be used anyway.").format(
                code=code, unit=unit_label(unit)))]  # fmt: skip
        return [Reply(_("The code {code} ({unit}) is revoked: nobody can join with it any more. Those who joined with it stay.").format(
            code=code, unit=unit_label(unit)))]  # fmt: skip

    async def remove(self, person: Person, text: str) -> list[Reply]:
        wanted = fold(" ".join(text.split()))
        if not wanted:
            return [Reply(_("Whom? For example: xóa thành viên Nguyễn Văn A"))]
        root = await home_unit(self.services, person)
        members = await self.store.members.in_subtree(root.id)
        found = [m for m in members if wanted in fold(m.person.name) and m.person.id != person.id]
        if not found:
            return [Reply(_("I found nobody called “{name}” among your members.").format(name=text.strip()))]  # fmt: skip
        buttons = tuple(
            (Button(_("Remove {name} ({unit})").format(name=m.person.name, unit=m.unit_name)[:60],
                    f"{REMOVE_BUTTON}{m.person.id}"),)
            for m in found[:MAX_CHOICES]
        )  # fmt: skip
        if len(found) == 1:
            text = _("Remove {name} ({unit}) from the team? They will no longer be able to use the bot; the figures they sent stay, with their name.").format(
                name=found[0].person.name, unit=found[0].unit_name)  # fmt: skip
        else:
            text = _("Several people match; whom should I remove?")
        return [Reply(text, buttons)]

    async def press(self, turn: Turn, person: Person) -> list[Reply]:
        number = turn.text.removeprefix(REMOVE_BUTTON)
        if not person.is_official or not number.isdigit():
            return [Reply(_("This button is no longer active."))]
        target = await self.store.people.get(int(number))
        if (
            target is None
            or target.id == person.id
            or target.unit_id is None
            or not await may_see(self.services, person, target.unit_id)
        ):
            return [Reply(_("This button is no longer active."))]
        if not await self.store.members.remove(target.id, by=person.id):
            return [Reply(_("{name} was already removed.").format(name=target.name))]
        return [Reply(_("{name} is removed from the team. The figures they sent stay, with their name.").format(
            name=target.name))]  # fmt: skip


def register(router: Router) -> None:
    people = People(router.services)

    async def moi(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
        return await people.invite(person)

    async def thanhvien(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
        return await people.roster(person)

    router.add_reader(people.read)
    router.add_button(REMOVE_BUTTON, people.press)
    router.add_command(Command(
        "moi", lambda: _("Invite codes for every village, with QR codes to print"), moi,
        roles=OFFICIALS,
    ))  # fmt: skip
    router.add_command(Command(
        "thanhvien", lambda: _("Who has joined, village by village"), thanhvien, roles=OFFICIALS
    ))  # fmt: skip
