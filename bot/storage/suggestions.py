"""Verdicts from `comments:suggestscore` (`modbot serve`): the scores clients say are right for a comment."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.records import SuggestedScore
from bot.storage.database import Database, from_db_time, to_db_time, utcnow


def _row_to_suggestion(row: aiosqlite.Row) -> SuggestedScore:
    return SuggestedScore(
        key_id=row["key_id"],
        text=row["text"],
        text_sha256=row["text_sha256"],
        scores={str(name): float(value) for name, value in json.loads(row["scores"]).items()},
        languages=tuple(code for code in row["languages"].split(",") if code),
        community_id=row["community_id"],
        client_token=row["client_token"],
        created_at=from_db_time(row["created_at"]),
    )


class SuggestionRepository:
    """Implements `bot.serve.ports.SuggestionSink`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, suggestion: SuggestedScore) -> int:
        at = suggestion.created_at or utcnow()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO suggested_scores (key_id, text, text_sha256, scores, languages, community_id,
                       client_token, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    suggestion.key_id,
                    suggestion.text,
                    suggestion.text_sha256,
                    json.dumps(dict(suggestion.scores), sort_keys=True),
                    ",".join(suggestion.languages),
                    suggestion.community_id,
                    suggestion.client_token,
                    to_db_time(at),
                ),
            )
            row_id = cursor.lastrowid
        assert row_id is not None
        return row_id

    async def recent(self, limit: int = 100) -> list[SuggestedScore]:
        rows = await self._db.fetch_all("SELECT * FROM suggested_scores ORDER BY id DESC LIMIT ?", (limit,))
        return [_row_to_suggestion(row) for row in rows]

    async def for_text(self, text_sha256: str) -> list[SuggestedScore]:
        rows = await self._db.fetch_all(
            "SELECT * FROM suggested_scores WHERE text_sha256 = ? ORDER BY id", (text_sha256,)
        )
        return [_row_to_suggestion(row) for row in rows]

    async def erase_text_before(self, cutoff: datetime) -> int:
        """Retention: drop the text of verdicts older than `cutoff` (the scores and hash stay)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE suggested_scores SET text = NULL WHERE created_at < ? AND text IS NOT NULL",
                (to_db_time(cutoff),),
            )
            return cursor.rowcount
