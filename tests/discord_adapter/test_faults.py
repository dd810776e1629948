"""Discord faults against the real bot: each is handled, recorded on the case and in the mod log, and the
bot keeps moderating afterwards.

SimCord's own HTTP client answers every REST call straight from its backend, which skips the part of
discord.py that retries 429s and 5xx. Production runs that part, so these tests put it back:
`DiscordPyHTTP` is SimCord's client with discord.py's own `HTTPClient.request` (buckets, 429 sleep and
retry, 5xx retries) running over `BackendSession`, which stands where the aiohttp session stands and
answers from SimCord's backend, faults injected with `Env.inject_error` included.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import unquote

import discord
import pytest
import simcord
from discord.http import HTTPClient
from simcord import _dpy_internals
from simcord.backend import serializers
from simcord.backend.errors import BackendError
from simcord.http import router
from simcord.http.client import FakeHTTPClient

from bot.discord_adapter.client import ModBot
from bot.records import ActionKind, ReviewStatus
from tests.discord_adapter.conftest import World
from tests.support import all_cases

RETRY_AFTER = 0.25  # seconds Discord asks the bot to wait after a 429 (virtual time under SimCord)


class _Response:
    """The part of `aiohttp.ClientResponse` that `HTTPClient.request` and `HTTPException` read."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.reason = {200: "OK", 204: "No Content", 403: "Forbidden", 404: "Not Found",
                       429: "Too Many Requests"}.get(status, "Error")
        self.headers: dict[str, str] = dict(headers or {})
        self._text = ""
        if body is not None:
            self._text = json.dumps(body)
            self.headers["content-type"] = "application/json"

    async def text(self, encoding: str = "utf-8") -> str:
        return self._text

    async def __aenter__(self) -> _Response:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class BackendSession:
    """Stands where discord.py's aiohttp session stands; every call is answered by SimCord's backend."""

    def __init__(self, backend: simcord.Backend) -> None:
        self._backend = backend

    def request(self, method: str, url: str, **kwargs: Any) -> _Response:
        data = kwargs.get("data")
        if data is not None and not isinstance(data, str):
            raise NotImplementedError("multipart uploads are not modelled here")
        headers: Mapping[str, str] = kwargs.get("headers") or {}
        reason = headers.get("X-Audit-Log-Reason")
        path = url.split("/api/v10", 1)[1].split("?", 1)[0]
        try:
            result = router.dispatch(
                self._backend, method, path,
                json=json.loads(data) if data else None,
                params=kwargs.get("params"),
                files=[],
                reason=unquote(reason) if reason else None,
            )
        except (router.RouteNotImplemented, router.UnsupportedField):
            raise
        except BackendError as error:
            if error.status == 429:
                body = {"message": error.message, "retry_after": RETRY_AFTER, "global": False, "code": error.code}
                return _Response(429, body, {"Via": "1.1 google"})  # a Discord 429, not a Cloudflare ban
            return _Response(error.status, error.to_json())
        return _Response(200, result) if result is not None else _Response(204, None)


class DiscordPyHTTP(FakeHTTPClient):
    request = HTTPClient.request  # discord.py's own, with its rate-limit and retry handling


def use_discord_py_retries(env: simcord.Env) -> None:
    bot = env.bot
    old = bot.http
    http = DiscordPyHTTP(env.backend, asyncio.get_running_loop())
    http._HTTPClient__session = BackendSession(env.backend)  # type: ignore[attr-defined]
    http._global_over = asyncio.Event()
    http._global_over.set()
    http.token = old.token
    _dpy_internals.install_http(bot, http)


@pytest.fixture
async def live(world: World) -> World:
    use_discord_py_retries(world.env)
    return world



def attempts(world: World, method: str, path_part: str) -> int:
    return sum(1 for r in world.env.http_requests if r.method == method and path_part in r.path)


def embed_fields(world: World) -> dict[str, str]:
    message = world.mod_log.last_message
    assert message is not None and message.embeds
    return {field.name or "": field.value or "" for field in message.embeds[0].fields}


