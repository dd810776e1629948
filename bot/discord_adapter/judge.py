"""One Discord message in, one decision out: convert, run the pipeline, report the case in the mod log."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import discord

from bot.discord_adapter.events import Scope, message_to_event
from bot.discord_adapter.modlog import ModLog
from bot.records import MessageEvent, ModerationOutcome

log = logging.getLogger(__name__)

OutcomeHook = Callable[[discord.Message, ModerationOutcome], Awaitable[None]]


class Moderator(Protocol):
    """What `bot.moderation.pipeline.ModerationPipeline` offers the adapter."""

    async def handle(self, event: MessageEvent) -> ModerationOutcome: ...


class MessageJudge:
    def __init__(
        self,
        *,
        scope: Callable[[], Scope],
        moderator: Moderator,
        modlog: ModLog,
        self_id: Callable[[], int | None],
        hook: OutcomeHook | None = None,
    ) -> None:
        self._scope = scope
        self._moderator = moderator
        self._modlog = modlog
        self._self_id = self_id
        self._hook = hook

    @property
    def scope(self) -> Scope:
        return self._scope()

    async def judge(self, message: discord.Message, *, edited: bool = False) -> ModerationOutcome | None:
        """None when the message is out of scope; the pipeline's outcome otherwise (duplicates included)."""
        event = message_to_event(message, self._scope(), self_id=self._self_id(), edited=edited)
        if event is None:
            return None
        outcome = await self._moderator.handle(event)
        if outcome.duplicate:  # a gateway replay after a resume, or catch-up meeting a live delivery
            log.info("duplicate skipped message=%s channel=%s edited=%s", event.message_id, event.channel_id, edited)
        elif outcome.case is not None:
            await self._modlog.post_case(outcome.case, outcome.enforcement)
        if self._hook is not None:
            await self._hook(message, outcome)
        return outcome
