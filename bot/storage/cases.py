"""The case log: numbered cases per guild, their strikes, notes and reversals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.records import (
    Action,
    ActionKind,
    Actor,
    Case,
    CaseDraft,
    CaseStatus,
    Decision,
    Enforcement,
    MessageEvent,
    Scores,
    Variant,
)
from bot.storage import audit
from bot.storage.database import Database, from_db_time, to_db_time, utcnow
from bot.storage.messages import MessageLog, claim


class CaseNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class CaseNote:
    case_id: int
    author_id: int
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CaseQuery:
    guild_id: int | None = None
    user_id: int | None = None
    since: datetime | None = None
    limit: int = 1000
    offset: int = 0


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
    )


async def _insert_case(conn: aiosqlite.Connection, draft: CaseDraft) -> int:
    created = draft.created_at or utcnow()
    model = draft.model
    async with conn.execute(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM cases WHERE guild_id = ?", (draft.guild_id,)
    ) as cursor:
        row = await cursor.fetchone()
    number = int(row[0]) if row else 1
    cursor = await conn.execute(
        """INSERT INTO cases (guild_id, number, created_at, user_id, channel_id, message_id, actor, actor_id,
               rule_id, actions, reason, text, scores, model_name, model_version, model_fallback, variant, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            draft.guild_id,
            number,
            to_db_time(created),
            draft.user_id,
            draft.channel_id,
            draft.message_id,
            draft.actor.value,
            draft.actor_id,
            draft.rule_id,
            json.dumps([str(action) for action in draft.actions]),
            draft.reason,
            draft.text,
            json.dumps(dict(draft.scores), sort_keys=True),
            model.name if model else None,
            model.version if model else None,
            int(model.fallback) if model else 0,
            draft.variant.value if draft.variant else None,
            (CaseStatus.SHADOW if draft.shadow else CaseStatus.ACTIVE).value,
        ),
    )
    case_id = cursor.lastrowid
    assert case_id is not None
    await _seal(conn, case_id, draft.user_id, draft.text)
    if draft.strike and not draft.shadow:
        await conn.execute(
            "INSERT INTO strikes (guild_id, user_id, case_id, created_at) VALUES (?, ?, ?, ?)",
            (draft.guild_id, draft.user_id, case_id, to_db_time(created)),
        )
    return case_id


