"""The real bot on a simulated Discord: replies in article threads are judged, acted on and logged."""

from __future__ import annotations

import discord
import pytest

from bot.app import build_bot
from bot.discord_adapter.client import ModBot
from bot.discord_adapter.remedies import RESTORED_MARK
from bot.moderation.pipeline import content_hash, draft_for
from bot.records import ActionKind, Actor, Case, CaseStatus, MessageEvent, ReviewStatus
from tests.discord_adapter.conftest import World, write_rules
from tests.support import all_cases


def contents(channel: object) -> list[str]:
    return [message.content for message in channel.history()]  # type: ignore[attr-defined]


async def test_toxic_reply_is_deleted_author_told_case_recorded_and_logged(world: World) -> None:
    await world.bob.send(world.thread, "Good piece, the bridge is overdue.")
    toxic = await world.alice.send(world.thread, "Only an idiot would vote for this")

    assert toxic.id not in [m.id for m in world.thread.history()]
    assert "Good piece, the bridge is overdue." in contents(world.thread)

    (case,) = await all_cases(world.app.cases)
    assert (case.number, case.user_id, case.rule_id) == (1, world.alice.id, "toxic")
    assert case.actor is Actor.AUTO and case.message_id == toxic.id
    assert case.applied == (ActionKind.DELETE, ActionKind.WARN) and case.errors == ()
    assert case.notified is True
    assert case.model_name == "test/keywords" and not case.model_fallback
    assert case.text == "Only an idiot would vote for this"

    dm = world.alice.user.dm_channel.last_message
    assert dm is not None
    assert '"toxic"' in dm.content and "toxicity 0.97" in dm.content and "Appeal" in dm.content
    assert "Case #1" in dm.content

    log = world.mod_log.last_message
    assert log is not None and log.embeds
    embed = log.embeds[0]
    fields = {field.name: field.value for field in embed.fields}
    assert embed.title == "Case #1"
    assert fields["Rule"] == "toxic"
    assert fields["Model"] == "test/keywords 1"
    assert "toxicity 0.97" in (fields["Labels"] or "")
    assert "Only an idiot" in (fields["Removed text"] or "")
    assert str(world.alice.id) in (fields["User"] or "")


async def test_civil_reply_and_other_channels_are_left_alone(world: World) -> None:
    general = world.guild.create_text_channel("general")
    await world.alice.send(world.thread, "I disagree: the cost estimate looks low.")
    await world.alice.send(general, "what an idiot idea")  # not a moderated channel

    assert contents(general) == ["what an idiot idea"]
    assert await all_cases(world.app.cases) == []
    assert await world.app.storage.messages.count() == 1  # only the thread reply was judged


async def test_forum_post_replies_are_moderated(world: World) -> None:
    forum = world.bot.get_channel(world.forum.id)
    assert isinstance(forum, discord.ForumChannel)
    await forum.create_thread(name="Bridge: letters", content="Letters about the bridge vote.")
    await world.env.settle()
    (post,) = world.forum.threads
    message = await world.bob.send(post, "you idiot")

    assert message.id not in [m.id for m in post.history()]
    (case,) = await all_cases(world.app.cases)
    assert case.channel_id == post.id and case.user_id == world.bob.id


async def test_edit_from_clean_to_toxic_is_acted_on_once(world: World) -> None:
    message = await world.alice.send(world.thread, "Interesting numbers in paragraph three.")
    assert await all_cases(world.app.cases) == []

    await world.alice.edit(message, "Interesting numbers, you idiot.")

    assert message.id not in [m.id for m in world.thread.history()]
    (case,) = await all_cases(world.app.cases)
    assert case.message_id == message.id and case.rule_id == "toxic"
    assert case.text == "Interesting numbers, you idiot."
    assert await world.app.storage.messages.count() == 2  # the original and the edit, each judged once


