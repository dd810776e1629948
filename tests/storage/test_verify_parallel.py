"""`cases verify` split across worker processes by chain position gives exactly the report of one walk: the
same cases, head and problems in the same order, on a chain intact or tampered at and around the cuts.

The split threshold is forced down (`split_from=1`) and the number of stretches fixed (`workers`), so the cuts
are where `_spans` puts them on any machine: stretch k of n starts at seq 1 + head * k // n. Real SQLite files,
tampered with sqlite3 (the triggers that refuse deletes and updates dropped first)."""

from __future__ import annotations

import sqlite3
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.records import Action, ActionKind, Actor, CaseDraft, ChainHead, Enforcement, ModelInfo
from bot.storage import Database, chain_walk
from bot.storage.audit import ChainReport, ChainVerifier
from bot.storage.cases import CaseRepository
from tests.support import tamper

pytestmark = pytest.mark.slow  # starts worker processes

T0 = datetime(2026, 6, 1, tzinfo=UTC)
CASES = 16


def draft(index: int, shadow: bool = False) -> CaseDraft:
    return CaseDraft(
        guild_id=1, user_id=10 + index % 3, channel_id=2, message_id=1000 + index, actor=Actor.AUTO, actor_id=None,
        rule_id="toxic", actions=(Action(ActionKind.DELETE), Action(ActionKind.WARN)), reason="toxicity 0.95",
        text=f"message {index}", scores={"toxicity": 0.95}, model=ModelInfo("detoxify/original", "0.5.4"),
        strike=True, created_at=T0 + timedelta(hours=index), shadow=shadow,
    )


async def seed(path: Path) -> None:
    """16 enforced cases, every 4th reversed, a note on cases 2, 9 and 14, then a shadow case: 41 entries."""
    async with Database.open(path) as db:
        cases = CaseRepository(db)
        for index in range(CASES):
            case = await cases.record_case(draft(index))
            await cases.record_enforcement(case.id, Enforcement(applied=(ActionKind.DELETE,), errors=(),
                                                                notified=True))
            if index % 4 == 3:
                await cases.reverse(1, case.number, by=42, reason="wrong person", at=T0 + timedelta(days=2))
            if index in (2, 9, 14):
                await cases.add_note(case.id, 42, f"note on {index}", at=T0 + timedelta(days=3))
        await cases.record_case(draft(CASES, shadow=True))


async def reports(path: Path, witness: ChainHead | None = None, workers: int = 2) -> tuple[ChainReport, ChainReport]:
    """(one walk, the split walk) of the same file."""
    async with Database.open(path) as db:
        cases = CaseRepository(db)
        sequential = await cases.verify(witness, split_from=10**9)
        parallel = await cases.verify(witness, split_from=1, workers=workers)
    return sequential, parallel


def head_of(path: Path) -> ChainHead:
    with sqlite3.connect(path) as conn:
        seq, digest = conn.execute("SELECT seq, hash FROM chain_head").fetchone()
    return ChainHead(int(seq), str(digest))


def cut(path: Path, workers: int = 2, index: int = 1) -> int:
    """The first seq of stretch `index` (as `_spans` cuts [1, head])."""
    return 1 + head_of(path).entries * index // workers


def entry(path: Path, table: str, nearest: str, seq: int) -> int:
    """The seq of the `table` entry nearest `seq` on one side ('>=' or '<')."""
    order = "ASC" if nearest == ">=" else "DESC"
    with sqlite3.connect(path) as conn:
        row = conn.execute(f"SELECT seq FROM {table} WHERE seq {nearest} ? ORDER BY seq {order} LIMIT 1",  # noqa: S608
                           (seq,)).fetchone()
    return int(row[0])


def hash_at(path: Path, seq: int) -> str:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT hash FROM cases WHERE seq = ? UNION ALL SELECT hash FROM case_events WHERE seq = ?",
                           (seq, seq)).fetchone()
    return str(row[0])


@pytest.fixture
async def chain(tmp_path: Path) -> Path:
    path = tmp_path / "chain.db"
    await seed(path)
    return path


@pytest.mark.parametrize("workers", [2, 3, 4])
async def test_an_intact_chain_gives_the_same_report_split_or_not(chain: Path, workers: int) -> None:
    sequential, parallel = await reports(chain, workers=workers)
    assert parallel == sequential
    assert sequential.problems == [] and sequential.cases == CASES + 1
    assert sequential.head == head_of(chain) and sequential.head.entries == 41


