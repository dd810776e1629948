"""/feed add|list|remove (stored, merged with settings.digest.feeds) and /article post through the digest."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
from simcord import InteractionResult

from bot.app import build_bot
from bot.digest.records import FetchResult
from bot.discord_adapter.client import ModBot
from bot.settings import FeedSettings
from tests.discord_adapter.test_admin_support import Admins, admins, assert_refused

__all__ = ["admins"]

FIXTURES = Path(__file__).parent.parent / "digest" / "fixtures"
FEED_URL = "https://news.example/feed.rss"


class FixtureFetcher:
    """bot.digest.fetch.Fetcher serving the digest's fixture feed (no network in tests)."""

    def __init__(self) -> None:
        self.fetched: list[str] = []

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        self.fetched.append(url)
        body = (FIXTURES / "feed.rss").read_bytes()
        return FetchResult(url=url, status=200, body=body, content_type="application/rss+xml")


@pytest.fixture
async def fetcher(admins: Admins) -> FixtureFetcher:
    fetcher = FixtureFetcher()
    # The digest poller stays off: each test polls once, by hand, instead of a loop running in the background.
    await admins.world.env.restart_bot(build_bot(admins.world.app, fetcher=fetcher, run_digest=False))
    return fetcher


def said(result: InteractionResult) -> str:
    assert result.ephemeral
    return result.followups[0].content if result.followups else result.response.content  # type: ignore[union-attr]


async def test_feed_add_list_remove_and_the_digest_polls_it(admins: Admins, fetcher: FixtureFetcher) -> None:
    world = admins.world
    bot = world.env.bot
    assert isinstance(bot, ModBot)
    configured = FeedSettings(url="https://configured.example/rss", channel_id=world.news.id, name="Configured")
    current = world.app.settings.current
    world.app.settings.replace(current.model_copy(
        update={"digest": current.digest.model_copy(update={"feeds": (configured,)})}))

    added = said(await admins.admin.slash(world.thread, "feed add", url=FEED_URL, channel=world.news, name="Wire"))
    assert "Feed added" in added
    listed = said(await admins.admin.slash(world.thread, "feed list"))
    assert "Configured" in listed and "[settings.yaml]" in listed and "Wire" in listed and "[added here]" in listed
    assert [feed.url for feed in await bot.services.digest.feeds()] == [configured.url, FEED_URL]

    outcomes = await bot.services.digest.poll_due()
    assert [outcome.status for outcome in outcomes] == ["primed", "primed"]  # first poll: seen, nothing posted
    assert FEED_URL in fetcher.fetched

    assert "settings.yaml" in said(await admins.admin.slash(world.thread, "feed remove", url=configured.url))
    assert "Feed removed" in said(await admins.admin.slash(world.thread, "feed remove", url=FEED_URL))
    assert [feed.url for feed in await bot.services.digest.feeds()] == [configured.url]


async def test_feed_add_refuses_a_non_http_url(admins: Admins, fetcher: FixtureFetcher) -> None:
    world = admins.world
    assert "not an http(s) URL" in said(
        await admins.admin.slash(world.thread, "feed add", url="file:///etc/passwd", channel=world.news))


async def test_article_post_from_a_file_opens_a_discussion_thread(admins: Admins, fetcher: FixtureFetcher) -> None:
    world = admins.world
    body = (FIXTURES / "furniture.txt").read_bytes()
    before = len(world.news.threads)

    text = said(await admins.admin.slash(world.thread, "article post", channel=world.news,
                                         file=("story.txt", body)))

    assert text.startswith("Posted “"), text
    assert len(world.news.threads) == before + 1
    posts = [m for m in world.news.history() if m.embeds and m.embeds[0].description]
    assert posts and posts[-1].embeds[0].title and posts[-1].embeds[0].title in text
    again = said(await admins.admin.slash(world.thread, "article post", channel=world.news,
                                          file=("story.txt", body)))
    assert "Not posted: already posted" in again


async def test_article_post_needs_one_source_and_the_permission(admins: Admins, fetcher: FixtureFetcher) -> None:
    world = admins.world
    assert "exactly one" in said(await admins.admin.slash(world.thread, "article post", channel=world.news))
    await assert_refused(world, world.mod, "feed add", url=FEED_URL, channel=world.news)
    bot = world.env.bot
    assert isinstance(bot, ModBot) and await world.app.storage.runtime_feeds.all() == []
    assert isinstance(world.bot.get_channel(world.news.id), discord.TextChannel)
