"""Moderators' verdicts on automatic cases (the labels `modbot calibrate` learns from), and the judged messages
that `modbot rules preview` replays."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime

from bot.records import CaseVerdict, JudgedMessage, VerdictSource
from bot.storage.database import Database, from_db_time, to_db_time

# One row per verdict: a review item decided on a case, a reversed case, an upheld appeal.
_VERDICTS = """
SELECT c.id AS case_id, c.rule_id, c.scores, 'review' AS source, r.status <> 'approved' AS correct,
       r.decided_at AS at
  FROM review_items r JOIN cases c ON c.id = r.case_id
 WHERE r.status IN ('approved', 'removed', 'timed_out') AND c.rule_id IS NOT NULL AND c.actor = 'auto'
UNION ALL
SELECT c.id, c.rule_id, c.scores, 'reversal', 0, c.reversed_at
  FROM cases c
 WHERE c.status = 'reversed' AND c.rule_id IS NOT NULL AND c.actor = 'auto'
UNION ALL
SELECT c.id, c.rule_id, c.scores, 'appeal', 0, a.decided_at
  FROM appeals a JOIN cases c ON c.id = a.case_id
 WHERE a.status = 'upheld' AND c.rule_id IS NOT NULL AND c.actor = 'auto'
"""


class VerdictLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def verdicts(self, rule_id: str | None = None, guild_id: int | None = None) -> list[CaseVerdict]:
        """Every verdict on an automatic case (several per case are possible: `calibrate` merges them)."""
        rows = await self._db.fetch_all(
            f"""SELECT v.* FROM ({_VERDICTS}) v JOIN cases c ON c.id = v.case_id
                 WHERE (? IS NULL OR v.rule_id = ?) AND (? IS NULL OR c.guild_id = ?)
                 ORDER BY v.case_id, v.at""",  # noqa: S608 - constant SQL
            (rule_id, rule_id, guild_id, guild_id),
        )
        return [
            CaseVerdict(
                case_id=row["case_id"],
                rule_id=row["rule_id"],
                scores=json.loads(row["scores"] or "{}"),
                correct=bool(row["correct"]),
                source=VerdictSource(row["source"]),
                at=from_db_time(row["at"]) if row["at"] else None,
            )
            for row in rows
        ]

    async def judged(
        self, since: datetime, guild_id: int | None = None, page: int = 5000
    ) -> AsyncIterator[list[JudgedMessage]]:
        """The messages judged since `since`, oldest first, a page at a time (purged ones have text None)."""
        last = 0
        while True:
            rows = await self._db.fetch_all(
                """SELECT rowid, message_id, guild_id, channel_id, user_id, scored_at, model_name, scores,
                          decision, text
                     FROM scored_messages
                    WHERE rowid > ? AND scored_at >= ? AND (? IS NULL OR guild_id = ?)
                    ORDER BY rowid LIMIT ?""",
                (last, to_db_time(since), guild_id, guild_id, page),
            )
            if not rows:
                return
            last = rows[-1]["rowid"]
            yield [
                JudgedMessage(
                    message_id=row["message_id"],
                    guild_id=row["guild_id"],
                    channel_id=row["channel_id"],
                    user_id=row["user_id"],
                    scored_at=from_db_time(row["scored_at"]),
                    model_name=row["model_name"],
                    scores=json.loads(row["scores"] or "{}"),
                    decision=row["decision"],
                    text=row["text"],
                )
                for row in rows
            ]
