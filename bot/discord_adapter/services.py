"""Everything the Discord side is given by `bot/app.py`: services and repositories behind their Protocols,
built once. Cogs take what they need from it in their constructors; nothing here is built by the adapter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.digest.service import DigestService
from bot.digest.sources import ArticleSources
from bot.discord_adapter.appeal import AppealDesk
from bot.discord_adapter.modlog import ModLog
from bot.discord_adapter.publisher import DiscordPublisher
from bot.discord_adapter.review import ReviewBoard, ReviewClicks
from bot.moderation.appeals import AppealService
from bot.moderation.calibrate import CalibrationService
from bot.moderation.exemptions import RuntimeExemptions
from bot.moderation.history import HistoryService
from bot.moderation.manual import ManualActions
from bot.moderation.pipeline import ModerationPipeline
from bot.moderation.ports import CaseBook, ReviewStore
from bot.moderation.preview import PreviewService
from bot.moderation.reversal import CaseReverser
from bot.moderation.rules import RulesHolder
from bot.moderation.timed import TimedActions
from bot.protocols import Clock, Scorer
from bot.records import Appeal, ChainHead, FeedState, ReviewItem, ReviewStatus, RuntimeFeed, StoredArticle
from bot.settings import SettingsHolder
from bot.stats.report import StatsSource


class ReviewItems(ReviewStore, Protocol):
    async def find(
        self, guild_id: int | None = None, status: ReviewStatus | None = None, user_id: int | None = None
    ) -> list[ReviewItem]: ...


class AppealItems(Protocol):
    async def for_case(self, case_id: int) -> list[Appeal]: ...

    async def set_review_message(self, appeal_id: int, message_id: int) -> None: ...


class RuntimeFeeds(Protocol):
    async def add(self, feed: RuntimeFeed) -> bool: ...

    async def remove(self, url: str) -> bool: ...

    async def all(self) -> list[RuntimeFeed]: ...


class ArticleLookup(Protocol):
    async def get(self, article_id: int) -> StoredArticle | None: ...

    async def feed_state(self, url: str) -> FeedState | None: ...


Cursor = Callable[[int], Awaitable[int | None]]
HeadSource = Callable[[], Awaitable[ChainHead]]  # the case log's hash-chain head, posted daily to the mod log


@dataclass(frozen=True, slots=True)
class BotServices:
    settings: SettingsHolder
    clock: Clock
    scorer: Scorer
    rules: RulesHolder
    exemptions: RuntimeExemptions
    cases: CaseBook
    cursor: Cursor  # the last judged message per channel, for catch-up
    pipeline: ModerationPipeline
    manual: ManualActions
    reverser: CaseReverser
    review_items: ReviewItems
    appeals: AppealService
    appeal_items: AppealItems
    history: HistoryService
    stats: StatsSource
    digest: DigestService
    sources: ArticleSources
    runtime_feeds: RuntimeFeeds
    articles: ArticleLookup
    chain_head: HeadSource
    preview: PreviewService  # /rules preview: a candidate rules file replayed on stored history
    calibration: CalibrationService  # /stats: precision per score rule on moderators' verdicts
    timed: TimedActions | None = None  # heat control's timed undos: started with the bot, stopped with it


@dataclass(frozen=True, slots=True)
class DiscordParts:
    """The Discord-side implementations of the ports, bound to one client (built by `bot/app.py`)."""

    modlog: ModLog
    board: ReviewBoard
    clicks: ReviewClicks
    appeal_desk: AppealDesk
    publisher: DiscordPublisher
