"""`modbot purge --older-than 90d [--dry-run] [--yes]` and `modbot forget USER_ID`."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import click

from bot.app import Storage
from bot.cli.context import CliContext, pass_cli
from bot.durations import DurationError, parse_duration
from bot.records import Erased


def _storage(cli: CliContext) -> AbstractAsyncContextManager[Storage]:
    """Erasing needs a database that is there: a wrong path is an error, not a new empty file."""
    return Storage.open(cli.database, create=False)


def _report(erased: Erased) -> str:
    return (f"erased text of {erased.cases} cases and {erased.review_items} review items; "
            f"erased {erased.scored_messages} judged messages' text")


@click.command("purge")
@click.option("--older-than", "older_than", default=None, help="Age such as 90d (default: `retention` in settings).")
@click.option("--dry-run", is_flag=True, help="Only count what would be erased.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for cron jobs).")
@pass_cli
def purge_command(cli: CliContext, older_than: str | None, dry_run: bool, yes: bool) -> None:
    """Erase stored message text older than the retention period; cases and counts stay."""
    text = older_than or cli.settings.retention
    try:
        age = parse_duration(text)
    except DurationError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from exc
    cutoff = datetime.now(UTC) - age

    async def count() -> Erased:
        async with _storage(cli) as storage:
            return await storage.count_purgeable(cutoff)

    async def run(before: datetime) -> Erased:
        async with _storage(cli) as storage:
            return await storage.purge(before)

    due = asyncio.run(count())
    if due.cases == 0 and due.review_items == 0 and due.scored_messages == 0:
        click.echo(f"older than {text}: nothing to erase")
        return
    click.echo(f"older than {text}: would erase text of {due.cases} cases and {due.review_items} review items, "
               f"and the text of {due.scored_messages} judged messages")
    if dry_run:
        click.echo("dry run: nothing was erased")
        return
    if not yes:
        click.confirm("Erase them?", abort=True)
    click.echo(f"older than {text}: " + _report(asyncio.run(run(cutoff))))


@click.command("forget")
@click.argument("user_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def forget_command(cli: CliContext, user_id: int, yes: bool) -> None:
    """Erase a user's stored text and identity; anonymous counts stay."""
    if not yes:
        click.confirm(f"Erase everything stored about user {user_id}?", abort=True)

    async def run() -> Erased:
        async with _storage(cli) as storage:
            return await storage.forget(user_id)

    erased = asyncio.run(run())
    click.echo(f"user {user_id}: " + _report(erased) + f"; anonymised {erased.strikes} strikes")


def register(cli: click.Group) -> None:
    cli.add_command(purge_command)
    cli.add_command(forget_command)
