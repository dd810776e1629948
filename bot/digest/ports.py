"""What the digest needs from storage: the articles it saw and posted, and each feed's polling state.
`bot/storage/articles.py` implements it; the fetcher and publisher seams live in `fetch.py` and `publish.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.records import FeedState, NewArticle, PostedRef, StoredArticle
from bot.settings import FeedSettings

ProblemReporter = Callable[[str, str], Awaitable[None]]  # (feed name or url, message): the mod log
FeedSource = Callable[[], Awaitable[tuple[FeedSettings, ...]]]  # the feeds to poll now (settings + /feed add)


class ArticleLog(Protocol):
    async def known_keys(self, keys: Sequence[str]) -> set[str]: ...

    async def add(
        self, feed_url: str | None, items: Sequence[NewArticle], status: str, now: datetime
    ) -> list[StoredArticle]: ...

    async def mark_posted(self, article_id: int, ref: PostedRef, now: datetime) -> None: ...

    async def mark(self, article_id: int, status: str, detail: str) -> None: ...

    async def posted_since(self, feed_url: str, since: datetime) -> int: ...

    async def feed_state(self, url: str) -> FeedState | None: ...

    async def save_feed_state(self, state: FeedState) -> None: ...
