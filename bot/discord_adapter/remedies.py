"""Undoing actions on Discord (lift a timeout, unban, restore a removed message): `Remedies` for `CaseReverser`;
and a thread's slowmode and lock: `ThreadRemedies` for heat control (bot/moderation/timed.py)."""

from __future__ import annotations

import contextlib
from typing import Any

import discord

from bot.discord_adapter.enforcer import describe_error
from bot.discord_adapter.failures import DISCORD_FAILURES
from bot.moderation.remedies import RemedyFailed
from bot.records import ActionKind, Case

RESTORED_MARK = "-# ♻️ restored by the moderators"
WEBHOOK_NAME = "modbot restore"
_NO_MENTIONS = discord.AllowedMentions.none()


class DiscordRemedies:
    """Implements `bot.moderation.remedies.Remedies` on Discord: lift a timeout, unban, restore a message; and
    `ThreadRemedies`: read and set a thread's slowmode, unlock it."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

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

    async def _thread(self, channel_id: int, kind: ActionKind) -> discord.Thread:
        try:
            channel = self._client.get_channel(channel_id) or await self._client.fetch_channel(channel_id)
        except discord.HTTPException as exc:
            raise RemedyFailed(describe_error(kind, exc)) from exc
        except DISCORD_FAILURES as exc:
            raise RemedyFailed(f"{kind.value}: {exc}") from exc
        if not isinstance(channel, discord.Thread):
            raise RemedyFailed(f"{kind.value}: channel {channel_id} is not a thread")
        return channel

    async def _edit(self, channel_id: int, kind: ActionKind, reason: str, **fields: Any) -> discord.Thread:
        """`thread.edit(**fields)`; every failure a RemedyFailed that names `kind`."""
        thread = await self._thread(channel_id, kind)
        try:
            await thread.edit(reason=reason, **fields)
        except discord.HTTPException as exc:
            raise RemedyFailed(describe_error(kind, exc)) from exc
        except DISCORD_FAILURES as exc:
            raise RemedyFailed(f"{kind.value}: {exc}") from exc
        return thread

    async def slowmode_delay(self, guild_id: int, channel_id: int) -> int:
        return (await self._thread(channel_id, ActionKind.SLOWMODE)).slowmode_delay

    async def set_slowmode(self, guild_id: int, channel_id: int, seconds: int, reason: str) -> None:
        await self._edit(channel_id, ActionKind.SLOWMODE, reason, slowmode_delay=seconds)

    async def unlock(self, guild_id: int, channel_id: int, reason: str, note: str | None = None) -> None:
        thread = await self._edit(channel_id, ActionKind.LOCK, reason, locked=False)
        if note is not None:
            with contextlib.suppress(*DISCORD_FAILURES):  # unlocked all the same: the note is a courtesy
                await thread.send(note, allowed_mentions=_NO_MENTIONS)

    async def restore(self, case: Case) -> int:
        """Repost a removed message through a webhook under the author's name and avatar, marked as restored."""
        try:
            return await self._repost(case)
        except discord.HTTPException as exc:
            raise RemedyFailed(f"restore: {exc.status} {exc.text} ({exc.code})") from exc
        except DISCORD_FAILURES as exc:
            raise RemedyFailed(f"restore: {exc}") from exc

    async def _repost(self, case: Case) -> int:
        channel = self._client.get_channel(case.channel_id) or await self._client.fetch_channel(case.channel_id)
        thread: discord.Thread | None = channel if isinstance(channel, discord.Thread) else None
        host = thread.parent if thread is not None else channel
        if not isinstance(host, (discord.TextChannel, discord.ForumChannel)):
            raise discord.ClientException(f"cannot restore into channel {case.channel_id}")
        webhook = await self._webhook(host)
        name, avatar = await self._author_look(case)
        text = (case.text or "")[: 2000 - len(RESTORED_MARK) - 1]
        kwargs: dict[str, Any] = {"thread": thread} if thread is not None else {}
        message = await webhook.send(
            f"{text}\n{RESTORED_MARK}",
            username=name[:80],
            avatar_url=avatar,
            allowed_mentions=_NO_MENTIONS,
            wait=True,
            **kwargs,
        )
        return message.id

    async def _webhook(self, host: discord.TextChannel | discord.ForumChannel) -> discord.Webhook:
        me = self._client.user
        for webhook in await host.webhooks():
            if webhook.name == WEBHOOK_NAME and webhook.token and (me is None or webhook.user == me):
                return webhook
        return await host.create_webhook(name=WEBHOOK_NAME, reason="restore messages approved in review")

    async def _author_look(self, case: Case) -> tuple[str, str | None]:
        guild = self._client.get_guild(case.guild_id)
        member = guild.get_member(case.user_id) if guild else None
        if member is not None:
            return member.display_name, member.display_avatar.url
        try:
            user = await self._client.fetch_user(case.user_id)
        except discord.HTTPException:
            return f"user {case.user_id}", None
        return user.display_name, user.display_avatar.url

