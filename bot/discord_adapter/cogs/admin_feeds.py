"""/feed add url channel, /feed list, /feed remove url, /article post url|file: the digest, from Discord."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.digest.extract import ExtractionError, Extractor, decode
from bot.digest.fetch import FetchError
from bot.digest.records import Article, PostedRef
from bot.digest.service import DuplicateArticle
from bot.discord_adapter.cogs.admin_common import reply, require
from bot.discord_adapter.publisher import PublishError
from bot.storage.runtime_feeds import new_feed

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot

MAX_FILE = 2 * 1024 * 1024
HTML_SUFFIXES = (".html", ".htm")
Channel = discord.TextChannel | discord.ForumChannel


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FeedCog(commands.GroupCog, group_name="feed", group_description="The feeds the digest posts from"):
    def __init__(self, bot: ModBot) -> None:
        self.bot = bot
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
        if not _is_url(url):
            await reply(interaction, f"{url!r} is not an http(s) URL.")
            return
        if any(feed.url == url for feed in self.bot.app.settings.digest.feeds):
            await reply(interaction, "That feed is already configured in settings.yaml.")
            return
        added = await self.bot.runtime_feeds.add(new_feed(url, channel.id, interaction.guild_id, interaction.user.id,
                                                          name))
        if not added:
            await reply(interaction, "That feed was already added.")
            return
        await self.bot.modlog.notice(f"<@{interaction.user.id}> added the feed {url} → <#{channel.id}>.")
        started = await self.bot.start_digest()
        await reply(interaction, f"Feed added: {url} → <#{channel.id}>. The first poll marks what is there as seen; "
                                 "new articles after that are posted." + ("" if started else " (The poller is off.)"))

    @app_commands.command(name="list", description="The feeds: from settings.yaml and added here")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        if not await require(interaction, "manage_guild"):
            return
        configured = {feed.url for feed in self.bot.app.settings.digest.feeds}
        lines = []
        for feed in await self.bot.digest_feeds():
            state = await self.bot.articles.feed_state(feed.url)
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
        if any(feed.url == url for feed in self.bot.app.settings.digest.feeds):
            await reply(interaction, "That feed is configured in settings.yaml: remove it there.")
            return
        removed = await self.bot.runtime_feeds.remove(url)
        if removed:
            await self.bot.modlog.notice(f"<@{interaction.user.id}> removed the feed {url}.")
        await reply(interaction, "Feed removed." if removed else "No feed with that URL was added here.")


class ArticleCog(commands.Cog):
    def __init__(self, bot: ModBot) -> None:
        self.bot = bot

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
            article = await (self._from_url(url) if url is not None else self._from_file(file))
            service = await self.bot.digest_service()
            ref = await service.post_article(article, channel.id)
        except (ExtractionError, FetchError, DuplicateArticle, PublishError, ValueError) as exc:
            await reply(interaction, f"Not posted: {exc}")
            return
        assert isinstance(ref, PostedRef)
        where = f"<#{ref.thread_id}>" if ref.thread_id else f"<#{ref.channel_id}>"
        await reply(interaction, f"Posted “{article.title}” in <#{ref.channel_id}>; discussion: {where}.")

    async def _from_url(self, url: str) -> Article:
        if not _is_url(url):
            raise ValueError(f"{url!r} is not an http(s) URL")
        page = await self.bot.fetcher.fetch(url)
        return await asyncio.get_running_loop().run_in_executor(
            None, Extractor().from_bytes, page.body, page.url, page.content_type
        )

    async def _from_file(self, file: discord.Attachment | None) -> Article:
        assert file is not None
        if file.size > MAX_FILE:
            raise ValueError(f"{file.filename} is larger than {MAX_FILE // 1024} KB")
        body = await file.read()
        text = decode(body, file.content_type)
        extractor = Extractor()
        if file.filename.lower().endswith(HTML_SUFFIXES):
            return await asyncio.get_running_loop().run_in_executor(
                None, lambda: extractor.from_html(text, source=file.filename).article)
        return await asyncio.get_running_loop().run_in_executor(
            None, lambda: extractor.from_text(text, source=file.filename))


async def setup(bot: commands.Bot) -> None:
    from bot.discord_adapter.client import ModBot

    assert isinstance(bot, ModBot)
    await bot.add_cog(FeedCog(bot))
    await bot.add_cog(ArticleCog(bot))
