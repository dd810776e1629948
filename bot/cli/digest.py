"""`modbot summarize`, `modbot extract`, `modbot digest --once [--dry-run]`, `modbot feeds`."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from bot.cli.context import CliContext, pass_cli
from bot.digest.extract import ExtractionError, Extractor
from bot.digest.fetch import FetchError, HttpFetcher
from bot.digest.publish import ArticlePost, describe
from bot.digest.records import Article, PostedRef
from bot.digest.service import DigestService, FeedOutcome
from bot.digest.summarize import Summarizer
from bot.settings import Settings
from bot.storage.articles import ArticleStore
from bot.storage.database import Database


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


async def _fetch_article(url: str, settings: Settings, extractor: Extractor) -> Article:
    fetcher = HttpFetcher(settings.digest.user_agent, settings.digest.fetch_timeout_s)
    page = await fetcher.fetch(url)
    return await asyncio.get_running_loop().run_in_executor(
        None, extractor.from_bytes, page.body, page.url, page.content_type
    )


def load_article(source: str, settings: Settings, extractor: Extractor) -> Article:
    """PATH, http(s) URL or - (stdin) to a cleaned Article. Raises ExtractionError or FetchError."""
    if source == "-":
        return extractor.from_text(sys.stdin.read(), source="stdin")
    if _is_url(source):
        return asyncio.run(_fetch_article(source, settings, extractor))
    path = Path(source)
    if not path.is_file():
        raise ExtractionError(f"{source}: no such file (give a path, an http(s) URL, or - for stdin)")
    return extractor.from_file(path)


def _article_or_fail(cli: CliContext, source: str) -> Article:
    try:
        return load_article(source, cli.settings, Extractor())
    except (ExtractionError, FetchError) as exc:
        raise click.ClickException(str(exc)) from exc


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@click.command("summarize")
@click.argument("source")
@click.option("--sentences", "-n", type=click.IntRange(1, 20), default=3, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_cli
def summarize(cli: CliContext, source: str, sentences: int, fmt: str) -> None:
    """Summarize PATH, URL or - (stdin). Text format: the summary sentences, one per line."""
    article = _article_or_fail(cli, source)
    summary = Summarizer().summarize(article.body, sentences, title=article.title)
    if fmt == "text":
        for sentence in summary.sentences:
            click.echo(sentence)
        return
    click.echo(json.dumps({
        "title": article.title, "source": article.source, "url": article.url,
        "published": _when(article.published), "sentences": list(summary.sentences), "method": summary.method,
    }, ensure_ascii=False, indent=2))


@click.command("extract")
@click.argument("source")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_cli
def extract(cli: CliContext, source: str, fmt: str) -> None:
    """The cleaned body of PATH or URL (text: paragraphs separated by blank lines)."""
    article = _article_or_fail(cli, source)
    if fmt == "text":
        click.echo(article.body)
        return
    click.echo(json.dumps({
        "title": article.title, "source": article.source, "url": article.url, "author": article.author,
        "published": _when(article.published), "image": article.image, "paragraphs": list(article.paragraphs),
        "removed": [asdict(removal) for removal in article.removed],
    }, ensure_ascii=False, indent=2))


class _PreviewPublisher:
    """Dry run: nothing is posted (the service never calls it in a dry run; this guards the seam)."""

    async def publish(self, post: ArticlePost) -> PostedRef:
        raise RuntimeError("dry run: nothing is published")


async def _report(feed: str, message: str) -> None:
    click.echo(f"problem: {feed}: {message}", err=True)


async def _digest_once(settings: Settings, dry_run: bool) -> list[FeedOutcome]:
    async with Database.open(settings.database) as db:
        store = ArticleStore(db)
        fetcher = HttpFetcher(settings.digest.user_agent, settings.digest.fetch_timeout_s)
        if dry_run:
            service = DigestService(settings.digest, store, fetcher, _PreviewPublisher(), _report,
                                    lambda: datetime.now(UTC), dry_run=True)
            return await service.poll_due(force=True)
        assert settings.discord_token is not None
        from bot.discord_adapter.publisher import logged_in_publisher

        async with logged_in_publisher(settings.discord_token.get_secret_value()) as publisher:
            service = DigestService(settings.digest, store, fetcher, publisher, _report, lambda: datetime.now(UTC))
            return await service.poll_due()


@click.command("digest")
@click.option("--once", is_flag=True, required=True, help="Poll every due feed once, then exit.")
@click.option("--dry-run", is_flag=True, help="Print what would be posted; write and post nothing.")
@pass_cli
def digest(cli: CliContext, once: bool, dry_run: bool) -> None:
    """Poll the configured feeds once. Without DISCORD_TOKEN, only --dry-run is possible."""
    settings = cli.settings
    if not settings.digest.feeds:
        raise click.ClickException(f"no feeds configured (digest.feeds in {settings.config_dir / 'settings.yaml'})")
    if not dry_run and settings.discord_token is None:
        raise click.ClickException("DISCORD_TOKEN is not set: use --dry-run to see what would be posted")
    outcomes = asyncio.run(_digest_once(settings, dry_run))
    for outcome in outcomes:
        line = f"{outcome.url}: {outcome.status}"
        if outcome.status == "primed":
            line += f" ({outcome.new} items marked as seen{'' if not dry_run else ' on a real run'}, nothing posted)"
        elif outcome.status == "polled":
            done = len(outcome.previews) if dry_run else len(outcome.posted)
            line += f" ({outcome.new} new, {done} {'would be posted' if dry_run else 'posted'}"
            line += f", {outcome.skipped} over the daily cap)"
        elif outcome.error:
            line += f" ({outcome.error})"
        click.echo(line)
        for post in outcome.previews:
            click.echo(describe(post))


async def _feed_rows(settings: Settings) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    async with Database.open(settings.database, create=False) as db:  # listing never creates the database
        store = ArticleStore(db)
        for feed in settings.digest.feeds:
            state = await store.feed_state(feed.url)
            rows.append({
                "name": feed.name or "", "url": feed.url, "channel_id": feed.channel_id, "daily_cap": feed.daily_cap,
                "primed": bool(state and state.primed), "failures": state.failures if state else 0,
                "last_polled_at": _when(state.last_polled_at) if state else None,
                "next_poll_at": _when(state.next_poll_at) if state else None,
                "last_error": state.last_error if state else None,
                "articles": await store.count_by_status(feed.url),
            })
    return rows


@click.command("feeds")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_cli
def feeds(cli: CliContext, fmt: str) -> None:
    """List the configured feeds and their polling state."""
    rows = asyncio.run(_feed_rows(cli.settings))
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no feeds configured")
        return
    for row in rows:
        state = "new" if not row["primed"] else ("failing" if row["failures"] else "ok")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(row["articles"].items())) or "no articles"
        click.echo(f"{row['name'] or row['url']}  [{state}]  channel {row['channel_id']}  cap {row['daily_cap']}/day")
        click.echo(f"  url: {row['url']}")
        click.echo(f"  last poll: {row['last_polled_at'] or 'never'}  next: {row['next_poll_at'] or 'now'}  {counts}")
        if row["last_error"]:
            click.echo(f"  last error ({row['failures']} in a row): {row['last_error']}")


def register(cli: click.Group) -> None:
    for command in (summarize, extract, digest, feeds):
        cli.add_command(command)
