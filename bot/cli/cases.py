"""`modbot cases [--user ID] [--since DATE] [--format table|csv|json]`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import click

from bot.app import Storage
from bot.cli.context import CliContext, pass_cli
from bot.records import CaseQuery, case_to_json

_COLUMNS = ("number", "created_at", "user_id", "rule", "actions", "status", "model", "model_fallback", "text")


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-28 or 2026-11-28T10:00") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def _load(cli: CliContext, query: CaseQuery) -> list[dict[str, Any]]:
    async with Storage.open(cli.settings.database, create=False) as storage:
        return [case_to_json(case) for case in await storage.cases.find(query)]


def _cell(value: Any, width: int | None = None) -> str:
    text = ", ".join(value) if isinstance(value, list) else "" if value is None else str(value)
    text = text.replace("\n", " ")
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


@click.group("cases", invoke_without_command=True)
@click.option("--user", "user_id", type=int, help="Only this user's cases.")
@click.option("--guild", "guild_id", type=int, help="Only this server's cases.")
@click.option("--since", help="Only cases from this date (ISO 8601) on.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--limit", type=int, default=1000, show_default=True)
@click.pass_context
def cases(
    ctx: click.Context, user_id: int | None, guild_id: int | None, since: str | None, fmt: str, limit: int
) -> None:
    """List recorded cases (or `modbot cases verify`)."""
    if ctx.invoked_subcommand is not None:
        return
    cli = ctx.find_object(CliContext)
    assert cli is not None
    rows = asyncio.run(
        _load(cli, CaseQuery(guild_id=guild_id, user_id=user_id, since=_parse_since(since), limit=limit))
    )
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_COLUMNS)
        for row in rows:
            writer.writerow([_cell(row[column]) for column in _COLUMNS])
        click.echo(buffer.getvalue(), nl=False)
    else:
        if not rows:
            click.echo("no cases")
            return
        widths = {"number": 6, "created_at": 19, "user_id": 20, "rule": 18, "actions": 24, "status": 8,
                  "model": 18, "model_fallback": 8, "text": 40}
        click.echo("  ".join(column.upper()[: widths[column]].ljust(widths[column]) for column in _COLUMNS))
        for row in rows:
            fallback = "FALLBACK" if row["model_fallback"] else ""
            values = dict(row, created_at=row["created_at"][:19], model_fallback=fallback)
            click.echo("  ".join(_cell(values[c], widths[c]).ljust(widths[c]) for c in _COLUMNS).rstrip())


async def _verify(cli: CliContext) -> tuple[int, list[str]]:
    async with Storage.open(cli.settings.database, create=False) as storage:
        count, problems = await storage.cases.verify_chain()
        integrity = await storage.db.integrity_check()
    found = [str(problem) for problem in problems]
    if integrity != "ok":
        found.insert(0, f"SQLite integrity check: {integrity}")
    return count, found


@cases.command("verify")
@pass_cli
def verify(cli: CliContext) -> None:
    """Check the hash chain of the case log: exit 0 if intact, 1 naming each edited or deleted case."""
    count, problems = asyncio.run(_verify(cli))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"{count} cases, hash chain intact")


def register(cli: click.Group) -> None:
    cli.add_command(cases)