async def _seal(conn: aiosqlite.Connection, case_id: int, user_id: int, text: str | None) -> None:
    """Link the new case into the hash chain (see bot/storage/audit.py)."""
    async with conn.execute("SELECT hash FROM cases WHERE id < ? ORDER BY id DESC LIMIT 1", (case_id,)) as cursor:
        previous = await cursor.fetchone()
    prev_hash = previous[0] if previous and previous[0] else audit.GENESIS
    salt = audit.new_salt()
    subject = audit.subject_digest(salt, user_id, text)
    async with conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,)) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    await conn.execute(
        "UPDATE cases SET salt = ?, subject_digest = ?, prev_hash = ?, hash = ? WHERE id = ?",
        (salt, subject, prev_hash, audit.case_hash(dict(row), subject, prev_hash), case_id),
    )


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
    ) -> tuple[bool, Case | None]:
        """Claim the message and write its case in one transaction: after a crash, either both are
        there (and catch-up skips the message) or neither is (and catch-up judges it again)."""
        async with self._db.transaction() as conn:
            if not await claim(conn, event, content_hash, scores, decision):
                return False, None
            case_id = await _insert_case(conn, draft) if draft is not None else None
        return True, (await self.get_by_id(case_id) if case_id is not None else None)

    async def record_enforcement(self, case_id: int, enforcement: Enforcement) -> Case:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE cases SET applied = ?, errors = ?, notified = ?, enforced = 1 WHERE id = ?",
                (
                    json.dumps([kind.value for kind in enforcement.applied]),
                    json.dumps(list(enforcement.errors)),
                    None if enforcement.notified is None else int(enforcement.notified),
                    case_id,
                ),
            )
        return await self.get_by_id(case_id)

    async def unenforced(self, guild_id: int | None = None) -> list[Case]:
        """Active cases recorded but never carried out (the process died in between)."""
        rows = await self._db.fetch_all(
            """SELECT * FROM cases WHERE enforced = 0 AND status = 'active' AND actor = 'auto'
               AND (? IS NULL OR guild_id = ?) ORDER BY id""",
            (guild_id, guild_id),
        )
        return [_row_to_case(row) for row in rows]

    async def strike_times(self, guild_id: int, user_id: int, since: datetime) -> list[datetime]:
        rows = await self._db.fetch_all(
            """SELECT created_at FROM strikes
               WHERE guild_id = ? AND user_id = ? AND active = 1 AND created_at >= ?
               ORDER BY created_at""",
            (guild_id, user_id, to_db_time(since)),
        )
        return [from_db_time(row["created_at"]) for row in rows]

    async def get_by_id(self, case_id: int) -> Case:
        row = await self._db.fetch_one("SELECT * FROM cases WHERE id = ?", (case_id,))
        if row is None:
            raise CaseNotFound(f"no case with id {case_id}")
        return _row_to_case(row)

    async def get(self, guild_id: int, number: int) -> Case:
        row = await self._db.fetch_one(
            "SELECT * FROM cases WHERE guild_id = ? AND number = ?", (guild_id, number)
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
            f"SELECT * FROM cases {where} ORDER BY created_at, id LIMIT ? OFFSET ?",  # noqa: S608
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
            """SELECT * FROM cases WHERE guild_id = ? AND user_id = ?
               ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?""",
            (guild_id, user_id, limit, offset),
        )
        return [_row_to_case(row) for row in rows]

    async def reverse(self, guild_id: int, number: int, by: int, reason: str, at: datetime | None = None) -> Case:
        case = await self.get(guild_id, number)
        if case.status is CaseStatus.REVERSED:
            return case
        async with self._db.transaction() as conn:
            await conn.execute(
                """UPDATE cases SET status = 'reversed', reversed_by = ?, reversed_at = ?, reverse_reason = ?
                   WHERE id = ?""",
                (by, to_db_time(at or utcnow()), reason, case.id),
            )
            await conn.execute("UPDATE strikes SET active = 0 WHERE case_id = ?", (case.id,))
        return await self.get_by_id(case.id)

    async def add_note(self, case_id: int, author_id: int, body: str, at: datetime | None = None) -> CaseNote:
        created = at or utcnow()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO case_notes (case_id, author_id, body, created_at) VALUES (?, ?, ?, ?)",
                (case_id, author_id, body, to_db_time(created)),
            )
        return CaseNote(case_id, author_id, body, created)

    async def notes(self, case_id: int) -> list[CaseNote]:
        rows = await self._db.fetch_all(
            "SELECT * FROM case_notes WHERE case_id = ? ORDER BY id", (case_id,)
        )
        return [
            CaseNote(row["case_id"], row["author_id"], row["body"], from_db_time(row["created_at"]))
            for row in rows
        ]

    async def verify_chain(self) -> tuple[int, list[audit.ChainProblem]]:
        rows = await self._db.fetch_all("SELECT * FROM cases ORDER BY id")
        return len(rows), audit.verify_rows([dict(row) for row in rows])



def case_to_json(case: Case) -> dict[str, Any]:
    """A case as plain JSON types: for `modbot cases --format json` and exports."""
    return {
        "id": case.id,
        "guild_id": case.guild_id,
        "number": case.number,
        "created_at": case.created_at.isoformat(),
        "user_id": case.user_id,
        "channel_id": case.channel_id,
        "message_id": case.message_id,
        "actor": case.actor.value,
        "actor_id": case.actor_id,
        "rule": case.rule_id,
        "actions": [str(action) for action in case.actions],
        "reason": case.reason,
        "text": case.text,
        "scores": dict(case.scores),
        "model": case.model_name,
        "model_version": case.model_version,
        "model_fallback": case.model_fallback,
        "variant": case.variant.value if case.variant else None,
        "status": case.status.value,
        "notified": case.notified,
        "errors": list(case.errors),
        "applied": [kind.value for kind in case.applied],
        "reversed_by": case.reversed_by,
        "reversed_at": case.reversed_at.isoformat() if case.reversed_at else None,
        "reverse_reason": case.reverse_reason,
    }
