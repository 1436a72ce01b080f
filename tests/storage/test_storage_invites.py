"""Invites: joining with a code, and every way a code can be wrong."""

from __future__ import annotations

import datetime as dt

from indicators.people import Person, Role
from storage import RedeemError, Store
from storage.invites import ALPHABET, CODE_LENGTH
from tests.storage.storage_fixtures import NOW, Tree

LATER = NOW + dt.timedelta(days=7)


async def _official(store: Store, tree: Tree) -> Person:
    return await store.people.add_person("Ma Thị D", Role.OFFICIAL, tree.dong_lac)


async def test_code_is_short_unambiguous_and_joins(store: Store, tree: Tree) -> None:
    official = await _official(store, tree)
    village = tree.villages["Nà Pậu"]
    code = await store.invites.create(
        village, Role.MEMBER, expires_at=LATER, created_by=official.id
    )
    assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert not set(code) & set("0O1IL")

    person = await store.invites.redeem(
        code, channel="telegram", external_id="5001", name="Hoàng Văn E", chat_id="5001"
    )
    assert isinstance(person, Person)
    assert (person.role, person.unit_id, person.name) == (Role.MEMBER, village, "Hoàng Văn E")
    assert await store.people.by_identity("telegram", "5001") == person
    [use] = await store.invites.uses(code)
    assert (use.person_id, use.channel, use.external_id, use.used_at) == (
        person.id,
        "telegram",
        "5001",
        NOW,
    )
    invite = await store.invites.get(code)
    assert invite is not None and invite.uses_left == 0
    actions = [e.action for e in await store.audit.entries()]
    assert "invite.created" in actions and "invite.redeemed" in actions


async def test_lowercase_and_spaces_still_work(store: Store, tree: Tree) -> None:
    code = await store.invites.create(tree.dong_lac, Role.OFFICIAL, expires_at=LATER)
    typed = f" {code[:4].lower()} {code[4:].lower()}-"
    person = await store.invites.redeem(typed, channel="zalo", external_id="z1", name="Bế Văn F")
    assert isinstance(person, Person) and person.role is Role.OFFICIAL


async def test_unknown_expired_used_up_already_joined(store: Store, tree: Tree, clock) -> None:
    village = tree.villages["Nà Kéo"]

    async def redeem(code: str, who: str, at: dt.datetime = NOW) -> Person | RedeemError:
        clock.set(at)
        try:
            return await store.invites.redeem(
                code, channel="telegram", external_id=who, name=f"Người {who}"
            )
        finally:
            clock.set(NOW)

    assert await redeem("ABCDEFGH", "1") is RedeemError.UNKNOWN

    code = await store.invites.create(village, Role.MEMBER, expires_at=LATER)
    assert await redeem(code, "2", at=LATER) is RedeemError.EXPIRED

    shared = await store.invites.create(village, Role.MEMBER, uses=2, expires_at=LATER)
    assert isinstance(await redeem(shared, "3"), Person)
    assert await redeem(shared, "3") is RedeemError.ALREADY_JOINED
    assert isinstance(await redeem(shared, "4"), Person)
    assert await redeem(shared, "5") is RedeemError.USED_UP

    # A failed attempt changes nothing: no person, no use taken.
    assert await store.people.by_identity("telegram", "2") is None
    assert await store.people.by_identity("telegram", "5") is None
    invite = await store.invites.get(code)
    assert invite is not None and invite.uses_left == 1
    assert [u.external_id for u in await store.invites.uses(shared)] == ["3", "4"]


async def test_revoked_invite_is_used_up(store: Store, tree: Tree) -> None:
    code = await store.invites.create(tree.dong_lac, Role.MEMBER, expires_at=LATER)
    assert [i.code for i in await store.invites.of_unit(tree.dong_lac)] == [code]
    assert await store.invites.revoke(code.lower()) is True
    assert await store.invites.of_unit(tree.dong_lac) == []
    result = await store.invites.redeem(code, channel="console", external_id="me", name="Tôi")
    assert result is RedeemError.USED_UP
