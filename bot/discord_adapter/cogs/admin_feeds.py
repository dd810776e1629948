"""/feed add url channel, /feed list, /feed remove url, /article post url|file: the digest, from Discord."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from pydantic import ValidationError

from bot.digest.extract import ExtractionError
from bot.digest.fetch import FetchError
from bot.digest.service import DuplicateArticle
from bot.discord_adapter.cogs.admin_common import reply, require
from bot.discord_adapter.publisher import PublishError
from bot.records import PostedRef, RuntimeFeed
from bot.settings import FeedSettings

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts

MAX_FILE = 2 * 1024 * 1024
Channel = discord.TextChannel | discord.ForumChannel


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FeedCog(commands.GroupCog, group_name="feed", group_description="The feeds the digest posts from"):
    def __init__(self, bot: ModBot, services: BotServices, parts: DiscordParts) -> None:
        self.bot = bot
        self.services = services
        self.modlog = parts.modlog
        super().__init__()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.bot.start_digest()

    @app_commands.command(name="add", description="Post new articles of this RSS/Atom feed into a channel")
    @app_commands.describe(url="The feed's http(s) URL", channel="A text or forum channel", name="A short name")
    async def add(
        self, interaction: discord.Interaction[Any], url: str, channel: Channel, name: str | None = None
    ) -> None:
        if not await require(interaction, "manage_guild"):
            return
        assert interaction.guild_id is not None
        url = url.strip()
        try:
            FeedSettings(url=url, channel_id=channel.id)
        except ValidationError as exc:
            await reply(interaction, f"Not added: {exc.errors()[0]['msg']}")
            return
        if any(feed.url == url for feed in self.services.settings.current.digest.feeds):
            await reply(interaction, "That feed is already configured in settings.yaml.")
            return
        feed = RuntimeFeed(url, channel.id, name, interaction.guild_id, interaction.user.id, self.services.clock())
        added = await self.services.runtime_feeds.add(feed)
        if not added:
            await reply(interaction, "That feed was already added.")
            return
        await self.modlog.notice(f"<@{interaction.user.id}> added the feed {url} → <#{channel.id}>.")
        started = await self.bot.start_digest()
        await reply(interaction, f"Feed added: {url} → <#{channel.id}>. The first poll marks what is there as seen; "
                                 "new articles after that are posted." + ("" if started else " (The poller is off.)"))

    @app_commands.command(name="list", description="The feeds: from settings.yaml and added here")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        if not await require(interaction, "manage_guild"):
            return
        configured = {feed.url for feed in self.services.settings.current.digest.feeds}
        lines = []
        for feed in await self.services.digest.feeds():
            state = await self.services.articles.feed_state(feed.url)
            origin = "settings.yaml" if feed.url in configured else "added here"
            status = "new" if state is None or not state.primed else (
                f"failing ({state.failures}): {state.last_error}" if state.failures else "ok")
            lines.append(f"{feed.name or feed.url} → <#{feed.channel_id}> [{origin}] {status}\n  {feed.url}")
        await reply(interaction, "\n".join(lines) or "No feeds.")

    @app_commands.command(name="remove", description="Stop polling a feed added here")
    @app_commands.describe(url="The feed's URL")
    async def remove(self, interaction: discord.Interaction[Any], url: str) -> None:
        if not await require(interaction, "manage_guild"):
            return
        url = url.strip()
        if any(feed.url == url for feed in self.services.settings.current.digest.feeds):
            await reply(interaction, "That feed is configured in settings.yaml: remove it there.")
            return
        removed = await self.services.runtime_feeds.remove(url)
        if removed:
            await self.modlog.notice(f"<@{interaction.user.id}> removed the feed {url}.")
        await reply(interaction, "Feed removed." if removed else "No feed with that URL was added here.")


class ArticleCog(commands.Cog):
    def __init__(self, bot: ModBot, services: BotServices, parts: DiscordParts) -> None:
        self.bot = bot
        self.services = services
        self.modlog = parts.modlog

    article = app_commands.Group(
        name="article", description="Post single articles", guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @article.command(name="post", description="Summarize an article (URL or file) and open its discussion thread")
    @app_commands.describe(channel="Where to post", url="The article's http(s) URL", file="A .txt, .md or .html file")
    async def post(
        self, interaction: discord.Interaction[Any], channel: Channel, url: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        if not await require(interaction, "manage_guild"):
            return
        if (url is None) == (file is None):
            await reply(interaction, "Give exactly one of url or file.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            if url is not None:
                article = await self.services.sources.from_url(url)
            else:
                assert file is not None
                if file.size > MAX_FILE:
                    raise ValueError(f"{file.filename} is larger than {MAX_FILE // 1024} KB")
                article = await self.services.sources.from_bytes(await file.read(), file.filename, file.content_type)
            ref = await self.services.digest.post_article(article, channel.id)
        except (ExtractionError, FetchError, DuplicateArticle, PublishError, ValueError) as exc:
            await reply(interaction, f"Not posted: {exc}")
            return
        assert isinstance(ref, PostedRef)
        where = f"<#{ref.thread_id}>" if ref.thread_id else f"<#{ref.channel_id}>"
        await reply(interaction, f"Posted “{article.title}” in <#{ref.channel_id}>; discussion: {where}.")
