"""The Discord client: a `commands.Bot` that receives its services from `bot/app.py` and turns gateway events
and interactions into calls on them. It builds no service of its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord.ext import commands

from bot.discord_adapter.catchup import CatchUpReport
from bot.discord_adapter.events import Scope
from bot.discord_adapter.failures import DISCORD_FAILURES
from bot.discord_adapter.judge import MessageJudge, OutcomeHook
from bot.discord_adapter.services import BotServices, DiscordParts
from bot.settings import DiscordSettings

log = logging.getLogger(__name__)

HEAD_INTERVAL_S = 24 * 3600  # the case log's head is posted to the mod log once a day


def bot_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True  # roles of authors for exemptions, members for timeouts
    intents.guild_messages = True
    intents.message_content = True  # privileged: enable it in the developer portal
    intents.dm_messages = True
    return intents


@dataclass(frozen=True, slots=True)
class SyncReport:
    """Which guilds got the slash commands; a guild that refused is named with why and how to fix it."""

    synced: tuple[int, ...] = ()
    refused: tuple[tuple[int | None, str], ...] = ()  # (guild id, why); None: the global sync

    def notice(self) -> str | None:
        if not self.refused:
            return None
        parts = [
            f"{'every server' if guild_id is None else f'server {guild_id}'} ({why})" for guild_id, why in self.refused
        ]
        return (
            "Slash commands could not be registered in " + "; ".join(parts) + ". Moderation runs there all the "
            "same. To fix it, re-invite the bot with the `applications.commands` scope (OAuth2 URL generator: "
            "scopes bot + applications.commands), or correct discord.guild_ids in settings.yaml."
        )


class ModBot(commands.Bot):
    def __init__(self, discord_settings: DiscordSettings, *, run_digest: bool = True, **shards: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **shards,
        )
        self._run_digest = run_digest
        self._installed: tuple[BotServices, DiscordParts, MessageJudge] | None = None
        self.last_catch_up: CatchUpReport | None = None
        self.last_sync: SyncReport | None = None
        self._digest_task: asyncio.Task[None] | None = None
        self._digest_stop = asyncio.Event()
        self._digest_wake = asyncio.Event()
        self._head_task: asyncio.Task[None] | None = None

    def install(self, services: BotServices, parts: DiscordParts, *, hook: OutcomeHook | None = None) -> None:
        """Called once by `bot/app.py`, before the bot starts."""
        judge = MessageJudge(
            scope=lambda: Scope.from_settings(services.settings.current.discord),
            moderator=services.pipeline,
            modlog=parts.modlog,
            self_id=lambda: self.user.id if self.user else None,
            hook=hook,
        )
        self._installed = (services, parts, judge)

    @property
    def services(self) -> BotServices:
        assert self._installed is not None, "ModBot.install() was not called (bot/app.py builds the bot)"
        return self._installed[0]

    @property
    def parts(self) -> DiscordParts:
        assert self._installed is not None, "ModBot.install() was not called (bot/app.py builds the bot)"
        return self._installed[1]

    @property
    def judge(self) -> MessageJudge:
        assert self._installed is not None, "ModBot.install() was not called (bot/app.py builds the bot)"
        return self._installed[2]

    async def setup_hook(self) -> None:
        from bot.discord_adapter.cogs import admin_cogs
        from bot.discord_adapter.cogs.moderation import ModerationCog

        services, parts = self.services, self.parts
        self.add_dynamic_items(parts.board.buttons, parts.appeal_desk.buttons.appeal, parts.appeal_desk.buttons.verdict)
        await self.add_cog(ModerationCog(self))
        for cog in admin_cogs(self, services, parts):
            await self.add_cog(cog)
        await services.exemptions.load()
        self.last_sync = await self.sync_commands()

    async def sync_commands(self) -> SyncReport:
        """Sync the slash commands to each of settings.discord.guild_ids (instant), or globally when none.

        A guild that refuses (403 Missing Access when the bot was invited without `applications.commands`,
        404 for a wrong id) or a failing connection is logged once and reported; the others still get their
        commands, and moderation runs everywhere."""
        guild_ids = self.services.settings.current.discord.guild_ids
        if not guild_ids:
            try:
                await self.tree.sync()
            except DISCORD_FAILURES as exc:
                log.error("slash command sync failed globally: %s", exc)
                return SyncReport(refused=((None, _why(exc)),))
            log.info("slash commands synced globally")
            return SyncReport()
        synced: list[int] = []
        refused: list[tuple[int | None, str]] = []
        for guild_id in guild_ids:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                await self.tree.sync(guild=guild)
            except DISCORD_FAILURES as exc:
                log.error("slash command sync refused guild=%s error=%s", guild_id, _why(exc))
                refused.append((guild_id, _why(exc)))
                continue
            synced.append(guild_id)
        log.info("slash commands synced guilds=%s refused=%s", synced, [g for g, _ in refused])
        return SyncReport(tuple(synced), tuple(refused))

    def model_line(self) -> str:
        return self.services.scorer.model.describe()

    async def announce_model(self) -> None:
        line = self.model_line()
        scope = self.judge.scope
        log.info("modbot live model=%r channels=%s", line, sorted(scope.channel_ids))
        lines = [f"modbot is online. Scoring model: {line}."]
        lines.extend(f"Warning: {warning}" for warning in self.services.rules.warnings)
        sync = self.last_sync.notice() if self.last_sync else None
        if sync:
            lines.append(sync)
        await self.parts.modlog.notice("\n".join(lines))

    # -- the case log's head, witnessed in the mod log ------------------------------------------------------

    async def post_chain_head(self) -> None:
        """Post the case log's hash-chain head to the mod log: Discord then keeps a copy that the database's owner
        cannot rewrite, and `modbot cases verify --head N:HASH` later shows a log cut short or rewritten."""
        try:
            head = await self.services.chain_head()
        except Exception:  # a database problem is logged; the next day tries again
            log.exception("could not read the case log's head")
            return
        await self.parts.modlog.notice(
            f"Case log head: {head} (check later with `modbot cases verify --head {head.entries}:{head.hash}`)"
        )

    def start_head_witness(self) -> None:
        """Post the head now and then once a day, for as long as the bot runs (once per process)."""
        if self._head_task is None or self._head_task.done():
            self._head_task = asyncio.create_task(self._witness_daily(), name="modbot-chain-head")

    async def _witness_daily(self) -> None:
        while True:
            await self.post_chain_head()
            await asyncio.sleep(HEAD_INTERVAL_S)

    # -- the article digest: DigestService.run is the one poll loop --------------------------------------

    async def start_digest(self) -> bool:
        """Start the poll loop (once) when there is a feed to poll; wake it when it already runs."""
        if not self._run_digest:
            return False
        if self._digest_task is not None and not self._digest_task.done():
            self._digest_wake.set()
            return True
        if not await self.services.digest.feeds():
            return False
        self._digest_stop.clear()
        self._digest_task = asyncio.create_task(
            self.services.digest.run(self._digest_stop, self._digest_wake), name="modbot-digest"
        )
        return True

    async def close(self) -> None:
        if self._installed is not None and self.services.timed is not None:
            await self.services.timed.stop()  # pending undos stay in the database for the next start
        if self._head_task is not None:
            self._head_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._head_task
        self._digest_stop.set()
        if self._digest_task is not None:
            self._digest_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._digest_task
        await super().close()


class ShardedModBot(ModBot, commands.AutoShardedBot):
    """The bot for `discord.shard_count` / `shard_ids`: this process runs those shards of the bot's guilds
    (docs/scaling.md). Everything else is ModBot's."""


def new_client(discord_settings: DiscordSettings, *, run_digest: bool = True) -> ModBot:
    """One shard-less client, or an auto-sharded one for the shards settings name."""
    if discord_settings.shard_count is None:
        return ModBot(discord_settings, run_digest=run_digest)
    shard_ids = list(discord_settings.shard_ids) or None  # none listed: every shard of shard_count
    return ShardedModBot(
        discord_settings, run_digest=run_digest, shard_count=discord_settings.shard_count, shard_ids=shard_ids
    )


def _why(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"{exc.status} {exc.text or exc.response.reason} ({exc.code})"
    return f"{type(exc).__name__}: {exc}"
