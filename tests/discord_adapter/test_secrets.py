"""Secrets: the token never reaches a log line, a traceback or a settings dump; SQL is always parameterized.

(The database file being created 0600 is tested in tests/storage/test_migrations.py.)
"""

from __future__ import annotations

import ast
import errno
import logging
import re
import traceback
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App, build_bot
from bot.settings import Settings, load_settings
from tests.discord_adapter.conftest import KeywordScorer, write_rules

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GfAkEt.s3cr3t-t0ken-that-must-never-be-logged"
BOT_ROOT = Path(__file__).resolve().parents[2] / "bot"


def test_settings_never_show_the_token(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"DISCORD_TOKEN": TOKEN})

    assert settings.discord_token is not None and settings.discord_token.get_secret_value() == TOKEN
    for shown in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump()),
                  f"{settings!r} {settings}"):
        assert TOKEN not in shown
        assert "s3cr3t" not in shown


class UnreachableDiscord(aiohttp.BaseConnector):
    """A connector that refuses every connection (no network in tests), after noting what was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.authorization: list[str] = []

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:  # noqa: ASYNC109 (aiohttp's)
        self.authorization.append(req.headers.get("Authorization", ""))
        raise OSError(errno.ECONNREFUSED, "Connection refused (no network in tests)")


async def test_the_start_path_never_logs_the_token_even_when_login_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_rules(tmp_path / "rules.yaml")
    settings = Settings(database=tmp_path / "bot.db", config_dir=tmp_path, rules_file=Path("rules.yaml"))
    settings = settings.model_copy(update={"discord_token": load_settings(tmp_path, {"DISCORD_TOKEN": TOKEN})
                                           .discord_token})
    caplog.set_level(logging.DEBUG)
    connector = UnreachableDiscord()
    async with App.open(settings, scorer=KeywordScorer()) as app:
        bot = build_bot(app)
        bot.http.connector = connector  # what `modbot run` does, minus the network
        token = app.settings.current.discord_token
        assert token is not None
        async with bot:
            with pytest.raises(OSError) as raised:
                await bot.start(token.get_secret_value())
            logging.getLogger("bot.test").exception("start failed", exc_info=raised.value)

    assert connector.authorization == [f"Bot {TOKEN}"]  # the token really was in play
    shown = "".join(traceback.format_exception(raised.value)) + repr(raised.value) + caplog.text
    assert "logging in using static token" in caplog.text  # discord.py's own start-up line was captured
    assert "Connection refused" in shown
    assert TOKEN not in shown and "s3cr3t" not in shown


# --- SQL is parameterized -------------------------------------------------------------------------

_SQL_CALLS = frozenset({"execute", "executemany", "executescript", "fetch_all", "fetch_one"})
_SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|WHERE|VALUES|FROM)\b")
_AUDITED = ("noqa: S608", "sql-audited")  # a reviewed exception carries one of these comments


def _literal_text(node: ast.AST) -> str:
    return " ".join(
        part.value for part in ast.walk(node) if isinstance(part, ast.Constant) and isinstance(part.value, str)
    )


def _is_built(node: ast.AST) -> bool:
    """A string put together at run time: f-string with fields, str.format, % or +."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def built_sql(source: str) -> list[int]:
    """Lines where SQL text is built from pieces and is not marked as an audited exception.

    Covers both SQL built inside an execute()/fetch call and SQL built into a name that is passed later.
    """
    lines = source.splitlines()
    found: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SQL_CALLS:
            candidates = node.args[:1]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            candidates = [node.value]
        else:
            continue
        for arg in candidates:
            if not _is_built(arg) or not _SQL_WORDS.search(_literal_text(arg)):
                continue
            end = arg.end_lineno or arg.lineno
            span = lines[arg.lineno - 1 : end]
            if not any(marker in line for marker in _AUDITED for line in span):
                found.append(arg.lineno)
    return sorted(found)


def test_the_scanner_catches_every_way_of_building_sql() -> None:
    bad = '''
async def f(db, conn, name, table):
    await db.fetch_all(f"SELECT * FROM cases WHERE user = '{name}'")
    await conn.execute("DELETE FROM " + table)
    await conn.execute("UPDATE cases SET text = '%s'" % name)
    await db.fetch_one("SELECT * FROM {} WHERE id = 1".format(table))
    sql = f"INSERT INTO t VALUES ({name})"
'''
    good = '''
async def f(db, conn, name, marks):
    await db.fetch_all("SELECT * FROM cases WHERE user = ?", (name,))
    await db.fetch_all(f"SELECT id FROM t WHERE id IN ({marks})", (1,))  # noqa: S608
    message = f"delete: {name}"
'''
    assert built_sql(bad) == [3, 4, 5, 6, 7]
    assert built_sql(good) == []


def test_all_sql_in_the_bot_is_parameterized() -> None:
    offenders = [
        f"{path.relative_to(BOT_ROOT.parent)}:{line}"
        for path in sorted(BOT_ROOT.rglob("*.py"))
        for line in built_sql(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "SQL built from strings (parameterize it, or audit it with '# sql-audited')"
    audited = [
        path for path in BOT_ROOT.rglob("*.py") if any(m in path.read_text(encoding="utf-8") for m in _AUDITED)
    ]
    assert all(path.is_relative_to(BOT_ROOT / "storage") for path in audited)  # only bot/storage holds SQL
