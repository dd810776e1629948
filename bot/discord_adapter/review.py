"""The review queue on Discord: flagged messages with Approve / Remove / Timeout buttons.

Buttons are persistent (`DynamicItem`): their custom id carries the review item id, so they keep
working after a restart. Each verdict is stored on the review item (status, reviewer, time).
Remove and Timeout go through the same enforcer and case log as the bot's own actions, with the
moderator as actor. Approve closes the item, reverses the bot's case, and reposts a message the bot
had removed through a webhook under the author's name and avatar, marked as restored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import discord

from bot.discord_adapter.enforcer import DiscordEnforcer
from bot.discord_adapter.modlog import ModLog, jump_url
from bot.records import Action, ActionKind, Actor, Case, CaseDraft, Decision, Enforcement, MessageEvent
from bot.storage.cases import CaseRepository
from bot.storage.database import utcnow
from bot.storage.reviews import (
    ReviewAlreadyDecided,
    ReviewDraft,
    ReviewItem,
    ReviewRepository,
    ReviewStatus,
)

log = logging.getLogger(__name__)

CUSTOM_ID = re.compile(r"modbot:review:(?P<verdict>approve|remove|timeout):(?P<item_id>[0-9]+)")
_VERDICTS: dict[str, tuple[ReviewStatus, str, discord.ButtonStyle]] = {
    "approve": (ReviewStatus.APPROVED, "Approve", discord.ButtonStyle.success),
    "remove": (ReviewStatus.REMOVED, "Remove", discord.ButtonStyle.danger),
    "timeout": (ReviewStatus.TIMED_OUT, "Timeout", discord.ButtonStyle.secondary),
}
RESTORED_MARK = "-# ♻️ restored by the moderators"
WEBHOOK_NAME = "modbot restore"
_NO_MENTIONS = discord.AllowedMentions.none()


@dataclass(frozen=True, slots=True)
class ReviewResult:
    item: ReviewItem
    case: Case | None = None  # the moderator's case (remove, timeout), or the reversed bot case (approve)
    restored_message_id: int | None = None
    errors: tuple[str, ...] = ()

    def summary(self) -> str:
        text = f"Review #{self.item.id}: {self.item.status.value}"
        if self.case is not None:
            text += f" (case #{self.case.number})"
        if self.restored_message_id is not None:
            text += "; the message was restored"
        if self.errors:
            text += "; problems: " + "; ".join(self.errors)
        return text


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=CUSTOM_ID.pattern,
):
    def __init__(self, verdict: str, item_id: int) -> None:
        _, label, style = _VERDICTS[verdict]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"modbot:review:{verdict}:{item_id}")
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
        return cls(match["verdict"], int(match["item_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        queue = getattr(interaction.client, "review_queue", None)
        if not isinstance(queue, ReviewQueue):
            await interaction.response.send_message("The review queue is not running.", ephemeral=True)
            return
        if not interaction.permissions.manage_messages:
            await interaction.response.send_message(
                "Only moderators (Manage Messages) can decide reviews.", ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await queue.decide(self.item_id, self.verdict, interaction.user)
        await interaction.followup.send(result.summary(), ephemeral=True, allowed_mentions=_NO_MENTIONS)


def review_view(item_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for verdict in _VERDICTS:
        view.add_item(ReviewButton(verdict, item_id))
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


class ReviewQueue:
    """Implements `FlagSink`, and carries out moderators' verdicts."""

    def __init__(
        self,
        client: discord.Client,
        *,
        reviews: ReviewRepository,
        cases: CaseRepository,
        modlog: ModLog,
        channel_id: Callable[[], int | None],
        appeal_hint: str,
        timeout: timedelta,
    ) -> None:
        self._client = client
        self._reviews = reviews
        self._cases = cases
        self._modlog = modlog
        self._channel_id = channel_id
        self._timeout = timeout
        # Moderators' actions go through the same enforcer as the bot's, without a review step.
        self._enforcer = DiscordEnforcer(client, appeal_hint=appeal_hint)

    async def open(self, event: MessageEvent, case: Case | None) -> None:
        channel_id = self._channel_id()
        if channel_id is None:
            raise discord.ClientException("no review channel configured (discord.review_channel_id)")
        item = await self._reviews.open(
            ReviewDraft(
                guild_id=event.guild_id,
                case_id=case.id if case else None,
                channel_id=event.channel_id,
                message_id=event.message_id,
                user_id=event.author_id,
                text=event.content,
            )
        )
        channel = self._client.get_channel(channel_id) or await self._client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise discord.ClientException(f"review channel {channel_id} cannot hold messages")
        # The case passed in has no enforcement yet: show it as flagged, not as deleted.
        posted = await channel.send(
            embed=review_embed(item, case), view=review_view(item.id), allowed_mentions=_NO_MENTIONS
        )
        await self._reviews.set_review_message(item.id, posted.id)

    async def decide(self, item_id: int, verdict: str, moderator: discord.abc.User) -> ReviewResult:
        status = _VERDICTS[verdict][0]
        try:
            item = await self._reviews.decide(item_id, status, moderator.id)
        except ReviewAlreadyDecided as exc:
            return ReviewResult(exc.item, errors=(f"already decided: {exc.item.status.value}",))
        bot_case = await self._cases.get_by_id(item.case_id) if item.case_id is not None else None
        if status is ReviewStatus.APPROVED:
            result = await self._approve(item, bot_case, moderator)
        else:
            result = await self._act(item, bot_case, moderator, status)
        log.info(
            "review decided item=%s verdict=%s reviewer=%s case=%s errors=%r",
            item.id, status.value, moderator.id, result.case.number if result.case else None, result.errors,
        )
        await self._close_review_message(item, bot_case)
        return result

    async def _approve(self, item: ReviewItem, bot_case: Case | None, moderator: discord.abc.User) -> ReviewResult:
        errors: list[str] = []
        restored: int | None = None
        case = bot_case
        if bot_case is not None:
            case = await self._cases.reverse(
                bot_case.guild_id, bot_case.number, moderator.id, f"approved in review #{item.id}"
            )
            if ActionKind.DELETE in bot_case.applied:
                try:
                    restored = await self.restore(item)
                except discord.HTTPException as exc:
                    errors.append(f"restore: {exc.status} {exc.text} ({exc.code})")
                except discord.ClientException as exc:
                    errors.append(f"restore: {exc}")
        if case is not None:
            await self._modlog.notice(
                f"Review #{item.id}: <@{moderator.id}> approved the message of <@{item.user_id}>; "
                f"case #{case.number} reversed" + ("; message restored" if restored else "")
                + ("; " + "; ".join(errors) if errors else "")
            )
        return ReviewResult(item, case, restored, tuple(errors))

    async def _act(
        self, item: ReviewItem, bot_case: Case | None, moderator: discord.abc.User, status: ReviewStatus
    ) -> ReviewResult:
        actions: tuple[Action, ...] = (Action(ActionKind.DELETE),)
        if status is ReviewStatus.TIMED_OUT:
            actions = (Action(ActionKind.DELETE), Action(ActionKind.TIMEOUT, self._timeout))
        already_removed = bot_case is not None and ActionKind.DELETE in bot_case.applied
        if already_removed:
            actions = tuple(action for action in actions if action.kind is not ActionKind.DELETE)
        rule = bot_case.rule_id if bot_case else None
        draft = CaseDraft(
            guild_id=item.guild_id,
            user_id=item.user_id,
            channel_id=item.channel_id,
            message_id=item.message_id,
            actor=Actor.MODERATOR,
            actor_id=moderator.id,
            rule_id=rule,
            actions=actions or (Action(ActionKind.DELETE),),
            reason=f"{status.value} in review #{item.id}"
            + (f" of case #{bot_case.number}" if bot_case else ""),
            text=item.text or "",
            scores=dict(bot_case.scores) if bot_case else {},
            model=None,
            variant=bot_case.variant if bot_case else None,
            strike=True,
            created_at=utcnow(),
        )
        case = await self._cases.record_case(draft)
        enforcement = Enforcement()
        if actions and item.message_id is not None:
            event = MessageEvent(
                guild_id=item.guild_id,
                channel_id=item.channel_id,
                message_id=item.message_id,
                author_id=item.user_id,
                content=item.text or "",
                created_at=item.created_at,
            )
            decision = Decision(actions=actions, rule_id=rule)
            enforcement = await self._enforcer.enforce(event, decision, case)
        case = await self._cases.record_enforcement(case.id, enforcement)
        await self._modlog.post_case(case, enforcement)
        return ReviewResult(item, case, None, enforcement.errors)

    async def restore(self, item: ReviewItem) -> int:
        channel = self._client.get_channel(item.channel_id) or await self._client.fetch_channel(item.channel_id)
        thread: discord.Thread | None = channel if isinstance(channel, discord.Thread) else None
        host = thread.parent if thread is not None else channel
        if not isinstance(host, (discord.TextChannel, discord.ForumChannel)):
            raise discord.ClientException(f"cannot restore into channel {item.channel_id}")
        webhook = await self._webhook(host)
        name, avatar = await self._author_look(item)
        text = (item.text or "")[: 2000 - len(RESTORED_MARK) - 1]
        kwargs: dict[str, Any] = {"thread": thread} if thread is not None else {}
        message = await webhook.send(
            f"{text}\n{RESTORED_MARK}",
            username=name[:80],
            avatar_url=avatar,
            allowed_mentions=_NO_MENTIONS,
            wait=True,
            **kwargs,
        )
        return message.id

    async def _webhook(self, host: discord.TextChannel | discord.ForumChannel) -> discord.Webhook:
        me = self._client.user
        for webhook in await host.webhooks():
            if webhook.name == WEBHOOK_NAME and webhook.token and (me is None or webhook.user == me):
                return webhook
        return await host.create_webhook(name=WEBHOOK_NAME, reason="restore messages approved in review")

    async def _author_look(self, item: ReviewItem) -> tuple[str, str | None]:
        guild = self._client.get_guild(item.guild_id)
        member = guild.get_member(item.user_id) if guild else None
        if member is not None:
            return member.display_name, member.display_avatar.url
        try:
            user = await self._client.fetch_user(item.user_id)
        except discord.HTTPException:
            return f"user {item.user_id}", None
        return user.display_name, user.display_avatar.url

    async def _close_review_message(self, item: ReviewItem, bot_case: Case | None) -> None:
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
        except discord.HTTPException as exc:
            log.warning("could not close review message %s: %s", item.review_message_id, exc)
