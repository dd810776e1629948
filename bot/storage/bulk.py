"""Bulk loading for benchmarks and imports: many cases or judged messages per transaction.

The rows are the ones `CaseRepository.record_decision` writes (same columns, same per-guild numbering, same
strikes), and every case is linked into the hash chain the way `cases._seal` does it (reading each row back
and hashing it with `bot.storage.audit`), so `verify_chain` holds over a loaded database. Only the
per-statement overhead is saved: one `executemany` per chunk instead of a transaction per message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

import aiosqlite

from bot.records import CaseDraft, CaseStatus
from bot.storage import audit
from bot.storage.database import Database, to_db_time, utcnow

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class JudgedMessage:
    """One row of `scored_messages`, as `messages.claim` writes it."""

    message_id: int
    content_hash: str
    guild_id: int
    channel_id: int
    user_id: int
    scored_at: datetime
    model_name: str | None
    scores: Mapping[str, float]
    decision: str  # "allow", or the actions as claim joins them: "delete,timeout 1h"


@dataclass(frozen=True, slots=True)
class ReviewRow:
    guild_id: int
    case_id: int | None
    channel_id: int
    message_id: int | None
    user_id: int
    text: str | None
    status: str  # open | approved | removed | timed_out
    created_at: datetime
    decided_at: datetime | None = None
    reviewer_id: int | None = None


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


_CASE_INSERT = """INSERT INTO cases (guild_id, number, created_at, user_id, channel_id, message_id, actor, actor_id,
        rule_id, actions, reason, text, scores, model_name, model_version, model_fallback, variant, status, enforced)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


async def load_cases(db: Database, drafts: Iterable[CaseDraft], chunk: int = 5000, enforced: bool = True) -> int:
    """Append the drafts as cases (numbered per guild after the existing ones), their strikes, and seal them
    into the chain. `enforced` marks them carried out (a loaded history is not resumed at the next start)."""
    total = 0
    next_number: dict[int, int] = {}
    for batch in _chunks(drafts, chunk):
        async with db.transaction() as conn:
            rows: list[tuple[Any, ...]] = []
            for draft in batch:
                if draft.guild_id not in next_number:
                    next_number[draft.guild_id] = await _max_number(conn, draft.guild_id) + 1
                number = next_number[draft.guild_id]
                next_number[draft.guild_id] = number + 1
                model = draft.model
                rows.append((
                    draft.guild_id, number, to_db_time(draft.created_at or utcnow()), draft.user_id,
                    draft.channel_id, draft.message_id, draft.actor.value, draft.actor_id, draft.rule_id,
                    json.dumps([str(action) for action in draft.actions]), draft.reason, draft.text,
                    json.dumps(dict(draft.scores), sort_keys=True), model.name if model else None,
                    model.version if model else None, int(model.fallback) if model else 0,
                    draft.variant.value if draft.variant else None,
                    (CaseStatus.SHADOW if draft.shadow else CaseStatus.ACTIVE).value, int(enforced),
                ))
            async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM cases") as cursor:
                found = await cursor.fetchone()
            first_id = int(found[0]) + 1 if found else 1
            await conn.executemany(_CASE_INSERT, rows)
            await conn.executemany(
                "INSERT INTO strikes (guild_id, user_id, case_id, created_at) VALUES (?, ?, ?, ?)",
                [(draft.guild_id, draft.user_id, first_id + index, row[2])
                 for index, (draft, row) in enumerate(zip(batch, rows, strict=True))
                 if draft.strike and not draft.shadow],
            )
            await _seal_from(conn, first_id)
        total += len(batch)
    return total


async def _max_number(conn: aiosqlite.Connection, guild_id: int) -> int:
    async with conn.execute("SELECT COALESCE(MAX(number), 0) FROM cases WHERE guild_id = ?", (guild_id,)) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _seal_from(conn: aiosqlite.Connection, first_id: int) -> None:
    """Chain every case from `first_id` on, in id order, as `cases._seal` chains one."""
    async with conn.execute("SELECT hash FROM cases WHERE id < ? ORDER BY id DESC LIMIT 1", (first_id,)) as cursor:
        previous_row = await cursor.fetchone()
    previous = previous_row[0] if previous_row and previous_row[0] else audit.GENESIS
    async with conn.execute("SELECT * FROM cases WHERE id >= ? ORDER BY id", (first_id,)) as cursor:
        rows = await cursor.fetchall()
    updates: list[tuple[str, str, str, str, int]] = []
    for row in rows:
        data = dict(row)
        salt = audit.new_salt()
        subject = audit.subject_digest(salt, int(data["user_id"]), data["text"])
        digest = audit.case_hash(data, subject, previous)
        updates.append((salt, subject, previous, digest, int(data["id"])))
        previous = digest
    await conn.executemany("UPDATE cases SET salt = ?, subject_digest = ?, prev_hash = ?, hash = ? WHERE id = ?",
                           updates)


