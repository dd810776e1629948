"""The composition root: the one place that builds modbot's objects and wires them together.

    async with App.open(settings) as app:          # storage, rules, scorer, clock: built once
        bot = build_bot(app)                        # the Discord client with every service it needs

Commands that only read or erase the database open `Storage` alone (no model is loaded); the bot, the demo and
the scoring commands open an `App`. Nothing here runs at import time; nothing else builds services.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.digest.fetch import Fetcher, HttpFetcher
from bot.digest.ports import FeedSource, ProblemReporter
from bot.digest.publish import Publisher
from bot.digest.service import DigestService
from bot.digest.sources import ArticleSources
from bot.durations import parse_duration
from bot.moderation.appeals import AppealService
from bot.moderation.calibrate import CalibrationService
from bot.moderation.carry_out import CaseExecutor, NullEnforcer
from bot.moderation.exemptions import RuntimeExemptions
from bot.moderation.heat_control import CaseReport, HeatMonitor
from bot.moderation.history import HistoryService
from bot.moderation.manual import ManualActions
from bot.moderation.pipeline import ModerationPipeline
from bot.moderation.preview import PreviewService
from bot.moderation.remedies import Remedies, ThreadRemedies
from bot.moderation.reversal import CaseReverser
from bot.moderation.reviews import ReviewDesk
from bot.moderation.rules import RulesHolder
from bot.moderation.timed import Report, TimedActions
from bot.protocols import Clock, Enforcer, Scorer
from bot.records import Erased, RuntimeFeed
from bot.settings import FeedSettings, Settings, SettingsHolder
from bot.storage import Database, privacy
from bot.storage.appeals import AppealRepository
from bot.storage.articles import ArticleStore
from bot.storage.cases import CaseRepository
from bot.storage.exemptions import ExemptionStore
from bot.storage.messages import MessageLog
from bot.storage.reviews import ReviewRepository
from bot.storage.runtime_feeds import RuntimeFeedStore
from bot.storage.stats import StatsStore
from bot.storage.strikes import StrikeLedger
from bot.storage.suggestions import SuggestionRepository
from bot.storage.timed_actions import TimedActionStore
from bot.storage.verdicts import VerdictLog

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.judge import OutcomeHook
    from bot.serve.service import PerspectiveService

log = logging.getLogger(__name__)


def utc_clock() -> datetime:
    return datetime.now(UTC)


def rule_labels(settings: Settings, scorer: Scorer | None) -> frozenset[str]:
    """Labels a rules file may name: the configured model's (and the fallback's), or an injected scorer's."""
    if scorer is not None:
        return scorer.labels
    from bot.scoring.factory import known_labels

    return known_labels(settings.scoring)


def load_rules_holder(settings: Settings, scorer: Scorer | None = None) -> RulesHolder:
    """Typo'd labels refuse the file; real labels the scorer lacks load, listed in `holder.warnings`."""
    from bot.scoring.factory import scorer_name
    from bot.scoring.labels import ALL_LABELS

    live = rule_labels(settings, scorer)
    name = scorer.model.name if scorer is not None else scorer_name(settings.scoring)
    return RulesHolder.load(settings.rules_path, live, ALL_LABELS, name)


async def open_scorer(settings: Settings) -> Scorer:
    from bot.scoring.factory import open_scorer as open_configured

    return await open_configured(settings.scoring)


