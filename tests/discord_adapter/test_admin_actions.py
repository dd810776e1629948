"""/warn, /timeout, /kick, /ban, /pardon by hand: moderator cases through the same enforcer."""

from __future__ import annotations

from datetime import timedelta

from simcord import InteractionResult

from bot.records import Action, ActionKind, Actor
from bot.storage.strikes import StrikeLedger
from tests.discord_adapter.test_admin_support import Admins, admins, assert_refused
from tests.support import all_cases

__all__ = ["admins"]


def said(result: InteractionResult) -> str:
    assert result.ephemeral
    return result.followups[0].content if result.followups else result.response.content  # type: ignore[union-attr]


async def test_warn_by_hand_is_a_moderator_case_and_a_dm_with_an_appeal_button(admins: Admins) -> None:
    world = admins.world
    result = await admins.admin.slash(world.thread, "warn", user=world.alice, reason="off-topic spam")

    assert "Case #1" in said(result)
    (case,) = await all_cases(world.app.cases)
    assert case.actor is Actor.MODERATOR and case.actor_id == admins.admin.id
    assert case.actions == (Action(ActionKind.WARN),) and case.applied == (ActionKind.WARN,)
    assert case.notified is True
    assert await StrikeLedger(world.app.storage.db).active(world.guild.id, world.alice.id) == 1
    dm = world.alice.user.dm_channel.last_message
    assert dm is not None and "off-topic spam" in dm.content and "Case #1" in dm.content
    assert "rule match" not in dm.content
    assert dm.components  # the Appeal button
    assert world.mod_log.last_message.embeds[0].title == "Case #1"  # type: ignore[union-attr]


async def test_timeout_kick_and_ban_by_hand(admins: Admins) -> None:
    world = admins.world
    carol = world.guild.add_member(world.env.create_user("carol"))

    said(await admins.admin.slash(world.thread, "timeout", user=world.alice, duration="2h", reason="cool off"))
    said(await admins.admin.slash(world.thread, "kick", user=world.bob))
    said(await admins.admin.slash(world.thread, "ban", user=carol, reason="raid"))

    timeout, kick, ban = await all_cases(world.app.cases)
    assert timeout.actions == (Action(ActionKind.TIMEOUT, timedelta(hours=2)),)
    assert timeout.applied == (ActionKind.TIMEOUT,)
    assert world.alice.member is not None and world.alice.member.is_timed_out()
    assert kick.applied == (ActionKind.KICK,) and world.bob.id not in world.guild.member_ids()
    assert ban.applied == (ActionKind.BAN,) and world.guild.get_ban(carol) is not None
    assert {case.actor_id for case in (timeout, kick, ban)} == {admins.admin.id}


async def test_a_bad_duration_is_refused_and_nothing_is_recorded(admins: Admins) -> None:
    world = admins.world
    result = await admins.admin.slash(world.thread, "timeout", user=world.alice, duration="forever")
    assert "invalid duration" in said(result)
    assert await all_cases(world.app.cases) == []


async def test_pardon_clears_strikes_and_lifts_the_timeout(admins: Admins) -> None:
    world = admins.world
    await world.alice.send(world.thread, "I will hurt you")  # threats: delete, warn, timeout 1h, a strike
    ledger = StrikeLedger(world.app.storage.db)
    assert await ledger.active(world.guild.id, world.alice.id) == 1

    text = said(await admins.admin.slash(world.thread, "pardon", user=world.alice, reason="apologised"))

    assert "1 strike(s) cleared" in text
    assert await ledger.active(world.guild.id, world.alice.id) == 0
    assert world.alice.member is not None and not world.alice.member.is_timed_out()
    _, pardon = await all_cases(world.app.cases)
    assert pardon.actor_id == admins.admin.id and pardon.rule_id == "pardon" and "apologised" in pardon.reason


async def test_manual_actions_refuse_members_without_permission(admins: Admins) -> None:
    world = admins.world
    # The review moderator has Manage Messages, not Ban Members.
    await assert_refused(world, world.mod, "ban", user=world.alice)
    await assert_refused(world, world.bob, "warn", user=world.alice)
    assert await all_cases(world.app.cases) == []
    assert world.guild.get_ban(world.alice) is None


async def test_moderators_cannot_act_on_themselves(admins: Admins) -> None:
    world = admins.world
    result = await admins.admin.slash(world.thread, "warn", user=admins.admin)
    assert "yourself" in said(result)
    assert await all_cases(world.app.cases) == []
