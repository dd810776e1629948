"""The Discord client: a `commands.Bot` built from an App, with the moderation services wired in."""

from __future__ import annotations

import logging
from typing import Protocol

import discord
from discord.ext import commands

from bot.discord_adapter.catchup import CatchUpReport
from bot.discord_adapter.enforcer import DiscordEnforcer
from bot.discord_adapter.events import Scope
from bot.discord_adapter.judge import MessageJudge, Moderator, OutcomeHook
from bot.discord_adapter.modlog import ModLog
from bot.discord_adapter.review import ReviewButton, ReviewQueue
from bot.durations import parse_duration
from bot.protocols import Enforcer, Scorer
from bot.settings import Settings
from bot.storage.cases import CaseRepository
from bot.storage.database import Database
from bot.storage.messages import MessageLog
from bot.storage.reviews import ReviewRepository

log = logging.getLogger(__name__)


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

    def pipeline(self, enforcer: Enforcer) -> Moderator: ...


def bot_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True  # roles of authors for exemptions, members for timeouts
    intents.guild_messages = True
    intents.message_content = True  # privileged: enable it in the developer portal
    intents.dm_messages = True
    return intents


class ModBot(commands.Bot):
    def __init__(self, app: BotApp, *, hook: OutcomeHook | None = None) -> None:
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
        self.judge = MessageJudge(
            scope=lambda: Scope.from_settings(self.app.settings.discord),
            moderator=app.pipeline(self.enforcer),
            modlog=self.modlog,
            self_id=lambda: self.user.id if self.user else None,
            hook=hook,
        )
        self.last_catch_up: CatchUpReport | None = None

    async def setup_hook(self) -> None:
        from bot.discord_adapter.cogs.moderation import ModerationCog

        self.add_dynamic_items(ReviewButton)
        await self.add_cog(ModerationCog(self))

    def model_line(self) -> str:
        return self.app.scorer.model.describe()

    async def announce_model(self) -> None:
        line = self.model_line()
        scope = self.judge.scope
        log.info("modbot live model=%r channels=%s", line, sorted(scope.channel_ids))
        await self.modlog.notice(f"modbot is online. Scoring model: {line}.")