@dataclass(frozen=True, slots=True)
class Storage:
    """Every repository, over one database connection."""

    db: Database
    cases: CaseRepository
    messages: MessageLog
    reviews: ReviewRepository
    appeals: AppealRepository
    exemptions: ExemptionStore
    strikes: StrikeLedger
    stats: StatsStore
    articles: ArticleStore
    runtime_feeds: RuntimeFeedStore
    verdicts: VerdictLog
    timed_actions: TimedActionStore  # heat control's pending undos (migration 0012)

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, path: Path, *, create: bool = True) -> AsyncIterator[Storage]:
        async with Database.open(path, create=create) as db:
            yield cls(
                db=db,
                cases=CaseRepository(db),
                messages=MessageLog(db),
                reviews=ReviewRepository(db),
                appeals=AppealRepository(db),
                exemptions=ExemptionStore(db),
                strikes=StrikeLedger(db),
                stats=StatsStore(db),
                articles=ArticleStore(db),
                runtime_feeds=RuntimeFeedStore(db),
                verdicts=VerdictLog(db),
                timed_actions=TimedActionStore(db),
            )

    async def purge(self, older_than: datetime) -> Erased:
        """Erase stored message text recorded before `older_than` (cases, review items, judged messages and
        `modbot serve`'s suggestscore verdicts); cases and counts stay."""
        erased = await privacy.purge(self.db, older_than)
        await SuggestionRepository(self.db).erase_text_before(older_than)
        return erased

    async def count_purgeable(self, older_than: datetime) -> Erased:
        """What `purge` would erase, erasing nothing."""
        return await privacy.count_purgeable(self.db, older_than)

    async def forget(self, user_id: int) -> Erased:
        """Erase a user's stored text and identity; anonymous counts stay."""
        return await privacy.forget(self.db, user_id)


def calibration_service(storage: Storage, rules: RulesHolder) -> CalibrationService:
    """`modbot calibrate` (storage alone, no model) and `/stats`: the rules in force on the stored verdicts."""
    return CalibrationService(storage.verdicts, rules)


def digest_service(
    settings: Settings,
    storage: Storage,
    *,
    publisher: Publisher,
    report: ProblemReporter,
    clock: Clock = utc_clock,
    fetcher: Fetcher | None = None,
    dry_run: bool = False,
    feeds: FeedSource | None = None,
) -> DigestService:
    return DigestService(
        settings.digest, storage.articles, fetcher or http_fetcher(settings), publisher, report, clock,
        dry_run=dry_run, feeds=feeds,
    )


@contextlib.asynccontextmanager
async def perspective_service(
    settings: Settings, scorer: Scorer, keys: frozenset[str]
) -> AsyncIterator[PerspectiveService]:
    """`modbot serve`'s service: the scorer behind Perspective's API; suggestscore verdicts stored when
    `serve.storage` is on."""
    from bot.serve.keys import KeyRing
    from bot.serve.service import PerspectiveService
    ring = KeyRing(keys, settings.serve.rate_per_key, settings.serve.burst_per_key)
    if not settings.serve.storage:
        yield PerspectiveService(scorer, ring, settings.serve, None)
        return
    async with Database.open(settings.database) as db:
        yield PerspectiveService(scorer, ring, settings.serve, SuggestionRepository(db))


def http_fetcher(settings: Settings) -> HttpFetcher:
    return HttpFetcher.from_settings(settings.digest)


def merged_feeds(configured: tuple[FeedSettings, ...], runtime: list[RuntimeFeed]) -> tuple[FeedSettings, ...]:
    """settings.digest.feeds first; feeds added with /feed add after them (a URL listed in both: settings win)."""
    urls = {feed.url for feed in configured}
    extra: list[FeedSettings] = []
    for feed in runtime:
        if feed.url in urls:
            continue
        try:
            extra.append(FeedSettings(url=feed.url, channel_id=feed.channel_id, name=feed.name))
        except ValidationError as exc:  # stored before URLs were checked: skipped, said once per round
            log.warning("runtime feed %s skipped: %s", feed.url, exc.errors()[0]["msg"])
    return configured + tuple(extra)


@dataclass(frozen=True, slots=True)
class Moderation:
    """The moderation services, acting on a platform through its enforcer and remedies."""

    executor: CaseExecutor
    pipeline: ModerationPipeline
    reverser: CaseReverser
    manual: ManualActions
    reviews: ReviewDesk
    appeals: AppealService
    history: HistoryService
    timed: TimedActions | None = None  # heat control's undos; None without a platform to act on threads
    heat: HeatMonitor | None = None


