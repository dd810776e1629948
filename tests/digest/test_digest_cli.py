"""`modbot summarize | extract | digest | feeds` through click's runner, on real files and a loopback site."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from bot.cli import digest as digest_cli
from bot.cli.context import CliContext
from tests.digest.conftest import LocalSite
from tests.digest.samples import FIXTURES


def _app(config_dir: Path, db: Path) -> click.Group:
    @click.group()
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        ctx.obj = CliContext(config_dir=config_dir, db_override=db, environ={})

    digest_cli.register(cli)
    return cli


def run(tmp_path: Path, *args: str, stdin: str | None = None) -> Result:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    return CliRunner().invoke(_app(config, tmp_path / "modbot.db"), list(args), input=stdin)


def test_summarize_text_prints_only_the_sentences(tmp_path: Path) -> None:
    result = run(tmp_path, "summarize", str(FIXTURES / "furniture.txt"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("The town council voted on Tuesday")
    assert not any("said in a statement" in line or "Patreon" in line for line in lines)


def test_summarize_stdin_with_sentence_count_and_json(tmp_path: Path) -> None:
    text = (FIXTURES / "furniture.txt").read_text(encoding="utf-8")
    result = run(tmp_path, "summarize", "-", "--sentences", "2", "--format", "json", stdin=text)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "Harbour council approves new ferry link after years of delays"
    assert len(data["sentences"]) == 2


def test_extract_html_excludes_comments_and_furniture(tmp_path: Path) -> None:
    result = run(tmp_path, "extract", str(FIXTURES / "article.html"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "Harbour council approves new ferry link"
    body = "\n".join(data["paragraphs"])
    assert body.startswith("The town council voted on Tuesday")
    assert "waste of money" not in body and "Patreon" not in body and "robotics" not in body
    assert data["image"] == "https://herald.example/img/ferry.jpg"
    assert {"kind": "donation", "text": "Liked it? Take a second to support the Harbour Herald on Patreon!"} in (
        data["removed"]
    )


def test_extract_text_format_and_bad_input(tmp_path: Path) -> None:
    result = run(tmp_path, "extract", str(FIXTURES / "furniture.txt"))
    assert result.exit_code == 0
    assert result.stdout.split("\n\n")[0].startswith("The town council voted")
    missing = run(tmp_path, "extract", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 1
    assert "no such file" in missing.output
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body></body></html>", encoding="utf-8")
    assert "no article text found" in run(tmp_path, "extract", str(empty)).output


def test_digest_without_token_needs_dry_run(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text(
        "digest:\n  feeds:\n    - url: http://127.0.0.1:9/feed\n      channel_id: 5\n", encoding="utf-8"
    )
    result = run(tmp_path, "digest", "--once")
    assert result.exit_code == 1
    assert "DISCORD_TOKEN is not set" in result.output and "--dry-run" in result.output


async def test_digest_dry_run_and_feeds_listing(tmp_path: Path, site: LocalSite) -> None:
    site.serve_fixture("/feed.rss", "feed.rss", "application/rss+xml")
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text(
        f"digest:\n  feeds:\n    - url: {site.base}/feed.rss\n      channel_id: 5\n      name: Herald\n",
        encoding="utf-8",
    )
    result = await asyncio.to_thread(run, tmp_path, "digest", "--once", "--dry-run")
    assert result.exit_code == 0, result.output
    # A new feed: the dry run shows what posts look like (the defect: it only said "primed", on every run).
    assert f"{site.base}/feed.rss: primed (a new feed: a real run marks its 2 items as seen" in result.stdout
    assert "like these 2 previews" in result.stdout
    assert result.stdout.count("channel 5: ") == 2, result.stdout  # one preview per item

    listing = await asyncio.to_thread(run, tmp_path, "feeds")
    assert listing.exit_code == 0, listing.output
    assert "Herald  [new]  channel 5  cap 10/day" in listing.stdout  # the dry run wrote nothing


@pytest.mark.parametrize("command", ["summarize", "extract"])
def test_unreachable_url_is_a_clear_error(tmp_path: Path, command: str) -> None:
    result = run(tmp_path, command, "http://127.0.0.1:9/nothing-listens-here")
    assert result.exit_code == 1
    assert "Error: http://127.0.0.1:9/nothing-listens-here" in result.output
