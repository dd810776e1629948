"""/exempt add|remove role|user: stored, merged into the rules' exemptions at decision time."""

from __future__ import annotations

from simcord import InteractionResult

from bot.storage.exemptions import ExemptionStore
from tests.discord_adapter.test_admin_support import Admins, admins, all_cases, assert_refused

__all__ = ["admins"]


def said(result: InteractionResult) -> str:
    assert result.ephemeral
    return result.followups[0].content if result.followups else result.response.content  # type: ignore[union-attr]


async def test_exempt_user_then_remove(admins: Admins) -> None:
    world = admins.world
    assert "is now exempt" in said(await admins.admin.slash(world.thread, "exempt add", user=world.alice))

    kept = await world.alice.send(world.thread, "Quoting a reader: 'you idiot'")
    assert kept.id in [m.id for m in world.thread.history()]
    assert await all_cases(world) == []
    snapshot = await ExemptionStore(world.app.db).snapshot()
    assert snapshot.users == frozenset({world.alice.id})

    assert "no longer exempt" in said(await admins.admin.slash(world.thread, "exempt remove", user=world.alice))
    await world.alice.send(world.thread, "you idiot")
    (case,) = await all_cases(world)
    assert case.user_id == world.alice.id


async def test_exempt_role_survives_a_restart_and_a_rules_reload(admins: Admins) -> None:
    from bot.discord_adapter.client import ModBot

    world = admins.world
    staff = world.guild.create_role("Staff")
    editor = world.guild.add_member(world.env.create_user("editor"), roles=[staff])
    said(await admins.admin.slash(world.thread, "exempt add", role=staff))
    await world.env.restart_bot(ModBot(world.app))
    assert world.app.rules.reload().ok

    await editor.send(world.thread, "idiot")

    assert await all_cases(world) == []
    listed = said(await admins.admin.slash(world.thread, "exempt list"))
    assert f"<@&{staff.id}>" in listed


async def test_exempt_needs_exactly_one_target_and_the_permission(admins: Admins) -> None:
    world = admins.world
    assert "exactly one" in said(await admins.admin.slash(world.thread, "exempt add"))
    await assert_refused(world, world.mod, "exempt add", user=world.mod)
    assert (await ExemptionStore(world.app.db).snapshot()).users == frozenset()
