"""The mod log: one embed per case, and plain notices (model at start, broken actions)."""

from __future__ import annotations

import logging

import discord

from bot.discord_adapter.failures import DISCORD_FAILURES
from bot.records import HEAT_KINDS, HEAT_USER_ID, Case, CaseStatus, Enforcement, Explanation
from bot.settings import SettingsHolder

log = logging.getLogger(__name__)

_RED = discord.Colour.red()
_ORANGE = discord.Colour.orange()
_GREY = discord.Colour.light_grey()
_FIELD_MAX = 1024
_NO_MENTIONS = discord.AllowedMentions.none()


def _clip(text: str, limit: int = _FIELD_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: str) -> str:
    """Removed text shown verbatim but inert: a code block cannot ping or render links."""
    safe = text.replace("```", "`\u200b``")
    return "```\n" + _clip(safe, _FIELD_MAX - 10) + "\n```"


ALREADY_GONE = "the message was deleted before the bot acted"


def is_already_gone(error: str) -> bool:
    """A delete that found no message (404 Unknown Message, 10008): the author or someone else was first.

    Not a failure: the message is gone, which is what the delete was for; the case keeps its text.
    """
    return error.startswith("delete:") and ("already gone" in error or "(10008)" in error)


def model_line(case: Case) -> str:
    if not case.model_name:
        return "none"
    text = f"{case.model_name} {case.model_version or ''}".strip()
    return f"FALLBACK: {text}" if case.model_fallback else text


def explanation_line(explanation: Explanation) -> str:
    """One line, inert: the words are the user's and are shown without markdown or mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(explanation.describe()))


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def case_embed(case: Case, enforcement: Enforcement | None = None) -> discord.Embed:
    """Number, user, rule, labels with scores, model (FALLBACK when so), action, errors, link or text."""
    enforcement = enforcement or Enforcement(applied=case.applied, errors=case.errors, notified=case.notified)
    shadow = case.status is CaseStatus.SHADOW
    gone = any(is_already_gone(error) for error in enforcement.errors)
    errors = [error for error in enforcement.errors if not is_already_gone(error)]
    colour = _GREY if shadow else (_RED if errors else _ORANGE)
    title = f"Case #{case.number}" + (" (shadow: nothing was done)" if shadow else "")
    embed = discord.Embed(title=title, colour=colour, timestamp=case.created_at)
    heat = case.user_id == HEAT_USER_ID and any(action.kind in HEAT_KINDS for action in case.actions)
    if heat:  # heat control's case: about a thread, judged by no model
        embed.add_field(name="Thread", value=f"<#{case.channel_id}> (heat control)", inline=True)
    else:
        embed.add_field(name="User", value=f"<@{case.user_id}> ({case.user_id})", inline=True)
    actor = "modbot" if case.actor_id is None else f"<@{case.actor_id}>"
    embed.add_field(name="By", value=f"{case.actor.value} ({actor})", inline=True)
    embed.add_field(name="Rule", value=case.rule_id or "none", inline=True)
    if case.scores:
        ranked = sorted(case.scores.items(), key=lambda item: item[1], reverse=True)
        labels = ", ".join(f"{label} {score:.2f}" for label, score in ranked[:8])
        embed.add_field(name="Labels", value=_clip(labels), inline=False)
    if not heat:
        embed.add_field(name="Model", value=model_line(case), inline=True)
    if case.variant is not None:
        embed.add_field(name="Matched on", value=f"{case.variant.value} text", inline=True)
    embed.add_field(name="Action", value=", ".join(str(action) for action in case.actions) or "none", inline=True)
    if not shadow:
        done = ", ".join(kind.value for kind in enforcement.applied) or "nothing"
        embed.add_field(name="Done", value=done, inline=True)
        if enforcement.notified is not None:
            embed.add_field(
                name="User told", value="yes (DM arrived)" if enforcement.notified else "NO (DM failed)", inline=True
            )
    if gone:
        embed.add_field(name="Already gone", value=ALREADY_GONE, inline=False)
    if errors:
        embed.add_field(name="Errors", value=_clip("\n".join(errors)), inline=False)
    embed.add_field(name="Reason", value=_clip(case.reason or "-"), inline=False)
    if case.explanation is not None:
        embed.add_field(name="Why", value=_clip(explanation_line(case.explanation)), inline=False)
    removed = gone or "delete" in {kind.value for kind in enforcement.applied}
    if case.message_id is not None and not removed:
        embed.add_field(name="Message", value=jump_url(case.guild_id, case.channel_id, case.message_id), inline=False)
    elif case.text:
        embed.add_field(name="Removed text", value=_quote(case.text), inline=False)
    return embed


class ModLog:
    """Posts to the configured mod-log channel; without one, it only logs."""

    def __init__(self, client: discord.Client, settings: SettingsHolder) -> None:
        self._client = client
        self._settings = settings  # read on every post: settings may change while running

    async def _channel(self) -> discord.abc.Messageable | None:
        channel_id = self._settings.current.discord.mod_log_channel_id
        if channel_id is None:
            return None
        channel = self._client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self._client.fetch_channel(channel_id)
            except DISCORD_FAILURES as exc:
                log.error("mod log channel %s unreachable: %s", channel_id, exc)
                return None
        return channel if isinstance(channel, discord.abc.Messageable) else None

    async def post_case(self, case: Case, enforcement: Enforcement | None = None) -> discord.Message | None:
        return await self._send(embed=case_embed(case, enforcement))

    async def notice(self, text: str) -> discord.Message | None:
        return await self._send(content=_clip(text, 2000))

    async def _send(
        self, *, content: str | None = None, embed: discord.Embed | None = None
    ) -> discord.Message | None:
        channel = await self._channel()
        if channel is None:
            return None
        try:
            if embed is None:
                return await channel.send(content=content, allowed_mentions=_NO_MENTIONS)
            return await channel.send(content=content, embed=embed, allowed_mentions=_NO_MENTIONS)
        except discord.HTTPException as exc:
            # The case is already stored; a mod log that cannot be written must not stop moderation.
            log.error("mod log post failed: %s %s (%s)", exc.status, exc.text, exc.code)
            return None
        except DISCORD_FAILURES as exc:  # a dropped connection, a timeout
            log.error("mod log post failed: %s: %s", type(exc).__name__, exc)
            return None
