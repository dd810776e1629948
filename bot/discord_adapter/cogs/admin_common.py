"""Shared by the admin cogs: the permission gate (checked in code as well as by default permissions),
private replies that never ping, and the Discord implementation of `Remedies`."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.discord_adapter.enforcer import describe_error
from bot.discord_adapter.review import ReviewQueue
from bot.moderation.remedies import RemedyFailed
from bot.records import ActionKind, Case
from bot.storage.reviews import ReviewItem, ReviewStatus

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


class DiscordRemedies:
    """Implements `bot.moderation.remedies.Remedies`: lift a timeout, unban, restore via the review queue."""

    def __init__(self, client: discord.Client, queue: ReviewQueue) -> None:
        self._client = client
        self._queue = queue

    def _guild(self, guild_id: int) -> discord.Guild:
        guild = self._client.get_guild(guild_id)
        if guild is None:
            raise RemedyFailed(f"not in server {guild_id}")
        return guild

    async def lift_timeout(self, guild_id: int, user_id: int, reason: str) -> None:
        guild = self._guild(guild_id)
        try:
            member = guild.get_member(user_id) or await guild.fetch_member(user_id)
            if member.is_timed_out():
                await member.timeout(None, reason=reason)
        except discord.NotFound as exc:
            raise RemedyFailed("timeout: the member has left the server") from exc
        except discord.HTTPException as exc:
            raise RemedyFailed(describe_error(ActionKind.TIMEOUT, exc)) from exc

    async def unban(self, guild_id: int, user_id: int, reason: str) -> None:
        try:
            await self._guild(guild_id).unban(discord.Object(user_id), reason=reason)
        except discord.NotFound as exc:
            raise RemedyFailed("ban: the user is no longer banned") from exc
        except discord.HTTPException as exc:
            raise RemedyFailed(describe_error(ActionKind.BAN, exc)) from exc

    async def restore(self, case: Case) -> int:
        item = ReviewItem(
            id=0, guild_id=case.guild_id, case_id=case.id, channel_id=case.channel_id, message_id=case.message_id,
            user_id=case.user_id, text=case.text, status=ReviewStatus.OPEN, review_message_id=None,
            reviewer_id=None, decided_at=None, created_at=case.created_at,
        )
        try:
            # The review queue's webhook restore (name, avatar, "restored" mark, into the thread).
            return await self._queue.restore(item)
        except discord.HTTPException as exc:
            raise RemedyFailed(f"restore: {exc.status} {exc.text} ({exc.code})") from exc
        except discord.ClientException as exc:
            raise RemedyFailed(f"restore: {exc}") from exc