@pytest.mark.parametrize("nearest", [">=", "<"])
async def test_a_deleted_case_at_the_cut(chain: Path, nearest: str) -> None:
    seq = entry(chain, "cases", nearest, cut(chain))
    tamper(chain, f"DELETE FROM cases WHERE seq = {seq}")  # noqa: S608
    sequential, parallel = await reports(chain)
    assert parallel == sequential
    assert any(f"chain entries #{seq} before it are missing" in str(problem) for problem in sequential.problems)
    assert any("are missing (deleted)" in str(problem) and "ids" in str(problem) for problem in sequential.problems)
    assert sequential.cases == CASES


@pytest.mark.parametrize("nearest", [">=", "<"])
async def test_a_deleted_event_at_the_cut(chain: Path, nearest: str) -> None:
    seq = entry(chain, "case_events", nearest, cut(chain))
    tamper(chain, f"DELETE FROM case_events WHERE seq = {seq}")  # noqa: S608
    sequential, parallel = await reports(chain)
    assert parallel == sequential
    assert any(f"chain entries #{seq} before it are missing" in str(problem) for problem in sequential.problems)


async def test_the_entries_on_both_sides_of_the_cut_deleted(chain: Path) -> None:
    at = cut(chain)
    tamper(chain, f"DELETE FROM cases WHERE seq IN ({at - 1}, {at})",  # noqa: S608
           f"DELETE FROM case_events WHERE seq IN ({at - 1}, {at})")  # noqa: S608
    sequential, parallel = await reports(chain)
    assert parallel == sequential
    assert any(f"chain entries #{at - 1}..#{at} before it are missing" in str(problem)
               for problem in sequential.problems), sequential.problems


async def test_an_edited_case_in_the_second_stretch(chain: Path) -> None:
    seq = entry(chain, "cases", ">=", cut(chain) + 3)
    tamper(chain, f"UPDATE cases SET reason = 'nothing' WHERE seq = {seq}",  # noqa: S608
           f"UPDATE cases SET enforced = 0 WHERE seq = {entry(chain, 'cases', '>=', seq + 1)}")  # noqa: S608
    sequential, parallel = await reports(chain)
    assert parallel == sequential
    found = [str(problem) for problem in sequential.problems]
    assert len(found) == 2 and "recorded decision was edited" in found[0], found
    assert "changed without a recorded event: enforced" in found[1], found


async def test_an_edited_and_a_deleted_note(chain: Path) -> None:
    tamper(chain, "UPDATE case_notes SET body = 'nothing happened' WHERE id = 2",
           "DELETE FROM case_notes WHERE id = 3")
    sequential, parallel = await reports(chain)
    assert parallel == sequential
    assert [str(problem) for problem in sequential.problems] == [
        "note 2 on case id 10 was edited", "note 3 on case id 15 was deleted"]


async def test_a_witnessed_head_in_the_second_stretch(chain: Path) -> None:
    seq = cut(chain) + 2
    witness = ChainHead(seq, hash_at(chain, seq))
    sequential, parallel = await reports(chain, witness)
    assert parallel == sequential and sequential.problems == []
    sequential, parallel = await reports(chain, ChainHead(seq, "ab" * 32))
    assert parallel == sequential
    assert [str(problem) for problem in sequential.problems] == [
        f"entry #{seq} has hash {witness.hash}, not the witnessed {'ab' * 32} (the chain was rewritten)"]
    sequential, parallel = await reports(chain, ChainHead(cut(chain) - 1, hash_at(chain, cut(chain) - 1)))
    assert parallel == sequential and sequential.problems == []


async def test_a_truncated_chain_end(chain: Path) -> None:
    witness = head_of(chain)
    last_case = entry(chain, "cases", "<", witness.entries + 1)
    tamper(chain, f"DELETE FROM case_events WHERE seq > {last_case}",  # noqa: S608
           f"DELETE FROM cases WHERE seq >= {last_case}")  # noqa: S608
    sequential, parallel = await reports(chain)
    assert parallel == sequential
    assert [str(problem) for problem in sequential.problems] == [
        f"the chain ends at #{last_case - 1} {hash_at(chain, last_case - 1)} but its recorded head is {witness} "
        "(entries were removed from the end, or the head was edited)"]
    # the head moved back to match: only the witnessed head shows the cut
    tamper(chain, f"UPDATE chain_head SET seq = {last_case - 1}, hash = '{hash_at(chain, last_case - 1)}'")  # noqa: S608
    sequential, parallel = await reports(chain, witness)
    assert parallel == sequential
    assert [str(problem) for problem in sequential.problems] == [
        f"entry #{witness.entries} of the witnessed head is missing: the chain ends at #{last_case - 1} (cut short)"]


