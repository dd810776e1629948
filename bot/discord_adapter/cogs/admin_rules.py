"""/rules show, /rules reload, /rules test text, and /score text: the rules in force, checked and tried."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs.admin_common import reply, require
from bot.discord_adapter.modlog import explanation_line
from bot.moderation.rules.model import RegexCondition, Rule, ScoreCondition, WordCondition
from bot.records import Decision, Explanation, NormalizedText, Scores

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts

Text = app_commands.Range[str, 1, 2000]


def describe_rule(rule: Rule) -> str:
    condition = rule.condition
    if isinstance(condition, ScoreCondition):
        when = f"{condition.label} {condition.min:.2f}–{condition.max:.2f}"
    elif isinstance(condition, WordCondition):
        when = "word list"
    elif isinstance(condition, RegexCondition):
        when = f"{len(condition.patterns)} regex"
    else:  # pragma: no cover - the union is closed
        when = "?"
    mode = " (shadow)" if rule.shadow else ""
    actions = ", ".join(str(action) for action in rule.actions)
    return f"`{rule.id}`{mode} p{rule.priority}: {when} → {actions}"


def judgement(
    text: NormalizedText, scores: Scores, decision: Decision, explanation: Explanation | None = None
) -> str:
    ranked = sorted(scores.values.items(), key=lambda pair: pair[1], reverse=True)
    lines = [
        "Scores: " + (", ".join(f"{label} {value:.2f}" for label, value in ranked) or "none"),
        f"Model: {scores.model.describe()}",
    ]
    if decision.exempt_reason:
        lines.append(f"Exempt: {decision.exempt_reason}")
    lines.append(f"Decision: {', '.join(str(a) for a in decision.actions)}"
                 + (f" (rule `{decision.rule_id}`)" if decision.rule_id else ""))
    if decision.variant is not None:
        lines.append(f"Matched on: {decision.variant.value} text")
    for hit in decision.hits:
        lines.append(f"- {hit.rule_id}: {hit.detail}")
    for hit in decision.shadow_hits:
        lines.append(f"- shadow {hit.rule_id}: {hit.detail}")
    if explanation is not None:
        lines.append(f"Why: {explanation_line(explanation)}")
    if text.changed:
        lines.append(f"Normalized: `{text.normalized[:300]}`")
    lines.append("Nothing was done: this is a test.")
    return "\n".join(lines)


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class RulesCog(commands.GroupCog, group_name="rules", group_description="The moderation rules in force"):
    def __init__(self, bot: ModBot, services: BotServices, parts: DiscordParts) -> None:
        self.bot = bot
        self.services = services
        self.modlog = parts.modlog
        super().__init__()

    @app_commands.command(name="show", description="List the rules in force")
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        if not await require(interaction, "manage_messages"):
            return
        assert interaction.guild_id is not None
        rules = self.services.exemptions.for_guild(interaction.guild_id)
        lines = [f"**Rules from {self.services.rules.path.name}** ({len(rules.rules)} rules)"]
        lines.extend(describe_rule(rule) for rule in rules.rules)
        if rules.escalation:
            lines.append("Escalation: " + "; ".join(
                f"{step.describe()} → {', '.join(str(a) for a in step.actions)}" for step in rules.escalation))
        lines.append(f"Exempt: {len(rules.exempt_roles)} role(s), {len(rules.exempt_users)} user(s), "
                     f"{len(rules.exempt_channels)} channel(s); profiles: {len(rules.profiles)}")
        await reply(interaction, "\n".join(lines))

    @app_commands.command(name="reload", description="Reload the rules file (a broken file keeps the old rules)")
    async def reload(self, interaction: discord.Interaction[Any]) -> None:
        if not await require(interaction, "manage_guild"):
            return
        result = self.services.rules.reload()
        if result.ok:
            text = f"Rules reloaded: {len(result.rules.rules)} rules in force."
            if result.warnings:
                text += "\n" + "\n".join(f"Warning: {warning}" for warning in result.warnings)
            await self.modlog.notice(f"<@{interaction.user.id}> reloaded the rules: {text}")
        else:
            text = (f"The rules file has {len(result.problems)} problem(s); the previous rules "
                    f"({len(result.rules.rules)}) stay in force:\n" + "\n".join(f"- {p}" for p in result.problems))
        await reply(interaction, text)

    @app_commands.command(name="test", description="Score a text and show the decision; nothing is done")
    @app_commands.describe(text="The text to try")
    async def test(self, interaction: discord.Interaction[Any], text: Text) -> None:
        if not await require(interaction, "manage_messages"):
            return
        await judge_and_reply(self.services, interaction, text)


async def judge_and_reply(services: BotServices, interaction: discord.Interaction[Any], text: str) -> None:
    assert interaction.guild_id is not None and interaction.channel_id is not None
    await interaction.response.defer(ephemeral=True, thinking=True)
    channel = interaction.channel
    parent = channel.parent_id if isinstance(channel, discord.Thread) else None
    normalized, scores, decision = await services.pipeline.trial(
        text, guild_id=interaction.guild_id, channel_id=interaction.channel_id, parent_channel_id=parent
    )
    explanation = await services.pipeline.explain(normalized, scores, decision)
    await reply(interaction, judgement(normalized, scores, decision, explanation))


class ScoreCog(commands.Cog):
    def __init__(self, bot: ModBot, services: BotServices, parts: DiscordParts) -> None:
        self.bot = bot
        self.services = services
        self.modlog = parts.modlog

    @app_commands.command(name="score", description="Per-label scores, the model and the decision for a text")
    @app_commands.describe(text="The text to score")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_messages=True)
    async def score(self, interaction: discord.Interaction[Any], text: Text) -> None:
        if not await require(interaction, "manage_messages"):
            return
        await judge_and_reply(self.services, interaction, text)

