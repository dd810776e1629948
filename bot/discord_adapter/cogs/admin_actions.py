"""/warn, /timeout, /kick, /ban and /pardon by hand: cases with the moderator as actor, through the enforcer."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs.admin_common import reply, require
from bot.discord_adapter.enforcer import MAX_TIMEOUT
from bot.durations import DurationError, parse_duration
from bot.moderation.manual import ManualRequest, ManualResult
from bot.records import Action, ActionKind

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts

Reason = app_commands.Range[str, 0, 500]


class ManualActionsCog(commands.Cog):
    def __init__(self, bot: ModBot, services: BotServices, parts: DiscordParts) -> None:
        self.bot = bot
        self.services = services
        self.modlog = parts.modlog

    async def _act(self, interaction: discord.Interaction[Any], user: discord.User, action: Action,
                   reason: str) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        if user.id == interaction.user.id:
            await reply(interaction, "You cannot act on yourself.")
            return
        if self.bot.user is not None and user.id == self.bot.user.id:
            await reply(interaction, "modbot does not act on itself.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.services.manual.act(ManualRequest(
            interaction.guild_id, interaction.channel_id, user.id, interaction.user.id, action, reason))
        await self._report(interaction, result)

    async def _report(self, interaction: discord.Interaction[Any], result: ManualResult) -> None:
        await self.modlog.post_case(result.case, result.enforcement)
        await reply(interaction, result.summary())

    @app_commands.command(name="warn", description="Warn a member by DM (recorded as a case)")
    @app_commands.describe(user="The member", reason="What they did (sent to them)")
    @app_commands.guild_only()
    @app_commands.default_permissions(moderate_members=True)
    async def warn(self, interaction: discord.Interaction[Any], user: discord.User, reason: Reason = "") -> None:
        if await require(interaction, "moderate_members"):
            await self._act(interaction, user, Action(ActionKind.WARN), reason)

    @app_commands.command(name="timeout", description="Time a member out (recorded as a case)")
    @app_commands.describe(user="The member", duration="How long: 10m, 1h, 1d (at most 28d)", reason="Why")
    @app_commands.guild_only()
    @app_commands.default_permissions(moderate_members=True)
    async def timeout(
        self, interaction: discord.Interaction[Any], user: discord.User, duration: str = "1h", reason: Reason = ""
    ) -> None:
        if not await require(interaction, "moderate_members"):
            return
        try:
            length = parse_duration(duration)
        except DurationError as exc:
            await reply(interaction, str(exc))
            return
        if length > MAX_TIMEOUT or length < timedelta(seconds=1):
            await reply(interaction, "A timeout lasts at most 28d (Discord's limit).")
            return
        await self._act(interaction, user, Action(ActionKind.TIMEOUT, length), reason)

    @app_commands.command(name="kick", description="Kick a member (recorded as a case)")
    @app_commands.describe(user="The member", reason="Why")
    @app_commands.guild_only()
    @app_commands.default_permissions(kick_members=True)
    async def kick(self, interaction: discord.Interaction[Any], user: discord.User, reason: Reason = "") -> None:
        if await require(interaction, "kick_members"):
            await self._act(interaction, user, Action(ActionKind.KICK), reason)

    @app_commands.command(name="ban", description="Ban a member (recorded as a case)")
    @app_commands.describe(user="The member or user", reason="Why")
    @app_commands.guild_only()
    @app_commands.default_permissions(ban_members=True)
    async def ban(self, interaction: discord.Interaction[Any], user: discord.User, reason: Reason = "") -> None:
        if await require(interaction, "ban_members"):
            await self._act(interaction, user, Action(ActionKind.BAN), reason)

    @app_commands.command(name="pardon", description="Clear a member's strikes and lift a timeout (recorded)")
    @app_commands.describe(user="The member", reason="Why")
    @app_commands.guild_only()
    @app_commands.default_permissions(moderate_members=True)
    async def pardon(self, interaction: discord.Interaction[Any], user: discord.User, reason: Reason = "") -> None:
        if not await require(interaction, "moderate_members"):
            return
        assert interaction.guild_id is not None and interaction.channel_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.services.manual.pardon(
            interaction.guild_id, interaction.channel_id, user.id, interaction.user.id, reason)
        await self._report(interaction, result)

