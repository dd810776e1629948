"""DiscordPublisher against SimCord: a thread under a text-channel message, a post in a forum channel."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest
import simcord

from bot.digest.publish import ArticlePost
from bot.discord_adapter.publisher import DiscordPublisher, PublishError


def _post(channel_id: int, **changes: object) -> ArticlePost:
    values: dict[str, object] = {
        "channel_id": channel_id,
        "title": "Putin warns NATO",
        "description": "First sentence.\n\nSecond sentence @everyone <@&1>.",
        "link": "https://example.org/putin-nato",
        "source": "The Duran",
        "published": datetime(2024, 5, 1, tzinfo=UTC),
        "image": "https://example.org/image.jpg",
        "thread_name": "Putin warns NATO",
        "first_message": "**Discussion rules** - be civil. @everyone",
    }
    values.update(changes)
    return ArticlePost(**values)  # type: ignore[arg-type]


@pytest.fixture
def simcord_bot() -> discord.Client:
    return discord.Client(intents=discord.Intents.default())


@pytest.fixture
def env(simcord_env: simcord.Env) -> simcord.Env:
    return simcord_env


async def test_text_channel_gets_embed_then_thread_with_rules(env: simcord.Env) -> None:
    guild = env.create_guild()
    channel = guild.create_text_channel("news")
    publisher = DiscordPublisher(env.bot)

    ref = await publisher.publish(_post(channel.id))

    assert ref.channel_id == channel.id
    by_id = {m.id: m for m in channel.history()}
    message = by_id[ref.message_id]
    embed = message.embeds[0]
    assert embed.title == "Putin warns NATO"
    assert embed.url == "https://example.org/putin-nato"
    assert embed.footer.text == "The Duran"
    assert embed.image.url == "https://example.org/image.jpg"
    assert embed.description is not None and embed.description.startswith("First sentence.")
    threads = channel.threads
    assert [t.id for t in threads] == [ref.thread_id]
    first = threads[0].history()
    assert first and first[0].content.startswith("**Discussion rules**")
    assert not first[0].mention_everyone


async def test_forum_channel_gets_a_post_whose_first_message_has_the_rules(env: simcord.Env) -> None:
    guild = env.create_guild()
    forum = guild.create_forum_channel("articles")
    publisher = DiscordPublisher(env.bot)

    ref = await publisher.publish(_post(forum.id, thread_name="A forum post"))

    assert ref.channel_id == forum.id
    assert ref.thread_id is not None
    threads = forum.threads
    assert [t.id for t in threads] == [ref.thread_id]
    assert threads[0].name == "A forum post"
    starter = threads[0].history()
    assert starter[0].id == ref.message_id
    assert starter[0].content.startswith("**Discussion rules**")
    assert starter[0].embeds[0].title == "Putin warns NATO"


async def test_bot_messages_use_no_mentions(env: simcord.Env) -> None:
    guild = env.create_guild()
    channel = guild.create_text_channel("news")
    await DiscordPublisher(env.bot).publish(_post(channel.id))

    sends = [e for e in env.http_requests if e.method == "POST" and e.path.endswith("/messages")]
    assert sends
    for entry in sends:
        assert entry.json["allowed_mentions"] == {"parse": []}


async def test_unknown_channel_is_a_clear_error(env: simcord.Env) -> None:
    env.create_guild()
    with pytest.raises(PublishError, match="does not exist"):
        await DiscordPublisher(env.bot).publish(_post(123456789))
