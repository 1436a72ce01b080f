"""People on two messengers in storage: link codes, one conversation per person, the
identity used last, why someone is unreachable, and the Zalo OA's token pair."""

from __future__ import annotations

import datetime as dt
from hashlib import sha256
from pathlib import Path

from indicators.people import NOT_ALLOWED, Role
from storage import LinkError, Store, StoredTokens
from storage.linking import LIFETIME, MAX_FAILURES, looks_like_link_code
from tests.storage.storage_fixtures import NOW, Tree


async def test_a_link_code_adds_the_typing_account_once(store: Store, tree: Tree, clock) -> None:
    lan = await store.people.add_person("Lan", Role.MEMBER, tree.villages["Nà Pậu"])
    await store.people.link_identity(lan.id, "telegram", "11", chat_id="11")

    made = await store.link_codes.create(lan.id, "telegram")
    assert looks_like_link_code(made.code) and made.expires_at == NOW + LIFETIME
    stored = await store.db.fetch_all("SELECT code_hash FROM link_codes")
    assert [row["code_hash"] for row in stored] == [sha256(made.code.encode()).hexdigest()]

    spaced = f"{made.code[:3]} {made.code[3:]}"  # typed "482 913"
    linked = await store.link_codes.redeem(
        spaced, channel="zalo_oa", external_id="z1", chat_id="z1"
    )
    assert linked == lan
    assert await store.people.by_identity("zalo_oa", "z1") == lan
    again = await store.link_codes.redeem(
        made.code, channel="zalo_oa", external_id="z2", chat_id="z2"
    )
    assert again is LinkError.UNKNOWN  # single use

    own = await store.link_codes.create(lan.id, "telegram")
    assert (
        await store.link_codes.redeem(own.code, channel="telegram", external_id="11", chat_id="11")
        == lan
    )
    audited = await store.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'person.identity_linked'"
    )
    assert audited == 2  # Telegram's, then Zalo's; typing it on Telegram added nothing


async def test_a_link_code_expires_and_a_new_one_replaces_the_old(
    store: Store, tree: Tree, clock
) -> None:
    lan = await store.people.add_person("Lan", Role.MEMBER, tree.villages["Nà Pậu"])
    first = await store.link_codes.create(lan.id, "telegram")
    second = await store.link_codes.create(lan.id, "telegram")
    old = await store.link_codes.redeem(
        first.code, channel="zalo_oa", external_id="z1", chat_id="z1"
    )
    assert old is LinkError.UNKNOWN or first.code == second.code

    clock.set(NOW + LIFETIME + dt.timedelta(seconds=1))
    late = await store.link_codes.redeem(
        second.code, channel="zalo_oa", external_id="z1", chat_id="z1"
    )
    assert late is LinkError.UNKNOWN
    assert await store.people.by_identity("zalo_oa", "z1") is None


async def test_guessing_is_stopped_after_a_few_wrong_codes(store: Store, tree: Tree, clock) -> None:
    lan = await store.people.add_person("Lan", Role.MEMBER, tree.villages["Nà Pậu"])
    made = await store.link_codes.create(lan.id, "telegram")
    wrong = "000000" if made.code != "000000" else "111111"
    for _ in range(MAX_FAILURES):
        assert await store.link_codes.redeem(
            wrong, channel="zalo_oa", external_id="guesser", chat_id="g"
        ) is LinkError.UNKNOWN  # fmt: skip
    right = await store.link_codes.redeem(
        made.code, channel="zalo_oa", external_id="guesser", chat_id="g"
    )
    assert right is LinkError.TOO_MANY_TRIES
    # Another account is not held back by the guesser, and the window passes.
    clock.set(NOW + dt.timedelta(hours=1, seconds=1))
    fresh = await store.link_codes.create(lan.id, "telegram")
    assert await store.link_codes.redeem(
        fresh.code, channel="zalo_oa", external_id="guesser", chat_id="g"
    ) == lan  # fmt: skip


