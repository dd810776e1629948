"""Carries decisions out on Discord: delete, warn by DM, timeout, kick, ban, flag for review, and heat control's
slowmode and lock of a thread (with a short note in the thread saying why).

Every failure of an action, of any kind (403 missing permission or role hierarchy, 404 already gone, other HTTP
errors, a dropped connection, a timeout), is caught per action and returned in `Enforcement.errors`; one failed
action never stops the others.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

import discord

from bot.discord_adapter.appeal import AppealButton, appeal_view
from bot.discord_adapter.failures import DISCORD_FAILURES
from bot.durations import format_duration
from bot.records import ACTION_ORDER, Action, ActionKind, Case, Enforcement

log = logging.getLogger(__name__)

MAX_TIMEOUT = timedelta(days=28)  # Discord's limit
MAX_SLOWMODE = timedelta(hours=6)  # Discord's limit
DEFAULT_TIMEOUT = timedelta(hours=1)
_NO_MENTIONS = discord.AllowedMentions.none()


class FlagSink(Protocol):
    """Where a "flag" decision goes: the review queue."""

    async def open(self, case: Case) -> None: ...


class ActionFailed(Exception):
    """An action that could not be tried at all (no such member, no channel)."""


def describe_error(kind: ActionKind, exc: BaseException) -> str:
    """`timeout: 403 Missing Permissions (50013)`: what failed, in words a moderator can act on."""
    if isinstance(exc, discord.HTTPException):
        text = exc.text or exc.response.reason or "error"
        return f"{kind.value}: {exc.status} {text} ({exc.code})"
    if isinstance(exc, (discord.DiscordException, ActionFailed)):
        return f"{kind.value}: {exc}"
    return f"{kind.value}: {type(exc).__name__}: {exc}".rstrip(": ")  # a dropped connection, a timeout


def _ordered(actions: tuple[Action, ...]) -> list[Action]:
    kinds = {action.kind for action in actions}
    chosen: list[Action] = []
    for kind in ACTION_ORDER:
        if kind is ActionKind.KICK and ActionKind.BAN in kinds:
            continue  # a ban removes them anyway
        if kind is ActionKind.TIMEOUT and kinds & {ActionKind.BAN, ActionKind.KICK}:
            continue  # nobody to time out once they are gone
        chosen.extend(action for action in actions if action.kind is kind)
    return chosen


def warning_text(case: Case, notice: str | None, appeal_hint: str) -> str:
    """The DM: names the rule, what fired, and how to appeal."""
    rule = case.rule_id or "server rules"
    fired = case.reason or "rule match"
    body = notice or f'Your message broke the rule "{rule}" ({fired}). {appeal_hint}'
    lines = [body]
    if notice and case.rule_id and case.rule_id not in body:
        lines.append(f"Rule: {case.rule_id}")
    if fired not in body:
        lines.append(f"What fired: {fired}")
    if "appeal" not in body.lower():
        lines.append(appeal_hint)
    lines.append(f"Case #{case.number} · <#{case.channel_id}>")
    return "\n".join(lines)


def heat_note(case: Case, action: Action) -> str:
    """The note heat control posts in the thread: what it did, for how long, and why (the window's figures)."""
    why = case.reason.removeprefix("heat: ").split(" (rule:", 1)[0]
    if action.kind is ActionKind.SLOWMODE:
        delay = format_duration(action.duration or timedelta(0))
        head = f"🐢 Slowmode is on in this thread: one message every {delay} per person"
    else:
        length = f"for {format_duration(action.duration)}" if action.duration else "until a moderator unlocks it"
        head = f"🔒 This thread is locked {length}"
    return f"{head}. The discussion got heated: {why}. (modbot case #{case.number})"


class DiscordEnforcer:
    """Implements `bot.protocols.Enforcer` against a live (or simulated) Discord."""

    def __init__(
        self, client: discord.Client, *, appeal_hint: str, flags: FlagSink | None = None,
        appeal_button: type[AppealButton] = AppealButton,
    ) -> None:
        self._client = client
        self._appeal_button = appeal_button
        self._appeal_hint = appeal_hint
        self._flags = flags

    async def enforce(self, case: Case, notice: str | None = None) -> Enforcement:
        applied: list[ActionKind] = []
        errors: list[str] = []
        notified: bool | None = None
        reason = f"modbot case #{case.number}: {case.rule_id or 'by a moderator'}"
        for action in _ordered(case.actions):
            kind = action.kind
            if kind is ActionKind.ALLOW:
                continue
            if kind is ActionKind.WARN:
                notified = False
            try:
                error = await self._act(case, action, notice, reason)
            except Exception as exc:  # HTTP errors, a missing channel, a dropped connection: recorded, never fatal
                error = describe_error(kind, exc)
                log.warning("action failed case=%s message=%s error=%r", case.number, case.message_id, error)
                errors.append(error)
                continue
            if error is not None:  # done, with a remark (a message already gone)
                errors.append(error)
            if kind is ActionKind.WARN:
                notified = True
            applied.append(kind)
        return Enforcement(applied=tuple(applied), errors=tuple(errors), notified=notified)

    async def _act(self, case: Case, action: Action, notice: str | None, reason: str) -> str | None:
        kind = action.kind
        if kind is ActionKind.FLAG:
            if self._flags is None:
                raise ActionFailed("no review queue configured")
            await self._flags.open(case)
        elif kind is ActionKind.DELETE:
            if case.message_id is None:
                raise ActionFailed("the case names no message")
            try:
                await self.delete_message(case.channel_id, case.message_id, reason)
            except discord.NotFound as exc:
                if exc.code != 10008:  # only Unknown Message: a missing channel stays an error
                    raise
                # Deleted before the bot acted: the delete's purpose is met; the case keeps the text.
                return "delete: already gone (404 Unknown Message, 10008)"
        elif kind is ActionKind.WARN:
            view = appeal_view(case.id, self._appeal_button)
            await self._dm(case.user_id, warning_text(case, notice, self._appeal_hint), view)
        elif kind is ActionKind.TIMEOUT:
            await self.timeout(case.guild_id, case.user_id, action.duration or DEFAULT_TIMEOUT, reason)
        elif kind is ActionKind.KICK:
            await self._guild(case.guild_id).kick(discord.Object(case.user_id), reason=reason)
        elif kind is ActionKind.BAN:
            await self._guild(case.guild_id).ban(discord.Object(case.user_id), reason=reason, delete_message_seconds=0)
        elif kind in (ActionKind.SLOWMODE, ActionKind.LOCK):
            return await self._heat(case, action, reason)
        return None

    async def _heat(self, case: Case, action: Action, reason: str) -> str | None:
        """Slowmode or lock the case's thread, then say why in it; a note that fails is a remark, not a failure."""
        channel = self._client.get_channel(case.channel_id) or await self._client.fetch_channel(case.channel_id)
        if not isinstance(channel, discord.Thread):
            raise ActionFailed(f"channel {case.channel_id} is not a thread")
        if action.kind is ActionKind.SLOWMODE:
            delay = min(action.duration or timedelta(0), MAX_SLOWMODE)
            await channel.edit(slowmode_delay=int(delay.total_seconds()), reason=reason)
        else:
            await channel.edit(locked=True, reason=reason)
        try:
            await channel.send(heat_note(case, action), allowed_mentions=_NO_MENTIONS)
        except DISCORD_FAILURES as exc:
            return f"{describe_error(action.kind, exc)} (done; the note in the thread was not posted)"
        return None

    def _guild(self, guild_id: int) -> discord.Guild:
        guild = self._client.get_guild(guild_id)
        if guild is None:
            raise ActionFailed(f"not in server {guild_id}")
        return guild

    async def delete_message(self, channel_id: int, message_id: int, reason: str | None = None) -> None:
        channel = self._client.get_channel(channel_id) or await self._client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise ActionFailed(f"channel {channel_id} holds no messages")
        await channel.get_partial_message(message_id).delete()

    async def timeout(self, guild_id: int, user_id: int, duration: timedelta, reason: str) -> None:
        guild = self._guild(guild_id)
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.NotFound as exc:
                raise ActionFailed("the member has left the server") from exc
        await member.timeout(min(duration, MAX_TIMEOUT), reason=reason)

    async def _dm(self, user_id: int, text: str, view: discord.ui.View | None = None) -> None:
        user = self._client.get_user(user_id) or await self._client.fetch_user(user_id)
        if view is None:
            await user.send(text, allowed_mentions=_NO_MENTIONS)
        else:  # the Appeal button (bot/discord_adapter/appeal.py)
            await user.send(text, view=view, allowed_mentions=_NO_MENTIONS)