async def test_a_case_without_a_seq_and_a_head_edited_down(chain: Path) -> None:
    """A case whose seq is gone is walked first (it sorts first); entries past an edited head are still walked."""
    seq = entry(chain, "cases", ">=", cut(chain) + 1)
    tamper(chain, f"UPDATE cases SET seq = NULL WHERE seq = {seq}",  # noqa: S608
           "UPDATE chain_head SET seq = 30")
    sequential, parallel = await reports(chain, workers=3)
    assert parallel == sequential
    found = [str(problem) for problem in sequential.problems]
    assert "has no place in the chain (seq is missing)" in found[0], found
    assert "but its recorded head is #30" in found[-1], found


async def test_an_in_memory_database_is_walked_once_whatever_the_threshold(chain: Path) -> None:
    async with Database.open(Path(":memory:")) as db:
        cases = CaseRepository(db)
        await cases.record_case(draft(0))
        report = await cases.verify(split_from=1, workers=2)
    assert report.problems == [] and report.cases == 1 and report.head.entries == 1


async def test_a_case_and_an_event_sharing_the_last_place_before_the_cut(chain: Path) -> None:
    """The walk feeds the case first, then the event: the second stretch follows the event."""
    last = cut(chain) - 1
    with sqlite3.connect(chain) as conn:
        is_case = conn.execute("SELECT 1 FROM cases WHERE seq = ?", (last,)).fetchone() is not None
    table = "case_events" if is_case else "cases"
    tamper(chain, f"UPDATE {table} SET seq = {last} WHERE seq = {entry(chain, table, '>=', last + 1)}")  # noqa: S608
    sequential, parallel = await reports(chain)
    assert parallel == sequential
    assert any(f"shares its place #{last} in the chain" in str(problem) for problem in sequential.problems)


async def test_a_chain_of_cases_alone_with_its_head_edited_down(tmp_path: Path) -> None:
    """No events at all: the last stretch still ends at the last case, not at the (edited) head."""
    path = tmp_path / "cases.db"
    async with Database.open(path) as db:
        for index in range(6):
            await CaseRepository(db).record_case(draft(index))
    tamper(path, "UPDATE chain_head SET seq = 3")
    sequential, parallel = await reports(path)
    assert parallel == sequential and sequential.cases == 6
    assert [str(problem) for problem in sequential.problems] == [
        f"the chain ends at #6 {hash_at(path, 6)} but its recorded head is #3 {hash_at(path, 6)} "
        "(entries were removed from the end, or the head was edited)"]


async def test_entries_the_bot_writes_during_the_walk_are_in_no_stretch(chain: Path) -> None:
    """The stretches end at the parent's snapshot: what the bot appends (and the case rows it updates with
    each event) after it, before a worker opens its own snapshot, does not change the report."""
    before = (await reports(chain))[0]
    parent = chain_walk._connect(chain)
    try:
        spans = chain_walk._spans(parent, before.head, 1, 2)
        async with Database.open(chain) as db:
            repository = CaseRepository(db)
            later = await repository.record_case(draft(CASES + 1))
            await repository.record_enforcement(later.id, Enforcement(applied=(ActionKind.DELETE,), errors=(),
                                                                      notified=True))
            await repository.reverse(1, entry_number(chain, cut(chain) + 1), by=7, reason="later")
            await repository.add_note(later.id, 42, "later note")
        verifier = ChainVerifier()
        verifier.join(chain_walk._walk_span(parent, None, spans[0]))
        verifier.join(chain_walk._verify_span(chain, None, spans[1]))  # its own, later snapshot
        verifier.notes(parent.execute(chain_walk.VERIFY_NOTES).fetchall())
    finally:
        parent.close()
    assert verifier.finish(before.head) == before
    assert (await reports(chain))[1].head.entries == before.head.entries + 4


def entry_number(path: Path, seq: int) -> int:
    """The number of the first case at or after `seq`."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT number FROM cases WHERE seq >= ? ORDER BY seq LIMIT 1", (seq,)).fetchone()[0])


class _BrokenPool:
    """A ProcessPoolExecutor whose workers die at once (what an unguarded `__main__` does to them)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> _BrokenPool:
        return self

    def __exit__(self, *args: object) -> None:
        pass

    def submit(self, *args: object) -> Future[object]:
        future: Future[object] = Future()
        future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        return future


async def test_without_worker_processes_the_chain_is_walked_in_one_pass(
        chain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tamper(chain, f"DELETE FROM cases WHERE seq = {entry(chain, 'cases', '>=', cut(chain))}")  # noqa: S608
    sequential, _ = await reports(chain)
    monkeypatch.setattr(chain_walk, "ProcessPoolExecutor", _BrokenPool)
    _, fallback = await reports(chain)
    assert fallback == sequential
    assert any("before it are missing (deleted)" in str(problem) for problem in sequential.problems)
