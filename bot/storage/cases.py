"""The case log: numbered cases per guild, their strikes, notes and reversals."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import multiprocessing
import multiprocessing.context
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import CaseNotFound
from bot.records import (
    Action,
    ActionKind,
    Actor,
    Case,
    CaseDraft,
    CaseNote,
    CaseQuery,
    CaseStatus,
    ChainHead,
    Decision,
    Enforcement,
    Explanation,
    MessageEvent,
    Scores,
    Variant,
    explanation_from_json,
    explanation_to_json,
)
from bot.storage import audit, case_events
from bot.storage.database import Database, from_db_time, to_db_time, utcnow
from bot.storage.messages import MessageLog, claim

# Every case read comes with its explanation (bot/storage/migrations/0011), outside the hash chain.
_CASES = (
    "SELECT cases.*, case_explanations.explanation AS explanation FROM cases"
    " LEFT JOIN case_explanations ON case_explanations.case_id = cases.id"
)


def _explanation(text: str | None) -> Explanation | None:
    return explanation_from_json(json.loads(text)) if text else None


def _row_to_case(row: aiosqlite.Row) -> Case:
    return Case(
        id=row["id"],
        guild_id=row["guild_id"],
        number=row["number"],
        created_at=from_db_time(row["created_at"]),
        user_id=row["user_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        actor=Actor(row["actor"]),
        actor_id=row["actor_id"],
        rule_id=row["rule_id"],
        actions=tuple(Action.parse(text) for text in json.loads(row["actions"])),
        reason=row["reason"],
        text=row["text"],
        scores=json.loads(row["scores"]),
        model_name=row["model_name"],
        model_version=row["model_version"],
        model_fallback=bool(row["model_fallback"]),
        variant=Variant(row["variant"]) if row["variant"] else None,
        status=CaseStatus(row["status"]),
        notified=None if row["notified"] is None else bool(row["notified"]),
        errors=tuple(json.loads(row["errors"])),
        applied=tuple(ActionKind(kind) for kind in json.loads(row["applied"])),
        reversed_by=row["reversed_by"],
        reversed_at=from_db_time(row["reversed_at"]) if row["reversed_at"] else None,
        reverse_reason=row["reverse_reason"],
        explanation=_explanation(row["explanation"]),
    )


def decided_row(draft: CaseDraft, number: int, created_at: str) -> dict[str, Any]:
    """The columns of a new case that its hash covers (bot/storage/audit.py), as `_insert_case` stores them
    (ints and strings read back unchanged); `bot.storage.bulk` builds its rows with this too."""
    model = draft.model
    return {
        "guild_id": draft.guild_id,
        "number": number,
        "created_at": created_at,
        "channel_id": draft.channel_id,
        "message_id": draft.message_id,
        "actor": draft.actor.value,
        "actor_id": draft.actor_id,
        "rule_id": draft.rule_id,
        "actions": json.dumps([str(action) for action in draft.actions]),
        "reason": draft.reason,
        "scores": json.dumps(dict(draft.scores), sort_keys=True),
        "model_name": model.name if model else None,
        "model_version": model.version if model else None,
        "model_fallback": int(model.fallback) if model else 0,
        "variant": draft.variant.value if draft.variant else None,
    }


_NEXT = """SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM cases),
                  (SELECT COALESCE(MAX(number), 0) + 1 FROM cases WHERE guild_id = ?),
                  (SELECT seq FROM chain_head WHERE one = 1), (SELECT hash FROM chain_head WHERE one = 1)"""


async def _insert_case(conn: aiosqlite.Connection, draft: CaseDraft) -> int:
    """Insert the case already sealed into the hash chain (see bot/storage/audit.py) and move the head.

    One query reads the next id, the guild's next number and the chain head (each from an index or the one-row
    head table), so the case is written whole by one INSERT: inside the write transaction nobody else takes
    the id, and it is the one SQLite would have given (MAX(rowid) + 1)."""
    created = draft.created_at or utcnow()
    async with conn.execute(_NEXT, (draft.guild_id,)) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    case_id, number = int(row[0]), int(row[1])
    # the head row is gone only if edited by hand: read_head carries on from the last entry (verify reports it)
    head = ChainHead(int(row[2]), str(row[3])) if row[2] is not None else await case_events.read_head(conn)
    decided = decided_row(draft, number, to_db_time(created))
    decided["id"] = case_id
    salt = audit.new_salt()
    subject = audit.subject_digest(salt, draft.user_id, draft.text)
    digest = audit.case_hash(decided, subject, head.hash)
    await conn.execute(
        """INSERT INTO cases (guild_id, number, created_at, channel_id, message_id, actor, actor_id, rule_id, actions,
               reason, scores, model_name, model_version, model_fallback, variant, id, user_id, text, status,
               seq, salt, subject_digest, prev_hash, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (*decided.values(), draft.user_id, draft.text,
         (CaseStatus.SHADOW if draft.shadow else CaseStatus.ACTIVE).value,
         head.entries + 1, salt, subject, head.hash, digest),
    )
    head = ChainHead(head.entries + 1, digest)
    if draft.shadow:  # the initial status is part of the chain: a shadow case starts with an event
        shadow = dict(audit.initial_state(), status=CaseStatus.SHADOW.value)
        head = await case_events.append_event(conn, case_id, "shadow", shadow, to_db_time(created), head=head)
    else:
        await case_events.write_head(conn, head)
    if draft.strike and not draft.shadow:
        await conn.execute(
            "INSERT INTO strikes (guild_id, user_id, case_id, created_at) VALUES (?, ?, ?, ?)",
            (draft.guild_id, draft.user_id, case_id, to_db_time(created)),
        )
    return case_id