async def test_exempt_role_is_untouched(world: World) -> None:
    staff = world.guild.create_role("Staff")
    editor = world.guild.add_member(world.env.create_user("editor"), roles=[staff])
    write_rules(world.rules_path, exempt_roles=[staff.id])
    assert world.app.rules.reload().ok

    message = await editor.send(world.thread, "Quoting a reader: 'you idiot'")

    assert message.id in [m.id for m in world.thread.history()]
    assert await all_cases(world.app.cases) == []
    assert world.mod_log.last_message is None


async def test_bots_and_the_bot_itself_are_skipped(world: World) -> None:
    hook = world.guild.create_webhook(world.news, "Wire service")
    await hook.send("idiot headline from a feed")
    channel = world.bot.get_channel(world.thread.id)
    assert isinstance(channel, discord.Thread)
    await channel.send("idiot (said the bot)")
    await world.env.settle()

    assert await all_cases(world.app.cases) == []
    assert await world.app.storage.messages.count() == 0


async def test_missing_permission_is_recorded_and_the_bot_keeps_running(world: World) -> None:
    # A role above the bot's own: Discord refuses the timeout (role hierarchy, 403 / 50013).
    senior = world.guild.create_role("Senior", position=50)
    carol = world.guild.add_member(world.env.create_user("carol"), roles=[senior])

    await carol.send(world.thread, "I will hurt you")

    (case,) = await all_cases(world.app.cases)
    assert case.rule_id == "threats"
    assert ActionKind.DELETE in case.applied and ActionKind.TIMEOUT not in case.applied
    assert len(case.errors) == 1 and case.errors[0].startswith("timeout: 403")
    assert "50013" in case.errors[0]
    embed = world.mod_log.last_message.embeds[0]  # type: ignore[union-attr]
    assert any(field.name == "Errors" and "timeout: 403" in (field.value or "") for field in embed.fields)

    # Still running: the next toxic reply is handled normally.
    await world.alice.send(world.thread, "idiot")
    assert len(await all_cases(world.app.cases)) == 2


async def test_blocked_dm_is_recorded_as_not_notified(world: World) -> None:
    dm_channel = world.alice.user.dm_channel
    world.env.inject_error(
        "POST", f"/channels/{dm_channel.id}/messages", status=403, code=50007,
        message="Cannot send messages to this user",
    )
    await world.alice.send(world.thread, "idiot")

    (case,) = await all_cases(world.app.cases)
    assert case.notified is False
    assert case.applied == (ActionKind.DELETE,)
    assert case.errors == ("warn: 403 Cannot send messages to this user (50007)",)


async def flagged(world: World, author_text: str) -> tuple[discord.Message, Case]:
    message = await world.alice.send(world.thread, author_text)
    (case,) = await all_cases(world.app.cases)
    assert ActionKind.FLAG in case.applied
    review_post = world.review.last_message
    assert review_post is not None and review_post.components
    return message, case


async def test_approve_restores_a_message_the_bot_removed(world: World) -> None:
    message, case = await flagged(world, "This plan is trash, frankly")
    assert message.id not in [m.id for m in world.thread.history()]  # held: removed pending review

    result = await world.mod.click(world.review.last_message, label="Approve")  # type: ignore[arg-type]

    assert result.ephemeral and result.response is not None and "approved" in result.response.content
    # The bot asks Discord to post into the thread (`thread_id`). SimCord 3.2.1 ignores that parameter
    # for webhooks and posts into the parent channel, so look for the copy in either place.
    (execute,) = [r for r in world.env.http_requests if r.method == "POST" and r.path.startswith("/webhooks/")
                  and "interaction" not in r.path]
    assert str((execute.params or {}).get("thread_id")) == str(world.thread.id)
    restored = world.thread.last_message
    if restored is None or restored.webhook_id is None:
        restored = world.news.last_message
    assert restored is not None and restored.webhook_id is not None
    assert restored.author.name == "Alice A."
    assert restored.content.startswith("This plan is trash, frankly") and RESTORED_MARK in restored.content
    (item,) = await world.app.storage.reviews.find()
    assert item.status is ReviewStatus.APPROVED and item.reviewer_id == world.mod.id
    assert item.decided_at is not None
    reversed_case = await world.app.cases.get_by_id(case.id)
    assert reversed_case.status is CaseStatus.REVERSED and reversed_case.reversed_by == world.mod.id
    assert not world.review.last_message.components  # type: ignore[union-attr]
    assert len(await all_cases(world.app.cases)) == 1  # the restored copy (a webhook post) is not judged


