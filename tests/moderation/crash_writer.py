"""Child process for the kill -9 test: judges messages 1..N through the real pipeline and storage, printing
`ack <message id> <case number or ->` after each decision is committed. The parent kills it mid-stream."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.moderation.carry_out import CaseExecutor, NullEnforcer
from bot.moderation.pipeline import ModerationPipeline
from bot.moderation.rules import parse_rules
from bot.records import MessageEvent
from bot.storage import Database
from bot.storage.cases import CaseRepository
from tests.support import FixedRules, StaticScorer

RULES = "rules:\n  - {id: toxic, when: {score: {label: toxicity, min: 0.9}}, actions: [delete, warn]}\n"


def message(number: int) -> MessageEvent:
    content = f"message {number} " + ("you hateful troll" if number % 3 == 0 else "a fair point")
    return MessageEvent(guild_id=1, channel_id=5, message_id=number, author_id=100 + number % 7, content=content,
                        created_at=datetime.now(UTC))


async def main(path: Path, first: int, last: int) -> None:
    rules = parse_rules(RULES, frozenset({"toxicity"}))
    async with Database.open(path) as db:
        cases = CaseRepository(db)
        pipeline = ModerationPipeline(scorer=StaticScorer(), rules=FixedRules(rules), store=cases,
                                      executor=CaseExecutor(NullEnforcer(), cases), clock=lambda: datetime.now(UTC))
        for number in range(first, last + 1):
            outcome = await pipeline.handle(message(number))
            if not outcome.duplicate:
                print(f"ack {number} {outcome.case.number if outcome.case else '-'}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
