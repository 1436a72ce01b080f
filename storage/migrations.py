"""Numbered schema migrations, append-only.

Never edit a migration that has shipped: databases in the field already ran it. Add a
new one at the end instead. Each migration is a list of statements run in one
transaction together with its row in schema_migrations, so a migration is either
fully applied and recorded, or not at all.

The DDL is written once, in SQLite's types (INTEGER, REAL, TEXT; timestamps and JSON as
TEXT), with constraints every backend understands. Each backend's `Dialect.ddl` rewrites
it into the types that behave the same there (PostgreSQL: BIGINT, DOUBLE PRECISION, an
identity column for `INTEGER PRIMARY KEY`, bytewise TEXT); the list is never forked.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence

from storage.audit import dumps
from storage.backends import Backend, StorageError, Tx
from storage.invites import hashed, label

# A step is a statement, or, where SQL alone cannot do it portably (hashing), a function
# run in the migration's transaction.
Step = str | Callable[[Tx], Awaitable[None]]

_ROLES = "'member', 'official', 'admin'"
_OUTBOX_STATES = "'pending', 'sending', 'sent', 'failed', 'dead'"

_INITIAL_SCHEMA: list[str] = [
    # Units: the administrative tree. A merged unit keeps its row (and its values keep
    # pointing at it); merged_into_id says which unit took it over.
    """
    CREATE TABLE units (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        folded_name TEXT NOT NULL,
        level TEXT NOT NULL,
        parent_id INTEGER REFERENCES units (id),
        merged_into_id INTEGER REFERENCES units (id),
        merged_at TEXT,
        created_at TEXT NOT NULL,
        CHECK (parent_id IS NULL OR parent_id <> id),
        CHECK (merged_into_id IS NULL OR merged_into_id <> id)
    )
    """,
    "CREATE INDEX units_parent_idx ON units (parent_id)",
    "CREATE INDEX units_merged_into_idx ON units (merged_into_id)",
    "CREATE INDEX units_folded_name_idx ON units (folded_name)",
    # Former names, so that old documents and old habits still find the unit.
    """
    CREATE TABLE unit_names (
        id INTEGER PRIMARY KEY,
        unit_id INTEGER NOT NULL REFERENCES units (id),
        name TEXT NOT NULL,
        folded_name TEXT NOT NULL,
        replaced_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX unit_names_unit_idx ON unit_names (unit_id)",
    "CREATE INDEX unit_names_folded_idx ON unit_names (folded_name)",
    # Plans: every distinct text of a plan file is a version, so what was evaluated
    # against which wording can always be reconstructed.
    """
    CREATE TABLE plans (
        id INTEGER PRIMARY KEY,
        plan_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        year INTEGER NOT NULL,
        title TEXT NOT NULL,
        yaml_text TEXT NOT NULL,
        source TEXT NOT NULL,
        loaded_at TEXT NOT NULL,
        UNIQUE (plan_id, version)
    )
    """,
    """
    CREATE TABLE plan_units (
        plan_id TEXT NOT NULL,
        unit_id INTEGER NOT NULL REFERENCES units (id),
        assigned_at TEXT NOT NULL,
        PRIMARY KEY (plan_id, unit_id)
    )
    """,
    "CREATE INDEX plan_units_unit_idx ON plan_units (unit_id)",
    f"""
    CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ({_ROLES})),
        unit_id INTEGER REFERENCES units (id),
        created_at TEXT NOT NULL,
        CHECK (role = 'admin' OR unit_id IS NOT NULL)
    )
    """,
    "CREATE INDEX people_unit_idx ON people (unit_id)",
    """
    CREATE TABLE identities (
        channel TEXT NOT NULL,
        external_id TEXT NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people (id),
        chat_id TEXT,
        linked_at TEXT NOT NULL,
        unreachable_at TEXT,
        PRIMARY KEY (channel, external_id)
    )
    """,
    "CREATE INDEX identities_person_idx ON identities (person_id)",
    f"""
    CREATE TABLE invites (
        code TEXT PRIMARY KEY,
        unit_id INTEGER NOT NULL REFERENCES units (id),
        role TEXT NOT NULL CHECK (role IN ({_ROLES})),
        uses_left INTEGER NOT NULL CHECK (uses_left >= 0),
        expires_at TEXT NOT NULL,
        created_by INTEGER REFERENCES people (id),
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX invites_unit_idx ON invites (unit_id)",
    """
    CREATE TABLE invite_uses (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL REFERENCES invites (code),
        person_id INTEGER NOT NULL REFERENCES people (id),
        channel TEXT NOT NULL,
        external_id TEXT NOT NULL,
        used_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX invite_uses_code_idx ON invite_uses (code)",
    # Report values: never updated, never deleted. The highest version of a
    # (unit, plan, indicator, period) is the value; the others are its history.
    """
    CREATE TABLE report_values (
        id INTEGER PRIMARY KEY,
        unit_id INTEGER NOT NULL REFERENCES units (id),
        plan_id TEXT NOT NULL,
        indicator_code TEXT NOT NULL,
        period TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        kind TEXT NOT NULL,
        value_json TEXT NOT NULL,
        note TEXT,
        person_id INTEGER REFERENCES people (id),
        channel TEXT,
        update_key TEXT,
        recorded_at TEXT NOT NULL,
        UNIQUE (unit_id, plan_id, indicator_code, period, version)
    )
    """,
    # One chat update records a given value at most once, however often it is
    # delivered; rows without an update key never collide (NULLs are distinct).
    """
    CREATE UNIQUE INDEX report_values_update_idx
        ON report_values (update_key, unit_id, plan_id, indicator_code, period)
    """,
    """
    CREATE INDEX report_values_plan_period_idx
        ON report_values (plan_id, period, unit_id, indicator_code, version)
    """,
    """
    CREATE INDEX report_values_series_idx
        ON report_values (plan_id, indicator_code, unit_id, period, version)
    """,
    """
    CREATE TABLE conversation_state (
        channel TEXT NOT NULL,
        external_id TEXT NOT NULL,
        dialog TEXT NOT NULL,
        step TEXT NOT NULL,
        data_json TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (channel, external_id)
    )
    """,
    "CREATE INDEX conversation_state_updated_idx ON conversation_state (updated_at)",
    """
    CREATE TABLE processed_updates (
        channel TEXT NOT NULL,
        update_id TEXT NOT NULL,
        processed_at TEXT NOT NULL,
        PRIMARY KEY (channel, update_id)
    )
    """,
    "CREATE INDEX processed_updates_at_idx ON processed_updates (processed_at)",
    f"""
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        recipient TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ({_OUTBOX_STATES})),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        dedupe_key TEXT UNIQUE,
        batch_id TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        claimed_at TEXT,
        sent_at TEXT
    )
    """,
    "CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at)",
    "CREATE INDEX outbox_batch_idx ON outbox (batch_id, state)",
    """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        person_id INTEGER REFERENCES people (id),
        action TEXT NOT NULL,
        details_json TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX audit_log_person_idx ON audit_log (person_id, at)",
    "CREATE INDEX audit_log_at_idx ON audit_log (at)",
]

# Other names people use for a unit ("Thôn 3" for "Thôn Nà Mò", the name without its
# level word): matched like the current name, but unlike unit_names never a former name.
_UNIT_ALIASES: list[str] = [
    """
    CREATE TABLE unit_aliases (
        unit_id INTEGER NOT NULL REFERENCES units (id),
        alias TEXT NOT NULL,
        folded_alias TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (unit_id, folded_alias)
    )
    """,
    "CREATE INDEX unit_aliases_folded_idx ON unit_aliases (folded_alias)",
]

# Reminders, group chats and broadcasts. A reminder round is recorded per (plan, period,
# unit, kind) in the same transaction that queues its messages, so the primary key is
# what makes a round go out once however often, and after however many restarts, the
# scheduler asks. A group chat belongs to one unit; a unit may have several.
_REMINDERS_AND_BROADCASTS: list[str] = [
    """
    CREATE TABLE reminder_rounds (
        plan_id TEXT NOT NULL,
        period TEXT NOT NULL,
        unit_id INTEGER NOT NULL REFERENCES units (id),
        kind TEXT NOT NULL,
        recipients INTEGER NOT NULL,
        person_id INTEGER REFERENCES people (id),
        queued_at TEXT NOT NULL,
        PRIMARY KEY (plan_id, period, unit_id, kind)
    )
    """,
    """
    CREATE TABLE unit_chats (
        channel TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        unit_id INTEGER NOT NULL REFERENCES units (id),
        linked_by INTEGER REFERENCES people (id),
        linked_at TEXT NOT NULL,
        PRIMARY KEY (channel, chat_id)
    )
    """,
    "CREATE INDEX unit_chats_unit_idx ON unit_chats (unit_id)",
    # A broadcast's messages are outbox rows with its batch_id; this row says who sent it
    # and where the final count goes once no message of the batch is waiting any more.
    """
    CREATE TABLE broadcasts (
        batch_id TEXT PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people (id),
        unit_id INTEGER REFERENCES units (id),
        audience TEXT NOT NULL,
        text TEXT NOT NULL,
        reply_channel TEXT NOT NULL,
        reply_to TEXT NOT NULL,
        recipients INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT
    )
    """,
    "CREATE INDEX broadcasts_open_idx ON broadcasts (finished_at)",
]

# The numbered choices a chat without buttons last saw (bot/numbered_choices.py), so that
# they survive a restart.
_SHOWN_CHOICES: list[str] = [
    """
    CREATE TABLE shown_choices (
        channel TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        data TEXT NOT NULL,
        shown_at TEXT NOT NULL,
        PRIMARY KEY (channel, chat_id)
    )
    """,
    "CREATE INDEX shown_choices_shown_at_idx ON shown_choices (shown_at)",
]


async def _hash_invite_codes(tx: Tx) -> None:
    """Replace each stored code by its hash, in the invites, their uses and the audit log.
    A parent row cannot change its key under its children, so each invite is copied under
    its hash, its uses moved over, and the old row deleted."""
    for row in await tx.fetch_all("SELECT code_hash AS code FROM invites"):
        code, digest = row["code"], await hashed(row["code"])
        await tx.execute(
            "INSERT INTO invites (code_hash, unit_id, role, uses_left, expires_at, created_by,"
            " created_at) SELECT ?, unit_id, role, uses_left, expires_at, created_by,"
            " created_at FROM invites WHERE code_hash = ?",
            (digest, code),
        )
        await tx.execute("UPDATE invite_uses SET code_hash = ? WHERE code_hash = ?", (digest, code))
        await tx.execute("DELETE FROM invites WHERE code_hash = ?", (code,))
    for row in await tx.fetch_all(
        "SELECT id, details_json FROM audit_log WHERE action LIKE 'invite.%'"
    ):
        details = json.loads(row["details_json"])
        if "code" in details:
            details = {"invite": label(await hashed(details.pop("code"))), **details}
            await tx.execute(
                "UPDATE audit_log SET details_json = ? WHERE id = ?", (dumps(details), row["id"])
            )


# Invite codes stored hashed only, and refused codes counted per chat identity, so that
# guessing can be throttled (the code typed is never kept).
_INVITES_HASHED: list[Step] = [
    "ALTER TABLE invites RENAME COLUMN code TO code_hash",
    "ALTER TABLE invite_uses RENAME COLUMN code TO code_hash",
    _hash_invite_codes,
    """
    CREATE TABLE invite_attempts (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        external_id TEXT NOT NULL,
        outcome TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX invite_attempts_at_idx ON invite_attempts (at)",
]

# Updates as they arrive, and processed updates keyed by the bot too.
#
# inbox: every update taken from a messenger is written here before the messenger is
# told it arrived (the next getUpdates offset, a webhook's 200), so a crash loses none;
# rows are handled in id order, and `handled_at` is set in the transaction of the turn's
# own effects. `replies_json` is what the turn answered (text and buttons), kept until
# `replied_at` says it was delivered: a reply cut off by a crash goes out again through
# the outbox on the next start. `chat_key` lets several workers later take rows per chat
# in order (the oldest unhandled row of a chat first).
#
# processed_updates: an update id means something only for one bot on one server (a new
# token, a self-hosted Bot API server, ids restarting), so the key carries `bot`. Marks
# keyed without it cannot be told apart and are old enough to drop: they protect only
# against a redelivery within the last day.
_INBOX_AND_BOT_UPDATES: list[str] = [
    """
    CREATE TABLE inbox (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        bot TEXT NOT NULL,
        update_id TEXT NOT NULL,
        chat_key TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        received_at TEXT NOT NULL,
        handled_at TEXT,
        replies_json TEXT,
        replied_at TEXT,
        UNIQUE (channel, bot, update_id)
    )
    """,
    "CREATE INDEX inbox_unhandled_idx ON inbox (channel, bot, handled_at, id)",
    "CREATE INDEX inbox_chat_idx ON inbox (chat_key, handled_at, id)",
    "CREATE INDEX inbox_received_idx ON inbox (received_at)",
    "DROP TABLE processed_updates",
    """
    CREATE TABLE processed_updates (
        channel TEXT NOT NULL,
        bot TEXT NOT NULL,
        update_id TEXT NOT NULL,
        processed_at TEXT NOT NULL,
        PRIMARY KEY (channel, bot, update_id)
    )
    """,
    "CREATE INDEX processed_updates_at_idx ON processed_updates (processed_at)",
]

# Review and lock of a period, and people removed. A lock on (plan, period, unit) covers
# the unit's whole subtree: after it a member's new figure waits in value_proposals
# until an official approves it (then it becomes a report_values version of its own).
# value_reviews holds an official's decision on one version: accepted, or returned to
# the unit with a comment; a returned figure is corrected by a newer version.
# A removed person keeps their row (their values keep pointing at it, with their name);
# removed_at says they no longer belong, and their chat identities are unlinked.
_REVIEWS_AND_REMOVALS: list[str] = [
    """
    CREATE TABLE period_locks (
        plan_id TEXT NOT NULL,
        period TEXT NOT NULL,
        unit_id INTEGER NOT NULL REFERENCES units (id),
        locked_by INTEGER REFERENCES people (id),
        locked_at TEXT NOT NULL,
        PRIMARY KEY (plan_id, period, unit_id)
    )
    """,
    """
    CREATE TABLE value_reviews (
        id INTEGER PRIMARY KEY,
        value_id INTEGER NOT NULL REFERENCES report_values (id),
        decision TEXT NOT NULL CHECK (decision IN ('accepted', 'returned')),
        comment TEXT,
        person_id INTEGER REFERENCES people (id),
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX value_reviews_value_idx ON value_reviews (value_id, id)",
    """
    CREATE TABLE value_proposals (
        id INTEGER PRIMARY KEY,
        unit_id INTEGER NOT NULL REFERENCES units (id),
        plan_id TEXT NOT NULL,
        indicator_code TEXT NOT NULL,
        period TEXT NOT NULL,
        kind TEXT NOT NULL,
        value_json TEXT NOT NULL,
        note TEXT,
        person_id INTEGER REFERENCES people (id),
        channel TEXT,
        update_key TEXT,
        proposed_at TEXT NOT NULL,
        decision TEXT CHECK (decision IS NULL OR decision IN ('approved', 'refused')),
        decided_by INTEGER REFERENCES people (id),
        decided_at TEXT,
        value_id INTEGER REFERENCES report_values (id)
    )
    """,
    """
    CREATE UNIQUE INDEX value_proposals_update_idx
        ON value_proposals (update_key, unit_id, plan_id, indicator_code, period)
    """,
    """
    CREATE INDEX value_proposals_cell_idx
        ON value_proposals (plan_id, period, unit_id, indicator_code)
    """,
    "CREATE INDEX value_proposals_value_idx ON value_proposals (value_id)",
    "ALTER TABLE people ADD COLUMN removed_at TEXT",
]

# People on two messengers, and the Zalo Official Account's tokens.
# - identities.last_seen_at: when the person last wrote from that identity, so that
#   messages go to the channel they used last; unreachable_reason: why sending there
#   fails ('blocked', or 'not allowed': a reply window closed until they write again).
# - A person's conversation is theirs, not one chat's: it is kept under channel
#   'person' and their id, so a report started on Telegram can be finished on Zalo.
#   Rows of known identities move there (one per person; the latest wins).
# - link_codes: one-time codes that add a second identity to a person, kept as
#   SHA-256 hashes; link_failures: wrong codes typed, to stop guessing.
# - zalo_oa_tokens: the OA's current token pair per app. The refresh token is single
#   use, so the pair a refresh returns is stored here before anything uses it;
#   seed_hash says which configured pair it descends from (a new configured pair wins).
_PEOPLE_ON_TWO_MESSENGERS: list[str] = [
    "ALTER TABLE identities ADD COLUMN last_seen_at TEXT",
    "ALTER TABLE identities ADD COLUMN unreachable_reason TEXT",
    """
    UPDATE identities SET unreachable_reason = 'blocked' WHERE unreachable_at IS NOT NULL
    """,
    """
    INSERT INTO conversation_state (channel, external_id, dialog, step, data_json, updated_at)
    SELECT 'person', CAST(i.person_id AS TEXT), c.dialog, c.step, c.data_json, c.updated_at
    FROM conversation_state c
    JOIN identities i ON i.channel = c.channel AND i.external_id = c.external_id
    WHERE NOT EXISTS (
        SELECT 1 FROM conversation_state newer
        JOIN identities o ON o.channel = newer.channel AND o.external_id = newer.external_id
        WHERE o.person_id = i.person_id AND newer.updated_at > c.updated_at
    )
    ON CONFLICT (channel, external_id) DO NOTHING
    """,
    """
    DELETE FROM conversation_state WHERE channel <> 'person' AND EXISTS (
        SELECT 1 FROM identities i
        WHERE i.channel = conversation_state.channel
        AND i.external_id = conversation_state.external_id
    )
    """,
    """
    CREATE TABLE link_codes (
        code_hash TEXT PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people (id),
        channel TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX link_codes_person_idx ON link_codes (person_id)",
    """
    CREATE TABLE link_failures (
        channel TEXT NOT NULL,
        external_id TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX link_failures_identity_idx ON link_failures (channel, external_id, at)",
    """
    CREATE TABLE zalo_oa_tokens (
        app_id TEXT PRIMARY KEY,
        access_token TEXT NOT NULL,
        refresh_token TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        seed_hash TEXT NOT NULL,
        saved_at TEXT NOT NULL
    )
    """,
]

# The sending rate of one messenger account shared by several processes (see
# storage/send_budget.py): sends taken per short window of time, all processes together.
# The window number counts from the epoch in fractions of a second: BIGINT.
_SHARED_SEND_BUDGET: list[str] = [
    """
    CREATE TABLE send_budget (
        channel TEXT NOT NULL,
        window_id BIGINT NOT NULL,
        used INTEGER NOT NULL,
        PRIMARY KEY (channel, window_id)
    )
    """,
]

# Subtree walks follow merged_into_id as well as parent_id. Almost no unit is merged, so
# once the planner has statistics (ANALYZE, PRAGMA optimize) the full index looks like
# one value shared by every row, and SQLite walked a country's subtree by scanning all
# 83,000 units at each step (a province's values: 40 s instead of 0.1 s). Indexing only
# the merged units keeps the index as selective as it really is; `merged_into_id = ?`
# implies the index's condition on both databases.
_PARTIAL_MERGED_INDEX: list[str] = [
    "DROP INDEX IF EXISTS units_merged_into_idx",
    "CREATE INDEX units_merged_into_idx ON units (merged_into_id) WHERE merged_into_id IS NOT NULL",
]

# Who sent each update, and updates not handled on purpose.
#
# inbox.sender_key: the person behind an update within its chat (a group has many), so
# that one person flooding the bot is throttled without holding back the others; ''
# for rows recorded before (counted with their chat) and updates of no one.
# inbox.skipped: why an update was marked handled without running a turn ('flood': its
# sender had sent more than the limit within the window); NULL when a turn ran.
_INBOX_SENDERS: list[str] = [
    "ALTER TABLE inbox ADD COLUMN sender_key TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE inbox ADD COLUMN skipped TEXT",
    "CREATE INDEX inbox_sender_idx ON inbox (channel, bot, chat_key, sender_key, received_at)",
]

# Chats claimed by the process handling them, so that several processes sharing the
# database handle each chat's updates in order and none twice: a process takes a chat
# (claimed_by) for a while (lease_until), renews the lease while it works and clears it
# when the chat has nothing left; a process that dies leaves a lease that runs out, and
# another takes the chat over. Rows are added when a chat is first claimed.
_INBOX_CHAT_LEASES: list[str] = [
    """
    CREATE TABLE inbox_chats (
        channel TEXT NOT NULL,
        bot TEXT NOT NULL,
        chat_key TEXT NOT NULL,
        claimed_by TEXT,
        lease_until TEXT,
        PRIMARY KEY (channel, bot, chat_key)
    )
    """,
    "CREATE INDEX inbox_chats_claimed_idx ON inbox_chats (channel, bot, claimed_by)",
    # The rows with work left (not handled, or replies not delivered), by chat.
    "CREATE INDEX inbox_work_idx ON inbox (channel, bot, replied_at, chat_key, id)",
]

# Roll-ups kept up to date (indicators/kept.py, storage/rollups.py), so that a province's
# or the country's question reads its own figures and its children's instead of every
# value below. rollup_shapes: per unit with units below it, what its subtree holds.
# rollup_parts: per unit with units below it, plan, indicator and period, the part where
# it differs from the empty one ('null': the indicator does not concern the unit after
# all). rollup_coverage: who below reported in full or in part, where anyone did.
# rollup_stale: the (plan, period) pairs to rebuild from the values before their kept
# rows may be read (after a bulk load, and here: every pair there is); ('', '') for the
# shapes. Everything here can be rebuilt from units, plans and report_values.
_KEPT_ROLLUPS: list[Step] = [
    """
    CREATE TABLE rollup_shapes (
        unit_id INTEGER PRIMARY KEY REFERENCES units (id),
        shape_json TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE rollup_parts (
        unit_id INTEGER NOT NULL REFERENCES units (id),
        plan_id TEXT NOT NULL,
        period TEXT NOT NULL,
        indicator_code TEXT NOT NULL,
        part_json TEXT NOT NULL,
        PRIMARY KEY (unit_id, plan_id, period, indicator_code)
    )
    """,
    "CREATE INDEX rollup_parts_series_idx ON rollup_parts (unit_id, plan_id, indicator_code)",
    """
    CREATE TABLE rollup_coverage (
        unit_id INTEGER NOT NULL REFERENCES units (id),
        plan_id TEXT NOT NULL,
        period TEXT NOT NULL,
        coverage_json TEXT NOT NULL,
        PRIMARY KEY (unit_id, plan_id, period)
    )
    """,
    """
    CREATE TABLE rollup_stale (
        plan_id TEXT NOT NULL,
        period TEXT NOT NULL,
        PRIMARY KEY (plan_id, period)
    )
    """,
    "INSERT INTO rollup_stale (plan_id, period) VALUES ('', '')",
    "INSERT INTO rollup_stale (plan_id, period) SELECT DISTINCT plan_id, period FROM report_values",
]

# The cells written whose units above have not had their kept rows recomputed yet: a
# save marks them in its own transaction, and the roll-ups are settled soon after, for a
# burst of saves at once (storage/rollups.py `settle`), and before any read of them.
_PENDING_ROLLUPS: list[Step] = [
    """
    CREATE TABLE rollup_pending (
        id INTEGER PRIMARY KEY,
        unit_id INTEGER NOT NULL,
        plan_id TEXT NOT NULL,
        period TEXT NOT NULL,
        indicator_code TEXT NOT NULL
    )
    """,
    "CREATE INDEX rollup_pending_pair_idx ON rollup_pending (plan_id, period)",
]

MIGRATIONS: list[tuple[int, Sequence[Step]]] = [
    (1, _INITIAL_SCHEMA),
    (2, _UNIT_ALIASES),
    (3, _REMINDERS_AND_BROADCASTS),
    (4, _SHOWN_CHOICES),
    (5, _INVITES_HASHED),
    (6, _INBOX_AND_BOT_UPDATES),
    (7, _REVIEWS_AND_REMOVALS),
    (8, _PEOPLE_ON_TWO_MESSENGERS),
    (9, _SHARED_SEND_BUDGET),
    (10, _PARTIAL_MERGED_INDEX),
    (11, _INBOX_SENDERS),
    (12, _INBOX_CHAT_LEASES),
    (13, _KEPT_ROLLUPS),
    (14, _PENDING_ROLLUPS),
]

LATEST = MIGRATIONS[-1][0]

_CREATE_MIGRATIONS_TABLE = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        applied_at TEXT NOT NULL
    )
"""


async def current_version(db: Backend) -> int:
    """The highest migration applied, 0 for an empty database."""
    if "schema_migrations" not in await db.tables():
        return 0
    version = await db.fetch_value("SELECT MAX(version) FROM schema_migrations")
    return int(version) if isinstance(version, int) else 0


async def migrate(db: Backend, target: int | None = None) -> int:
    """Apply the migrations the database lacks, up to `target` (default: all); the version."""
    goal = LATEST if target is None else target
    if not 0 <= goal <= LATEST:
        raise StorageError(f"no migration {goal}; the latest is {LATEST}")
    ddl = db.dialect.ddl
    async with db.transaction() as tx:
        await _lock_schema(tx, db)
        await tx.execute(ddl(_CREATE_MIGRATIONS_TABLE))
    version = 0
    for number, statements in MIGRATIONS:
        if number > goal:
            break
        async with db.transaction() as tx:
            # Read inside the write transaction (and, where writers run side by side, the
            # schema lock): another process opening the same database at the same moment
            # must not apply the same migration twice.
            await _lock_schema(tx, db)
            applied = await tx.fetch_value("SELECT MAX(version) FROM schema_migrations")
            applied = applied if isinstance(applied, int) else 0
            if applied > LATEST:
                raise StorageError(
                    f"the database is at schema version {applied}, newer than this "
                    f"program knows ({LATEST}); upgrade chitieu instead"
                )
            if number <= applied:
                version = applied
                continue
            for statement in statements:
                if isinstance(statement, str):
                    await tx.execute(ddl(statement))
                else:
                    await statement(tx)
            await tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                (number, tx.stamp),
            )
            version = number
    return version


async def _lock_schema(tx: Tx, db: Backend) -> None:
    if db.dialect.schema_lock:
        await tx.fetch_all(db.dialect.schema_lock)