async def test_rate_limits_are_absorbed_by_discord_py_and_every_action_still_happens(
    live: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = live
    dm = world.alice.user.dm_channel
    for method, path in (
        ("DELETE", f"/channels/{world.thread.id}/messages/*"),
        ("POST", f"/channels/{dm.id}/messages"),
        ("PATCH", f"/guilds/{world.guild.id}/members/{world.alice.id}"),
        ("POST", f"/channels/{world.mod_log.id}/messages"),
    ):
        world.env.inject_error(method, path, status=429, message="You are being rate limited.")
    caplog.set_level(logging.WARNING, logger="discord.http")

    message = await world.alice.send(world.thread, "I will hurt you")
    await world.env.advance_time(5)

    assert message.id not in [m.id for m in world.thread.history()]
    (case,) = await all_cases(world.app.cases)
    assert case.applied == (ActionKind.DELETE, ActionKind.WARN, ActionKind.TIMEOUT)
    assert case.errors == () and case.notified is True
    member = world.alice.member
    assert member is not None and member.is_timed_out()
    assert attempts(world, "DELETE", f"/channels/{world.thread.id}/messages/") == 2  # the 429, then the retry
    assert sum("We are being rate limited" in r.getMessage() for r in caplog.records) == 4
    assert embed_fields(world)["Done"] == "delete, warn, timeout"


async def test_a_passing_500_is_retried_and_the_delete_happens(live: World) -> None:
    world = live
    world.env.inject_error("DELETE", f"/channels/{world.thread.id}/messages/*", status=500, times=1)

    message = await world.alice.send(world.thread, "idiot")
    await world.env.advance_time(5)

    assert message.id not in [m.id for m in world.thread.history()]
    (case,) = await all_cases(world.app.cases)
    assert case.applied == (ActionKind.DELETE, ActionKind.WARN) and case.errors == ()
    assert attempts(world, "DELETE", "/messages/") == 2


async def test_lasting_5xx_on_delete_and_timeout_are_recorded_and_the_bot_keeps_running(live: World) -> None:
    world = live
    # 500 five times: discord.py tries five times, then gives up. 503 is not retried at all.
    world.env.inject_error("DELETE", f"/channels/{world.thread.id}/messages/*", status=500, times=5)
    world.env.inject_error("PATCH", f"/guilds/{world.guild.id}/members/*", status=503, times=1,
                           message="Service Unavailable")

    message = await world.alice.send(world.thread, "I will hurt you")
    await world.env.advance_time(60)

    assert message.id in [m.id for m in world.thread.history()]  # still there: nothing pretends otherwise
    (case,) = await all_cases(world.app.cases)
    assert case.applied == (ActionKind.WARN,) and case.notified is True
    assert case.errors == (
        "delete: 500 Internal Server Error (injected by test) (0)",
        "timeout: 503 Service Unavailable (0)",
    )
    assert attempts(world, "DELETE", "/messages/") == 5
    fields = embed_fields(world)
    assert "delete: 500" in fields["Errors"] and "timeout: 503" in fields["Errors"]
    assert fields["Message"].endswith(f"/{world.thread.id}/{message.id}")  # a link: it was not removed

    # Still running once Discord recovers.
    later = await world.bob.send(world.thread, "idiot")
    await world.env.advance_time(5)
    assert later.id not in [m.id for m in world.thread.history()]
    assert [c.applied for c in await all_cases(world.app.cases)][1] == (ActionKind.DELETE, ActionKind.WARN)


async def test_missing_permission_to_delete_is_recorded_and_the_user_is_still_warned(live: World) -> None:
    world = live
    world.env.inject_error("DELETE", f"/channels/{world.thread.id}/messages/*", status=403, code=50013,
                           message="Missing Permissions")

    message = await world.alice.send(world.thread, "idiot")

    assert message.id in [m.id for m in world.thread.history()]
    (case,) = await all_cases(world.app.cases)
    assert case.applied == (ActionKind.WARN,) and case.notified is True
    assert case.errors == ("delete: 403 Missing Permissions (50013)",)
    assert "delete: 403 Missing Permissions (50013)" in embed_fields(world)["Errors"]
    assert "Case #1" in (world.alice.user.dm_channel.last_message.content or "")  # type: ignore[union-attr]


async def test_a_mod_log_that_cannot_be_written_loses_no_case(
    live: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = live
    world.env.inject_error("POST", f"/channels/{world.mod_log.id}/messages", status=403, code=50001,
                           message="Missing Access")

    await world.alice.send(world.thread, "idiot")
    await world.bob.send(world.thread, "idiot again")

    first, second = await all_cases(world.app.cases)
    assert first.applied == second.applied == (ActionKind.DELETE, ActionKind.WARN)
    assert [m.embeds[0].title for m in world.mod_log.history()] == ["Case #2"]  # the fault passed
    assert any("mod log post failed: 403" in r.getMessage() for r in caplog.records)


async def test_a_message_the_author_deleted_first_is_recorded_as_already_gone(live: World) -> None:
    world = live
    # What Discord answers when the author deleted the message before the bot's DELETE arrived.
    world.env.inject_error("DELETE", f"/channels/{world.thread.id}/messages/*", status=404, code=10008,
                           message="Unknown Message")

    await world.alice.send(world.thread, "Only an idiot would vote for this")

    (case,) = await all_cases(world.app.cases)  # the case is kept, with its text and the DM
    assert case.text == "Only an idiot would vote for this"
    assert ActionKind.WARN in case.applied and case.notified is True
    assert [error for error in case.errors if "10008" in error]
    fields = embed_fields(world)
    assert fields["Already gone"] == "the message was deleted before the bot acted"
    assert "Errors" not in fields
    assert "Only an idiot" in fields["Removed text"]
    assert world.mod_log.last_message.embeds[0].colour != discord.Colour.red()  # type: ignore[union-attr]

    await world.bob.send(world.thread, "idiot")  # keeps running
    assert len(await all_cases(world.app.cases)) == 2


async def test_already_gone_counts_as_deleted_on_the_case(live: World) -> None:
    world = live
    world.env.inject_error("DELETE", f"/channels/{world.thread.id}/messages/*", status=404, code=10008,
                           message="Unknown Message")

    await world.alice.send(world.thread, "idiot")

    (case,) = await all_cases(world.app.cases)
    assert case.applied == (ActionKind.DELETE, ActionKind.WARN)
    assert case.errors == ("delete: already gone (404 Unknown Message, 10008)",)


async def test_remove_in_review_after_the_author_deleted_it_keeps_the_moderator_case(live: World) -> None:
    world = live
    message = await world.alice.send(world.thread, "What garbage reporting")
    review_post = world.review.last_message
    assert review_post is not None
    await world.alice.delete(message)  # gone before a moderator looks: Discord answers the DELETE with 404

    result = await world.mod.click(review_post, label="Remove")

    assert result.response is not None and "removed" in result.response.content
    bot_case, mod_case = await all_cases(world.app.cases)
    assert mod_case.actor_id == world.mod.id and mod_case.text == "What garbage reporting"
    assert mod_case.errors == ("delete: already gone (404 Unknown Message, 10008)",)
    (item,) = await world.app.storage.reviews.find()
    assert item.status is ReviewStatus.REMOVED and item.case_id == bot_case.id
    fields = embed_fields(world)
    assert "Already gone" in fields and "Errors" not in fields


async def test_a_user_who_blocks_dms_is_recorded_as_not_told(live: World) -> None:
    world = live
    dm = world.alice.user.dm_channel
    world.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007,
                           message="Cannot send messages to this user", times=None)

    await world.alice.send(world.thread, "idiot")
    await world.alice.send(world.thread, "idiot, twice")

    first, second = await all_cases(world.app.cases)
    for case in (first, second):
        assert case.notified is False and case.applied == (ActionKind.DELETE,)
        assert case.errors == ("warn: 403 Cannot send messages to this user (50007)",)
    fields = embed_fields(world)
    assert fields["User told"] == "NO (DM failed)"
    assert dm.last_message is None


def _gateway_payload(world: World, event: str, message_id: int) -> dict[str, Any]:
    for kind, name, payload in world.env.backend.transcript:
        if kind == "GATEWAY" and name == event and int(payload["id"]) == message_id:
            return dict(payload)
    raise AssertionError(f"no {event} for {message_id}")


async def test_a_resume_that_replays_a_message_does_not_judge_it_twice(
    live: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = live
    caplog.set_level(logging.INFO, logger="bot.discord_adapter.judge")
    message = await world.alice.send(world.thread, "idiot")
    replay = _gateway_payload(world, "MESSAGE_CREATE", message.id)

    # The connection drops and resumes; Discord replays the events since the last acknowledged sequence.
    world.env.backend.emit("RESUMED", {})
    world.env.backend.emit("MESSAGE_CREATE", replay)
    await world.env.settle()

    assert f"duplicate skipped message={message.id}" in caplog.text  # the replay did reach the bot
    (case,) = await all_cases(world.app.cases)
    assert case.message_id == message.id
    assert await world.app.storage.messages.count() == 1
    assert [m.embeds[0].title for m in world.mod_log.history() if m.embeds] == ["Case #1"]
    assert world.alice.user.dm_channel.history().__len__() == 1

    await world.bob.send(world.thread, "idiot")  # live moderation goes on after the resume
    assert len(await all_cases(world.app.cases)) == 2


async def test_after_a_reconnect_missed_messages_are_caught_up_once_and_moderation_goes_on(live: World) -> None:
    world = live
    bot = world.env.bot
    assert isinstance(bot, ModBot) and bot.ws is not None
    await world.bot.announce_model()  # what on_ready did at the first start
    await world.env.settle()
    await world.alice.send(world.thread, "Fine article.")

    # The gateway connection dies: events in this window never reach the bot.
    await bot.ws.close()
    missed = await world.alice.send(world.thread, "idiot, posted during the outage")
    assert await world.app.storage.messages.count() == 1

    # A fresh session (IDENTIFY, not RESUME): READY, then every guild again, as after a real reconnect.
    bot.ws.open = True  # type: ignore[attr-defined]
    backend = world.env.backend
    backend.emit("READY", {
        "v": 10,
        "user": dict(serializers.user_payload(backend.bot_user)),
        "guilds": [],
        "session_id": "simcord-session-after-reconnect",
        "resume_gateway_url": "wss://simcord.invalid",
        "application": {"id": str(backend.application_id), "flags": 0},
    })
    backend.emit("GUILD_CREATE", serializers.guild_create_payload(backend, backend.guilds[world.guild.id]))
    await world.env.settle()
    await world.env.advance_time(1)

    assert missed.id not in [m.id for m in world.thread.history()]
    (case,) = await all_cases(world.app.cases)
    assert case.message_id == missed.id
    assert bot.last_catch_up is not None and bot.last_catch_up.judged == 1
    notices = [m.content for m in world.mod_log.history() if not m.embeds]
    assert sum("modbot is online" in text for text in notices) == 1  # announced once, not per reconnect

    later = await world.bob.send(world.thread, "idiot after the reconnect")
    assert later.id not in [m.id for m in world.thread.history()]
    assert len(await all_cases(world.app.cases)) == 2
    assert await world.app.storage.messages.count() == 3  # every message judged exactly once
