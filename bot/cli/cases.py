"""`modbot cases [--user ID] [--since DATE] [--format table|csv|json]` and `modbot cases verify [--head N:HASH]`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

import click

from bot.app import Storage
from bot.cli.context import CliContext, pass_cli
from bot.records import CaseQuery, ChainHead, case_to_json

_COLUMNS = ("number", "created_at", "user_id", "rule", "actions", "status", "model", "model_fallback", "text")
# The table fits a 100-column terminal (one space between columns); csv and json carry every field in full.
_TABLE = (("number", "NUMBER", 6), ("created_at", "CREATED", 16), ("user_id", "USER", 19), ("actor", "ACTOR", 5),
          ("actions", "ACTIONS", 12), ("status", "STATUS", 8), ("reason", "REASON", 16), ("text", "TEXT", 11))
ERASED = "[erased]"


def _storage(cli: CliContext) -> AbstractAsyncContextManager[Storage]:
    """The database these commands read: never created here (a wrong path is an error, not a new file)."""
    return Storage.open(cli.database, create=False)


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-28 or 2026-11-28T10:00") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def _load(cli: CliContext, query: CaseQuery) -> list[dict[str, Any]]:
    async with _storage(cli) as storage:
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
        click.echo(" ".join(title.ljust(width) for _, title, width in _TABLE).rstrip())
        for row in rows:
            values = dict(
                row,
                created_at=row["created_at"][:16].replace("T", " "),
                actor="mod" if row["actor"] == "moderator" else row["actor"],
                text=ERASED if row["text"] is None else row["text"],
            )
            click.echo(" ".join(_cell(values[name], width).ljust(width) for name, _, width in _TABLE).rstrip())


def _parse_head(value: str | None) -> ChainHead | None:
    if value is None:
        return None
    try:
        return ChainHead.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--head") from exc


async def _verify(cli: CliContext, witness: ChainHead | None) -> tuple[int, ChainHead, list[str]]:
    async with _storage(cli) as storage:
        report = await storage.cases.verify(witness)
        integrity = await storage.db.integrity_check()
    found = [str(problem) for problem in report.problems]
    if integrity != "ok":
        found.insert(0, f"SQLite integrity check: {integrity}")
    return report.cases, report.head, found


@cases.command("verify")
@click.option("--head", "head", metavar="N:HASH",
              help="A head printed (or posted) earlier: fail if entry N is missing or has another hash.")
@pass_cli
def verify(cli: CliContext, head: str | None) -> None:
    """Check the hash chain of the case log: exit 0 if intact, 1 naming each edited or deleted case.

    Prints the head (`#N HASH`, N entries: cases and their events); keep it somewhere the database cannot
    reach, and pass it back with --head to show that nothing was cut off or rewritten since."""
    witness = _parse_head(head)
    count, last, problems = asyncio.run(_verify(cli, witness))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    checked = f"; matches the witnessed head #{witness.entries}" if witness is not None else ""
    click.echo(f"{count} cases, hash chain intact; head {last}{checked}")


def register(cli: click.Group) -> None:
    cli.add_command(cases)
