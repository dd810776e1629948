"""Appeals on Discord: an Appeal button under warning DMs opens a form; the appeal joins its case and is
posted in the review channel with Uphold / Deny buttons for a moderator other than the one who acted; the
outcome is sent to the user by DM; an upheld appeal reverses the case.

Buttons are persistent (`DynamicItem`): their custom ids carry the case or appeal id.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

import discord

from bot.discord_adapter.failures import DISCORD_FAILURES
from bot.discord_adapter.modlog import ModLog
from bot.errors import AppealAlreadyDecided, AppealExists, CaseNotFound
from bot.moderation.appeals import AppealRefused, AppealService
from bot.records import Appeal, AppealStatus, Case
from bot.settings import SettingsHolder

log = logging.getLogger(__name__)

APPEAL_ID = re.compile(r"modbot:appeal:(?P<case_id>[0-9]+)")
VERDICT_ID = re.compile(r"modbot:appeal-verdict:(?P<verdict>uphold|deny):(?P<appeal_id>[0-9]+)")
_NO_MENTIONS = discord.AllowedMentions.none()


async def _say(interaction: discord.Interaction[Any], text: str) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(text[:2000], ephemeral=True, allowed_mentions=_NO_MENTIONS)
    else:
        await interaction.response.send_message(text[:2000], ephemeral=True, allowed_mentions=_NO_MENTIONS)


class AppealModal(discord.ui.Modal):
    reason: discord.ui.TextInput[AppealModal] = discord.ui.TextInput(
        label="Why was the decision wrong?",
        style=discord.TextStyle.paragraph,
        custom_id="reason",
        min_length=5,
        max_length=1500,
    )

    def __init__(self, case_id: int, desk: AppealDesk) -> None:
        super().__init__(title="Appeal", custom_id=f"modbot:appeal-form:{case_id}", timeout=900)
        self.case_id = case_id
        self.desk = desk

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await self.desk.submit(interaction, self.case_id, self.reason.value)


class AppealButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=APPEAL_ID.pattern):
    desk: AppealDesk | None = None  # set on the class bound by `appeal_buttons`

    def __init__(self, case_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Appeal", style=discord.ButtonStyle.primary, custom_id=f"modbot:appeal:{case_id}")
        )
        self.case_id = case_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AppealButton:
        return cls(int(match["case_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.desk is None:
            await _say(interaction, "Appeals are not running right now; please write to the moderators.")
            return
        await interaction.response.send_modal(AppealModal(self.case_id, self.desk))


class AppealVerdictButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=VERDICT_ID.pattern
):
    desk: AppealDesk | None = None  # set on the class bound by `appeal_buttons`

    def __init__(self, verdict: str, appeal_id: int) -> None:
        label, style = ("Uphold", discord.ButtonStyle.success) if verdict == "uphold" else (
            "Deny", discord.ButtonStyle.danger)
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"modbot:appeal-verdict:{verdict}:{appeal_id}")
        )
        self.verdict = verdict
        self.appeal_id = appeal_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AppealVerdictButton:
        return cls(match["verdict"], int(match["appeal_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.desk is None:
            await _say(interaction, "Appeals are not running right now.")
            return
        if not interaction.permissions.manage_messages:
            await _say(interaction, "Only moderators (Manage Messages) can decide appeals.")
            return
        await self.desk.decide(interaction, self.appeal_id, self.verdict == "uphold")


@dataclass(frozen=True, slots=True)
class AppealButtons:
    """Button classes of one bot's own (see `review_buttons`): `bind` hands them the desk once it is built."""

    appeal: type[AppealButton]
    verdict: type[AppealVerdictButton]

    def bind(self, desk: AppealDesk) -> None:
        self.appeal.desk = desk
        self.verdict.desk = desk


def appeal_buttons() -> AppealButtons:
    class BoundAppealButton(AppealButton, template=APPEAL_ID.pattern):
        desk = None

    class BoundVerdictButton(AppealVerdictButton, template=VERDICT_ID.pattern):
        desk = None

    return AppealButtons(BoundAppealButton, BoundVerdictButton)


def appeal_view(case_id: int, button: type[AppealButton] = AppealButton) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(button(case_id))
    return view


def verdict_view(appeal_id: int, button: type[AppealVerdictButton] = AppealVerdictButton) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(button("uphold", appeal_id))
    view.add_item(button("deny", appeal_id))
    return view


