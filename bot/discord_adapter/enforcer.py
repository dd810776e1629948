"""Carries decisions out on Discord: delete, warn by DM, timeout, kick, ban, and flag for review.

Every Discord failure (403 missing permission or role hierarchy, 404 already gone, other HTTP errors)
is caught per action and returned in `Enforcement.errors`; one failed action never stops the others.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

import discord

from bot.discord_adapter.appeal import appeal_view
from bot.records import ACTION_ORDER, Action, ActionKind, Case, Decision, Enforcement, MessageEvent

log = logging.getLogger(__name__)

MAX_TIMEOUT = timedelta(days=28)  # Discord's limit
DEFAULT_TIMEOUT = timedelta(hours=1)
_NO_MENTIONS = discord.AllowedMentions.none()


class FlagSink(Protocol):
    """Where a "flag" decision goes: the review queue."""

    async def open(self, event: MessageEvent, case: Case | None) -> None: ...


class ActionFailed(Exception):
    """An action that could not be tried at all (no such member, no channel)."""


def describe_error(kind: ActionKind, exc: BaseException) -> str:
    """`timeout: 403 Missing Permissions (50013)`: what failed, in words a moderator can act on."""
    if isinstance(exc, discord.HTTPException):
        text = exc.text or exc.response.reason or "error"
        return f"{kind.value}: {exc.status} {text} ({exc.code})"
    return f"{kind.value}: {exc}"


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


def warning_text(event: MessageEvent, decision: Decision, case: Case | None, appeal_hint: str) -> str:
    """The DM: names the rule, the labels that fired, and how to appeal."""
    fired = "; ".join(hit.detail for hit in decision.hits if hit.rule_id == decision.rule_id) or "rule match"
    body = decision.user_message or (
        f'Your message broke the rule "{decision.rule_id or "server rules"}" ({fired}). {appeal_hint}'
    )
    lines = [body]
    if decision.user_message and decision.rule_id and decision.rule_id not in body:
        lines.append(f"Rule: {decision.rule_id}")
    if fired not in body:
        lines.append(f"What fired: {fired}")
    if "appeal" not in body.lower():
        lines.append(appeal_hint)
    where = f"<#{event.channel_id}>"
    lines.append(f"Case #{case.number} · {where}" if case else where)
    return "\n".join(lines)


class DiscordEnforcer:
    """Implements `bot.protocols.Enforcer` against a live (or simulated) Discord."""

    def __init__(self, client: discord.Client, *, appeal_hint: str, flags: FlagSink | None = None) -> None:
        self._client = client
        self._appeal_hint = appeal_hint
        self._flags = flags

    async def enforce(self, event: MessageEvent, decision: Decision, case: Case | None) -> Enforcement:
        applied: list[ActionKind] = []
        errors: list[str] = []
        notified: bool | None = None
        reason = f"modbot case #{case.number}: {decision.rule_id}" if case else f"modbot: {decision.rule_id}"
        for action in _ordered(decision.actions):
            kind = action.kind
            try:
                if kind is ActionKind.ALLOW:
                    continue
                if kind is ActionKind.FLAG:
                    if self._flags is None:
                        raise ActionFailed("no review queue configured")
                    await self._flags.open(event, case)
                elif kind is ActionKind.DELETE:
                    try:
                        await self.delete_message(event.channel_id, event.message_id, reason)
                    except discord.NotFound as exc:
                        if exc.code != 10008:  # only Unknown Message: a missing channel stays an error
                            raise
                        # Deleted before the bot acted: the delete's purpose is met; the case keeps the text.
                        errors.append("delete: already gone (404 Unknown Message, 10008)")
                elif kind is ActionKind.WARN:
                    notified = False
                    view = appeal_view(case.id) if case is not None else None
                    await self._dm(event.author_id, warning_text(event, decision, case, self._appeal_hint), view)
                    notified = True
                elif kind is ActionKind.TIMEOUT:
                    await self.timeout(event.guild_id, event.author_id, action.duration or DEFAULT_TIMEOUT, reason)
                elif kind is ActionKind.KICK:
                    await self._guild(event.guild_id).kick(discord.Object(event.author_id), reason=reason)
                elif kind is ActionKind.BAN:
                    await self._guild(event.guild_id).ban(
                        discord.Object(event.author_id), reason=reason, delete_message_seconds=0
                    )
            except (discord.DiscordException, ActionFailed) as exc:  # HTTP errors, a missing channel
                message = describe_error(kind, exc)
                errors.append(message)
                log.warning(
                    "action failed case=%s message=%s error=%r",
                    case.number if case else None, event.message_id, message,
                )
            else:
                applied.append(kind)
        return Enforcement(applied=tuple(applied), errors=tuple(errors), notified=notified)

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
