"""The review queue on Discord: flagged messages posted with Approve / Remove / Timeout buttons.

Buttons are persistent (`DynamicItem`): their custom id carries the review item id, so they keep working after
a restart. What a verdict does is `bot.moderation.reviews.ReviewDesk`'s business; this module only posts the
item, turns a click into a verdict for the desk, and closes the posted message.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.discord_adapter.failures import DISCORD_FAILURES
from bot.discord_adapter.modlog import ModLog, jump_url
from bot.moderation.ports import ReviewStore
from bot.moderation.reviews import ReviewDesk, ReviewResult, Verdict, review_draft
from bot.protocols import Clock
from bot.records import ActionKind, Case, ReviewItem, ReviewStatus
from bot.settings import SettingsHolder

log = logging.getLogger(__name__)

CUSTOM_ID = re.compile(r"modbot:review:(?P<verdict>approve|remove|timeout):(?P<item_id>[0-9]+)")
_BUTTONS: dict[Verdict, tuple[str, discord.ButtonStyle]] = {
    Verdict.APPROVE: ("Approve", discord.ButtonStyle.success),
    Verdict.REMOVE: ("Remove", discord.ButtonStyle.danger),
    Verdict.TIMEOUT: ("Timeout", discord.ButtonStyle.secondary),
}
_NO_MENTIONS = discord.AllowedMentions.none()


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=CUSTOM_ID.pattern,
):
    """Approve, Remove or Timeout on one review item; the class bound by `review_buttons` handles the click."""

    clicks: ReviewClicks | None = None

    def __init__(self, verdict: Verdict, item_id: int) -> None:
        label, style = _BUTTONS[verdict]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"modbot:review:{verdict.value}:{item_id}")
        )
        self.verdict = verdict
        self.item_id = item_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReviewButton:
        return cls(Verdict(match["verdict"]), int(match["item_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.clicks is None:
            await interaction.response.send_message("The review queue is not running.", ephemeral=True)
            return
        await self.clicks.clicked(interaction, self.item_id, self.verdict)


def review_buttons() -> type[ReviewButton]:
    """A button class of one bot's own, whose `clicks` `bot/app.py` sets once the review desk is built.

    discord.py keeps one class per custom-id pattern, and a view sent with buttons registers their class: the
    board posts this class's buttons and the client registers it, so every click reaches this bot's desk."""

    class BoundReviewButton(ReviewButton, template=CUSTOM_ID.pattern):
        clicks = None

    return BoundReviewButton


def review_view(item_id: int, button: type[ReviewButton] = ReviewButton) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for verdict in Verdict:
        view.add_item(button(verdict, item_id))
    return view


def review_embed(item: ReviewItem, case: Case | None) -> discord.Embed:
    embed = discord.Embed(
        title=f"Review #{item.id}" + (f" · case #{case.number}" if case else ""),
        colour=discord.Colour.gold() if item.status is ReviewStatus.OPEN else discord.Colour.dark_grey(),
        timestamp=item.created_at,
    )
    embed.add_field(name="User", value=f"<@{item.user_id}> ({item.user_id})", inline=True)
    embed.add_field(name="Channel", value=f"<#{item.channel_id}>", inline=True)
    if case is not None:
        embed.add_field(name="Rule", value=case.rule_id or "none", inline=True)
        if case.scores:
            ranked = sorted(case.scores.items(), key=lambda pair: pair[1], reverse=True)[:6]
            embed.add_field(name="Labels", value=", ".join(f"{k} {v:.2f}" for k, v in ranked), inline=False)
        model = f"{case.model_name or 'none'} {case.model_version or ''}".strip()
        embed.add_field(name="Model", value=("FALLBACK: " + model) if case.model_fallback else model, inline=True)
        removed = ActionKind.DELETE in case.applied
        embed.add_field(name="Bot action", value=", ".join(str(a) for a in case.actions), inline=True)
        if not removed and item.message_id is not None:
            embed.add_field(
                name="Message", value=jump_url(item.guild_id, item.channel_id, item.message_id), inline=False
            )
    text = (item.text or "").replace("```", "`\u200b``")
    embed.description = "```\n" + (text[:3900] or " ") + "\n```"
    if item.status is not ReviewStatus.OPEN:
        embed.add_field(
            name="Verdict", value=f"{item.status.value} by <@{item.reviewer_id}>", inline=False
        )
    return embed


class ReviewBoard:
    """Implements the enforcer's `FlagSink`: a flagged case is stored as a review item and posted with its
    buttons; once decided, the posted message is closed with the verdict."""

    def __init__(
        self, client: discord.Client, *, items: ReviewStore, settings: SettingsHolder, clock: Clock,
        buttons: type[ReviewButton],
    ) -> None:
        self._client = client
        self.buttons = buttons
        self._items = items
        self._settings = settings
        self._clock = clock

    def _channel_id(self) -> int | None:
        return self._settings.current.discord.review_channel_id

    async def open(self, case: Case) -> None:
        channel_id = self._channel_id()
        if channel_id is None:
            raise discord.ClientException("no review channel configured (discord.review_channel_id)")
        item = await self._items.open(review_draft(case), at=self._clock())
        channel = self._client.get_channel(channel_id) or await self._client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise discord.ClientException(f"review channel {channel_id} cannot hold messages")
        # The case passed in has no enforcement yet: show it as flagged, not as deleted.
        posted = await channel.send(
            embed=review_embed(item, case), view=review_view(item.id, self.buttons), allowed_mentions=_NO_MENTIONS
        )
        await self._items.set_review_message(item.id, posted.id)

    async def close(self, item: ReviewItem, bot_case: Case | None) -> None:
        channel_id = self._channel_id()
        if item.review_message_id is None or channel_id is None:
            return
        channel = self._client.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        try:
            await channel.get_partial_message(item.review_message_id).edit(
                embed=review_embed(item, bot_case), view=None, allowed_mentions=_NO_MENTIONS
            )
        except DISCORD_FAILURES as exc:
            log.warning("could not close review message %s: %s", item.review_message_id, exc)


class ReviewClicks:
    """A moderator's click: the verdict goes to the `ReviewDesk`; the outcome to the mod log and the board."""

    def __init__(self, *, desk: ReviewDesk, board: ReviewBoard, modlog: ModLog) -> None:
        self._desk = desk
        self._board = board
        self._modlog = modlog

    async def clicked(self, interaction: discord.Interaction[Any], item_id: int, verdict: Verdict) -> None:
        if not interaction.permissions.manage_messages:
            await interaction.response.send_message(
                "Only moderators (Manage Messages) can decide reviews.", ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.decide(item_id, verdict, interaction.user.id)
        await interaction.followup.send(result.summary(), ephemeral=True, allowed_mentions=_NO_MENTIONS)

    async def decide(self, item_id: int, verdict: Verdict, moderator_id: int) -> ReviewResult:
        result = await self._desk.decide(item_id, verdict, moderator_id)
        if result.already_decided:
            return result
        if result.reversal is not None:
            await self._modlog.notice(
                f"Review #{result.item.id}: <@{moderator_id}> approved the message of <@{result.item.user_id}>; "
                + result.reversal.summary()
            )
        elif result.case is not None:
            await self._modlog.post_case(result.case, result.enforcement)
        await self._board.close(result.item, result.bot_case)
        return result
