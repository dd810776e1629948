"""Catch-up at start: messages posted in scope while the bot was offline, processed once each.

For every moderated channel and each of its threads (forum posts included), read the history after
the last message the pipeline processed there (`MessageLog.cursor`), oldest first. A thread the bot
never saw gets its last `limit` messages. The pipeline's dedupe (message id, content hash) makes a
message that is both caught up and delivered live count once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import discord

from bot.discord_adapter.failures import DISCORD_FAILURES
from bot.discord_adapter.judge import MessageJudge

log = logging.getLogger(__name__)

Cursor = Callable[[int], Awaitable[int | None]]


@dataclass(frozen=True, slots=True)
class CatchUpReport:
    channels: int
    seen: int
    judged: int  # new decisions (not duplicates)
    errors: tuple[str, ...] = ()


async def _targets(guild: discord.Guild, channel_ids: frozenset[int]) -> AsyncIterator[discord.abc.Messageable]:
    for channel_id in sorted(channel_ids):
        channel = guild.get_channel(channel_id)
        if isinstance(channel, discord.TextChannel):
            yield channel
            for thread in channel.threads:
                yield thread
        elif isinstance(channel, discord.ForumChannel):
            for thread in channel.threads:
                yield thread


async def catch_up(
    client: discord.Client, judge: MessageJudge, cursor: Cursor, *, limit: int = 200
) -> CatchUpReport:
    channels = seen = judged = 0
    errors: list[str] = []
    for guild in client.guilds:
        if not judge.scope.covers_guild(guild.id):
            continue
        async for target in _targets(guild, judge.scope.channel_ids):
            channels += 1
            target_id = getattr(target, "id", 0)
            last = await cursor(target_id)
            after = discord.Object(last) if last is not None else None
            try:
                async for message in target.history(limit=limit, after=after, oldest_first=True):
                    seen += 1
                    try:
                        outcome = await judge.judge(message)
                    except Exception as exc:  # one message that fails must not stop the catch-up
                        errors.append(f"message {message.id}: {type(exc).__name__}: {exc}")
                        log.exception("catch-up could not judge message=%s channel=%s", message.id, target_id)
                        continue
                    if outcome is not None and not outcome.duplicate:
                        judged += 1
            except discord.HTTPException as exc:
                errors.append(f"<#{target_id}>: {exc.status} {exc.text} ({exc.code})")
                log.warning("catch-up failed channel=%s error=%s", target_id, exc)
            except DISCORD_FAILURES as exc:  # a dropped connection: next channel
                errors.append(f"<#{target_id}>: {type(exc).__name__}: {exc}")
                log.warning("catch-up failed channel=%s error=%r", target_id, exc)
    log.info("catch-up done channels=%d seen=%d judged=%d errors=%d", channels, seen, judged, len(errors))
    return CatchUpReport(channels, seen, judged, tuple(errors))
