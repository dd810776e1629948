"""The case log: numbered cases per guild, their strikes, notes and reversals."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
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
from bot.storage.chain_walk import SPLIT_FROM, VERIFY_CASES, VERIFY_EVENTS, VERIFY_HEAD, VERIFY_NOTES, feed, verify_file
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
        stretches by up to `workers` processes (`chain_walk.verify_file`), with the report of one walk. An in-memory
        database has only the shared connection, and one walk."""
        if str(self._db.path) == ":memory:":
            return await self._verify_shared(witness)
        return await asyncio.to_thread(verify_file, self._db.path, witness, split_from, workers)

    async def _verify_shared(self, witness: ChainHead | None) -> audit.ChainReport:
        """`verify` on the shared connection: an in-memory database, whose rows are in memory already."""
        verifier = audit.ChainVerifier(witness)
        async with self._db.snapshot() as conn:
            cases = await conn.execute_fetchall(VERIFY_CASES)
            events = await conn.execute_fetchall(VERIFY_EVENTS)
            notes = await conn.execute_fetchall(VERIFY_NOTES)
            recorded = await conn.execute_fetchall(VERIFY_HEAD)
        feed(verifier, cases, events)
        verifier.notes(list(notes))
        head = next((ChainHead(int(r[0]), str(r[1])) for r in recorded), None)
        return verifier.finish(head)

    async def verify_chain(self) -> tuple[int, list[audit.ChainProblem]]:
        report = await self.verify()
        return report.cases, report.problems