@dataclass(frozen=True, slots=True)
class App:
    settings: SettingsHolder
    storage: Storage
    rules: RulesHolder
    exemptions: RuntimeExemptions
    scorer: Scorer
    clock: Clock

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, settings: Settings, *, scorer: Scorer | None = None, clock: Clock | None = None
    ) -> AsyncIterator[App]:
        # Rules first: a broken rules file should stop start-up before a model is loaded.
        rules = load_rules_holder(settings, scorer)
        live_scorer = scorer if scorer is not None else await open_scorer(settings)
        if scorer is None:  # judge the rules by the scorer that really loaded (the fallback, perhaps)
            from bot.scoring.factory import rule_labels as live_rule_labels

            model = live_scorer.model
            rules.set_live(live_rule_labels(settings.scoring, live_scorer.labels, model.fallback), model.name)
        for warning in rules.warnings:  # the commands print them; the bot's log and mod log carry them too
            log.info("rules warning: %s", warning)
        tick = clock or utc_clock
        try:
            async with Storage.open(settings.database) as storage:
                log.info("scoring with %s", live_scorer.model.describe())
                yield cls(
                    settings=SettingsHolder(settings),
                    storage=storage,
                    rules=rules,
                    exemptions=RuntimeExemptions(rules, storage.exemptions, tick),
                    scorer=live_scorer,
                    clock=tick,
                )
        finally:
            if scorer is None:
                await live_scorer.close()

    @property
    def cases(self) -> CaseRepository:
        return self.storage.cases

    def moderation(
        self, enforcer: Enforcer, remedies: Remedies, *, threads: ThreadRemedies | None = None,
        report_case: CaseReport | None = None, notice: Report | None = None,
    ) -> Moderation:
        """The moderation services; with `threads` (the platform's thread remedies) heat control too, its heat
        cases posted through `report_case` and its timed undos reported through `notice`."""
        storage = self.storage
        executor = CaseExecutor(enforcer, storage.cases)
        timed = (
            TimedActions(storage.timed_actions, threads, storage.cases, self.clock, report=notice)
            if threads is not None else None
        )
        heat = (
            HeatMonitor(rules=self.exemptions, cases=storage.cases, executor=executor, timed=timed,
                        threads=threads, clock=self.clock, report=report_case)
            if timed is not None and threads is not None else None
        )
        reverser = CaseReverser(storage.cases, remedies, self.clock, timed)
        settings = self.settings.current
        return Moderation(
            executor=executor,
            pipeline=ModerationPipeline(
                scorer=self.scorer,
                rules=self.exemptions,
                store=storage.cases,
                executor=executor,
                clock=self.clock,
                on_timeout=settings.scoring.on_timeout,
                explanations=storage.cases,
                observer=heat,
            ),
            reverser=reverser,
            manual=ManualActions(
                cases=storage.cases, executor=executor, strikes=storage.strikes, remedies=remedies, clock=self.clock
            ),
            reviews=ReviewDesk(
                reviews=storage.reviews, cases=storage.cases, reverser=reverser, executor=executor,
                clock=self.clock, timeout=parse_duration(settings.discord.review_timeout),
            ),
            appeals=AppealService(storage.appeals, storage.cases, reverser),
            history=HistoryService(storage.cases, storage.strikes, storage.reviews, storage.appeals),
            timed=timed,
            heat=heat,
        )

    def previewer(self) -> PreviewService:
        """`modbot rules preview` and `/rules preview`: a candidate rules file replayed on stored history."""
        from bot.scoring.labels import ALL_LABELS

        return PreviewService(self.storage.verdicts, self.rules, self.scorer, self.clock, ALL_LABELS)

    def calibration(self) -> CalibrationService:
        return calibration_service(self.storage, self.rules)

    def dry_pipeline(self) -> ModerationPipeline:
        """The pipeline with the rules file alone and an enforcer that does nothing: `modbot score`."""
        return ModerationPipeline(
            scorer=self.scorer, rules=self.rules, store=self.storage.cases,
            executor=CaseExecutor(NullEnforcer(), self.storage.cases), clock=self.clock,
            on_timeout=self.settings.current.scoring.on_timeout,
        )

    async def feeds(self) -> tuple[FeedSettings, ...]:
        return merged_feeds(self.settings.current.digest.feeds, await self.storage.runtime_feeds.all())


