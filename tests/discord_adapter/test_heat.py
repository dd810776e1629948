"""Heat control on the simulated Discord: a heated article thread gets slowmode, then is locked, with a note in the
thread, a case and a mod-log embed; the lock ends on time; `/case reverse` undoes it; a refusal is reported."""

from __future__ import annotations

import discord

from bot.records import ActionKind, Case, CaseStatus
from tests.discord_adapter.conftest import RULES, World
from tests.support import all_cases

HEAT = """
heat:
  - when: {removed_share: 0.5, within: 10m, min_messages: 4}
    actions: [slowmode 30s]
  - when: {removed_share: 0.75, within: 10m, min_messages: 8}
    actions: [lock 2h]
"""


def use_heat_rules(world: World) -> None:
    world.rules_path.write_text(RULES.format(exempt_roles=[]) + HEAT, encoding="utf-8")
    assert world.app.rules.reload().ok


async def post(world: World, *texts: str) -> None:
    for index, text in enumerate(texts):
        author = world.alice if index % 2 == 0 else world.bob
        await author.send(world.thread, text)


async def heat_cases(world: World) -> list[Case]:
    return [case for case in await all_cases(world.app.cases) if (case.rule_id or "").startswith("heat[")]


def thread_state(world: World) -> tuple[int, bool]:
    channel = world.env.backend.get_channel(world.thread.id)
    assert channel.thread_metadata is not None
    return channel.rate_limit_per_user, channel.thread_metadata.locked


def notes_in_thread(world: World) -> list[str]:
    me = world.bot.user
    return [m.content for m in world.thread.history() if me is not None and m.author.id == me.id]


async def test_a_heated_thread_gets_slowmode_then_is_locked_and_unlocked_when_the_lock_ends(world: World) -> None:
    use_heat_rules(world)
    await post(world, "you idiot", "a fair point", "what an idiot", "calm down")  # 2 of 4 removed: 50 %

    (slow,) = await heat_cases(world)
    assert thread_state(world) == (30, False)
    assert slow.actions[0].kind is ActionKind.SLOWMODE and slow.applied == (ActionKind.SLOWMODE,)
    assert slow.user_id == 0 and slow.channel_id == world.thread.id and slow.actor.value == "auto"
    assert slow.reason == "heat: 2 of 4 messages removed (50%) within 10m (rule: removed_share 0.5, min_messages 4)"
    (note,) = notes_in_thread(world)
    assert note.startswith("🐢 Slowmode is on in this thread: one message every 30s per person")
    assert "2 of 4 messages removed (50%) within 10m" in note and f"case #{slow.number}" in note
    embed = world.mod_log.last_message.embeds[0]  # type: ignore[union-attr]
    fields = {field.name: field.value for field in embed.fields}
    assert embed.title == f"Case #{slow.number}" and fields["Rule"] == "heat[0]"
    assert fields["Thread"] == f"<#{world.thread.id}> (heat control)" and "User" not in fields
    assert "Model" not in fields and fields["Done"] == "slowmode"
    assert fields["Action"] == "slowmode 30s" and fields["Reason"] == slow.reason

    await post(world, "idiot", "idiot again", "idiot three", "idiot four")  # 6 of 8 removed: 75 %
    slow_again, lock = await heat_cases(world)
    assert slow_again.id == slow.id  # the slowmode level held: not acted on again
    assert lock.rule_id == "heat[1]" and lock.applied == (ActionKind.LOCK,)
    assert thread_state(world) == (30, True)
    assert notes_in_thread(world)[-1].startswith("🔒 This thread is locked for 2h. The discussion got heated: "
                                                 "6 of 8 messages removed (75%) within 10m.")

    await world.env.advance_time(2 * 3600 + 1)
    assert thread_state(world) == (30, False)
    assert notes_in_thread(world)[-1] == "🔓 This thread is unlocked again (the lock 2h ended)."
    assert "Thread unlocked: the lock 2h ended" in (world.mod_log.last_message.content or "")  # type: ignore[union-attr]
    (unlock_note,) = await world.app.cases.notes(lock.id)
    assert unlock_note.body == "Thread unlocked: the lock 2h ended"
    assert (await world.app.cases.verify()).problems == []
    assert world.env.errors == []


