"""Hostile input through the real bot: huge, zalgo, emoji, bidi, mention floods, hidden slurs, and text
crafted to make the bot's own messages ping people. Every bot message suppresses every mention."""

from __future__ import annotations

import discord
import pytest

from bot.discord_adapter.remedies import RESTORED_MARK
from tests.discord_adapter.conftest import World
from tests.support import all_cases

ZALGO = "\u0336\u0334\u0335\u0337\u0338\u0321\u0322\u0327\u0328\u0310\u0311\u0312\u0313\u0314"



def visible(world: World, message: discord.Message) -> bool:
    return message.id in [m.id for m in world.thread.history()]


def bot_messages(world: World) -> list[object]:
    """Every message the bot (or its restore webhook) put on the simulated Discord, from SimCord's backend."""
    backend = world.env.backend
    bot_id = backend.bot_user.id
    return [
        message
        for channel in backend.messages.values()
        for message in channel.values()
        if message.author_id == bot_id or message.webhook_id is not None
    ]


def assert_nobody_pinged(world: World) -> None:
    sent = [r for r in world.env.http_requests
            if (r.method in ("POST", "PATCH") and isinstance(r.json, dict) and "/messages" in r.path)
            or r.path.startswith("/webhooks/") or r.path.startswith("/interactions/")]
    assert sent
    for request in sent:
        body = request.json if isinstance(request.json, dict) else {}
        body = body.get("data", body) if request.path.startswith("/interactions/") else body
        if "content" in body or "embeds" in body:
            assert body.get("allowed_mentions") == {"parse": []}, (request.method, request.path)
    messages = bot_messages(world)
    assert messages
    for message in messages:
        assert not message.mention_everyone  # type: ignore[attr-defined]
        assert message.ping_user_ids == [] and message.ping_role_ids == []  # type: ignore[attr-defined]


async def test_a_2000_character_message_is_judged_and_every_bot_message_fits(world: World) -> None:
    text = ("Only an idiot would vote for this. " * 60)[:2000]
    message = await world.alice.send(world.thread, text)

    assert not visible(world, message)
    (case,) = await all_cases(world.app.cases)
    assert case.text == text  # stored whole
    embed = world.mod_log.last_message.embeds[0]  # type: ignore[union-attr]
    assert all(len(field.value or "") <= 1024 for field in embed.fields) and len(embed) <= 6000
    dm = world.alice.user.dm_channel.last_message
    assert dm is not None and len(dm.content) <= 2000


async def test_a_2000_character_message_held_for_review_is_restored_whole_enough(world: World) -> None:
    text = ("This plan is trash. @everyone <@&1> " * 60)[:2000]
    message = await world.alice.send(world.thread, text)
    assert not visible(world, message)
    review_post = world.review.last_message
    assert review_post is not None and len(review_post.embeds[0].description or "") <= 4096

    await world.mod.click(review_post, label="Approve")

    restored = world.thread.last_message
    if restored is None or restored.webhook_id is None:  # SimCord 3.2.1 posts webhook threads to the parent
        restored = world.news.last_message
    assert restored is not None and restored.webhook_id is not None
    assert len(restored.content) <= 2000 and restored.content.endswith(RESTORED_MARK)
    assert restored.content.startswith(text[:1900])
    assert_nobody_pinged(world)


@pytest.mark.parametrize(
    "text",
    [
        "".join(ch + ZALGO for ch in "you idiot"),  # zalgo
        "i\u200dd\u200di\u200do\u200dt",  # zero-width joiners inside the word
        "i\u200bd\u200bi\u200bo\u200bt",  # zero-width spaces
        "\U0001f600" * 500 + " idiot " + "\U0001f525" * 500,  # emoji flood around it
        "\u202eyou idiot\u202c",  # a right-to-left override in front of it
        "".join(f"<@{n}> " for n in range(1, 60)) + "idiot",  # a mention flood
    ],
    ids=["zalgo", "zwj", "zwsp", "emoji-flood", "rlo", "mention-flood"],
)
async def test_disguised_insults_are_still_caught(world: World, text: str) -> None:
    message = await world.alice.send(world.thread, text)

    assert not visible(world, message)
    (case,) = await all_cases(world.app.cases)
    assert case.rule_id == "toxic" and case.text == text
    assert_nobody_pinged(world)


@pytest.mark.parametrize(
    "text",
    [
        ZALGO * 130,  # nothing but combining marks
        "\U0001f600\U0001f44d" * 500,  # nothing but emoji
        "\u202e\u2066\u2067\u2068\u2069\u200f" * 100,  # nothing but bidi controls
        "\u200b" * 1999 + "a",
    ],
    ids=["only-zalgo", "only-emoji", "only-bidi", "only-zero-width"],
)
async def test_floods_without_an_insult_are_left_alone(world: World, text: str) -> None:
    message = await world.bob.send(world.thread, text)

    assert visible(world, message)
    assert await all_cases(world.app.cases) == []
    assert await world.app.storage.messages.count() == 1  # judged once, allowed


async def test_a_word_shown_reversed_by_a_right_to_left_override_is_caught(world: World) -> None:
    message = await world.alice.send(world.thread, "you \u202etoidi\u202c")  # displays as "you idiot"
    assert not visible(world, message)


async def test_text_crafted_to_ping_never_pings_from_any_bot_message(world: World) -> None:
    staff = world.guild.create_role("Staff", mentionable=True)
    bait = (f"@everyone @here <@&{staff.id}> <@{world.bob.id}> <@!{world.mod.id}> "
            "[click](https://example.invalid) ``` idiot")
    await world.alice.send(world.thread, bait)  # delete + warn: mod log embed, DM
    held = await world.bob.send(world.thread, f"@everyone <@&{staff.id}> this is trash")  # delete + flag
    await world.mod.click(world.review.last_message, label="Approve")  # type: ignore[arg-type]
    flagged = await world.alice.send(world.thread, f"@here <@{world.bob.id}> garbage")  # flag only
    await world.mod.click(world.review.last_message, label="Remove")  # type: ignore[arg-type]
    await world.bot.parts.modlog.notice(f"notice quoting a user: {bait}")
    await world.env.settle()

    assert not visible(world, flagged)
    assert held.id not in [m.id for m in world.thread.history()]
    assert len(await all_cases(world.app.cases)) == 4  # two by the bot, the held one, and the moderator's removal
    assert_nobody_pinged(world)
    mentions_text = [m for m in bot_messages(world) if "@everyone" in m.content]  # type: ignore[attr-defined]
    assert mentions_text  # the bait did reach bot messages verbatim, and still pinged nobody
