"""Posting a digest article on Discord: an embed, then a thread (text channel) or a forum post (forum channel).

The first message inside the thread or post states the discussion rules. Every message the bot sends uses
AllowedMentions.none(): article text can never ping anyone.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import discord

from bot.digest.publish import ArticlePost
from bot.records import PostedRef

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    pass


def build_embed(post: ArticlePost) -> discord.Embed:
    embed = discord.Embed(title=post.title, description=post.description, url=post.link,
                          timestamp=post.published, colour=discord.Colour.blurple())
    if post.source:
        embed.set_footer(text=post.source)
    if post.image:
        embed.set_image(url=post.image)
    return embed


class DiscordPublisher:
    """Implements bot.digest.publish.Publisher with a connected (or logged-in) discord.py client."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def _channel(self, channel_id: int) -> discord.abc.GuildChannel | discord.Thread | discord.abc.PrivateChannel:
        channel = self._client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self._client.fetch_channel(channel_id)
            except discord.NotFound as exc:
                raise PublishError(f"channel {channel_id} does not exist") from exc
            except discord.Forbidden as exc:
                raise PublishError(f"channel {channel_id}: missing access") from exc
        return channel

    async def publish(self, post: ArticlePost) -> PostedRef:
        channel = await self._channel(post.channel_id)
        none = discord.AllowedMentions.none()
        embed = build_embed(post)
        if isinstance(channel, discord.ForumChannel):
            created = await channel.create_thread(
                name=post.thread_name, content=post.first_message, embed=embed, allowed_mentions=none
            )
            ref = PostedRef(channel_id=channel.id, message_id=created.message.id, thread_id=created.thread.id)
        elif isinstance(channel, discord.TextChannel):
            message = await channel.send(embed=embed, allowed_mentions=none)
            thread = await message.create_thread(name=post.thread_name)
            await thread.send(post.first_message, allowed_mentions=none)
            ref = PostedRef(channel_id=channel.id, message_id=message.id, thread_id=thread.id)
        else:
            raise PublishError(f"channel {post.channel_id} is not a text or forum channel")
        log.info("discord.publish channel=%d message=%d thread=%s", ref.channel_id, ref.message_id, ref.thread_id)
        return ref


@contextlib.asynccontextmanager
async def logged_in_publisher(token: str) -> AsyncIterator[DiscordPublisher]:
    """A publisher over a REST-only login (no gateway): enough to post, for `modbot digest --once`."""
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(token)
    except discord.LoginFailure as exc:
        await client.close()
        raise PublishError("Discord refused the token (DISCORD_TOKEN)") from exc
    try:
        yield DiscordPublisher(client)
    finally:
        await client.close()
