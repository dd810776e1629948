"""`bot.storage.bulk.load_cases` writes what the real path writes: a database loaded in bulk and one built message
by message through `CaseRepository.record_decision` + `record_enforcement` hold the same rows, chain entries and
strikes, and `cases verify` finds nothing wrong in either (nor in a database mixing the two)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from bot.records import (
    Action,
    ActionKind,
    Actor,
    CaseDraft,
    Decision,
    MessageEvent,
    ModelInfo,
    Scores,
    Variant,
)
from bot.storage import Database
from bot.storage.bulk import enforcement_of, load_cases
from bot.storage.cases import CaseRepository

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
MODEL = ModelInfo("detoxify/original", "0.5.4", fallback=False)
ACTIONS = (
    (Action(ActionKind.DELETE),),
    (Action(ActionKind.DELETE), Action(ActionKind.WARN)),
    (Action(ActionKind.FLAG),),
    (Action(ActionKind.DELETE), Action(ActionKind.TIMEOUT, timedelta(hours=1))),
)
TEXTS = ("you idiot", "tu es un crétin 🤡", "", "line\nbreak \"quoted\" \\ back\u2028sep")

# Columns that differ between two builds by design: random salts, and what hashes them.
RANDOM_CASE_COLUMNS = {"salt", "subject_digest", "prev_hash", "hash"}


def drafts(count: int, first_message: int = 5000) -> list[CaseDraft]:
    return [
        CaseDraft(
            guild_id=1 + index % 2, user_id=100 + index % 7, channel_id=10 + index % 3,
            message_id=first_message + index, actor=Actor.AUTO, actor_id=None, rule_id="toxic" if index % 5 else None,
            actions=ACTIONS[index % len(ACTIONS)], reason=f"toxicity 0.9{index % 10} ≥ 0.90",
            text=TEXTS[index % len(TEXTS)] + (f" {index}" if index % 4 else ""),
            scores={"toxicity": round(0.9 + index / 1000, 4), "insult": 0.125},
            model=None if index % 11 == 0 else MODEL, variant=Variant.NORMALIZED if index % 2 else None,
            shadow=index % 6 == 3, strike=index % 3 != 0, created_at=T0 + timedelta(minutes=index),
        )
        for index in range(count)
    ]


async def record_for_real(db: Database, items: list[CaseDraft]) -> None:
    cases = CaseRepository(db)
    for draft in items:
        assert draft.message_id is not None and draft.created_at is not None
        event = MessageEvent(guild_id=draft.guild_id, channel_id=draft.channel_id, message_id=draft.message_id,
                             author_id=draft.user_id, content=draft.text, created_at=draft.created_at)
        decision = Decision(actions=draft.actions, rule_id=draft.rule_id, strike=draft.strike)
        scores = Scores(dict(draft.scores), draft.model or MODEL)
        fresh, case = await cases.record_decision(event, f"h{draft.message_id}", scores, decision, draft,
                                                  draft.created_at)
        assert fresh and case is not None
        await cases.record_enforcement(case.id, enforcement_of(draft))


def table(path: Path, sql: str) -> list[dict[str, Any]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql)]


def comparable_cases(path: Path) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in RANDOM_CASE_COLUMNS}
            for row in table(path, "SELECT * FROM cases ORDER BY id")]


def comparable_events(path: Path) -> list[dict[str, Any]]:
    # record_enforcement stamps its event with the time it ran; the loader uses the case's time
    return table(path, "SELECT seq, case_id, kind, state, detail FROM case_events ORDER BY seq")


async def verify(path: Path) -> tuple[int, list[str]]:
    async with Database.open(path) as db:
        count, problems = await CaseRepository(db).verify_chain()
    return count, [str(problem) for problem in problems]


async def test_bulk_load_matches_the_real_path_and_verifies(tmp_path: Path) -> None:
    items = drafts(60)
    real, bulk = tmp_path / "real.db", tmp_path / "bulk.db"
    async with Database.open(real) as db:
        await record_for_real(db, items)
    async with Database.open(bulk) as db:
        assert await load_cases(db, items, chunk=7) == len(items)  # several chunks, the head carried across

    assert await verify(real) == (60, [])
    assert await verify(bulk) == (60, [])
    assert comparable_cases(bulk) == comparable_cases(real)
    assert comparable_events(bulk) == comparable_events(real)
    kinds = [row["kind"] for row in comparable_events(bulk)]
    assert kinds.count("shadow") == 10 and kinds.count("enforced") == 60
    strikes = "SELECT guild_id, user_id, case_id, created_at, active FROM strikes ORDER BY id"
    assert table(bulk, strikes) == table(real, strikes) and len(table(bulk, strikes)) == 40
    head = "SELECT seq FROM chain_head"
    assert table(bulk, head) == table(real, head) == [{"seq": 130}]


async def test_every_hash_is_the_one_its_row_implies(tmp_path: Path) -> None:
    """Each loaded case's hash chains to the entry before it (events included) and covers its own row."""
    path = tmp_path / "bulk.db"
    async with Database.open(path) as db:
        await load_cases(db, drafts(20), chunk=6)
    entries = table(path, """SELECT seq, prev_hash, hash FROM cases UNION ALL
                             SELECT seq, prev_hash, hash FROM case_events ORDER BY seq""")
    assert [row["seq"] for row in entries] == list(range(1, len(entries) + 1))
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in pairwise(entries))
    assert len({row["hash"] for row in entries}) == len(entries)
    # an edited decision is caught: the hash is over the row, not just a well-formed chain
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cases SET reason = 'edited' WHERE id = 4")
    _, problems = await verify(path)
    assert problems == ["case #2 (id 4): recorded decision was edited"]


async def test_real_and_bulk_cases_interleave_in_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "mixed.db"
    async with Database.open(path) as db:
        await record_for_real(db, drafts(5, first_message=100))
        await load_cases(db, drafts(9, first_message=200), chunk=4)
        await record_for_real(db, drafts(4, first_message=300))
        await load_cases(db, drafts(3, first_message=400), enforced=False)
        pending = await CaseRepository(db).unenforced()
        numbers = table(path, "SELECT guild_id, number FROM cases ORDER BY id")
    assert await verify(path) == (21, [])
    assert {case.message_id for case in pending} == {400, 401, 402}
    for guild in (1, 2):  # numbered per guild without gaps across both writers
        assert [row["number"] for row in numbers if row["guild_id"] == guild] == list(
            range(1, sum(row["guild_id"] == guild for row in numbers) + 1))
