"""Appending to the hash chain: a case takes the next place, and every later change to it is a case event.

Each append costs a constant number of statements: the previous entry comes from the one-row `chain_head`
table, a case's current state from its last event (index on `case_id, seq`). The hashing and the checks
are in bot/storage/audit.py; `backfill` is the Python step of migration 0007.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import aiosqlite

from bot.records import ChainHead
from bot.storage import audit
from bot.storage.database import to_db_time, utcnow

EventRow = tuple[int, int, str, str, str, str, str, str]


async def read_head(conn: aiosqlite.Connection) -> ChainHead:
    async with conn.execute("SELECT seq, hash FROM chain_head WHERE one = 1") as cursor:
        row = await cursor.fetchone()
    if row is not None:
        return ChainHead(int(row[0]), str(row[1]))
    # The head row is gone (edited by hand): carry on from the last entry; verify reports the gap.
    async with conn.execute(
        """SELECT seq, hash FROM (SELECT seq, hash FROM cases WHERE seq IS NOT NULL
                                  UNION ALL SELECT seq, hash FROM case_events)
           ORDER BY seq DESC LIMIT 1"""
    ) as cursor:
        last = await cursor.fetchone()
    head = ChainHead(int(last[0]), str(last[1] or "")) if last else ChainHead(0, audit.GENESIS)
    await conn.execute("INSERT INTO chain_head (one, seq, hash) VALUES (1, ?, ?)", (head.entries, head.hash))
    return head


async def write_head(conn: aiosqlite.Connection, head: ChainHead) -> None:
    await conn.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE one = 1", (head.entries, head.hash))


async def last_state(conn: aiosqlite.Connection, case_id: int) -> dict[str, Any]:
    """The case's mutable fields as its events record them (the initial state when it has none)."""
    async with conn.execute(
        "SELECT state FROM case_events WHERE case_id = ? ORDER BY seq DESC LIMIT 1", (case_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return audit.initial_state() if row is None else dict(json.loads(row[0]))


def event_row(
    head: ChainHead, case_id: int, kind: str, state: Mapping[str, Any], created_at: str,
    detail: Mapping[str, Any] | None = None,
) -> EventRow:
    """The next event after `head`, ready to insert: (seq, case_id, kind, created_at, state, detail, prev, hash)."""
    return encoded_event_row(head, case_id, kind, audit.encode(dict(state)), created_at,
                             audit.encode(dict(detail or {})))


def encoded_event_row(
    head: ChainHead, case_id: int, kind: str, state_text: str, created_at: str, detail_text: str
) -> EventRow:
    """`event_row` for a state and detail already in canonical JSON (`audit.encode`): bulk work encodes each
    distinct state once."""
    seq = head.entries + 1
    digest = audit.event_hash(head.hash, seq, case_id, kind, created_at, state_text, detail_text)
    return (seq, case_id, kind, created_at, state_text, detail_text, head.hash, digest)


async def insert_events(conn: aiosqlite.Connection, rows: Iterable[EventRow]) -> None:
    await conn.executemany(
        """INSERT INTO case_events (seq, case_id, kind, created_at, state, detail, prev_hash, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        list(rows),
    )


async def append_event(
    conn: aiosqlite.Connection, case_id: int, kind: str, state: Mapping[str, Any], created_at: str,
    detail: Mapping[str, Any] | None = None, head: ChainHead | None = None,
) -> ChainHead:
    """Append one event and move the head; pass `head` when it is already known in this transaction."""
    row = event_row(head or await read_head(conn), case_id, kind, state, created_at, detail)
    await insert_events(conn, [row])
    new_head = ChainHead(row[0], row[7])
    await write_head(conn, new_head)
    return new_head


async def apply_state(conn: aiosqlite.Connection, case_id: int, state: Mapping[str, Any]) -> None:
    """Write `state` into the case row: the row always says what its last event says."""
    values = audit.row_values(state)
    await conn.execute(
        """UPDATE cases SET status = ?, enforced = ?, applied = ?, errors = ?, notified = ?, reversed_by = ?,
               reversed_at = ?, reverse_reason = ?, erased_at = ?
           WHERE id = ?""",
        (values["status"], values["enforced"], values["applied"], values["errors"], values["notified"],
         values["reversed_by"], values["reversed_at"], values["reverse_reason"], values["erased_at"], case_id),
    )


def _json_list(text: Any) -> list[Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return []
    return value if isinstance(value, list) else []


async def backfill(conn: aiosqlite.Connection) -> None:
    """Migration 0007: record the present state of every existing case as events, so that an upgraded
    database verifies intact. Cases already have their `seq` (the SQL part numbered them in id order)."""
    now = to_db_time(utcnow())
    async with conn.execute(
        """SELECT id, seq, hash, user_id, text, salt, status, enforced, applied, errors, notified, reversed_by,
                  reversed_at, reverse_reason, erased_at
           FROM cases ORDER BY seq"""
    ) as cursor:
        rows = list(await cursor.fetchall())
    head = ChainHead(0, audit.GENESIS)
    if rows:
        head = ChainHead(int(rows[-1][1]), str(rows[-1][2] or ""))
    events: list[EventRow] = []
    new_salts: list[tuple[str, int]] = []
    states: dict[int, dict[str, Any]] = {}
    initial = audit.initial_state()
    for (case_id, _seq, digest, user_id, _text, salt, status, enforced, applied, errors, notified, reversed_by,
         reversed_at, reverse_reason, erased_at) in rows:
        state = dict(
            initial, status=status, enforced=bool(enforced), applied=_json_list(applied), errors=_json_list(errors),
            notified=None if notified is None else bool(notified), reversed_by=reversed_by, reversed_at=reversed_at,
            reverse_reason=reverse_reason, erased_at=erased_at,
        )
        # Version 6 erased by setting the salt to NULL; cases from before version 5 never had one (nor a hash).
        if erased_at is not None or (salt is None and digest is not None):
            if user_id == 0:
                state["erased"] = audit.ERASED_USER
            else:
                # `purge` kept the user id: tie it to the chain under a fresh salt (the text stays gone).
                fresh = audit.new_salt()
                new_salts.append((fresh, case_id))
                state["erased"] = audit.ERASED_TEXT
                state["user_digest"] = audit.subject_digest(fresh, user_id, None)
        if state != initial:
            states[case_id] = state
            migrated = event_row(head, case_id, "migrated", state, now)
            events.append(migrated)
            head = ChainHead(migrated[0], migrated[7])
    async with conn.execute("SELECT id, case_id, author_id, body, created_at FROM case_notes ORDER BY id") as cursor:
        notes = list(await cursor.fetchall())
    for note_id, case_id, author_id, body, created_at in notes:
        detail = {"note_id": note_id, "author_id": author_id, "created_at": created_at,
                  "body_sha256": audit.note_digest(body)}
        row = event_row(head, case_id, "note", states.get(case_id, initial), created_at, detail)
        events.append(row)
        head = ChainHead(row[0], row[7])
    await insert_events(conn, events)
    await conn.executemany("UPDATE cases SET salt = ? WHERE id = ?", new_salts)
    await conn.execute("INSERT INTO chain_head (one, seq, hash) VALUES (1, ?, ?)", (head.entries, head.hash))
