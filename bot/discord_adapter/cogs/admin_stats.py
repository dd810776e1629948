"""/stats [period] [article]: actions by type, top rules, flagged rate, review agreement, and a PNG chart."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs.admin_common import reply, require
from bot.durations import DurationError, parse_duration
from bot.stats.chart import render_png
from bot.stats.report import collect_report

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts


class StatsCog(commands.Cog):
    def __init__(self, bot: ModBot, services: BotServices, parts: DiscordParts) -> None:
        self.bot = bot
        self.services = services
        self.modlog = parts.modlog

    @app_commands.command(name="stats", description="Moderation figures and a chart for a period")
    @app_commands.describe(period="How far back: 24h, 7d, 30d", article="An article id: only its discussion")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_messages=True)
    async def stats(
        self,
        interaction: discord.Interaction[Any],
        period: str = "7d",
        article: app_commands.Range[int, 1] | None = None,
    ) -> None:
        if not await require(interaction, "manage_messages"):
            return
        assert interaction.guild_id is not None
        try:
            length = parse_duration(period)
        except DurationError as exc:
            await reply(interaction, str(exc))
            return
        channel_id: int | None = None
        title: str | None = None
        if article is not None:
            stored = await self.services.articles.get(article)
            if stored is None or stored.posted is None:
                await reply(interaction, f"Article {article} was never posted here.")
                return
            channel_id = stored.posted.thread_id or stored.posted.channel_id
            title = stored.title
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await collect_report(
            self.services.stats, interaction.guild_id, self.services.clock(), length, channel_id, title
        )
        png = await asyncio.get_running_loop().run_in_executor(None, render_png, report)
        await reply(interaction, "\n".join(report.lines()), file=discord.File(io.BytesIO(png), "stats.png"))

