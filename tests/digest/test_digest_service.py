"""DigestService end to end on real parts: SQLite on tmp_path, HTTP from a loopback server, real extraction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.digest.fetch import HttpFetcher
from bot.digest.publish import ArticlePost
from bot.digest.service import DigestService
from bot.records import PostedRef
from bot.settings import DigestSettings, FeedSettings
from bot.storage.articles import ArticleStore
from bot.storage.database import Database
from tests.digest.conftest import LocalSite


@dataclass
class RecordingPublisher:
    """A Publisher that keeps what it was given (the Discord one is tested with SimCord)."""

    posts: list[ArticlePost] = field(default_factory=list)
    fail_titles: set[str] = field(default_factory=set)

    async def publish(self, post: ArticlePost) -> PostedRef:
        if post.title in self.fail_titles:
            raise RuntimeError("403 Missing Permissions")
        self.posts.append(post)
        count = len(self.posts)
        return PostedRef(channel_id=post.channel_id, message_id=1000 + count, thread_id=2000 + count)


@dataclass
class FakeClock:
    now: datetime = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Harness:
    service: DigestService
    publisher: RecordingPublisher
    problems: list[tuple[str, str]]
    clock: FakeClock
    store: ArticleStore
    feed: FeedSettings


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database.open(tmp_path / "modbot.db") as database:
        yield database


def _harness(db: Database, site: LocalSite, cap: int = 10, dry_run: bool = False) -> Harness:
    feed = FeedSettings(url=f"{site.base}/feed.rss", channel_id=77, name="Herald", daily_cap=cap)
    settings = DigestSettings(feeds=(feed,), poll_interval="15m", max_backoff="2h")
    problems: list[tuple[str, str]] = []

    async def report(name: str, message: str) -> None:
        problems.append((name, message))

    clock = FakeClock()
    publisher = RecordingPublisher()
    store = ArticleStore(db)
    service = DigestService(settings, store, HttpFetcher("modbot-test", timeout_s=5), publisher, report, clock,
                            dry_run=dry_run)
    return Harness(service, publisher, problems, clock, store, feed)


RSS_ONE = """<?xml version="1.0"?><rss version="2.0"><channel><title>H</title>
<item><title>Old story</title><link>{base}/articles/old</link><guid>old-1</guid>
<pubDate>Wed, 01 May 2024 08:00:00 GMT</pubDate><description>Old.</description></item>
</channel></rss>"""


def _serve_articles(site: LocalSite) -> None:
    site.serve_fixture("/articles/ferry", "article.html", "text/html")
    site.serve("/articles/quotas", "<html><body><article><h1>Quotas</h1><p>Quotas for cod were cut by a third on "
               "Monday, the ministry said in a long statement to fishermen.</p></article></body></html>")


async def test_first_poll_marks_seen_and_posts_nothing_then_new_items_are_posted(
    db: Database, site: LocalSite
) -> None:
    h = _harness(db, site)
    site.serve("/feed.rss", RSS_ONE, "application/rss+xml")
    _serve_articles(site)

    first = await h.service.poll_feed(h.feed)
    assert (first.status, first.new, h.publisher.posts) == ("primed", 1, [])

    site.serve_fixture("/feed.rss", "feed.rss", "application/rss+xml")
    h.clock.now += timedelta(minutes=20)
    second = await h.service.poll_feed(h.feed)

    assert second.status == "polled"
    assert second.new == 2  # the duplicate item counts once; the old one was already seen
    titles = [post.title for post in h.publisher.posts]
    assert sorted(titles) == ["Fishing quotas cut again as stocks fall", "Harbour council approves new ferry link"]
    ferry = next(p for p in h.publisher.posts if p.title.startswith("Harbour"))
    assert ferry.link == f"{site.base}/articles/ferry"
    assert ferry.image == "https://herald.example/img/ferry.jpg"
    assert ferry.source == "Herald"
    assert ferry.published == datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
    assert "The town council voted on Tuesday" in ferry.description  # from the fetched page, not the feed
    assert "waste of money" not in ferry.description  # comments excluded
    assert ferry.first_message.startswith("**Discussion rules**")
    stored = await h.store.list(h.feed.url)
    assert {a.status for a in stored} == {"seen", "posted"}
    posted = [a for a in stored if a.status == "posted"]
    assert {a.posted.thread_id for a in posted if a.posted} == {2001, 2002}
    assert (await h.store.by_thread(2001)) is not None

    h.clock.now += timedelta(minutes=20)
    third = await h.service.poll_feed(h.feed)
    assert (third.status, third.new, len(h.publisher.posts)) == ("polled", 0, 2)


async def test_daily_cap_skips_the_rest(db: Database, site: LocalSite) -> None:
    h = _harness(db, site, cap=1)
    site.serve("/feed.rss", RSS_ONE, "application/rss+xml")
    _serve_articles(site)
    await h.service.poll_feed(h.feed)
    site.serve_fixture("/feed.rss", "feed.rss", "application/rss+xml")
    h.clock.now += timedelta(minutes=20)

    outcome = await h.service.poll_feed(h.feed)

    assert (len(outcome.posted), outcome.skipped) == (1, 1)
    counts = await h.store.count_by_status(h.feed.url)
    assert counts == {"seen": 1, "posted": 1, "skipped": 1}


async def test_etag_gives_not_modified(db: Database, site: LocalSite) -> None:
    h = _harness(db, site)
    site.serve("/feed.rss", RSS_ONE, "application/rss+xml", etag='"v1"')
    await h.service.poll_feed(h.feed)
    h.clock.now += timedelta(minutes=20)

    outcome = await h.service.poll_feed(h.feed)

    assert outcome.status == "not-modified"
    assert site.routes.requests[-1] == ("/feed.rss", '"v1"')


async def test_broken_feed_backs_off_is_reported_once_and_recovers(db: Database, site: LocalSite) -> None:
    h = _harness(db, site)
    site.routes.failing.add("/feed.rss")

    failed = await h.service.poll_feed(h.feed)
    assert failed.status == "failed" and "HTTP 503" in (failed.error or "")
    state = await h.store.feed_state(h.feed.url)
    assert state is not None and state.failures == 1
    assert state.next_poll_at == h.clock.now + timedelta(minutes=30)

    h.clock.now += timedelta(minutes=5)  # not due yet: no request at all (no hot loop)
    requests_before = len(site.routes.requests)
    assert (await h.service.poll_feed(h.feed)).status == "not-due"
    assert len(site.routes.requests) == requests_before

    for _ in range(4):
        state = await h.store.feed_state(h.feed.url)
        assert state is not None and state.next_poll_at is not None
        h.clock.now = state.next_poll_at
        await h.service.poll_feed(h.feed)
    state = await h.store.feed_state(h.feed.url)
    assert state is not None and state.failures == 5
    assert state.next_poll_at == h.clock.now + timedelta(hours=2)  # capped at max_backoff
    assert len(h.problems) == 1  # reported once, not on every retry
    assert h.problems[0][0] == "Herald" and "HTTP 503" in h.problems[0][1]

    site.routes.failing.clear()
    site.serve("/feed.rss", RSS_ONE, "application/rss+xml")
    h.clock.now = state.next_poll_at
    assert (await h.service.poll_feed(h.feed)).status == "primed"
    assert "works again" in h.problems[-1][1]


async def test_a_failed_post_is_recorded_and_the_others_go_on(db: Database, site: LocalSite) -> None:
    h = _harness(db, site)
    site.serve("/feed.rss", RSS_ONE, "application/rss+xml")
    _serve_articles(site)
    await h.service.poll_feed(h.feed)
    site.serve_fixture("/feed.rss", "feed.rss", "application/rss+xml")
    h.publisher.fail_titles.add("Harbour council approves new ferry link")
    h.clock.now += timedelta(minutes=20)

    outcome = await h.service.poll_feed(h.feed)

    assert len(outcome.posted) == 1
    assert await h.store.count_by_status(h.feed.url) == {"seen": 1, "posted": 1, "failed": 1}


async def test_dry_run_writes_nothing_and_returns_previews(db: Database, site: LocalSite) -> None:
    real = _harness(db, site)
    site.serve("/feed.rss", RSS_ONE, "application/rss+xml")
    _serve_articles(site)
    await real.service.poll_feed(real.feed)
    site.serve_fixture("/feed.rss", "feed.rss", "application/rss+xml")
    dry = _harness(db, site, dry_run=True)

    outcome = await dry.service.poll_feed(dry.feed, force=True)

    assert len(outcome.previews) == 2
    assert dry.publisher.posts == []
    assert await dry.store.count_by_status(dry.feed.url) == {"seen": 1}


async def test_item_page_failure_falls_back_to_the_feed_description(
    db: Database, site: LocalSite, caplog: pytest.LogCaptureFixture
) -> None:
    h = _harness(db, site)
    site.serve("/feed.rss", RSS_ONE, "application/rss+xml")
    await h.service.poll_feed(h.feed)
    site.serve_fixture("/feed.rss", "feed.rss", "application/rss+xml")  # article pages are 404 here
    h.clock.now += timedelta(minutes=20)

    await h.service.poll_feed(h.feed)

    quotas = next(p for p in h.publisher.posts if p.title.startswith("Fishing"))
    assert quotas.description == "Quotas for cod were cut by a third on Monday, the ministry said."
    fallbacks = [r for r in caplog.records if r.name == "bot.digest.service" and "description instead" in r.message]
    assert {r.levelno for r in fallbacks} == {logging.WARNING}  # not silent: a warning per item
    assert len(fallbacks) == 2
    assert any("/articles/quotas" in r.getMessage() and "HTTP 404" in r.getMessage() for r in fallbacks)
