"""Retention and the right to be forgotten: erase stored text (and, for `forget`, the user id),
keep the cases themselves so that counts and the audit chain survive.

Each erased case gets an `erased` case event in the hash chain (bot/storage/audit.py): `purge` keeps the
user id, tied to the chain under a fresh salt; `forget` removes the salt too, so nothing left can be tested
against a guess of who it was or what they wrote.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.records import ChainHead, Erased
from bot.storage import audit, case_events
from bot.storage.database import Database, to_db_time, utcnow


async def _erase_cases(conn: aiosqlite.Connection, rows: Sequence[Sequence[Any]], scope: str, now: str) -> int:
    """Erase the cases `rows` (id, user_id, state of the last event, 1 if it has an explanation): one event each,
    one head update.

    `purge` (ERASED_TEXT) leaves `user_id` alone: it is not in the UPDATE, so SQLite does not rewrite the
    user index entries of every erased case."""
    head = await case_events.read_head(conn)
    events: list[case_events.EventRow] = []
    updates: list[tuple[Any, ...]] = []
    parsed: dict[str, dict[str, Any]] = {}  # most cases share a handful of states: parse each once
    encoded: dict[str, tuple[str, str]] = {}  # and encode the erased state once per state, around its digest
    no_detail = audit.encode({})
    explained: list[tuple[int]] = []
    for case_id, user_id, state_text, has_explanation, *_ in rows:
        key = state_text or ""
        state = parsed.get(key)
        if state is None:
            state = parsed[key] = audit.initial_state() if state_text is None else dict(json.loads(state_text))
        if state["erased"] == audit.ERASED_USER or (scope == audit.ERASED_TEXT and state["erased"] is not None):
            continue
        if scope == audit.ERASED_TEXT:
            salt = audit.new_salt()
            digest = audit.subject_digest(salt, user_id, None)
            updates.append((salt, now, case_id))
        else:
            digest = None
            updates.append((now, case_id))
        around = encoded.get(key)
        if around is None:
            # the canonical JSON of the erased state with a marker where the digest goes: a hex digest (or the
            # null of `forget`) is written as is, so the text around it is the same for every case of this state
            marked = audit.encode(dict(state, erased=scope, erased_at=now, user_digest=_MARK if digest else None))
            before, _, after = marked.partition(f'"{_MARK}"') if digest else (marked, "", "")
            around = encoded[key] = (before, after)
        erased_state = f'{around[0]}"{digest}"{around[1]}' if digest else around[0]
        if has_explanation:
            explained.append((case_id,))
        row = case_events.encoded_event_row(head, case_id, "erased", erased_state, now, no_detail)
        events.append(row)
        head = ChainHead(row[0], row[7])
    if events:
        await case_events.insert_events(conn, events)
        if scope == audit.ERASED_TEXT:
            await conn.executemany("UPDATE cases SET text = NULL, salt = ?, erased_at = ? WHERE id = ?", updates)
        else:
            await conn.executemany(
                "UPDATE cases SET text = NULL, salt = NULL, user_id = 0, erased_at = ? WHERE id = ?", updates
            )
        # an explanation quotes the message's words: it goes with the text
        await conn.executemany("DELETE FROM case_explanations WHERE case_id = ?", explained)
        await case_events.write_head(conn, head)
    return len(events)


_MARK = "digest-goes-here-" + "0" * 47  # no state holds it: keys are fixed, values are times, digests, lists of kinds


_ERASABLE = """SELECT c.id, c.user_id,
       (SELECT e.state FROM case_events e WHERE e.case_id = c.id ORDER BY e.seq DESC LIMIT 1),
       EXISTS (SELECT 1 FROM case_explanations x WHERE x.case_id = c.id), c.created_at
