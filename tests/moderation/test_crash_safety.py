"""kill -9 while cases are being recorded: nothing acknowledged is lost, and catch-up finishes exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.records import CaseQuery
from bot.storage import Database
from bot.storage.cases import CaseRepository

pytestmark = pytest.mark.slow  # child processes

WRITER = Path(__file__).with_name("crash_writer.py")
TOTAL = 600


def start_writer(db: Path, first: int, last: int) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(Path.cwd()))
    return subprocess.Popen([sys.executable, str(WRITER), str(db), str(first), str(last)], stdout=subprocess.PIPE,
                            text=True, env=env)


async def test_kill_9_loses_no_acknowledged_case_and_catch_up_is_exactly_once(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.db"
    writer = start_writer(db_path, 1, TOTAL)
    acked: dict[int, str] = {}
    assert writer.stdout is not None
    for line in writer.stdout:
        _, message_id, case = line.split()
        acked[int(message_id)] = case
        if len(acked) >= 150:
            os.kill(writer.pid, signal.SIGKILL)
            break
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    assert len(acked) < TOTAL, "the writer finished before it was killed; the test proved nothing"

    async with Database.open(db_path) as db:
        assert await db.integrity_check() == "ok"
        cases = {c.message_id: c for c in await CaseRepository(db).find(CaseQuery(limit=10_000))}
        for message_id, number in acked.items():
            if number != "-":
                assert cases[message_id].number == int(number), f"acknowledged case for message {message_id} lost"

    # Restart: catch-up replays every message of the channel; what was done is skipped, the rest done once.
    rerun = start_writer(db_path, 1, TOTAL)
    out, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0
    redone = {int(line.split()[1]) for line in out.splitlines()}
    assert not redone & set(acked), "a message acknowledged before the crash was judged again"

    async with Database.open(db_path) as db:
        rows = await db.fetch_all("SELECT message_id, COUNT(*) AS n FROM scored_messages GROUP BY message_id")
        assert {row["message_id"] for row in rows} == set(range(1, TOTAL + 1))
        assert all(row["n"] == 1 for row in rows)
        cases = await CaseRepository(db).find(CaseQuery(limit=10_000))
        assert sorted(c.message_id for c in cases) == [n for n in range(1, TOTAL + 1) if n % 3 == 0]
        assert [c.number for c in cases] == list(range(1, len(cases) + 1))
        _, problems = await CaseRepository(db).verify_chain()
        assert problems == []
