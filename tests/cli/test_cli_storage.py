"""The storage commands as an operator meets them: a database that cannot be used ends every command with one
line and exit 1 (run as real subprocesses, which used to hang on aiosqlite's thread), `cases` as a table fits a
100-column terminal, `cases verify` prints and checks the chain head, `purge` counts and asks first."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import _register, cli
from bot.records import Action, ActionKind, Actor, CaseDraft, ModelInfo
from bot.storage import Database
from bot.storage.cases import CaseRepository

_register()

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _text_file(path: Path) -> None:
    path.write_text("not a database at all\n" * 50, encoding="utf-8")


def _newer(path: Path) -> None:
    async def create() -> None:
        async with Database.open(path):
            pass

    asyncio.run(create())
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")


def _missing(path: Path) -> None:
    pass


# (id, how the file is broken, command, the one line expected to start with "<path>: ")
BROKEN: list[tuple[str, Callable[[Path], None], list[str], str]] = [
    ("cases-random-bytes", _random_bytes, ["cases"], "not a modbot database (file is not a database)"),
    ("verify-random-bytes", _random_bytes, ["cases", "verify"], "not a modbot database"),
    ("purge-random-bytes", _random_bytes, ["purge", "--yes"], "not a modbot database"),
    ("feeds-random-bytes", _random_bytes, ["feeds"], "not a modbot database"),
    ("run-random-bytes", _random_bytes, ["run"], "not a modbot database"),
    ("verify-text-file", _text_file, ["cases", "verify"], "not a modbot database"),
    ("cases-newer-version", _newer, ["cases"], "database is at version 99, newer than this modbot"),
    ("cases-missing", _missing, ["cases"], "no such database"),
    ("verify-missing", _missing, ["cases", "verify"], "no such database"),
    ("feeds-missing", _missing, ["feeds"], "no such database"),
]


@pytest.fixture(scope="module")
def broken_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Path, int, str, str]]]:
    """Start every broken-database command at once (each is a fresh interpreter), then collect them."""
    folder = tmp_path_factory.mktemp("broken")
    env = {key: value for key, value in os.environ.items() if key != "DISCORD_TOKEN"}
    started: dict[str, tuple[Path, subprocess.Popen[str]]] = {}
    for name, breaks, args, _ in BROKEN:
        path = folder / f"{name}.db"
        breaks(path)
        command = [sys.executable, "-m", "bot", "--db", str(path), *args]
        started[name] = (path, subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results: dict[str, tuple[Path, int, str, str]] = {}
    try:
        for name, (path, process) in started.items():
            # a generous limit on a shared machine: the old bug never exited at all
            out, err = process.communicate(timeout=180)
            results[name] = (path, process.returncode, out, err)
        yield results
    finally:
        for _, process in started.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.parametrize(("name", "expected"), [pytest.param(b[0], b[3], id=b[0]) for b in BROKEN])
def test_an_unusable_database_ends_the_command_with_one_line_and_exit_1(
    broken_runs: dict[str, tuple[Path, int, str, str]], name: str, expected: str
) -> None:
    path, code, out, err = broken_runs[name]
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith(f"{path}: ") and expected in lines[-1], err
    if not name.startswith("run"):  # `run` first says it is starting the demo; the others say only this
        assert lines == [lines[-1]] and out == "", (out, err)
    if name.endswith("missing"):
        assert not path.exists()  # reading commands never create a database


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def _seed(path: Path) -> None:
    async def write() -> None:
        async with Database.open(path) as db:
            cases = CaseRepository(db)
            for index, (actor, user) in enumerate([(Actor.AUTO, 123456789012345678), (Actor.MODERATOR, 42),
                                                    (Actor.AUTO, 1234567890123456789)]):
                await cases.record_case(CaseDraft(
                    guild_id=9, user_id=user, channel_id=3, message_id=index, actor=actor,
                    actor_id=77 if actor is Actor.MODERATOR else None, rule_id="a-rather-long-rule-name",
                    actions=(Action(ActionKind.DELETE), Action(ActionKind.WARN),
                             Action(ActionKind.TIMEOUT, timedelta(days=1))),
                    reason="toxicity 0.97 >= 0.90 and a reason much longer than any column",
                    text="a comment that goes on and on\nover two lines " * 4, scores={"toxicity": 0.97},
                    model=ModelInfo("detoxify/original", "0.5.4"), created_at=T0 + timedelta(days=index),
                ))

    asyncio.run(write())


def _purge_everything(path: Path) -> int:
    """Erase the text of the first case only (the others are far younger)."""
    from bot.storage.privacy import purge

    async def erase() -> int:
        async with Database.open(path) as db:
            return (await purge(db, T0 + timedelta(hours=1))).cases

    return asyncio.run(erase())


def test_the_cases_table_fits_100_columns_with_actor_reason_and_erased_text(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    _seed(db)
    assert _purge_everything(db) == 1
    code, out, _ = run("--db", str(db), "cases")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 4 and all(len(line) <= 100 for line in lines), [len(line) for line in lines]
    header = lines[0].split()
    assert header[:4] == ["NUMBER", "CREATED", "USER", "ACTOR"] and "REASON" in header and "TEXT" in header
    assert "123456789012345678" in lines[1] and "1234567890123456789" in lines[3]  # ids whole, never cut
    assert lines[1].rstrip().endswith("[erased]")
    assert " auto " in lines[1] and " mod " in lines[2]
    assert "toxicity 0.97" in lines[2] and "2026-01-06 09:30" in lines[2]


def test_verify_prints_the_head_and_checks_a_witnessed_one(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    _seed(db)
    code, out, _ = run("--db", str(db), "cases", "verify")
    assert code == 0
    summary, _, head = out.strip().partition("; head ")
    assert summary == "3 cases, hash chain intact"
    number, digest = head.lstrip("#").split(" ")
    assert number == "3" and len(digest) == 64
    code, out, _ = run("--db", str(db), "cases", "verify", "--head", f"{number}:{digest}")
    assert code == 0 and "matches the witnessed head #3" in out
    # cut the last case off and move chain_head back: only the witnessed head shows it
    with sqlite3.connect(db) as conn:
        second = conn.execute("SELECT hash FROM cases WHERE seq = 2").fetchone()[0]
        conn.execute("DROP TRIGGER cases_no_delete")
        conn.execute("DELETE FROM cases WHERE seq = 3")
        conn.execute("UPDATE chain_head SET seq = 2, hash = ?", (second,))
    code, out, _ = run("--db", str(db), "cases", "verify")
    assert code == 0 and out.startswith("2 cases, hash chain intact; head #2 ")
    code, out, err = run("--db", str(db), "cases", "verify", "--head", f"{number}:{digest}")
    assert code == 1 and out == ""
    assert err.strip() == "entry #3 of the witnessed head is missing: the chain ends at #2 (cut short)"


def test_verify_refuses_a_malformed_head(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    _seed(db)
    code, _, err = run("--db", str(db), "cases", "verify", "--head", "3:abc")
    assert code == 2 and "not a chain head" in err


def _texts(path: Path) -> list[str | None]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT text FROM cases ORDER BY id")]


def test_purge_counts_then_asks_and_dry_run_erases_nothing(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    _seed(db)  # cases from January 2026: all older than 1 day
    code, out, _ = run("--db", str(db), "purge", "--older-than", "1d", "--dry-run")
    assert code == 0
    assert "would erase text of 3 cases" in out and "dry run: nothing was erased" in out
    assert None not in _texts(db)
    code, out, _ = run("--db", str(db), "purge", "--older-than", "1d", input="n\n")
    assert code == 1 and "Erase them?" in out
    assert None not in _texts(db)
    code, out, _ = run("--db", str(db), "purge", "--older-than", "1d", input="y\n")
    assert code == 0 and "older than 1d: erased text of 3 cases" in out
    assert _texts(db) == [None, None, None]
    code, out, _ = run("--db", str(db), "purge", "--older-than", "1d", "--yes")
    assert code == 0 and out.strip() == "older than 1d: nothing to erase"
    code, out, _ = run("--db", str(db), "cases", "verify")
    assert code == 0 and out.startswith("3 cases, hash chain intact; head #6 ")


def test_purge_with_yes_does_not_ask(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    _seed(db)
    code, out, _ = run("--db", str(db), "purge", "--older-than", "1d", "--yes")
    assert code == 0 and "Erase them?" not in out and "erased text of 3 cases" in out
    assert _texts(db) == [None, None, None]
