"""Shared by the admin command tests: an admin member, a way past default permissions, and small checks.

(Kept in a test module of its own so the admin tests share it without touching conftest.py.)
"""

from __future__ import annotations

from dataclasses import dataclass

import discord
import pytest
import simcord
from simcord.backend.errors import SetupError

from tests.discord_adapter.conftest import World

ADMIN_PERMISSIONS = discord.Permissions(
    manage_messages=True, manage_guild=True, moderate_members=True, kick_members=True, ban_members=True
)


@dataclass
class Admins:
    world: World
    admin: simcord.MemberActor  # every moderation permission
    mod2: simcord.MemberActor  # a second moderator (Manage Messages), for appeals


@pytest.fixture
def admins(world: World) -> Admins:
    role = world.guild.create_role("Admins", permissions=ADMIN_PERMISSIONS)
    admin = world.guild.add_member(world.env.create_user("admin"), roles=[role])
    mods = world.guild.roles["Moderators"]
    mod2 = world.guild.add_member(world.env.create_user("mod2"), roles=[mods])
    return Admins(world, admin, mod2)


def allow_past_default_permissions(world: World, name: str, member: simcord.MemberActor) -> None:
    """A server admin grants the command to this member in the integration settings: Discord then shows it
    to them despite the default permissions, so only the bot's own check stands in the way."""
    command = world.env.backend.find_command(name, world.guild.id)
    assert command is not None, f"/{name} was never synced"
    world.guild.set_command_permissions(int(command["id"]), {member: True})


async def assert_refused(world: World, member: simcord.MemberActor, name: str, **options: object) -> str:
    """The command is hidden from the member (default permissions) and, when granted anyway, refused in code."""
    with pytest.raises(SetupError, match="default-member-permissions"):
        await member.slash(world.thread, name, **options)
    allow_past_default_permissions(world, name.split()[0], member)
    result = await member.slash(world.thread, name, **options)
    assert result.ephemeral and result.response is not None
    assert "You need the" in result.response.content
    return result.response.content
