"""The digest's SQLite tables through ArticleStore, on a real database file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.records import FeedState, NewArticle, PostedRef
from bot.storage.articles import ArticleStore
from bot.storage.database import Database

NOW = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)


async def test_add_is_deduplicated_by_key_across_calls_and_feeds(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "a.db") as db:
        store = ArticleStore(db)
        items = [NewArticle("guid:1", "One", "http://x/1", None), NewArticle("guid:1", "One again", None, None),
                 NewArticle("link:http://x/2", "Two", "http://x/2", NOW)]
        first = await store.add("http://feed/a", items, "pending", NOW)
        assert [a.dedupe_key for a in first] == ["guid:1", "link:http://x/2"]
        again = await store.add("http://feed/b", items[:1], "pending", NOW)
        assert again == []
        assert await store.known_keys(["guid:1", "guid:9"]) == {"guid:1"}


async def test_posted_refs_and_the_daily_window(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "a.db") as db:
        store = ArticleStore(db)
        [one, two] = await store.add("http://feed/a", [NewArticle("guid:1", "One", None, None),
                                                       NewArticle("guid:2", "Two", None, None)], "pending", NOW)
        await store.mark_posted(one.id, PostedRef(10, 11, 12), NOW - timedelta(hours=30))
        await store.mark_posted(two.id, PostedRef(10, 21, None), NOW - timedelta(hours=1))
        assert await store.posted_since("http://feed/a", NOW - timedelta(days=1)) == 1
        found = await store.by_thread(12)
        assert found is not None and found.posted == PostedRef(10, 11, 12) and found.status == "posted"
        await store.mark(two.id, "failed", "403")
        assert await store.count_by_status("http://feed/a") == {"posted": 1, "failed": 1}


async def test_feed_state_round_trip_survives_reopening(tmp_path: Path) -> None:
    state = FeedState(url="http://feed/a", etag='"v2"', last_modified="Thu, 02 May 2024 08:00:00 GMT", failures=2,
                      next_poll_at=NOW + timedelta(hours=1), last_error="HTTP 503", last_polled_at=NOW, primed=True)
    async with Database.open(tmp_path / "a.db") as db:
        store = ArticleStore(db)
        assert await store.feed_state(state.url) is None
        await store.save_feed_state(state)
    async with Database.open(tmp_path / "a.db") as db:
        assert await ArticleStore(db).feed_state(state.url) == state
