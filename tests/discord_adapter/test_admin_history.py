"""/history @user: cases, strikes and review outcomes, ten cases a page."""

from __future__ import annotations

from tests.discord_adapter.conftest import World
from tests.discord_adapter.test_admin_support import Admins, admins, assert_refused

__all__ = ["admins"]


async def test_history_lists_cases_strikes_and_reviews_with_pages(world: World) -> None:
    for number in range(11):
        await world.alice.send(world.thread, f"idiot number {number}")
    await world.alice.send(world.thread, "garbage take")
    await world.mod.click(world.review.last_message, label="Approve")  # type: ignore[arg-type]

    first = await world.mod.slash(world.thread, "history", user=world.alice)
    second = await world.mod.slash(world.thread, "history", user=world.alice, page=2)
    beyond = await world.mod.slash(world.thread, "history", user=world.alice, page=3)

    page1 = first.response.content  # type: ignore[union-attr]
    assert first.ephemeral and "12 case(s), 11 active strike(s)" in page1
    assert "Reviews: approved 1" in page1 and "Page 1/2" in page1
    assert "#12 " in page1 and "#3 " in page1 and "#2 " not in page1
    page2 = second.response.content  # type: ignore[union-attr]
    assert "#2 " in page2 and "#1 " in page2 and "Page 2/2" in page2
    assert "only 2 page(s)" in beyond.response.content  # type: ignore[union-attr]


async def test_history_refuses_members_without_permission(admins: Admins) -> None:
    await assert_refused(admins.world, admins.world.bob, "history", user=admins.world.alice)
