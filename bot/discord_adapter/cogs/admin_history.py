"""/history @user [page]: a member's cases, active strikes, review outcomes and appeals, ten cases a page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs.admin_common import reply, require
from bot.records import Case

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts

PAGE_SIZE = 10


def case_line(case: Case) -> str:
    who = "bot" if case.actor_id is None else f"<@{case.actor_id}>"
    actions = ", ".join(str(action) for action in case.actions)
    return (f"#{case.number} {case.created_at:%Y-%m-%d %H:%M} {case.status.value}: {actions}"
            f" · {case.rule_id or 'by hand'} · by {who}")


class HistoryCog(commands.Cog):
    def __init__(self, bot: ModBot, services: BotServices, parts: DiscordParts) -> None:
        self.bot = bot
        self.services = services
        self.modlog = parts.modlog

    @app_commands.command(name="history", description="A member's cases, strikes, reviews and appeals")
    @app_commands.describe(user="The member", page="Page of cases (ten a page, newest first)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_messages=True)
    async def history(
        self, interaction: discord.Interaction[Any], user: discord.User, page: app_commands.Range[int, 1] = 1
    ) -> None:
        if not await require(interaction, "manage_messages"):
            return
        guild_id = interaction.guild_id
        assert guild_id is not None
        history = await self.services.history.of(guild_id, user.id, page, PAGE_SIZE)
        pages = history.pages
        if page > pages:
            await reply(interaction, f"There are only {pages} page(s) of history for <@{user.id}>.")
            return
        lines = [
            f"**History of <@{user.id}>** ({user.id}): {history.total} case(s), {history.strikes} active "
            "strike(s)",
            "Reviews: " + (", ".join(f"{status} {n}" for status, n in history.review_outcomes) or "none"),
            "Appeals: " + (", ".join(f"#{a.id} {a.status.value}" for a in history.appeals) or "none"),
        ]
        shown = history.page
        lines.extend(case_line(case) for case in shown)
        if not shown:
            lines.append("No cases.")
        lines.append(f"Page {page}/{pages}")
        await reply(interaction, "\n".join(lines))