FROM cases c"""
# While erasing, a bigger page cache (512 MiB, given back after): every erased case adds a chain event, and the
# events' hash index takes them at random places; with the usual 2 MiB, a 1M-case purge reads and writes those
# index pages again and again (bench/scale.py: purging half of 1M cases, 90 s -> 66 s).
_ERASE_CACHE_KIB = 524288
# `purge` erases in transactions of this many cases (and 10x as many judged messages): the bot, running on the
# same database, waits for one of them at most (a second or two; it gives up after busy_timeout, 5 s), never for
# the whole history. Each transaction is complete on its own: an interrupted purge is finished by running it again.
PURGE_CHUNK = 20_000


async def count_purgeable(db: Database, older_than: datetime) -> Erased:
    """What `purge(db, older_than)` would erase, erasing nothing."""
    cutoff = to_db_time(older_than)
    cases = await db.fetch_one(
        "SELECT COUNT(*) FROM cases WHERE created_at < ? AND erased_at IS NULL", (cutoff,)
    )
    reviews = await db.fetch_one(
        "SELECT COUNT(*) FROM review_items WHERE created_at < ? AND text IS NOT NULL", (cutoff,)
    )
    scored = await db.fetch_one(
        "SELECT COUNT(*) FROM scored_messages WHERE scored_at < ? AND text IS NOT NULL", (cutoff,)
    )
    return Erased(*(int(row[0]) if row else 0 for row in (cases, reviews, scored)))


async def purge(db: Database, older_than: datetime, chunk: int = PURGE_CHUNK) -> Erased:
    """Erase the text of everything recorded before `older_than`, `chunk` cases per transaction (see PURGE_CHUNK)."""
    cutoff = to_db_time(older_than)
    now = to_db_time(utcnow())
    cases = scored = 0
    after: tuple[str, int] = ("", 0)  # the last case erased, in (time, id) order: each chunk starts past it
    async with db.big_page_cache(_ERASE_CACHE_KIB):
        while True:
            async with db.transaction() as conn:
                rows = await conn.execute_fetchall(  # by the time index, from where the last chunk ended
                    _ERASABLE + """ WHERE c.created_at < ? AND c.created_at >= ?
                                      AND (c.created_at > ? OR c.id > ?) AND c.erased_at IS NULL
                                    ORDER BY c.created_at, c.id LIMIT ?""",  # sql-audited: constant _ERASABLE
                    (cutoff, after[0], after[0], after[1], chunk),
                )
                found = list(rows)
                cases += await _erase_cases(conn, sorted(found, key=lambda row: int(row[0])), audit.ERASED_TEXT, now)
            if len(found) < chunk:
                break
            after = (str(found[-1][4]), int(found[-1][0]))
        lower = ""
        while True:  # the text goes; scores and decisions stay (preview counts purged ones)
            async with db.transaction() as conn:
                upper = await _next_bound(conn, lower, cutoff, chunk * 10)
                cursor = await conn.execute(
                    """UPDATE scored_messages SET text = NULL
                       WHERE scored_at >= ? AND scored_at < ? AND text IS NOT NULL""",
                    (lower, upper or cutoff),
                )
                scored += cursor.rowcount
            if upper is None:
                break
            lower = upper
        async with db.transaction() as conn:
            reviews = await conn.execute(
                "UPDATE review_items SET text = NULL WHERE created_at < ? AND text IS NOT NULL", (cutoff,)
            )
    return Erased(cases, reviews.rowcount, scored)


async def _next_bound(conn: aiosqlite.Connection, lower: str, cutoff: str, count: int) -> str | None:
    """The judged-message time about `count` rows past `lower` (read from the time index alone), so that
    [lower, bound) is one chunk; None when fewer are left before `cutoff`."""
    async with conn.execute(
        """SELECT scored_at FROM scored_messages WHERE scored_at >= ? AND scored_at < ?
           ORDER BY scored_at LIMIT 1 OFFSET ?""",
        (lower, cutoff, count),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    bound = str(row[0])
    if bound == lower:  # more than `count` messages at one instant: the chunk takes all of them
        async with conn.execute(
            "SELECT MIN(scored_at) FROM scored_messages WHERE scored_at > ? AND scored_at < ?", (lower, cutoff)
        ) as cursor:
            later = await cursor.fetchone()
        return str(later[0]) if later and later[0] is not None else None
    return bound


async def forget(db: Database, user_id: int) -> Erased:
    """Erase everything that identifies `user_id` or repeats what they wrote; keep anonymous counts."""
    now = to_db_time(utcnow())
    async with db.big_page_cache(_ERASE_CACHE_KIB), db.transaction() as conn:
        rows = await conn.execute_fetchall(
            _ERASABLE + " WHERE c.user_id = ? ORDER BY c.id",
            (user_id,),
        )
        cases = await _erase_cases(conn, list(rows), audit.ERASED_USER, now)
        reviews = await conn.execute(
            "UPDATE review_items SET text = NULL, user_id = 0 WHERE user_id = ?", (user_id,)
        )
        scored = await conn.execute("DELETE FROM scored_messages WHERE user_id = ?", (user_id,))
        strikes = await conn.execute("UPDATE strikes SET user_id = 0 WHERE user_id = ?", (user_id,))
    return Erased(cases, reviews.rowcount, scored.rowcount, strikes.rowcount)