async def test_an_account_registered_as_someone_else_is_not_taken_over(
    store: Store, tree: Tree
) -> None:
    lan = await store.people.add_person("Lan", Role.MEMBER, tree.villages["Nà Pậu"])
    hoa = await store.people.add_person("Hoa", Role.MEMBER, tree.villages["Nà Pậu"])
    await store.people.link_identity(hoa.id, "zalo_oa", "z-hoa", chat_id="z-hoa")
    made = await store.link_codes.create(lan.id, "telegram")
    taken = await store.link_codes.redeem(
        made.code, channel="zalo_oa", external_id="z-hoa", chat_id="z"
    )
    assert taken is LinkError.REGISTERED_ELSEWHERE
    assert await store.people.by_identity("zalo_oa", "z-hoa") == hoa


async def test_one_conversation_per_person_whichever_messenger(store: Store, tree: Tree) -> None:
    lan = await store.people.add_person("Lan", Role.MEMBER, tree.villages["Nà Pậu"])
    await store.people.link_identity(lan.id, "telegram", "11", chat_id="11")
    await store.people.link_identity(lan.id, "zalo_oa", "z1", chat_id="z1")
    await store.conversations.put("telegram", "11", "report", "numerator", {"i": 1})

    on_zalo = await store.conversations.get("zalo_oa", "z1")
    assert on_zalo is not None and (on_zalo.step, on_zalo.data) == ("numerator", {"i": 1})
    assert await store.conversations.clear("zalo_oa", "z1")
    assert await store.conversations.get("telegram", "11") is None
    # Someone not registered keeps theirs by chat.
    await store.conversations.put("zalo_oa", "stranger", "x", "y", {})
    assert await store.conversations.get("zalo_oa", "stranger") is not None


async def test_messages_go_to_the_messenger_used_last(store: Store, tree: Tree, clock) -> None:
    village = tree.villages["Nà Pậu"]
    lan = await store.people.add_person("Lan", Role.MEMBER, village)
    await store.people.link_identity(lan.id, "telegram", "11", chat_id="11")
    clock.set(NOW + dt.timedelta(minutes=1))
    await store.people.link_identity(lan.id, "zalo_oa", "z1", chat_id="z1")
    assert (await store.contacts.of_person(lan.id)).channel == "zalo_oa"

    clock.set(NOW + dt.timedelta(hours=2))
    await store.people.seen("telegram", "11")
    [contact] = await store.contacts.of_units([village])
    assert (contact.channel, contact.chat_id) == ("telegram", "11")

    # Refused by a window on one: the other one; on both: unreachable, and why.
    await store.people.set_unreachable("telegram", "11", reason=NOT_ALLOWED)
    assert (await store.contacts.of_person(lan.id)).channel == "zalo_oa"
    clock.set(NOW + dt.timedelta(hours=3))
    await store.people.set_unreachable("zalo_oa", "z1", reason=NOT_ALLOWED)
    assert await store.contacts.of_person(lan.id) is None
    [silent] = await store.contacts.unreachable_in_units([village])
    assert (silent.person_id, silent.reason) == (lan.id, NOT_ALLOWED)
    await store.people.seen("zalo_oa", "z1")  # they wrote again
    assert (await store.contacts.of_person(lan.id)).channel == "zalo_oa"


async def test_the_oa_token_pair_is_seeded_once_and_survives_a_restart(
    db_path: Path, clock
) -> None:
    configured = StoredTokens("access-env", "refresh-env", NOW + dt.timedelta(hours=1))
    rotated = StoredTokens("access-2", "refresh-2", NOW + dt.timedelta(hours=25))
    async with await Store.open(db_path, clock=clock) as store:
        assert await store.zalo_tokens.seed("app", configured)
        assert await store.zalo_tokens.load("app") == configured
        await store.zalo_tokens.save("app", rotated)
    async with await Store.open(db_path, clock=clock) as store:
        # The same, now spent, configured pair does not replace the rotated one.
        assert not await store.zalo_tokens.seed("app", configured)
        assert await store.zalo_tokens.load("app") == rotated
        # A pair the operator authorised anew does.
        fresh = StoredTokens("access-new", "refresh-new", NOW + dt.timedelta(hours=1))
        assert await store.zalo_tokens.seed("app", fresh)
        assert await store.zalo_tokens.load("app") == fresh
        assert await store.zalo_tokens.load("other-app") is None
        assert "refresh" not in repr(fresh)
