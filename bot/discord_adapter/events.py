"""discord.Message -> MessageEvent, and which messages are in scope at all."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.records import MessageEvent
from bot.settings import DiscordSettings

_JUDGED_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


@dataclass(frozen=True, slots=True)
class Scope:
    """Which guilds and channels are moderated. Empty `guild_ids` means every guild the bot is in."""

    guild_ids: frozenset[int]
    channel_ids: frozenset[int]

    @classmethod
    def from_settings(cls, settings: DiscordSettings) -> Scope:
        return cls(frozenset(settings.guild_ids), frozenset(settings.moderated_channel_ids))

    def covers_guild(self, guild_id: int) -> bool:
        return not self.guild_ids or guild_id in self.guild_ids

    def covers_channel(self, channel: object) -> bool:
        """A moderated channel itself, or a thread (or forum post) whose parent is one."""
        if isinstance(channel, discord.Thread):
            return channel.parent_id in self.channel_ids
        channel_id = getattr(channel, "id", None)
        return channel_id in self.channel_ids


def message_to_event(
    message: discord.Message, scope: Scope, *, self_id: int | None, edited: bool = False
) -> MessageEvent | None:
    """The event the pipeline judges, or None when the message is not ours to judge.

    Skipped: DMs, other guilds, channels outside the scope, bots and webhooks (our own restored
    messages included), the bot itself, system messages, and messages without text.
    """
    guild = message.guild
    if guild is None or not scope.covers_guild(guild.id):
        return None
    if not scope.covers_channel(message.channel):
        return None
    author = message.author
    if author.bot or message.webhook_id is not None or (self_id is not None and author.id == self_id):
        return None
    if message.type not in _JUDGED_TYPES or not message.content.strip():
        return None
    roles = frozenset(role.id for role in author.roles) if isinstance(author, discord.Member) else frozenset()
    channel = message.channel
    parent_id = channel.parent_id if isinstance(channel, discord.Thread) else None
    return MessageEvent(
        guild_id=guild.id,
        channel_id=channel.id,
        message_id=message.id,
        author_id=author.id,
        content=message.content,
        created_at=message.created_at,
        author_roles=roles,
        parent_channel_id=parent_id,
        author_name=author.display_name,
        edited=edited,
    )
