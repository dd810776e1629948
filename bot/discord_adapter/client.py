"""The Discord client: a `commands.Bot` built from an App, with the moderation services wired in:
the judge and enforcer, the mod log, the review queue, the admin commands, appeals and the article digest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

import discord
from discord.ext import commands

from bot.digest.fetch import Fetcher, HttpFetcher
from bot.digest.service import DigestService
from bot.discord_adapter.appeal import AppealButton, AppealDesk, AppealVerdictButton
from bot.discord_adapter.catchup import CatchUpReport
from bot.discord_adapter.cogs.admin_common import DiscordRemedies
from bot.discord_adapter.enforcer import DiscordEnforcer
from bot.discord_adapter.events import Scope
from bot.discord_adapter.judge import MessageJudge, OutcomeHook
from bot.discord_adapter.modlog import ModLog
from bot.discord_adapter.publisher import DiscordPublisher
from bot.discord_adapter.review import ReviewButton, ReviewQueue
from bot.durations import parse_duration
from bot.moderation.appeals import AppealService
from bot.moderation.exemptions import RuntimeExemptions
from bot.moderation.manual import ManualActions
from bot.moderation.pipeline import ModerationPipeline
from bot.moderation.reversal import CaseReverser
from bot.moderation.rules import RuleSet, RulesHolder
from bot.protocols import Clock, Enforcer, Scorer
from bot.settings import DigestSettings, FeedSettings, Settings
from bot.storage.appeals import AppealRepository
from bot.storage.articles import ArticleStore
from bot.storage.cases import CaseRepository
from bot.storage.database import Database
from bot.storage.exemptions import ExemptionStore
from bot.storage.messages import MessageLog
from bot.storage.reviews import ReviewRepository
from bot.storage.runtime_feeds import RuntimeFeedStore
from bot.storage.stats import StatsStore
from bot.storage.strikes import StrikeLedger

log = logging.getLogger(__name__)

ADMIN_COGS = (
    "admin_cases", "admin_history", "admin_actions", "admin_rules", "admin_stats", "admin_feeds", "admin_exempt",
)


class BotApp(Protocol):
    """What the client needs from `bot.app.App`."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def messages(self) -> MessageLog: ...

    @property
    def scorer(self) -> Scorer: ...

    @property
    def rules(self) -> RulesHolder: ...

    @property
    def clock(self) -> Clock: ...

    def pipeline(self, enforcer: Enforcer, rules: Callable[[], RuleSet] | None = None) -> ModerationPipeline: ...


def bot_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True  # roles of authors for exemptions, members for timeouts
    intents.guild_messages = True
    intents.message_content = True  # privileged: enable it in the developer portal
    intents.dm_messages = True
    return intents


def merged_feeds(configured: tuple[FeedSettings, ...], runtime: list[FeedSettings]) -> tuple[FeedSettings, ...]:
    """settings.digest.feeds first; feeds added with /feed add after them (a URL listed in both: settings win)."""
    urls = {feed.url for feed in configured}
    return configured + tuple(feed for feed in runtime if feed.url not in urls)