async def test_case_reverse_on_a_heat_case_unlocks_the_thread_and_resets_the_slowmode(world: World) -> None:
    use_heat_rules(world)
    channel = world.bot.get_channel(world.thread.id)
    assert isinstance(channel, discord.Thread)
    await channel.edit(slowmode_delay=5)  # the moderators' own slowmode, from before
    await world.env.settle()
    await post(world, "idiot", "idiot", "idiot", "idiot", "idiot", "idiot", "idiot", "idiot")
    slow, lock = await heat_cases(world)
    assert thread_state(world) == (30, True)

    result = await world.mod.slash(world.thread, "case reverse", number=lock.number, reason="calm again")
    text = result.followups[0].content if result.followups else result.response.content  # type: ignore[union-attr]
    assert f"Case #{lock.number} reversed" in text and "thread unlocked" in text
    assert thread_state(world) == (30, False)
    result = await world.mod.slash(world.thread, "case reverse", number=slow.number)
    text = result.followups[0].content if result.followups else result.response.content  # type: ignore[union-attr]
    assert "slowmode set back to 5s" in text
    assert thread_state(world) == (5, False)
    assert [case.status for case in await heat_cases(world)] == [CaseStatus.REVERSED, CaseStatus.REVERSED]
    assert await world.app.storage.timed_actions.pending() == []  # the 2h unlock was cancelled with the reversal

    await world.env.advance_time(2 * 3600 + 1)  # nothing left to do when the lock would have ended
    assert thread_state(world) == (5, False)
    assert (await world.app.cases.verify()).problems == []


async def test_a_refused_thread_edit_is_reported_on_the_case_not_crashed(world: World) -> None:
    use_heat_rules(world)
    world.env.inject_error("PATCH", f"/channels/{world.thread.id}", status=403, code=50013,
                           message="Missing Permissions", times=None)
    await post(world, "idiot", "fine", "idiot", "fine")

    (slow,) = await heat_cases(world)
    assert slow.applied == () and slow.errors == ("slowmode: 403 Missing Permissions (50013)",)
    assert thread_state(world) == (0, False) and notes_in_thread(world) == []
    fields = {f.name: f.value for f in world.mod_log.last_message.embeds[0].fields}  # type: ignore[union-attr]
    assert fields["Errors"] == "slowmode: 403 Missing Permissions (50013)"
    (undo,) = [a for a in [await world.app.storage.timed_actions.get(1)]]
    assert undo.outcome == "cancelled: slowmode was not applied"
    await post(world, "still moderated, idiot")  # the bot carries on
    assert len(await all_cases(world.app.cases)) == 4
    assert world.env.errors == []


async def test_a_refused_unlock_is_tried_again_and_a_lasting_refusal_is_reported(world: World) -> None:
    use_heat_rules(world)
    await post(world, "idiot", "idiot", "idiot", "idiot", "idiot", "idiot", "idiot", "fine")
    _, lock = await heat_cases(world)
    assert thread_state(world) == (30, True)

    world.env.inject_error("PATCH", f"/channels/{world.thread.id}", status=500, times=1)
    await world.env.advance_time(2 * 3600 + 1)
    assert thread_state(world) == (30, True)  # refused once: still locked, tried again 5 minutes later
    await world.env.advance_time(301)
    assert thread_state(world) == (30, False)
    (note,) = await world.app.cases.notes(lock.id)
    assert note.body == "Thread unlocked: the lock 2h ended"


async def test_an_unlock_refused_every_time_is_recorded_and_reported(world: World) -> None:
    use_heat_rules(world)
    await post(world, "idiot", "idiot", "idiot", "idiot", "idiot", "idiot", "idiot", "fine")
    _, lock = await heat_cases(world)
    world.env.inject_error("PATCH", f"/channels/{world.thread.id}", status=403, code=50013,
                           message="Missing Permissions", times=None)
    await world.env.advance_time(2 * 3600 + 1 + 3 * 301)
    assert thread_state(world) == (30, True)
    (note,) = await world.app.cases.notes(lock.id)
    assert note.body == "Could not undo (unlock): lock: 403 Missing Permissions (50013)"
    assert "Could not undo (unlock)" in (world.mod_log.last_message.content or "")  # type: ignore[union-attr]
    assert await world.app.storage.timed_actions.pending() == []
    assert world.env.errors == []