def build_bot(
    app: App, *, hook: OutcomeHook | None = None, fetcher: Fetcher | None = None, run_digest: bool = True
) -> ModBot:
    """The Discord client, with the Discord side of every port and every service it calls, built once."""
    from bot.discord_adapter.appeal import AppealDesk, appeal_buttons
    from bot.discord_adapter.client import new_client
    from bot.discord_adapter.enforcer import DiscordEnforcer
    from bot.discord_adapter.modlog import ModLog
    from bot.discord_adapter.publisher import DiscordPublisher
    from bot.discord_adapter.remedies import DiscordRemedies
    from bot.discord_adapter.review import ReviewBoard, ReviewClicks, review_buttons
    from bot.discord_adapter.services import BotServices, DiscordParts

    settings = app.settings
    client = new_client(settings.current.discord, run_digest=run_digest)
    modlog = ModLog(client, settings)
    # Button classes of this bot's own; bound to the desks below, once those are built.
    review_button, appeal_button = review_buttons(), appeal_buttons()
    board = ReviewBoard(client, items=app.storage.reviews, settings=settings, clock=app.clock, buttons=review_button)
    enforcer = DiscordEnforcer(
        client, appeal_hint=settings.current.discord.appeal_hint, flags=board, appeal_button=appeal_button.appeal
    )
    remedies = DiscordRemedies(client)
    moderation = app.moderation(
        enforcer, remedies, threads=remedies, report_case=modlog.post_case, notice=modlog.notice
    )
    publisher = DiscordPublisher(client)
    fetch = fetcher or http_fetcher(settings.current)

    async def report_feed_problem(feed: str, message: str) -> None:
        await modlog.notice(f"Feed {feed}: {message}")

    clicks = ReviewClicks(desk=moderation.reviews, board=board, modlog=modlog)
    review_button.clicks = clicks
    appeal_desk = AppealDesk(
        client, service=moderation.appeals, appeals=app.storage.appeals, modlog=modlog, settings=settings,
        buttons=appeal_button,
    )
    appeal_button.bind(appeal_desk)
    parts = DiscordParts(modlog=modlog, board=board, clicks=clicks, appeal_desk=appeal_desk, publisher=publisher)
    services = BotServices(
        settings=settings,
        clock=app.clock,
        scorer=app.scorer,
        rules=app.rules,
        exemptions=app.exemptions,
        cases=app.storage.cases,
        cursor=app.storage.messages.cursor,
        pipeline=moderation.pipeline,
        manual=moderation.manual,
        reverser=moderation.reverser,
        review_items=app.storage.reviews,
        appeals=moderation.appeals,
        appeal_items=app.storage.appeals,
        history=moderation.history,
        stats=app.storage.stats,
        digest=digest_service(
            settings.current, app.storage, publisher=publisher, report=report_feed_problem, clock=app.clock,
            fetcher=fetch, feeds=app.feeds,
        ),
        sources=ArticleSources(fetch),
        runtime_feeds=app.storage.runtime_feeds,
        articles=app.storage.articles,
        chain_head=app.storage.cases.chain_head,
        preview=app.previewer(),
        calibration=app.calibration(),
        timed=moderation.timed,
    )
    client.install(services, parts, hook=hook)
    return client