class ModBot(commands.Bot):
    def __init__(
        self,
        app: BotApp,
        *,
        hook: OutcomeHook | None = None,
        fetcher: Fetcher | None = None,
        run_digest: bool = True,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.app = app
        discord_settings = app.settings.discord
        self.modlog = ModLog(self, lambda: self.app.settings.discord.mod_log_channel_id)
        self.reviews = ReviewRepository(app.db)
        self.review_queue = ReviewQueue(
            self,
            reviews=self.reviews,
            cases=app.cases,
            modlog=self.modlog,
            channel_id=lambda: self.app.settings.discord.review_channel_id,
            appeal_hint=discord_settings.appeal_hint,
            timeout=parse_duration(discord_settings.review_timeout),
        )
        self.enforcer = DiscordEnforcer(self, appeal_hint=discord_settings.appeal_hint, flags=self.review_queue)
        self.exemptions = RuntimeExemptions(lambda: self.app.rules.current, ExemptionStore(app.db))
        # The App's pipeline, with runtime exemptions merged into the rules at decision time.
        self.pipeline = app.pipeline(self.enforcer, rules=self.exemptions.rules)
        self.judge = MessageJudge(
            scope=lambda: Scope.from_settings(self.app.settings.discord),
            moderator=self.pipeline,
            modlog=self.modlog,
            self_id=lambda: self.user.id if self.user else None,
            hook=hook,
        )
        self.remedies = DiscordRemedies(self, self.review_queue)
        self.reverser = CaseReverser(app.cases, self.remedies)
        # Moderators' actions by hand: the same enforcer, without the review step.
        self.manual = ManualActions(
            cases=app.cases,
            enforcer=DiscordEnforcer(self, appeal_hint=discord_settings.appeal_hint),
            strikes=StrikeLedger(app.db),
            remedies=self.remedies,
            clock=app.clock,
        )
        self.appeals = AppealRepository(app.db)
        self.appeal_desk = AppealDesk(
            self,
            service=AppealService(self.appeals, app.cases, self.reverser),
            appeals=self.appeals,
            modlog=self.modlog,
            channel_id=lambda: self.app.settings.discord.review_channel_id,
        )
        self.stats = StatsStore(app.db)
        self.articles = ArticleStore(app.db)
        self.runtime_feeds = RuntimeFeedStore(app.db)
        digest = app.settings.digest
        self.fetcher: Fetcher = fetcher or HttpFetcher(digest.user_agent, digest.fetch_timeout_s)
        self.publisher = DiscordPublisher(self)
        self.last_catch_up: CatchUpReport | None = None
        self._run_digest = run_digest
        self._digest_task: asyncio.Task[None] | None = None
        self._digest_stop = asyncio.Event()
        self._digest_wake = asyncio.Event()

    async def setup_hook(self) -> None:
        from bot.discord_adapter.cogs.moderation import ModerationCog

        self.add_dynamic_items(ReviewButton, AppealButton, AppealVerdictButton)
        await self.add_cog(ModerationCog(self))
        for name in ADMIN_COGS:
            await self.load_extension(f"bot.discord_adapter.cogs.{name}")
        await self.exemptions.load()
        await self.sync_commands()

    async def sync_commands(self) -> list[int]:
        """Sync the slash commands to each of settings.discord.guild_ids (instant), or globally when none."""
        guild_ids = self.app.settings.discord.guild_ids
        if not guild_ids:
            await self.tree.sync()
            log.info("slash commands synced globally")
            return []
        for guild_id in guild_ids:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        log.info("slash commands synced to guilds %s", list(guild_ids))
        return list(guild_ids)

    def model_line(self) -> str:
        return self.app.scorer.model.describe()

    async def announce_model(self) -> None:
        line = self.model_line()
        scope = self.judge.scope
        log.info("modbot live model=%r channels=%s", line, sorted(scope.channel_ids))
        await self.modlog.notice(f"modbot is online. Scoring model: {line}.")

    # -- the article digest -----------------------------------------------------------------------------

    async def digest_feeds(self) -> tuple[FeedSettings, ...]:
        runtime = [
            FeedSettings(url=feed.url, channel_id=feed.channel_id, name=feed.name)
            for feed in await self.runtime_feeds.all()
        ]
        return merged_feeds(self.app.settings.digest.feeds, runtime)

    async def digest_service(self) -> DigestService:
        """A DigestService over the configured and the runtime feeds; problems go to the mod log."""
        settings: DigestSettings = self.app.settings.digest.model_copy(update={"feeds": await self.digest_feeds()})
        return DigestService(settings, self.articles, self.fetcher, self.publisher, self._report_feed_problem,
                             self.app.clock)

    async def _report_feed_problem(self, feed: str, message: str) -> None:
        await self.modlog.notice(f"Feed {feed}: {message}")

    async def start_digest(self) -> bool:
        """Start the poll loop (once) when there is a feed to poll; wake it when it already runs."""
        if not self._run_digest:
            return False
        if self._digest_task is not None and not self._digest_task.done():
            self._digest_wake.set()
            return True
        if not await self.digest_feeds():
            return False
        self._digest_stop.clear()
        self._digest_task = asyncio.create_task(self._digest_loop(), name="modbot-digest")
        return True

    async def _digest_loop(self) -> None:
        while not self._digest_stop.is_set():
            try:
                service = await self.digest_service()
                await service.poll_due()
                wait = max(30.0, (await service.next_due() - self.app.clock()).total_seconds())
            except Exception:  # a bad round is logged; the loop keeps the bot's digest alive
                log.exception("digest round failed")
                wait = parse_duration(self.app.settings.digest.poll_interval).total_seconds()
            self._digest_wake.clear()
            stop = asyncio.ensure_future(self._digest_stop.wait())
            wake = asyncio.ensure_future(self._digest_wake.wait())
            await asyncio.wait((stop, wake), timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in (stop, wake):
                waiter.cancel()

    async def close(self) -> None:
        self._digest_stop.set()
        if self._digest_task is not None:
            self._digest_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._digest_task
        await super().close()

