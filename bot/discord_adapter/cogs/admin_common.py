"""Shared by the admin cogs: the permission gate (checked in code as well as by default permissions),
private replies that never ping, and the Discord implementation of `Remedies`."""

from __future__ import annotations

import logging
from typing import Any

import discord

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MESSAGE_LIMIT = 2000

# What each group of commands needs; the same names go into `default_permissions`.
PERMISSION_WORDS = {
    "manage_messages": "Manage Messages",
    "moderate_members": "Timeout Members",
    "kick_members": "Kick Members",
    "ban_members": "Ban Members",
    "manage_guild": "Manage Server",
}


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def reply(interaction: discord.Interaction[Any], text: str, **kwargs: Any) -> None:
    """A private reply (or follow-up, when the interaction was deferred) that never pings anyone."""
    kwargs.setdefault("ephemeral", True)
    kwargs["allowed_mentions"] = NO_MENTIONS
    if interaction.response.is_done():
        await interaction.followup.send(clip(text), **kwargs)
    else:
        await interaction.response.send_message(clip(text), **kwargs)


async def require(interaction: discord.Interaction[Any], permission: str) -> bool:
    """True when the member has the permission; otherwise replies with a refusal and returns False.

    Default permissions hide a command from members without them, but a server can override that in its
    integration settings: this check still holds.
    """
    if interaction.guild is None:
        await reply(interaction, "This command works in a server only.")
        return False
    if getattr(interaction.permissions, permission, False) or interaction.permissions.administrator:
        return True
    log.info("admin refused user=%s command=%s missing=%s", interaction.user.id,
             interaction.command.qualified_name if interaction.command else None, permission)
    await reply(interaction, f"You need the {PERMISSION_WORDS.get(permission, permission)} permission for this.")
    return False
