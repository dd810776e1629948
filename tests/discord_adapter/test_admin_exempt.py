"""/exempt add|remove role|user: stored, merged into the rules' exemptions at decision time."""

from __future__ import annotations

from simcord import InteractionResult

from bot.app import build_bot
from bot.storage.exemptions import ExemptionStore
from tests.discord_adapter.conftest import configure
from tests.discord_adapter.test_admin_support import Admins, admins, assert_refused
from tests.support import all_cases

__all__ = ["admins"]


def said(result: InteractionResult) -> str:
    assert result.ephemeral
    return result.followups[0].content if result.followups else result.response.content  # type: ignore[union-attr]


async def test_exempt_user_then_remove(admins: Admins) -> None:
    world = admins.world
    assert "is now exempt" in said(await admins.admin.slash(world.thread, "exempt add", user=world.alice))

    kept = await world.alice.send(world.thread, "Quoting a reader: 'you idiot'")
    assert kept.id in [m.id for m in world.thread.history()]
    assert await all_cases(world.app.cases) == []
    snapshot = await ExemptionStore(world.app.storage.db).for_guild(world.guild.id)
    assert snapshot.users == frozenset({world.alice.id})

    assert "no longer exempt" in said(await admins.admin.slash(world.thread, "exempt remove", user=world.alice))
    await world.alice.send(world.thread, "you idiot")
    (case,) = await all_cases(world.app.cases)
    assert case.user_id == world.alice.id


async def test_exempt_role_survives_a_restart_and_a_rules_reload(admins: Admins) -> None:

    world = admins.world
    staff = world.guild.create_role("Staff")
    editor = world.guild.add_member(world.env.create_user("editor"), roles=[staff])
    said(await admins.admin.slash(world.thread, "exempt add", role=staff))
    await world.env.restart_bot(build_bot(world.app))
    assert world.app.rules.reload().ok

    await editor.send(world.thread, "idiot")

    assert await all_cases(world.app.cases) == []
    listed = said(await admins.admin.slash(world.thread, "exempt list"))
    assert f"<@&{staff.id}>" in listed


async def test_exempt_needs_exactly_one_target_and_the_permission(admins: Admins) -> None:
    world = admins.world
    assert "exactly one" in said(await admins.admin.slash(world.thread, "exempt add"))
    await assert_refused(world, world.mod, "exempt add", user=world.mod)
    assert (await ExemptionStore(world.app.storage.db).for_guild(world.guild.id)).users == frozenset()


async def test_an_exemption_in_one_server_never_reaches_another(admins: Admins) -> None:
    # The bug: the stored exemptions were read for every server, so /exempt add in one server exempted the
    # user (or role id) in every server the bot is in.
    world = admins.world
    other = world.env.create_guild("Evening Star")
    other_news = other.create_text_channel("news")
    carol = other.add_member(world.env.create_user("carol"))
    world.guild.add_member(carol.user)  # the same person is in both servers
    discord_settings = world.app.settings.current.discord
    configure(world.app, discord_settings.model_copy(update={
        "guild_ids": (*discord_settings.guild_ids, other.id),
        "moderated_channel_ids": (*discord_settings.moderated_channel_ids, other_news.id),
    }))

    said(await admins.admin.slash(world.thread, "exempt add", user=carol.user))
    said(await admins.admin.slash(world.thread, "exempt add", user=world.alice))

    await carol.send(other_news, "you idiot")  # the other server: moderated as ever
    (case,) = await all_cases(world.app.cases)
    assert case.guild_id == other.id and case.user_id == carol.id
    assert (await ExemptionStore(world.app.storage.db).for_guild(other.id)).users == frozenset()
    listed = said(await admins.admin.slash(world.thread, "exempt list"))
    assert f"<@{carol.id}>" in listed

    # A restart reloads the stored exemptions; they still stay in their own server.
    await world.env.restart_bot(build_bot(world.app))
    await carol.send(other_news, "idiot again")
    assert [c.guild_id for c in await all_cases(world.app.cases)] == [other.id, other.id]