async def _existing_state(conn: aiosqlite.Connection, case_id: int) -> dict[str, Any]:
    """The case's state as its last event records it; one query, which also says whether the case exists."""
    async with conn.execute(
        """SELECT c.id, (SELECT e.state FROM case_events e WHERE e.case_id = c.id ORDER BY e.seq DESC LIMIT 1)
           FROM cases c WHERE c.id = ?""",
        (case_id,),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise CaseNotFound(f"no case with id {case_id}")
    return audit.initial_state() if row[1] is None else dict(json.loads(row[1]))


_CASE_SELECT = (  # sql-audited: built from constant column names
    "SELECT " + ", ".join(f"c.{name}" for name in audit.CASE_COLUMNS)  # noqa: S608
    + ", (SELECT e.state FROM case_events e WHERE e.case_id = c.id ORDER BY e.seq DESC LIMIT 1)"
    + " FROM cases c"
)
_VERIFY_CASES = _CASE_SELECT + " ORDER BY c.seq, c.id"
_EVENT_SELECT = "SELECT " + ", ".join(audit.EVENT_COLUMNS) + " FROM case_events"  # noqa: S608
_VERIFY_EVENTS = _EVENT_SELECT + " ORDER BY seq"
_VERIFY_NOTES = "SELECT id, case_id, author_id, body, created_at FROM case_notes"
_VERIFY_HEAD = "SELECT seq, hash FROM chain_head WHERE one = 1"
_CHUNK = 4096
# One stretch of the chain, lo <= seq < hi (cases_by_seq, the events' primary key). The sequential walk puts
# the cases without a seq first and those with a text or blob seq last (SQLite sorts NULL, numbers, text, blob):
# the first and the last stretch take them.
_SPAN_CASES = _CASE_SELECT + " WHERE c.seq >= ? AND c.seq < ? ORDER BY c.seq, c.id"  # sql-audited: constant pieces
_SPAN_EVENTS = _EVENT_SELECT + " WHERE seq >= ? AND seq < ? ORDER BY seq"  # sql-audited: constant pieces
_UNPLACED_CASES = _CASE_SELECT + " WHERE c.seq IS NULL ORDER BY c.id"  # sql-audited: constant pieces
_TEXT_SEQ_CASES = _CASE_SELECT + " WHERE c.seq >= '' ORDER BY c.seq, c.id"  # sql-audited: constant pieces
# The position of the walk just before a stretch: the last entry (on a tie the event, fed after the case) ...
_LAST_CASE_BEFORE = "SELECT seq, hash FROM cases WHERE seq < ? AND typeof(seq) = 'integer' ORDER BY seq DESC LIMIT 1"
_LAST_EVENT_BEFORE = "SELECT seq, hash FROM case_events WHERE seq < ? ORDER BY seq DESC LIMIT 1"
# ... and the last case fed (a case without a seq comes before every other)
_LAST_ID_BEFORE = "SELECT id FROM cases WHERE seq < ? ORDER BY seq DESC, id DESC LIMIT 1"
_LAST_UNPLACED_ID = "SELECT MAX(id) FROM cases WHERE seq IS NULL"
_TOP_SEQS = ("SELECT (SELECT seq FROM cases WHERE seq < '' ORDER BY seq DESC LIMIT 1),"  # numbers sort before text
             " (SELECT MAX(seq) FROM case_events)")
SPLIT_FROM = 100_000  # chain entries: a shorter chain is walked in one pass (starting processes costs more)
MAX_WORKERS = 4


def _feed(verifier: audit.ChainVerifier, cases: Iterable[Sequence[Any]], events: Iterable[Sequence[Any]]) -> None:
    """Give `verifier` both row streams merged in chain (`seq`) order; a case without a seq goes where it sorts."""
    case, event = verifier.case, verifier.event
    later = iter(events)
    pending = next(later, None)
    for row in cases:
        seq = row[0]
        while pending is not None and seq is not None and pending[0] < seq:
            event(pending)
            pending = next(later, None)
        case(row)
    if pending is not None:
        event(pending)
        for pending in later:
            event(pending)


def _rows(cursor: sqlite3.Cursor) -> Iterator[Any]:
    cursor.arraysize = _CHUNK
    return itertools.chain.from_iterable(iter(cursor.fetchmany, []))


_VERIFY_MMAP = 2_147_418_112  # SQLite's default ceiling: pages read in place, not copied through its 2 MiB cache


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    conn.execute(f"PRAGMA mmap_size = {_VERIFY_MMAP}")  # sql-audited: an int constant; 3-5% faster at 100k
    conn.execute("BEGIN")  # one snapshot for every query on it
    return conn


@dataclass(frozen=True, slots=True)
class _Span:
    """One stretch of the chain for one walker: lo <= seq < hi, and where the whole walk stands before it."""

    lo: float
    hi: int
    first: bool
    last: bool
    start: audit.ChainPosition


def _position_before(conn: sqlite3.Connection, lo: int) -> audit.ChainPosition:
    """Where the sequential walk stands when it reaches seq `lo` (ChainVerifier._link and .case, in SQL)."""
    case = conn.execute(_LAST_CASE_BEFORE, (lo,)).fetchone()
    event = conn.execute(_LAST_EVENT_BEFORE, (lo,)).fetchone()
    last = event if case is None or (event is not None and event[0] >= case[0]) else case
    last_id = conn.execute(_LAST_ID_BEFORE, (lo,)).fetchone() or conn.execute(_LAST_UNPLACED_ID).fetchone()
    next_id = None if last_id is None or last_id[0] is None else int(last_id[0]) + 1
    if last is None:
        return audit.ChainPosition(next_id=next_id)
    return audit.ChainPosition(last[1] if isinstance(last[1], str) else "", int(last[0]) + 1, next_id)


def _spans(conn: sqlite3.Connection, recorded: ChainHead | None, split_from: int, workers: int) -> list[_Span]:
    """[1, head] cut into `workers` stretches of seq (one when the chain is short): the last one ends at the last
    entry of this snapshot, so what the bot appends meanwhile is in none."""
    seqs = conn.execute(_TOP_SEQS).fetchone()
    top = max(recorded.entries if recorded else 0, *(seq for seq in seqs if seq is not None))
    entries = recorded.entries if recorded else top
    if workers < 2 or entries < split_from or not (isinstance(top, int) or math.isfinite(top)) or top >= 2**62:
        return []  # a short chain, or a seq no stretch can bound (edited in): one walk
    cuts = [1 + int(entries) * index // workers for index in range(1, workers)]
    bounds = [-math.inf, *cuts, math.floor(top) + 1]
    return [_Span(bounds[index], int(bounds[index + 1]), index == 0, index == workers - 1,
                  _position_before(conn, int(bounds[index])) if index else audit.ChainPosition())
            for index in range(workers)]


def _walk_span(conn: sqlite3.Connection, witness: ChainHead | None, span: _Span) -> audit.ChainPart:
    verifier = audit.ChainVerifier(witness, span.start)
    events = conn.execute(_SPAN_EVENTS, (span.lo, span.hi))
    cases: list[Iterable[Any]] = [_rows(conn.execute(_UNPLACED_CASES))] if span.first else []
    cases.append(_rows(conn.execute(_SPAN_CASES, (span.lo, span.hi))))
    if span.last:
        cases.append(_rows(conn.execute(_TEXT_SEQ_CASES)))
    _feed(verifier, itertools.chain.from_iterable(cases), events)
    return verifier.part()


def _verify_span(path: Path, witness: ChainHead | None, span: _Span) -> audit.ChainPart:
    """One stretch of `_verify_file`, in a worker process, on a read-only connection of its own."""
    conn = _connect(path)
    try:
        return _walk_span(conn, witness, span)
    finally:
        conn.close()


def _cpus() -> int:
    """The cores this process may run on (a container's cpuset, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers start from a fresh interpreter, never a fork of the bot (it has threads and an event loop)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])  # later walks fork from a server that imported this already
        return context
    return multiprocessing.get_context("spawn")


def _walk_spans(conn: sqlite3.Connection, path: Path, witness: ChainHead | None,
                spans: list[_Span]) -> list[audit.ChainPart] | None:
    """The parts of `spans`: this thread walks the first, one worker process each the others; None when no
    worker could run (a `__main__` without its `if __name__ == "__main__"` guard, no processes allowed here)."""
    try:
        with ProcessPoolExecutor(len(spans) - 1, mp_context=_pool_context()) as pool:
            later = [pool.submit(_verify_span, path, witness, span) for span in spans[1:]]
            first = _walk_span(conn, witness, spans[0])
            return [first, *(part.result() for part in later)]
    except (BrokenProcessPool, OSError):
        return None  # the caller walks the whole chain in one pass instead


def _verify_file(path: Path, witness: ChainHead | None, split_from: int = SPLIT_FROM,
                 workers: int | None = None) -> audit.ChainReport:
    """`CaseRepository.verify` on a read-only connection of its own (run in a thread).

    A chain of `split_from` entries or more is cut into stretches by seq: this thread walks the first, one
    worker process each the others (each on a connection of its own, the bot's GIL is not theirs), from the
    position this snapshot says the walk reaches there; their parts are joined in chain order."""
    conn = _connect(path)
    try:
        row = conn.execute(_VERIFY_HEAD).fetchone()
        recorded = ChainHead(int(row[0]), str(row[1])) if row else None
        notes = conn.execute(_VERIFY_NOTES).fetchall()
        spans = _spans(conn, recorded, split_from, workers or min(_cpus(), MAX_WORKERS))
        parts = _walk_spans(conn, path, witness, spans) if spans else None
        verifier = audit.ChainVerifier(witness)
        if parts is None:
            _feed(verifier, _rows(conn.execute(_VERIFY_CASES)), conn.execute(_VERIFY_EVENTS))
        else:
            for part in parts:
                verifier.join(part)
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    verifier.notes(notes)
    return verifier.finish(recorded)


class CaseRepository:
    """Implements `bot.protocols.CaseStore` on SQLite, plus the queries the CLI and cogs need."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._messages = MessageLog(db)

    async def already_processed(self, message_id: int, content_hash: str) -> bool:
        return await self._messages.already_processed(message_id, content_hash)

    async def record_case(self, draft: CaseDraft) -> Case:
        """A case with no message to claim: a moderator's action by hand."""
        async with self._db.transaction() as conn:
            case_id = await _insert_case(conn, draft)
        return await self.get_by_id(case_id)

    async def record_decision(
        self,
        event: MessageEvent,
        content_hash: str,
        scores: Scores,
        decision: Decision,
        draft: CaseDraft | None,
        at: datetime,
    ) -> tuple[bool, Case | None]:
        """Claim the message and write its case in one transaction: after a crash, either both are
        there (and catch-up skips the message) or neither is (and catch-up judges it again)."""
        async with self._db.transaction() as conn:
            if not await claim(conn, event, content_hash, scores, decision, at):
                return False, None
            case_id = await _insert_case(conn, draft) if draft is not None else None
        return True, (await self.get_by_id(case_id) if case_id is not None else None)

    async def record_enforcement(self, case_id: int, enforcement: Enforcement) -> Case:
        async with self._db.transaction() as conn:
            state = await _existing_state(conn, case_id)
            state.update(
                enforced=True,
                applied=[kind.value for kind in enforcement.applied],
                errors=list(enforcement.errors),
                notified=enforcement.notified,
            )
            await case_events.append_event(conn, case_id, "enforced", state, to_db_time(utcnow()))
            await case_events.apply_state(conn, case_id, state)
        return await self.get_by_id(case_id)

    async def unenforced(self, guild_id: int | None = None) -> list[Case]:
        """Active cases recorded but never carried out (the process died in between)."""
        rows = await self._db.fetch_all(
            _CASES + """ WHERE enforced = 0 AND status = 'active' AND actor = 'auto'
               AND (? IS NULL OR guild_id = ?) ORDER BY cases.id""",  # sql-audited: constant _CASES
            (guild_id, guild_id),
        )
        return [_row_to_case(row) for row in rows]

    async def save_explanation(self, case_id: int, explanation: Explanation) -> None:
        """Store (or replace) why the case's rule fired; not sealed in the hash chain (see 0011's comment)."""
        text = json.dumps(explanation_to_json(explanation), ensure_ascii=False, sort_keys=True)
        async with self._db.transaction() as conn:
            await conn.execute(
                """INSERT INTO case_explanations (case_id, explanation) VALUES (?, ?)
                   ON CONFLICT (case_id) DO UPDATE SET explanation = excluded.explanation""",
                (case_id, text),
            )

    async def strike_times(self, guild_id: int, user_id: int, since: datetime) -> list[datetime]:
        rows = await self._db.fetch_all(
            """SELECT created_at FROM strikes
               WHERE guild_id = ? AND user_id = ? AND active = 1 AND created_at >= ?
               ORDER BY created_at""",
            (guild_id, user_id, to_db_time(since)),
        )
        return [from_db_time(row["created_at"]) for row in rows]

    async def get_by_id(self, case_id: int) -> Case:
        row = await self._db.fetch_one(_CASES + " WHERE cases.id = ?", (case_id,))  # sql-audited: constant
        if row is None:
            raise CaseNotFound(f"no case with id {case_id}")
        return _row_to_case(row)

    async def get(self, guild_id: int, number: int) -> Case:
        row = await self._db.fetch_one(
            _CASES + " WHERE guild_id = ? AND number = ?", (guild_id, number)  # sql-audited: constant _CASES
        )
        if row is None:
            raise CaseNotFound(f"no case #{number} in this server")
        return _row_to_case(row)

    async def find(self, query: CaseQuery) -> list[Case]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.guild_id is not None:
            clauses.append("guild_id = ?")
            params.append(query.guild_id)
        if query.user_id is not None:
            clauses.append("user_id = ?")
            params.append(query.user_id)
        if query.since is not None:
            clauses.append("created_at >= ?")
            params.append(to_db_time(query.since))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = await self._db.fetch_all(
            f"{_CASES} {where} ORDER BY created_at, cases.id LIMIT ? OFFSET ?",  # sql-audited: constant pieces
            (*params, query.limit, query.offset),
        )
        return [_row_to_case(row) for row in rows]

    async def count_for_user(self, guild_id: int, user_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM cases WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return int(row[0]) if row else 0

    async def page_for_user(self, guild_id: int, user_id: int, limit: int, offset: int = 0) -> list[Case]:
        """One page of a user's cases, newest first (what /history shows); index cases_by_user, no sort."""
        rows = await self._db.fetch_all(
            _CASES + """ WHERE guild_id = ? AND user_id = ?
               ORDER BY created_at DESC, cases.id DESC LIMIT ? OFFSET ?""",  # sql-audited: constant _CASES
            (guild_id, user_id, limit, offset),
        )
        return [_row_to_case(row) for row in rows]

    async def reverse(self, guild_id: int, number: int, by: int, reason: str, at: datetime | None = None) -> Case:
        case = await self.get(guild_id, number)
        if case.status is CaseStatus.REVERSED:
            return case
        async with self._db.transaction() as conn:
            state = await _existing_state(conn, case.id)
            if state["status"] != CaseStatus.REVERSED.value:
                when = to_db_time(at or utcnow())
                state.update(status=CaseStatus.REVERSED.value, reversed_by=by, reversed_at=when, reverse_reason=reason)
                await case_events.append_event(conn, case.id, "reversed", state, when)
                await case_events.apply_state(conn, case.id, state)
                await conn.execute("UPDATE strikes SET active = 0 WHERE case_id = ?", (case.id,))
        return await self.get_by_id(case.id)

    async def add_note(self, case_id: int, author_id: int, body: str, at: datetime | None = None) -> CaseNote:
        created = at or utcnow()
        when = to_db_time(created)
        async with self._db.transaction() as conn:
            state = await _existing_state(conn, case_id)
            cursor = await conn.execute(
                "INSERT INTO case_notes (case_id, author_id, body, created_at) VALUES (?, ?, ?, ?)",
                (case_id, author_id, body, when),
            )
            detail = {"note_id": cursor.lastrowid, "author_id": author_id, "created_at": when,
                      "body_sha256": audit.note_digest(body)}
            await case_events.append_event(conn, case_id, "note", state, when, detail)
        return CaseNote(case_id, author_id, body, created)

    async def notes(self, case_id: int) -> list[CaseNote]:
        rows = await self._db.fetch_all(
            "SELECT * FROM case_notes WHERE case_id = ? ORDER BY id", (case_id,)
        )
        return [
            CaseNote(row["case_id"], row["author_id"], row["body"], from_db_time(row["created_at"]))
            for row in rows
        ]

    async def chain_head(self) -> ChainHead:
        """The last entry of the hash chain (`#N hash`), to post where the database cannot reach it: a later
        `modbot cases verify --head N:HASH` then shows a chain cut short or rewritten since."""
        row = await self._db.fetch_one("SELECT seq, hash FROM chain_head WHERE one = 1")
        return ChainHead(int(row[0]), str(row[1])) if row else ChainHead(0, audit.GENESIS)

    async def verify(self, witness: ChainHead | None = None, *, split_from: int = SPLIT_FROM,
                     workers: int | None = None) -> audit.ChainReport:
        """Walk the whole chain (cases and their events, merged in chain order), one pass each.

        A database file is read on a connection of its own, opened read-only, in one thread call: the rows never
        cross to the event loop one chunk at a time, nor wait on the bot's writes (WAL: the walk sees one
        committed state, and writers carry on meanwhile); a chain of `split_from` entries or more is walked in
        stretches by up to `workers` processes (`_verify_file`), with the report of one walk. An in-memory
        database has only the shared connection, and one walk."""
        if str(self._db.path) == ":memory:":
            return await self._verify_shared(witness)
        return await asyncio.to_thread(_verify_file, self._db.path, witness, split_from, workers)

    async def _verify_shared(self, witness: ChainHead | None) -> audit.ChainReport:
        """`verify` on the shared connection: an in-memory database, whose rows are in memory already."""
        verifier = audit.ChainVerifier(witness)
        async with self._db.snapshot() as conn:
            cases = await conn.execute_fetchall(_VERIFY_CASES)
            events = await conn.execute_fetchall(_VERIFY_EVENTS)
            notes = await conn.execute_fetchall(_VERIFY_NOTES)
            recorded = await conn.execute_fetchall(_VERIFY_HEAD)
        _feed(verifier, cases, events)
        verifier.notes(list(notes))
        head = next((ChainHead(int(r[0]), str(r[1])) for r in recorded), None)
        return verifier.finish(head)

    async def verify_chain(self) -> tuple[int, list[audit.ChainProblem]]:
        report = await self.verify()
        return report.cases, report.problems