def appeal_embed(appeal: Appeal, case: Case) -> discord.Embed:
    open_ = appeal.status is AppealStatus.OPEN
    embed = discord.Embed(
        title=f"Appeal #{appeal.id} · case #{case.number}",
        colour=discord.Colour.blurple() if open_ else discord.Colour.dark_grey(),
        timestamp=appeal.created_at,
    )
    embed.add_field(name="User", value=f"<@{appeal.user_id}> ({appeal.user_id})", inline=True)
    acted = "modbot" if case.actor_id is None else f"<@{case.actor_id}>"
    embed.add_field(name="Acted", value=f"{case.actor.value} ({acted})", inline=True)
    embed.add_field(name="Rule", value=case.rule_id or "none", inline=True)
    embed.add_field(name="Action", value=", ".join(str(a) for a in case.actions) or "none", inline=True)
    embed.add_field(name="Reason", value=(case.reason or "-")[:1024], inline=False)
    embed.description = "```\n" + appeal.body.replace("```", "`\u200b``")[:3900] + "\n```"
    if case.actor_id is not None:
        embed.set_footer(text="Decided by a moderator other than the one who acted.")
    if not open_:
        embed.add_field(name="Verdict", value=f"{appeal.status.value} by <@{appeal.reviewer_id}>", inline=False)
    return embed


class AppealPosts(Protocol):
    async def set_review_message(self, appeal_id: int, message_id: int) -> None: ...


class AppealDesk:
    def __init__(
        self,
        client: discord.Client,
        *,
        service: AppealService,
        appeals: AppealPosts,
        modlog: ModLog,
        settings: SettingsHolder,
        buttons: AppealButtons,
    ) -> None:
        self._client = client
        self.buttons = buttons
        self._service = service
        self._appeals = appeals
        self._modlog = modlog
        self._settings = settings

    def _channel_id(self) -> int | None:
        return self._settings.current.discord.review_channel_id

    async def submit(self, interaction: discord.Interaction[Any], case_id: int, text: str) -> Appeal | None:
        try:
            appeal, case = await self._service.submit(case_id, interaction.user.id, text)
        except (AppealRefused, AppealExists, CaseNotFound) as exc:
            await _say(interaction, f"Your appeal could not be filed: {exc}.")
            return None
        await interaction.response.defer(ephemeral=True, thinking=True)
        posted = await self._post(appeal, case)
        await _say(
            interaction,
            f"Your appeal against case #{case.number} was sent to the moderators (appeal #{appeal.id}). "
            "You will get the outcome here." + ("" if posted else " (The review channel is not set up; the "
                                                    "moderators will see it in the case log.)"),
        )
        return appeal

    async def _post(self, appeal: Appeal, case: Case) -> bool:
        channel_id = self._channel_id()
        if channel_id is None:
            await self._modlog.notice(f"Appeal #{appeal.id} on case #{case.number}: no review channel configured")
            return False
        channel = self._client.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return False
        try:
            message = await channel.send(
                embed=appeal_embed(appeal, case), view=verdict_view(appeal.id, self.buttons.verdict),
                allowed_mentions=_NO_MENTIONS,
            )
        except discord.HTTPException as exc:
            log.error("appeal %s could not be posted: %s", appeal.id, exc)
            return False
        await self._appeals.set_review_message(appeal.id, message.id)
        return True

    async def decide(self, interaction: discord.Interaction[Any], appeal_id: int, uphold: bool) -> None:
        try:
            verdict = await self._service.decide(appeal_id, interaction.user.id, uphold)
        except AppealRefused as exc:
            await _say(interaction, f"Refused: {exc}.")
            return
        except AppealAlreadyDecided as exc:
            await _say(interaction, f"Appeal #{appeal_id} was already {exc.appeal.status.value}.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        told = await self._tell_user(verdict.appeal.user_id, verdict.user_message())
        await self._close(verdict.appeal, verdict.case)
        summary = f"Appeal #{verdict.appeal.id} {verdict.appeal.status.value}"
        if verdict.reversal is not None:
            summary += f"; {verdict.reversal.summary()}"
        summary += "; the user was told." if told else "; the DM to the user failed."
        await self._modlog.notice(f"{summary} (by <@{interaction.user.id}>)")
        await _say(interaction, summary)

    async def _tell_user(self, user_id: int, text: str) -> bool:
        try:
            user = self._client.get_user(user_id) or await self._client.fetch_user(user_id)
            await user.send(text, allowed_mentions=_NO_MENTIONS)
        except DISCORD_FAILURES as exc:
            log.warning("appeal outcome DM to %s failed: %s", user_id, exc)
            return False
        return True

    async def _close(self, appeal: Appeal, case: Case) -> None:
        channel_id = self._channel_id()
        if appeal.review_message_id is None or channel_id is None:
            return
        channel = self._client.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        try:
            message = channel.get_partial_message(appeal.review_message_id)
            await message.edit(embed=appeal_embed(appeal, case), view=None)
        except discord.HTTPException as exc:
            log.warning("could not close appeal message %s: %s", appeal.review_message_id, exc)
