"""/case show, /case reverse, /case note on the simulated Discord."""

from __future__ import annotations

from bot.discord_adapter.remedies import RESTORED_MARK
from bot.records import ActionKind, CaseStatus
from tests.discord_adapter.conftest import World
from tests.discord_adapter.test_admin_support import Admins, admins, assert_refused
from tests.support import all_cases

__all__ = ["admins"]


async def test_case_show_lists_the_case_with_its_notes(world: World) -> None:
    await world.alice.send(world.thread, "Only an idiot would vote for this")

    noted = await world.mod.slash(world.thread, "case note", number=1, text="Second time this week")
    shown = await world.mod.slash(world.thread, "case show", number=1)

    assert noted.ephemeral and "Note added to case #1" in noted.response.content  # type: ignore[union-attr]
    assert shown.ephemeral and shown.response is not None
    embed = shown.response.embeds[0]
    fields = {field.name: field.value for field in embed.fields}
    assert embed.title == "Case #1" and fields["Rule"] == "toxic"
    assert "Second time this week" in (fields["Notes"] or "")
    (case,) = await all_cases(world.app.cases)
    (note,) = await world.app.cases.notes(case.id)
    assert note.author_id == world.mod.id


async def test_case_show_of_a_missing_case_says_so(world: World) -> None:
    result = await world.mod.slash(world.thread, "case show", number=42)
    assert result.ephemeral and "no case #42" in result.response.content  # type: ignore[union-attr]


async def test_case_reverse_lifts_the_timeout_restores_the_message_and_records_who(world: World) -> None:
    threat = await world.alice.send(world.thread, "I will hurt you")
    assert world.alice.member is not None and world.alice.member.is_timed_out()
    assert threat.id not in [m.id for m in world.thread.history()]

    result = await world.mod.slash(world.thread, "case reverse", number=1, reason="sarcasm, not a threat")

    assert result.ephemeral
    text = result.followups[0].content if result.followups else result.response.content  # type: ignore[union-attr]
    assert "Case #1 reversed" in text and "timeout lifted" in text and "message restored" in text
    assert world.alice.member is not None and not world.alice.member.is_timed_out()
    (case,) = await all_cases(world.app.cases)
    assert case.status is CaseStatus.REVERSED and case.reversed_by == world.mod.id
    assert case.reverse_reason == "sarcasm, not a threat"
    assert ActionKind.TIMEOUT in case.applied
    restored = [m for m in world.thread.history() + world.news.history() if RESTORED_MARK in m.content]
    assert restored and restored[0].content.startswith("I will hurt you")
    assert "reversed" in (world.mod_log.last_message.content or "")  # type: ignore[union-attr]

    again = await world.mod.slash(world.thread, "case reverse", number=1)
    again_text = again.followups[0].content if again.followups else again.response.content  # type: ignore[union-attr]
    assert "already reversed" in again_text


async def test_case_commands_refuse_members_without_permission(world: World, admins: Admins) -> None:
    await world.alice.send(world.thread, "idiot")
    await assert_refused(world, world.bob, "case reverse", number=1)
    (case,) = await all_cases(world.app.cases)
    assert case.status is CaseStatus.ACTIVE


async def test_commands_sync_to_the_configured_guilds(world: World) -> None:
    report = await world.bot.sync_commands()
    assert report.synced == (world.guild.id,) and report.refused == () and report.notice() is None
    command = world.env.backend.find_command("case", world.guild.id)
    assert command is not None and int(command["guild_id"]) == world.guild.id
    assert "case show" in world.mod.available_commands(world.thread)


async def test_the_mod_log_and_case_show_say_why_the_rule_fired(world: World) -> None:
    await world.alice.send(world.thread, "Only an idiot would vote for this")

    log = world.mod_log.last_message
    assert log is not None and log.embeds
    logged = {field.name: field.value for field in log.embeds[0].fields}
    shown = await world.mod.slash(world.thread, "case show", number=1)
    assert shown.response is not None
    fields = {field.name: field.value for field in shown.response.embeds[0].fields}

    # occlusion on the keyword scorer: without "idiot" toxicity falls from 0.97 to its floor, 0.02
    why = 'toxicity 0.97: "idiot" +0.95 [occlusion, test/keywords 1]'
    assert logged["Why"] == why and fields["Why"] == why
    (case,) = await all_cases(world.app.cases)
    assert case.explanation is not None and case.explanation.describe() == why
