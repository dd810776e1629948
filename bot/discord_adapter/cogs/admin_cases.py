"""/case show N, /case reverse N [reason], /case note N text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs.admin_common import reply, require
from bot.discord_adapter.modlog import case_embed
from bot.errors import CaseNotFound

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class CaseCog(commands.GroupCog, group_name="case", group_description="Look at, reverse or annotate a case"):
    def __init__(self, bot: ModBot, services: BotServices, parts: DiscordParts) -> None:
        self.bot = bot
        self.services = services
        self.modlog = parts.modlog
        super().__init__()

    @app_commands.command(name="show", description="Show a case with its notes and appeals")
    @app_commands.describe(number="The case number")
    async def show(self, interaction: discord.Interaction[Any], number: app_commands.Range[int, 1]) -> None:
        if not await require(interaction, "manage_messages"):
            return
        assert interaction.guild_id is not None
        try:
            case = await self.services.cases.get(interaction.guild_id, number)
        except CaseNotFound as exc:
            await reply(interaction, f"{exc}.")
            return
        embed = case_embed(case)
        embed.add_field(name="Status", value=case.status.value + (
            f" by <@{case.reversed_by}>: {case.reverse_reason}" if case.reversed_by else ""), inline=False)
        notes = await self.services.cases.notes(case.id)
        if notes:
            embed.add_field(
                name="Notes",
                value="\n".join(f"<@{note.author_id}>: {note.body}" for note in notes)[:1024],
                inline=False,
            )
        appeals = await self.services.appeal_items.for_case(case.id)
        if appeals:
            embed.add_field(
                name="Appeals",
                value="\n".join(f"#{a.id} {a.status.value}: {a.body[:80]}" for a in appeals)[:1024],
                inline=False,
            )
        await reply(interaction, f"Case #{case.number}", embed=embed)

    @app_commands.command(name="reverse", description="Reverse a case: lift its timeout or ban, restore the message")
    @app_commands.describe(number="The case number", reason="Why it is reversed")
    async def reverse(
        self, interaction: discord.Interaction[Any], number: app_commands.Range[int, 1], reason: str = ""
    ) -> None:
        if not await require(interaction, "manage_messages"):
            return
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await self.services.reverser.reverse(interaction.guild_id, number, interaction.user.id, reason)
        except CaseNotFound as exc:
            await reply(interaction, f"{exc}.")
            return
        if not result.already:
            await self.modlog.notice(f"<@{interaction.user.id}>: {result.summary()}")
        await reply(interaction, result.summary())

    @app_commands.command(name="note", description="Add a moderator's note to a case")
    @app_commands.describe(number="The case number", text="The note")
    async def note(
        self,
        interaction: discord.Interaction[Any],
        number: app_commands.Range[int, 1],
        text: app_commands.Range[str, 1, 1000],
    ) -> None:
        if not await require(interaction, "manage_messages"):
            return
        assert interaction.guild_id is not None
        try:
            case = await self.services.cases.get(interaction.guild_id, number)
        except CaseNotFound as exc:
            await reply(interaction, f"{exc}.")
            return
        await self.services.cases.add_note(case.id, interaction.user.id, text)
        await reply(interaction, f"Note added to case #{case.number}.")

