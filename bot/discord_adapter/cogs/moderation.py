"""Listeners: new messages and edits go to the judge; at start, announce the model and catch up."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord_adapter.catchup import catch_up

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot

log = logging.getLogger(__name__)


class ModerationCog(commands.Cog):
    def __init__(self, bot: ModBot) -> None:
        self.bot = bot
        self._started = False

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._started:  # a gateway resume or reconnect: catch up again, announce once
            await self._catch_up()
            return
        self._started = True
        await self.bot.announce_model()
        self.bot.start_head_witness()
        await self._resume()
        await self._catch_up()

    async def _resume(self) -> None:
        """Cases recorded before a crash whose actions never ran are carried out now; heat control's undos that
        fell due while the bot was down run now, the others are scheduled."""
        resumed = await self.bot.services.pipeline.resume_unenforced()
        if resumed:
            numbers = ", ".join(f"#{case.number}" for case in resumed)
            await self.bot.parts.modlog.notice(
                f"Carried out {len(resumed)} case(s) interrupted by a restart: {numbers}"
            )
        timed = self.bot.services.timed
        if timed is not None:
            await timed.start()

    async def _catch_up(self) -> None:
        report = await catch_up(
            self.bot, self.bot.judge, self.bot.services.cursor,
            limit=self.bot.services.settings.current.discord.catchup_limit,
        )
        self.bot.last_catch_up = report
        if report.judged or report.errors:
            await self.bot.parts.modlog.notice(
                f"Catch-up: {report.judged} message(s) posted while offline were judged"
                + (f"; failed: {', '.join(report.errors)}" if report.errors else "")
            )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self.bot.judge.judge(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if "content" not in payload.data:
            return  # an embed resolving, a pin: nothing new to judge
        await self.bot.judge.judge(payload.message, edited=True)