async def load_judged(db: Database, messages: Iterable[JudgedMessage], chunk: int = 20000) -> int:
    """Insert judged messages (ignoring ones already there) and move the channels' catch-up cursors."""
    total = 0
    for batch in _chunks(messages, chunk):
        latest: dict[int, int] = {}
        for message in batch:
            latest[message.channel_id] = max(latest.get(message.channel_id, 0), message.message_id)
        encoded: dict[int, str] = {}  # one encoding per scores object: callers often share a few of them
        async with db.transaction() as conn:
            await conn.executemany(
                """INSERT OR IGNORE INTO scored_messages
                   (message_id, content_hash, guild_id, channel_id, user_id, scored_at, model_name, scores, decision)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(m.message_id, m.content_hash, m.guild_id, m.channel_id, m.user_id, to_db_time(m.scored_at),
                  m.model_name, _encoded(encoded, m.scores), m.decision) for m in batch],
            )
            await conn.executemany(
                """INSERT INTO channel_cursors (channel_id, last_message_id) VALUES (?, ?)
                   ON CONFLICT (channel_id) DO UPDATE
                   SET last_message_id = MAX(last_message_id, excluded.last_message_id)""",
                sorted(latest.items()),
            )
        total += len(batch)
    return total


def _encoded(memo: dict[int, str], scores: Mapping[str, float]) -> str:
    text = memo.get(id(scores))
    if text is None:
        text = memo[id(scores)] = json.dumps(dict(scores), sort_keys=True)
    return text


async def load_reviews(db: Database, items: Sequence[ReviewRow], chunk: int = 20000) -> int:
    for batch in _chunks(items, chunk):
        async with db.transaction() as conn:
            await conn.executemany(
                """INSERT INTO review_items (guild_id, case_id, channel_id, message_id, user_id, text, status,
                       reviewer_id, decided_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(r.guild_id, r.case_id, r.channel_id, r.message_id, r.user_id, r.text, r.status, r.reviewer_id,
                  to_db_time(r.decided_at) if r.decided_at else None, to_db_time(r.created_at)) for r in batch],
            )
    return len(items)



async def judged_for_cases(db: Database, first_case_id: int = 1) -> int:
    """The judged-message rows of loaded cases (from `first_case_id` on), as `claim` writes them for a message
    that got a case: same ids, guild, channel, user, time (the case's), model and scores; the decision is the
    case's actions joined by commas."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            """INSERT OR IGNORE INTO scored_messages
               (message_id, content_hash, guild_id, channel_id, user_id, scored_at, model_name, scores, decision)
               SELECT message_id, printf('%016x%016x', id, message_id), guild_id, channel_id, user_id, created_at,
                      model_name, scores,
                      replace(replace(replace(actions, '", "', ','), '["', ''), '"]', '')
               FROM cases WHERE id >= ? AND message_id IS NOT NULL""",
            (first_case_id,),
        )
        return cursor.rowcount


@dataclass(frozen=True, slots=True)
class AllowedFill:
    """`count` judged messages that were allowed, generated inside SQLite (a benchmark's millions of rows in
    seconds instead of minutes of Python): message ids `first_message_id + slot`, where slots skip every
    `skip_every`-th id (kept for the messages that got cases); times spread evenly over [start, end), plus the
    slot's position within its group in milliseconds; guild `guilds[1]` for one message in ten, else `guilds[0]`;
    channels `guild * 1000 + 0..channels-1` and users `first_user + 0..users-1`, scrambled."""

    count: int
    first_message_id: int
    skip_every: int
    start: datetime
    end: datetime
    guilds: tuple[int, int]
    channels: int
    first_user: int
    users: int
    model_name: str
    scores_json: tuple[str, ...]  # one of these per message, scrambled


async def fill_allowed(db: Database, fill: AllowedFill, chunk: int = 500_000) -> int:
    per_group = fill.skip_every - 1
    groups = -(-fill.count // per_group)
    start_us = int(fill.start.timestamp() * 1_000_000)
    step_us = (int(fill.end.timestamp() * 1_000_000) - start_us) / max(1, groups)
    done = 0
    async with db.transaction() as conn:
        await conn.execute("CREATE TEMP TABLE IF NOT EXISTS fill_scores (k INTEGER PRIMARY KEY, body TEXT)")
        await conn.execute("DELETE FROM fill_scores")
        await conn.executemany("INSERT INTO fill_scores (k, body) VALUES (?, ?)", list(enumerate(fill.scores_json)))
    while done < fill.count:
        size = min(chunk, fill.count - done)
        async with db.transaction() as conn:
            await conn.execute(
                """WITH RECURSIVE slot(v) AS (SELECT ? UNION ALL SELECT v + 1 FROM slot WHERE v + 1 < ?),
                   gen AS (SELECT v, v / ? AS grp, v % ? + 1 AS pos,
                                  CASE WHEN (v * 7919) % 10 = 0 THEN ? ELSE ? END AS guild FROM slot),
                   timed AS (SELECT *, CAST(? + grp * ? AS INTEGER) + pos * 1000 AS us FROM gen)
                   INSERT OR IGNORE INTO scored_messages
                   (message_id, content_hash, guild_id, channel_id, user_id, scored_at, model_name, scores, decision)
                   SELECT ? + grp * ? + pos, printf('%016x%016x', v * 2654435761, v), guild,
                          guild * 1000 + (v * 2654435761) % ?, ? + (v * 40503) % ?,
                          strftime('%Y-%m-%dT%H:%M:%S', us / 1000000, 'unixepoch')
                              || printf('.%06d+00:00', us % 1000000),
                          ?, (SELECT body FROM fill_scores WHERE k = (v * 48271) % ?), 'allow'
                   FROM timed""",
                (done, done + size, per_group, per_group, fill.guilds[1], fill.guilds[0], start_us, step_us,
                 fill.first_message_id, fill.skip_every, fill.channels, fill.first_user, fill.users,
                 fill.model_name, len(fill.scores_json)),
            )
        done += size
    return done
