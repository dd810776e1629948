"""The queries behind `/stats`: cases, judged messages and review verdicts in a period (optionally one thread)."""

from __future__ import annotations

import json
from collections import Counter

from bot.records import RawStats, StatsScope
from bot.storage.database import Database, to_db_time


class StatsStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def collect(self, scope: StatsScope) -> RawStats:
        since = to_db_time(scope.since)
        channel = scope.channel_id
        # counted per distinct (actions, rule) in SQLite: a month of a busy server is tens of thousands of cases
        # but a handful of combinations, so Python parses each combination's actions once
        case_rows = await self._db.fetch_all(
            """SELECT actions, rule_id, COUNT(*) AS n FROM cases
               WHERE guild_id = ? AND created_at >= ? AND status != 'shadow' AND (? IS NULL OR channel_id = ?)
               GROUP BY actions, rule_id""",
            (scope.guild_id, since, channel, channel),
        )
        actions: Counter[str] = Counter()
        rules: Counter[str] = Counter()
        for row in case_rows:
            n = int(row["n"])
            for text in json.loads(row["actions"]):
                actions[str(text).split(" ", 1)[0]] += n
            rules[row["rule_id"] or "(by hand)"] += n
        judged = await self._db.fetch_one(
            """SELECT COUNT(*) AS total, COALESCE(SUM(decision != 'allow'), 0) AS acted FROM scored_messages
               WHERE guild_id = ? AND scored_at >= ? AND (? IS NULL OR channel_id = ?)""",
            (scope.guild_id, since, channel, channel),
        )
        verdict_rows = await self._db.fetch_all(
            """SELECT status, COUNT(*) AS n FROM review_items
               WHERE guild_id = ? AND status != 'open' AND decided_at >= ? AND (? IS NULL OR channel_id = ?)
               GROUP BY status""",
            (scope.guild_id, since, channel, channel),
        )
        return RawStats(
            actions=dict(actions),
            rules=dict(rules),
            judged=int(judged["total"]) if judged else 0,
            acted=int(judged["acted"]) if judged else 0,
            verdicts={row["status"]: int(row["n"]) for row in verdict_rows},
        )
