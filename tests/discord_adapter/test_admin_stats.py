"""/stats: figures for the period and a PNG chart attached."""

from __future__ import annotations

from tests.discord_adapter.conftest import World
from tests.discord_adapter.test_admin_support import Admins, admins, assert_refused

__all__ = ["admins"]


async def test_stats_reply_carries_a_png_chart(world: World) -> None:
    await world.bob.send(world.thread, "Good piece")
    await world.alice.send(world.thread, "idiot")
    await world.alice.send(world.thread, "garbage take")  # flagged for review
    await world.mod.click(world.review.last_message, label="Remove")  # type: ignore[arg-type]

    result = await world.mod.slash(world.thread, "stats", period="1d")

    assert result.ephemeral
    # After a deferral, the first follow-up fills the deferred response.
    reply = result.followups[0] if result.followups else result.response
    assert reply is not None
    assert "Messages judged: 3; acted on: 2 (66.7%)" in reply.content
    assert "delete" in reply.content and "toxic 1" in reply.content
    assert "Review agreement: 100% of 1 verdicts" in reply.content
    (attachment,) = reply.attachments
    assert attachment.filename == "stats.png"
    data = await attachment.read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


async def test_stats_for_an_unknown_article_and_a_bad_period(world: World) -> None:
    unknown = await world.mod.slash(world.thread, "stats", article=99)
    bad = await world.mod.slash(world.thread, "stats", period="last week")
    assert "never posted" in unknown.response.content  # type: ignore[union-attr]
    assert "invalid duration" in bad.response.content  # type: ignore[union-attr]


async def test_stats_refuses_members_without_permission(admins: Admins) -> None:
    await assert_refused(admins.world, admins.world.bob, "stats")
