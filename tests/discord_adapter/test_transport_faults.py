"""A Discord that drops the connection or times out on any call the bot makes, and a guild that refuses the
slash-command sync: each failure is recorded, the other actions still run, and the bot keeps moderating.

discord.py's own HTTP client runs over a session answered by SimCord's backend (as in test_faults.py); this
session raises the transport errors aiohttp raises in the field (a dropped connection, a timeout, a reset
socket) on the calls a test names.
"""

from __future__ import annotations

import asyncio
import errno
import fnmatch
from typing import Any

import aiohttp
import discord
import pytest
from simcord import _dpy_internals

from bot.app import build_bot
from bot.discord_adapter.catchup import catch_up
from bot.records import ActionKind
from tests.discord_adapter.conftest import World
from tests.discord_adapter.test_faults import BackendSession, DiscordPyHTTP
from tests.support import all_cases

FAULTS: dict[str, BaseException] = {
    "disconnected": aiohttp.ServerDisconnectedError(),
    "timeout": TimeoutError(),
    "reset": ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
}


class FlakySession(BackendSession):
    """Raises `fault` on requests whose method and path match, `times` times each rule; answers the rest."""

    def __init__(self, world: World) -> None:
        super().__init__(world.env.backend)
        self.rules: list[list[Any]] = []  # [method, path pattern, fault, times left]
        self.raised: list[str] = []

    def fail(self, method: str, pattern: str, fault: BaseException, times: int = 1) -> None:
        self.rules.append([method, pattern, fault, times])

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        path = url.split("/api/v10", 1)[1].split("?", 1)[0]
        for rule in self.rules:
            if rule[3] > 0 and rule[0] == method and fnmatch.fnmatch(path, rule[1]):
                rule[3] -= 1
                self.raised.append(f"{method} {path}")
                raise rule[2]
        return super().request(method, url, **kwargs)


def flaky(world: World) -> FlakySession:
    session = FlakySession(world)
    bot = world.env.bot
    http = DiscordPyHTTP(world.env.backend, asyncio.get_running_loop())
    http._HTTPClient__session = session  # type: ignore[attr-defined]
    http._global_over = asyncio.Event()
    http._global_over.set()
    http.token = bot.http.token
    _dpy_internals.install_http(bot, http)
    return session


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
async def test_a_dropped_delete_is_recorded_and_the_warning_and_timeout_still_happen(world: World, fault: str) -> None:
    session = flaky(world)
    session.fail("DELETE", f"/channels/{world.thread.id}/messages/*", FAULTS[fault])

    await world.alice.send(world.thread, "I will hurt you")
    await world.env.advance_time(5)

    (case,) = await all_cases(world.app.cases)
    assert case.applied == (ActionKind.WARN, ActionKind.TIMEOUT) and case.notified is True
    assert len(case.errors) == 1 and case.errors[0].startswith("delete: ")
    member = world.alice.member
    assert member is not None and member.is_timed_out()
    assert session.raised  # the fault really was met


@pytest.mark.parametrize(
    ("what", "method", "pattern"),
    [
        ("dm", "POST", "/users/@me/channels"),
        ("timeout", "PATCH", "/guilds/*/members/*"),
        ("review", "POST", "/channels/{review}/messages"),
    ],
    ids=["dm", "timeout", "review-post"],
)
async def test_a_dropped_connection_on_any_action_is_recorded_on_the_case(
    world: World, what: str, method: str, pattern: str
) -> None:
    session = flaky(world)
    session.fail(method, pattern.format(review=world.review.id), FAULTS["disconnected"], times=10)
    text = "garbage take" if what == "review" else "I will hurt you"

    await world.alice.send(world.thread, text)
    await world.env.advance_time(5)

    (case,) = await all_cases(world.app.cases)
    assert case.errors and "ServerDisconnectedError" in " ".join(case.errors)
    assert await world.app.cases.unenforced() == []  # the enforcement was recorded, whatever failed
    # The bot goes on moderating the next message.
    later = await world.bob.send(world.thread, "idiot")
    await world.env.advance_time(5)
    assert later.id not in [m.id for m in world.thread.history()]
    assert len(await all_cases(world.app.cases)) == 2


async def test_a_mod_log_that_drops_the_connection_loses_no_case(world: World) -> None:
    session = flaky(world)
    session.fail("POST", f"/channels/{world.mod_log.id}/messages", FAULTS["timeout"], times=10)

    message = await world.alice.send(world.thread, "idiot")
    await world.env.advance_time(5)

    assert message.id not in [m.id for m in world.thread.history()]
    (case,) = await all_cases(world.app.cases)
    assert case.applied == (ActionKind.DELETE, ActionKind.WARN)


async def test_catch_up_goes_on_with_the_next_channel_after_a_dropped_connection(world: World) -> None:
    forum = world.bot.get_channel(world.forum.id)
    assert isinstance(forum, discord.ForumChannel)
    await forum.create_thread(name="Letters", content="first letter")
    await world.env.settle()
    session = flaky(world)
    session.fail("GET", f"/channels/{world.thread.id}/messages", FAULTS["disconnected"], times=10)

    async def from_the_start(channel_id: int) -> int | None:
        return None  # read every channel from its first message

    bot = world.bot
    report = await catch_up(bot, bot.judge, from_the_start)

    assert any(str(world.thread.id) in error and "ServerDisconnectedError" in error for error in report.errors)
    assert report.channels >= 3 and report.seen >= 2  # the news channel and the forum post were still read
    assert session.raised


async def test_a_guild_that_refuses_the_command_sync_is_named_and_moderation_runs(world: World) -> None:
    # The bot was invited without the applications.commands scope: Discord answers 403 Missing Access (50001).
    world.env.inject_error(
        "PUT", f"/applications/*/guilds/{world.guild.id}/commands", status=403, code=50001,
        message="Missing Access", times=None,
    )
    bot = build_bot(world.app)
    await world.env.restart_bot(bot)

    assert bot.last_sync is not None and bot.last_sync.refused
    notices = [m.content for m in world.mod_log.history() if "applications.commands" in m.content]
    assert notices and str(world.guild.id) in notices[-1] and "403" in notices[-1]
    message = await world.alice.send(world.thread, "idiot")
    await world.env.settle()
    assert message.id not in [m.id for m in world.thread.history()]
    assert len(await all_cases(world.app.cases)) == 1
