"""/exempt add|remove role|user, /exempt list: stored exemptions, merged with the rules file's at decision time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs.admin_common import reply, require
from bot.records import ExemptKind

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts


def _target(role: discord.Role | None, user: discord.User | None) -> tuple[ExemptKind, int, str] | None:
    if (role is None) == (user is None):
        return None
    if role is not None:
        return ExemptKind.ROLE, role.id, f"role <@&{role.id}>"
    assert user is not None
    return ExemptKind.USER, user.id, f"<@{user.id}>"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ExemptCog(commands.GroupCog, group_name="exempt", group_description="Roles and users never moderated"):
    def __init__(self, bot: ModBot, services: BotServices, parts: DiscordParts) -> None:
        self.bot = bot
        self.services = services
        self.modlog = parts.modlog
        super().__init__()

    @app_commands.command(name="add", description="Never moderate this role or user")
    @app_commands.describe(role="A role", user="A user")
    async def add(
        self, interaction: discord.Interaction[Any], role: discord.Role | None = None, user: discord.User | None = None
    ) -> None:
        if not await require(interaction, "manage_guild"):
            return
        target = _target(role, user)
        if target is None:
            await reply(interaction, "Give exactly one of role or user.")
            return
        assert interaction.guild_id is not None
        kind, target_id, label = target
        added = await self.services.exemptions.add(interaction.guild_id, kind, target_id, interaction.user.id)
        if added:
            await self.modlog.notice(f"<@{interaction.user.id}> exempted {label} from moderation.")
        await reply(interaction, f"{label} is now exempt." if added else f"{label} was already exempt.")

    @app_commands.command(name="remove", description="Moderate this role or user again")
    @app_commands.describe(role="A role", user="A user")
    async def remove(
        self, interaction: discord.Interaction[Any], role: discord.Role | None = None, user: discord.User | None = None
    ) -> None:
        if not await require(interaction, "manage_guild"):
            return
        target = _target(role, user)
        if target is None:
            await reply(interaction, "Give exactly one of role or user.")
            return
        assert interaction.guild_id is not None
        kind, target_id, label = target
        removed = await self.services.exemptions.remove(interaction.guild_id, kind, target_id)
        if removed:
            await self.modlog.notice(f"<@{interaction.user.id}> removed the exemption of {label}.")
        file_rules = self.services.rules.current
        still = target_id in (file_rules.exempt_roles if kind is ExemptKind.ROLE else file_rules.exempt_users)
        text = f"{label} is no longer exempt." if removed else f"{label} had no exemption added here."
        if still:
            text += " It is still exempt in the rules file."
        await reply(interaction, text)

    @app_commands.command(name="list", description="Exemptions added here and in the rules file")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        if not await require(interaction, "manage_guild"):
            return
        assert interaction.guild_id is not None
        snapshot = self.services.exemptions.of(interaction.guild_id)
        rules = self.services.rules.current
        lines = [
            "Added here: " + (", ".join([f"<@&{r}>" for r in sorted(snapshot.roles)]
                                        + [f"<@{u}>" for u in sorted(snapshot.users)]) or "none"),
            f"Rules file: {len(rules.exempt_roles)} role(s), {len(rules.exempt_users)} user(s), "
            f"{len(rules.exempt_channels)} channel(s)",
        ]
        await reply(interaction, "\n".join(lines))

