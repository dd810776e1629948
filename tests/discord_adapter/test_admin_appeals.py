"""An appeal from the warning DM to its outcome: button, form, review channel, another moderator, DM back."""

from __future__ import annotations

import discord

from bot.discord_adapter.remedies import RESTORED_MARK
from bot.records import AppealStatus, CaseStatus
from tests.discord_adapter.conftest import World
from tests.discord_adapter.test_admin_support import Admins, admins
from tests.support import all_cases

__all__ = ["admins"]


async def appeal_from_dm(world: World, text: str) -> discord.Message:
    """Alice presses Appeal under her warning DM and sends the form; returns the appeal's review post."""
    dm = world.alice.user.dm_channel.last_message
    assert dm is not None and dm.components
    shown = await world.alice.user.click(dm, label="Appeal")
    assert shown.modal is not None
    sent = await world.alice.user.submit_modal(shown, {"reason": text})
    confirmation = sent.followups[0].content if sent.followups else sent.response.content  # type: ignore[union-attr]
    assert "was sent to the moderators" in confirmation
    post = world.review.last_message
    assert post is not None and post.embeds and post.embeds[0].title is not None
    assert post.embeds[0].title.startswith("Appeal #")
    return post


async def test_upheld_appeal_reverses_the_bot_case_and_tells_the_user(world: World) -> None:
    await world.alice.send(world.thread, "Only an idiot would vote for this")  # toxic: delete + warn (DM)
    post = await appeal_from_dm(world, "I was quoting the mayor, read the article")
    assert "quoting the mayor" in (post.embeds[0].description or "")

    result = await world.mod.click(post, label="Uphold")

    text = result.followups[0].content if result.followups else result.response.content  # type: ignore[union-attr]
    assert "upheld" in text and "Case #1 reversed" in text
    (case,) = await all_cases(world.app.cases)
    assert case.status is CaseStatus.REVERSED and case.reversed_by == world.mod.id
    (appeal,) = await world.app.storage.appeals.for_case(case.id)
    assert appeal.status is AppealStatus.UPHELD and appeal.reviewer_id == world.mod.id
    assert appeal.body == "I was quoting the mayor, read the article"
    outcome = world.alice.user.dm_channel.last_message
    assert outcome is not None and "upheld" in outcome.content and "case #1" in outcome.content
    restored = [m for m in world.thread.history() + world.news.history() if RESTORED_MARK in m.content]
    assert restored, "the removed comment is back"
    assert not world.review.last_message.components  # type: ignore[union-attr]


async def test_the_moderator_who_acted_cannot_decide_the_appeal(admins: Admins) -> None:
    world = admins.world
    await admins.admin.slash(world.thread, "warn", user=world.alice, reason="spam links")
    post = await appeal_from_dm(world, "Those links were the article's sources")

    refused = await admins.admin.click(post, label="Deny")
    refusal = refused.response.content  # type: ignore[union-attr]
    assert refused.ephemeral and "another moderator must decide" in refusal
    (case,) = await all_cases(world.app.cases)
    (appeal,) = await world.app.storage.appeals.for_case(case.id)
    assert appeal.status is AppealStatus.OPEN

    await admins.mod2.click(post, label="Deny")

    (appeal,) = await world.app.storage.appeals.for_case(case.id)
    assert appeal.status is AppealStatus.DENIED and appeal.reviewer_id == admins.mod2.id
    assert (await world.app.cases.get_by_id(case.id)).status is CaseStatus.ACTIVE
    outcome = world.alice.user.dm_channel.last_message
    assert outcome is not None and "denied" in outcome.content


async def test_members_without_permission_cannot_decide_appeals(world: World) -> None:
    await world.alice.send(world.thread, "idiot")
    post = await appeal_from_dm(world, "It was a joke between friends")

    result = await world.bob.click(post, label="Uphold")

    assert result.ephemeral and "Only moderators" in result.response.content  # type: ignore[union-attr]
    (case,) = await all_cases(world.app.cases)
    assert case.status is CaseStatus.ACTIVE


async def test_a_second_appeal_while_one_is_open_is_refused(world: World) -> None:
    await world.alice.send(world.thread, "idiot")
    await appeal_from_dm(world, "It was a joke between friends")
    dm = next(m for m in world.alice.user.dm_channel.history() if m.components)
    shown = await world.alice.user.click(dm, label="Appeal")
    again = await world.alice.user.submit_modal(shown, {"reason": "Please look again"})
    assert "could not be filed" in again.response.content  # type: ignore[union-attr]