async def test_remove_deletes_and_opens_a_moderator_case(world: World) -> None:
    message, _ = await flagged(world, "What garbage reporting")
    assert message.id in [m.id for m in world.thread.history()]  # flag only: still visible

    await world.mod.click(world.review.last_message, label="Remove")  # type: ignore[arg-type]

    assert message.id not in [m.id for m in world.thread.history()]
    bot_case, mod_case = await all_cases(world.app.cases)
    assert mod_case.actor is Actor.MODERATOR and mod_case.actor_id == world.mod.id
    assert mod_case.applied == (ActionKind.DELETE,) and mod_case.number == 2
    (item,) = await world.app.storage.reviews.find()
    assert item.status is ReviewStatus.REMOVED and item.case_id == bot_case.id
    assert world.mod_log.last_message.embeds[0].title == "Case #2"  # type: ignore[union-attr]


async def test_timeout_button_times_the_author_out(world: World) -> None:
    await flagged(world, "garbage take")

    await world.mod.click(world.review.last_message, label="Timeout")  # type: ignore[arg-type]

    member = world.alice.member
    assert member is not None and member.is_timed_out()
    (item,) = await world.app.storage.reviews.find()
    assert item.status is ReviewStatus.TIMED_OUT


async def test_only_moderators_can_decide_reviews(world: World) -> None:
    await flagged(world, "garbage take")

    result = await world.bob.click(world.review.last_message, label="Remove")  # type: ignore[arg-type]

    assert result.ephemeral and "Only moderators" in result.response.content
    (item,) = await world.app.storage.reviews.find()
    assert item.status is ReviewStatus.OPEN
    assert len(await all_cases(world.app.cases)) == 1


async def test_catch_up_after_restart_processes_missed_messages_exactly_once(world: World) -> None:
    await world.alice.send(world.thread, "Before the outage: fine article.")
    # The bot goes offline: a client that is connected but runs no moderation stands in for downtime.
    await world.env.restart_bot(discord.Client(intents=discord.Intents.all()))
    missed_ok = await world.bob.send(world.thread, "Posted while the bot was down.")
    missed_bad = await world.alice.send(world.thread, "idiot, posted while the bot was down")
    assert await world.app.storage.messages.count() == 1

    await world.env.restart_bot(build_bot(world.app))

    history = [m.id for m in world.thread.history()]
    assert missed_ok.id in history and missed_bad.id not in history
    assert await world.app.storage.messages.count() == 3
    (case,) = await all_cases(world.app.cases)
    assert case.message_id == missed_bad.id

    # A second restart finds nothing new: each message was processed exactly once.
    await world.env.restart_bot(build_bot(world.app))
    assert await world.app.storage.messages.count() == 3
    assert len(await all_cases(world.app.cases)) == 1
    bot = world.env.bot
    assert isinstance(bot, ModBot) and bot.last_catch_up is not None
    assert bot.last_catch_up.judged == 0


