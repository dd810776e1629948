"""DigestService: poll feeds, dedupe, respect the daily cap, back off on failure, post, mark posted.

Feed rules:
- the first poll of a feed marks everything there as seen and posts nothing (no flood of old news);
- every later poll posts the new items, oldest first, up to `daily_cap` posts per feed in 24 hours; items
  over the cap are marked skipped (logged), so a busy feed never builds an ever-growing backlog;
- a failing feed waits poll_interval * 2^failures (at most max_backoff) before the next try; it is reported
  through `report_problem` on the first failure, when the error changes, and when it recovers;
- a dry run reads but writes nothing and publishes nothing: it returns the posts it would make.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.digest.extract import ExtractionError, Extractor
from bot.digest.feeds import FeedError, dedupe_key, parse_feed
from bot.digest.fetch import Fetcher, FetchError
from bot.digest.ports import ArticleLog, FeedSource, ProblemReporter
from bot.digest.publish import ArticlePost, Publisher, build_post
from bot.digest.records import Article, FeedEntry, Summary
from bot.digest.sources import ArticleSources
from bot.digest.summarize import Summarizer
from bot.durations import format_duration, parse_duration
from bot.protocols import Clock
from bot.records import FeedState, NewArticle, PostedRef
from bot.settings import DigestSettings, FeedSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    url: str
    status: str  # "primed", "not-modified", "polled", "failed", "not-due"
    new: int = 0
    posted: tuple[PostedRef, ...] = ()
    previews: tuple[ArticlePost, ...] = ()  # dry run: what would be posted
    skipped: int = 0
    error: str | None = None


def feed_label(feed: FeedSettings) -> str:
    return feed.name or feed.url


class DigestService:
    def __init__(
        self,
        settings: DigestSettings,
        store: ArticleLog,
        fetcher: Fetcher,
        publisher: Publisher,
        report_problem: ProblemReporter,
        clock: Clock,
        extractor: Extractor | None = None,
        summarizer: Summarizer | None = None,
        dry_run: bool = False,
        feeds: FeedSource | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._fetcher = fetcher
        self._publisher = publisher
        self._report = report_problem
        self._clock = clock
        self._sources = ArticleSources(fetcher, extractor or Extractor())
        self._summarizer = summarizer or Summarizer()
        self._dry_run = dry_run
        self._feeds = feeds
        self._interval = parse_duration(settings.poll_interval)
        self._max_backoff = parse_duration(settings.max_backoff)

    # -- polling ---------------------------------------------------------------------------------------

    async def feeds(self) -> tuple[FeedSettings, ...]:
        """The feeds to poll: settings.digest.feeds, plus those added with /feed add when the bot runs."""
        return await self._feeds() if self._feeds is not None else self._settings.feeds

    async def poll_due(self, force: bool = False) -> list[FeedOutcome]:
        return [await self.poll_feed(feed, force=force) for feed in await self.feeds()]

    async def next_due(self) -> datetime:
        """When the earliest feed is due (now when one has never been polled)."""
        now = self._clock()
        times = []
        for feed in await self.feeds():
            state = await self._store.feed_state(feed.url)
            times.append(state.next_poll_at if state and state.next_poll_at else now)
        return min(times, default=now + self._interval)

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None) -> None:
        """The poll loop (the bot's and `modbot digest`'s): poll what is due, then sleep until the next feed is
        due (at least 30 s between rounds) or until `wake` is set (a feed was added) or `stop`."""
        wake = wake or asyncio.Event()
        while not stop.is_set():
            try:
                await self.poll_due()
                wait = max(30.0, (await self.next_due() - self._clock()).total_seconds())
            except Exception:  # a bad round is logged; the loop keeps the digest alive
                log.exception("digest round failed")
                wait = self._interval.total_seconds()
            wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def poll_feed(self, feed: FeedSettings, force: bool = False) -> FeedOutcome:
        now = self._clock()
        state = await self._store.feed_state(feed.url) or FeedState(url=feed.url)
        if not force and state.next_poll_at is not None and state.next_poll_at > now:
            return FeedOutcome(feed.url, "not-due")
        try:
            fetched = await self._fetcher.fetch(feed.url, etag=state.etag, last_modified=state.last_modified)
            if fetched.not_modified:
                await self._save(dataclasses.replace(
                    state, failures=0, last_error=None, last_polled_at=now, next_poll_at=now + self._interval))
                log.info("digest.poll feed=%s status=not-modified", feed.url)
                return FeedOutcome(feed.url, "not-modified")
            entries = parse_feed(fetched.body, feed.url)
        except (FetchError, FeedError) as exc:
            return await self._failed(feed, state, str(exc), now)
        if state.failures:
            await self._report(feed_label(feed), f"feed works again after {state.failures} failed polls")
        state = dataclasses.replace(
            state, etag=fetched.etag, last_modified=fetched.last_modified, failures=0, last_error=None,
            last_polled_at=now, next_poll_at=now + self._interval,
        )
        items = _unique(entries)
        if not state.primed:
            return await self._prime(feed, state, items, now)
        outcome = await self._post_new(feed, items, now)
        await self._save(state)
        return outcome

    async def _prime(
        self, feed: FeedSettings, state: FeedState, items: list[tuple[str, FeedEntry]], now: datetime
    ) -> FeedOutcome:
        previews: list[ArticlePost] = []
        if self._dry_run:  # what posts look like: the newest items, as many as a day's cap allows
            for _key, entry in items[: max(0, feed.daily_cap)]:
                previews.append(await self._prepare(feed, entry))
        else:
            await self._store.add(feed.url, [_new(key, entry) for key, entry in items], "seen", now)
        await self._save(dataclasses.replace(state, primed=True))
        log.info("digest.poll feed=%s status=primed seen=%d posted=0", feed.url, len(items))
        return FeedOutcome(feed.url, "primed", new=len(items), previews=tuple(previews))

    async def _post_new(self, feed: FeedSettings, items: list[tuple[str, FeedEntry]], now: datetime) -> FeedOutcome:
        known = await self._store.known_keys([key for key, _ in items])
        fresh = [(key, entry) for key, entry in items if key not in known]
        fresh.reverse()  # feeds list newest first: post oldest first
        fresh.sort(key=lambda pair: pair[1].published or now)
        room = max(0, feed.daily_cap - await self._store.posted_since(feed.url, now - timedelta(days=1)))
        posted: list[PostedRef] = []
        previews: list[ArticlePost] = []
        skipped = 0
        if self._dry_run:
            for _key, entry in fresh[:room]:
                previews.append(await self._prepare(feed, entry))
            skipped = max(0, len(fresh) - room)
        else:
            stored = await self._store.add(feed.url, [_new(key, entry) for key, entry in fresh], "pending", now)
            for index, (row, (_key, entry)) in enumerate(zip(stored, fresh, strict=True)):
                if index >= room:
                    await self._store.mark(row.id, "skipped", f"daily cap of {feed.daily_cap} reached")
                    skipped += 1
                    continue
                try:
                    post = await self._prepare(feed, entry)
                    ref = await self._publisher.publish(post)
                except Exception as exc:  # one bad item must not stop the others; it is recorded
                    log.warning("digest.post feed=%s item=%r failed: %s", feed.url, entry.title, exc)
                    await self._store.mark(row.id, "failed", f"{type(exc).__name__}: {exc}"[:500])
                    continue
                await self._store.mark_posted(row.id, ref, self._clock())
                posted.append(ref)
                log.info("digest.post feed=%s article=%d message=%d thread=%s title=%r", feed.url, row.id,
                         ref.message_id, ref.thread_id, entry.title)
        log.info("digest.poll feed=%s status=polled new=%d posted=%d skipped=%d dry_run=%s", feed.url,
                 len(fresh), len(posted) + len(previews), skipped, self._dry_run)
        return FeedOutcome(feed.url, "polled", new=len(fresh), posted=tuple(posted), previews=tuple(previews),
                           skipped=skipped)

    async def _failed(self, feed: FeedSettings, state: FeedState, error: str, now: datetime) -> FeedOutcome:
        failures = state.failures + 1
        delay = min(self._interval * (2**failures), self._max_backoff)
        if failures == 1 or error != state.last_error:
            await self._report(
                feed_label(feed), f"feed failed ({failures} in a row): {error}; next try in {format_duration(delay)}"
            )
        await self._save(dataclasses.replace(
            state, failures=failures, last_error=error, last_polled_at=now, next_poll_at=now + delay))
        log.warning("digest.poll feed=%s status=failed failures=%d retry_in=%s error=%s", feed.url, failures,
                    format_duration(delay), error)
        return FeedOutcome(feed.url, "failed", error=error)

    async def _save(self, state: FeedState) -> None:
        if not self._dry_run:
            await self._store.save_feed_state(state)

    # -- one article -----------------------------------------------------------------------------------

    async def _prepare(self, feed: FeedSettings, entry: FeedEntry) -> ArticlePost:
        article = await self.article_for(entry, feed_label(feed))
        summary = await self.summarize(article, feed.summary_sentences)
        return build_post(article, summary, feed.channel_id, self._settings.discussion_rules)

    async def article_for(self, entry: FeedEntry, source: str) -> Article:
        """The item's page, extracted and cleaned; the feed's own description when the page fails."""
        if self._settings.fetch_articles and entry.link:
            try:
                article = await self._sources.from_url(entry.link)
                return dataclasses.replace(
                    article, title=entry.title or article.title, source=source,
                    published=entry.published or article.published, image=entry.image or article.image,
                    url=entry.link,
                )
            except (FetchError, ExtractionError) as exc:
                log.warning("digest.extract item=%r: posting the feed's description instead: %s", entry.link, exc)
        paragraphs = tuple(p for p in entry.description.split("\n") if p.strip()) or (entry.title,)
        return Article(title=entry.title, paragraphs=paragraphs, url=entry.link, source=source,
                       author=entry.author, published=entry.published, image=entry.image)

    async def summarize(self, article: Article, sentences: int) -> Summary:
        return await asyncio.get_running_loop().run_in_executor(
            None, lambda: self._summarizer.summarize(article.body, sentences, title=article.title)
        )

    async def post_article(self, article: Article, channel_id: int, sentences: int = 3) -> PostedRef | ArticlePost:
        """Post one article (a single URL or file); deduplicated like feed items. Dry run: the post."""
        summary = await self.summarize(article, sentences)
        post = build_post(article, summary, channel_id, self._settings.discussion_rules)
        if self._dry_run:
            return post
        key = dedupe_key(FeedEntry(article.title, article.url, None, article.published))
        now = self._clock()
        stored = await self._store.add(None, [NewArticle(key, article.title, article.url, article.published)],
                                       "pending", now)
        if not stored:
            raise DuplicateArticle(f"already posted or seen: {article.url or article.title}")
        ref = await self._publisher.publish(post)
        await self._store.mark_posted(stored[0].id, ref, self._clock())
        log.info("digest.post article=%d message=%d thread=%s title=%r", stored[0].id, ref.message_id,
                 ref.thread_id, article.title)
        return ref


class DuplicateArticle(ValueError):
    pass


def _unique(entries: list[FeedEntry]) -> list[tuple[str, FeedEntry]]:
    seen: set[str] = set()
    items: list[tuple[str, FeedEntry]] = []
    for entry in entries:
        key = dedupe_key(entry)
        if key not in seen:
            seen.add(key)
            items.append((key, entry))
    return items


def _new(key: str, entry: FeedEntry) -> NewArticle:
    return NewArticle(key, entry.title, entry.link, entry.published)
