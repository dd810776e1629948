"""/stats [period] [article]: actions by type, top rules, flagged rate, review agreement, calibration per score rule
(on all of this server's verdicts), and a PNG chart."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs.admin_common import reply, require
from bot.durations import DurationError, parse_duration
from bot.moderation.calibrate import RuleCalibration
from bot.stats.chart import render_png
from bot.stats.report import collect_report

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts


MIN_VERDICTS = 30  # as `modbot calibrate`: no suggestion backed by fewer


def calibration_lines(results: list[RuleCalibration]) -> list[str]:
    """One line per score rule: precision on moderators' verdicts (95 % interval), and the suggested min."""
    if not results:
        return []
    lines = ["Calibration (moderators' verdicts, all time; 95 % interval):"]
    for result in results:
        band = f"`{result.rule_id}` ({result.label} ≥ {result.min:.2f})"
        if result.precision is None:
            lines.append(f"- {band}: no verdicts yet")
            continue
        low, high = result.interval
        line = f"- {band}: precision {result.precision:.2f} [{low:.2f}, {high:.2f}] on {result.verdicts} verdicts"
        if result.suggested is not None:
            line += f"; suggested min {result.suggested:.3f}" + ("" if result.change else " (keep it)")
        else:  # calibrate's own reason: too few verdicts, or no min reaches the target
            line += "; " + result.note.replace("not enough verdicts to suggest", "too few verdicts to suggest a min")
        lines.append(line)
    return lines


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
        calibration = await self.services.calibration.run(guild_id=interaction.guild_id, min_verdicts=MIN_VERDICTS)
        png = await asyncio.get_running_loop().run_in_executor(None, render_png, report)
        text = "\n".join([*report.lines(), *calibration_lines(calibration)])
        await reply(interaction, text, file=discord.File(io.BytesIO(png), "stats.png"))