async def test_a_case_interrupted_by_a_crash_is_carried_out_at_the_next_start(world: World) -> None:
    # The bot went down between recording a case and acting on it: the offline client stands in for
    # the dead process, and the case is recorded the way the pipeline records it before acting.
    await world.env.restart_bot(discord.Client(intents=discord.Intents.all()))
    message = await world.alice.send(world.thread, "idiot, and the bot crashed right after judging this")
    event = MessageEvent(guild_id=world.thread.guild.id, channel_id=world.thread.id, message_id=message.id,
                         author_id=world.alice.id, content=message.content, created_at=message.created_at)
    text, scores, decision = await world.app.dry_pipeline().judge(event)
    draft = draft_for(event, text, scores, decision, event.created_at)
    fresh, case = await world.app.cases.record_decision(event, content_hash(event.content), scores, decision,
                                                        draft, event.created_at)
    assert fresh and case is not None and case.applied == ()

    await world.env.restart_bot(build_bot(world.app))

    assert message.id not in [m.id for m in world.thread.history()]
    stored = await world.app.cases.get(case.guild_id, case.number)
    assert stored.applied == (ActionKind.DELETE, ActionKind.WARN) and stored.notified is True
    assert await world.app.cases.unenforced() == []
    assert any("interrupted by a restart" in m.content for m in world.mod_log.history())
    assert len(await all_cases(world.app.cases)) == 1  # catch-up met the message too, and did not judge it again


async def test_start_announces_the_live_model_in_the_mod_log(world: World) -> None:
    await world.bot.announce_model()
    await world.env.settle()
    notice = world.mod_log.last_message
    assert notice is not None and "test/keywords 1" in notice.content


@pytest.mark.parametrize("text", ["@everyone idiot", "<@&123> idiot @here"])
async def test_bot_messages_never_ping(world: World, text: str) -> None:
    await world.alice.send(world.thread, text)
    for message in world.mod_log.history() + world.alice.user.dm_channel.history():
        assert not message.mention_everyone and not message.role_mentions


async def test_review_buttons_still_work_after_a_restart(world: World) -> None:
    message, _ = await flagged(world, "garbage take")
    await world.env.restart_bot(build_bot(world.app))

    await world.mod.click(world.review.last_message, label="Remove")  # type: ignore[arg-type]

    assert message.id not in [m.id for m in world.thread.history()]
    (item,) = await world.app.storage.reviews.find()
    assert item.status is ReviewStatus.REMOVED


async def test_direct_messages_to_the_bot_are_not_judged(world: World) -> None:
    await world.alice.send_dm("you idiot")
    assert await world.app.storage.messages.count() == 0


async def test_ban_rule_bans_and_skips_the_weaker_actions(world: World) -> None:
    world.rules_path.write_text(
        """
version: 1
rules:
  - id: threats
    when: {score: {label: threat, min: 0.8}}
    actions: [delete, timeout 1h, kick, ban]
""",
        encoding="utf-8",
    )
    assert world.app.rules.reload().ok

    await world.bob.send(world.thread, "I will hurt you")

    (case,) = await all_cases(world.app.cases)
    assert case.applied == (ActionKind.DELETE, ActionKind.BAN) and case.errors == ()
    assert world.guild.get_ban(world.bob) is not None


async def test_flag_without_a_review_channel_is_an_error_on_the_case(world: World) -> None:
    from tests.discord_adapter.conftest import configure

    configure(world.app, world.app.settings.current.discord.model_copy(update={"review_channel_id": None}))

    await world.alice.send(world.thread, "garbage take")

    (case,) = await all_cases(world.app.cases)
    assert case.applied == () and case.errors == ("flag: no review channel configured (discord.review_channel_id)",)


async def test_the_case_log_head_is_posted_to_the_mod_log_daily(world: World) -> None:
    # Discord keeps a copy the database's owner cannot rewrite: `cases verify --head` checks against it.
    await world.alice.send(world.thread, "idiot")
    await world.env.settle()
    head = await world.app.storage.cases.chain_head()
    before = [m.content for m in world.mod_log.history() if m.content.startswith("Case log head:")]
    await world.bot.post_chain_head()
    await world.env.settle()
    posted = [m.content for m in world.mod_log.history() if m.content.startswith("Case log head:")]
    assert len(posted) == len(before) + 1
    assert f"#{head.entries} {head.hash}" in posted[-1] and f"--head {head.entries}:{head.hash}" in posted[-1]
    await world.env.advance_time(24 * 3600 + 1)
    await world.env.settle()
    daily = [m.content for m in world.mod_log.history() if m.content.startswith("Case log head:")]
    assert len(daily) == len(posted) + 1
