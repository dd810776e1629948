"""Bulk loading for benchmarks and imports: many cases or judged messages per transaction.

The rows are the ones `CaseRepository.record_decision` (and `record_enforcement`) write: same columns built by the
same function (`cases.decided_row`), same per-guild numbering, same strikes, and every case and case event sealed
into the hash chain with the same hashes (`bot.storage.audit`), so `cases verify` holds over a loaded database
(tests/storage/test_bulk.py compares the two). Only the per-statement overhead is saved: one `executemany` per
chunk instead of a transaction per message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

import aiosqlite

from bot.records import ActionKind, CaseDraft, CaseStatus, ChainHead, Enforcement
from bot.storage import audit, case_events
from bot.storage.cases import decided_row
from bot.storage.database import Database, to_db_time, utcnow

T = TypeVar("T")
# Page cache while loading (given back after): the B-tree pages a load touches across a big history's indexes stay
# in memory (bench/scale.py, bulk-loading into a 1M-case database: 402 -> 271 us a case with 64 MiB).
BULK_CACHE_KIB = 65536


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


_CASE_INSERT = """INSERT INTO cases (guild_id, number, created_at, channel_id, message_id, actor, actor_id, rule_id,
        actions, reason, scores, model_name, model_version, model_fallback, variant, id, user_id, text, status,
        enforced, applied, errors, notified, seq, salt, subject_digest, prev_hash, hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def enforcement_of(draft: CaseDraft) -> Enforcement:
    """What a loaded case records as carried out: every action applied, the warning DM (if any) delivered."""
    kinds = tuple(action.kind for action in draft.actions if action.kind is not ActionKind.ALLOW)
    return Enforcement(applied=kinds, notified=True if ActionKind.WARN in kinds else None)


async def load_cases(db: Database, drafts: Iterable[CaseDraft], chunk: int = 5000, enforced: bool = True) -> int:
    """Append the drafts as cases (numbered per guild after the existing ones) with their strikes, each sealed into
    the hash chain exactly as `CaseRepository.record_decision` seals one: the case takes the next `seq`, a shadow
    case is followed by its `shadow` event, and with `enforced` (a loaded history is not resumed at the next
    start) by the `enforced` event `record_enforcement(case, enforcement_of(draft))` appends, stamped with the
    case's time; the chain head moves once per chunk. `cases verify` holds over the result."""
    total = 0
    next_number: dict[int, int] = {}
    initial = audit.initial_state()
    encoded_states: dict[tuple[Any, ...], str] = {}  # most cases share a handful of states: encode each once
    async with db.big_page_cache(BULK_CACHE_KIB):
        for batch in _chunks(drafts, chunk):
            async with db.transaction() as conn:
                head = await case_events.read_head(conn)
                async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM cases") as cursor:
                    found = await cursor.fetchone()
                case_id = int(found[0]) if found else 0
                rows: list[tuple[Any, ...]] = []
                events: list[case_events.EventRow] = []
                strikes: list[tuple[int, int, int, str]] = []
                for draft in batch:
                    case_id += 1
                    if draft.guild_id not in next_number:
                        next_number[draft.guild_id] = await _max_number(conn, draft.guild_id) + 1
                    number = next_number[draft.guild_id]
                    next_number[draft.guild_id] = number + 1
                    created = to_db_time(draft.created_at or utcnow())
                    decided = decided_row(draft, number, created)
                    decided["id"] = case_id
                    salt = audit.new_salt()
                    subject = audit.subject_digest(salt, draft.user_id, draft.text)
                    digest = audit.case_hash(decided, subject, head.hash)
                    seq, prev = head.entries + 1, head.hash
                    head = ChainHead(seq, digest)
                    state = initial
                    if draft.shadow:
                        state = dict(initial, status=CaseStatus.SHADOW.value)
                        head = _append(events, encoded_states, head, case_id, "shadow", state, created)
                    if enforced:
                        done = enforcement_of(draft)
                        state = dict(state, enforced=True, applied=[kind.value for kind in done.applied],
                                     errors=list(done.errors), notified=done.notified)
                        head = _append(events, encoded_states, head, case_id, "enforced", state, created)
                    values = audit.row_values(state)
                    rows.append((
                        *decided.values(), draft.user_id, draft.text, values["status"], values["enforced"],
                        values["applied"], values["errors"], values["notified"], seq, salt, subject, prev, digest,
                    ))
                    if draft.strike and not draft.shadow:
                        strikes.append((draft.guild_id, draft.user_id, case_id, created))
                await conn.executemany(_CASE_INSERT, rows)
                await case_events.insert_events(conn, events)
                await conn.executemany(
                    "INSERT INTO strikes (guild_id, user_id, case_id, created_at) VALUES (?, ?, ?, ?)", strikes
                )
                await case_events.write_head(conn, head)
            total += len(batch)
    return total


def _append(
    events: list[case_events.EventRow], encoded: dict[tuple[Any, ...], str], head: ChainHead, case_id: int,
    kind: str, state: dict[str, Any], created_at: str,
) -> ChainHead:
    """`case_events.event_row`, with the state's canonical JSON memoized (byte-identical: same encoder)."""
    key = tuple((name, tuple(value) if isinstance(value, list) else value) for name, value in state.items())
    state_text = encoded.get(key)
    if state_text is None:
        state_text = encoded[key] = audit.encode(state)
    row = case_events.encoded_event_row(head, case_id, kind, state_text, created_at, _NO_DETAIL)
    events.append(row)
    return ChainHead(row[0], row[7])


_NO_DETAIL = audit.encode({})


async def _max_number(conn: aiosqlite.Connection, guild_id: int) -> int:
    async with conn.execute("SELECT COALESCE(MAX(number), 0) FROM cases WHERE guild_id = ?", (guild_id,)) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def load_judged(db: Database, messages: Iterable[JudgedMessage], chunk: int = 20000) -> int:
    """Insert judged messages (ignoring ones already there) and move the channels' catch-up cursors."""
    total = 0
    async with db.big_page_cache(BULK_CACHE_KIB):
        for batch in _chunks(messages, chunk):
            latest: dict[int, int] = {}
            for message in batch:
                latest[message.channel_id] = max(latest.get(message.channel_id, 0), message.message_id)
            encoded: dict[int, str] = {}  # one encoding per scores object: callers often share a few of them
            async with db.transaction() as conn:
                await conn.executemany(
                    """INSERT OR IGNORE INTO scored_messages
                       (message_id, content_hash, guild_id, channel_id, user_id, scored_at, model_name, scores,
                        decision)
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
    that got a case: same ids, guild, channel, user, time (the case's), model, scores and text; the decision is
    the case's actions joined by commas."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            """INSERT OR IGNORE INTO scored_messages
               (message_id, content_hash, guild_id, channel_id, user_id, scored_at, model_name, scores, decision, text)
               SELECT message_id, printf('%016x%016x', id, message_id), guild_id, channel_id, user_id, created_at,
                      model_name, scores,
                      replace(replace(replace(actions, '", "', ','), '["', ''), '"]', ''), text
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
    texts: tuple[str, ...] = ()  # the messages' text (kept for `rules preview`), one per message, scrambled; none: NULL


async def fill_allowed(db: Database, fill: AllowedFill, chunk: int = 500_000) -> int:
    per_group = fill.skip_every - 1
    groups = -(-fill.count // per_group)
    start_us = int(fill.start.timestamp() * 1_000_000)
    step_us = (int(fill.end.timestamp() * 1_000_000) - start_us) / max(1, groups)
    done = 0
    async with db.transaction() as conn:
        await conn.execute("CREATE TEMP TABLE IF NOT EXISTS fill_scores (k INTEGER PRIMARY KEY, body TEXT)")
        await conn.execute("CREATE TEMP TABLE IF NOT EXISTS fill_texts (k INTEGER PRIMARY KEY, body TEXT)")
        await conn.execute("DELETE FROM fill_scores")
        await conn.execute("DELETE FROM fill_texts")
        await conn.executemany("INSERT INTO fill_scores (k, body) VALUES (?, ?)", list(enumerate(fill.scores_json)))
        await conn.executemany("INSERT INTO fill_texts (k, body) VALUES (?, ?)", list(enumerate(fill.texts)))
    while done < fill.count:
        size = min(chunk, fill.count - done)
        async with db.transaction() as conn:
            await conn.execute(
                """WITH RECURSIVE slot(v) AS (SELECT ? UNION ALL SELECT v + 1 FROM slot WHERE v + 1 < ?),
                   gen AS (SELECT v, v / ? AS grp, v % ? + 1 AS pos,
                                  CASE WHEN (v * 7919) % 10 = 0 THEN ? ELSE ? END AS guild FROM slot),
                   timed AS (SELECT *, CAST(? + grp * ? AS INTEGER) + pos * 1000 AS us FROM gen)
                   INSERT OR IGNORE INTO scored_messages
                   (message_id, content_hash, guild_id, channel_id, user_id, scored_at, model_name, scores, decision,
                    text)
                   SELECT ? + grp * ? + pos, printf('%016x%016x', v * 2654435761, v), guild,
                          guild * 1000 + (v * 2654435761) % ?, ? + (v * 40503) % ?,
                          strftime('%Y-%m-%dT%H:%M:%S', us / 1000000, 'unixepoch')
                              || printf('.%06d+00:00', us % 1000000),
                          ?, (SELECT body FROM fill_scores WHERE k = (v * 48271) % ?), 'allow',
                          (SELECT body FROM fill_texts WHERE k = (v * 69621) % ?)
                   FROM timed""",
                (done, done + size, per_group, per_group, fill.guilds[1], fill.guilds[0], start_us, step_us,
                 fill.first_message_id, fill.skip_every, fill.channels, fill.first_user, fill.users,
                 fill.model_name, len(fill.scores_json), max(1, len(fill.texts))),
            )
        done += size
    return done
