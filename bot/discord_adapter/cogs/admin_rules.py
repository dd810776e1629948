"""/rules show, /rules reload, /rules test text, /rules preview file, and /score text: the rules in force, checked
and tried, and a candidate rules file replayed on the server's recent history."""

from __future__ import annotations

import asyncio
import io
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs.admin_common import reply, require
from bot.discord_adapter.modlog import explanation_line
from bot.durations import DurationError, parse_duration
from bot.moderation.preview import PreviewReport, render_tiers
from bot.moderation.rules.model import RegexCondition, Rule, ScoreCondition, WordCondition
from bot.records import Decision, Explanation, NormalizedText, Scores
from bot.yamlconf import ConfigError

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts

Text = app_commands.Range[str, 1, 2000]
MAX_UPLOAD = 256 * 1024  # bytes of an uploaded rules file (the shipped file is a few KB)
PREVIEW_EXAMPLES = 5


def upload_name(filename: str) -> str:
    """An uploaded file's name, safe to print and to head problems with."""
    return re.sub(r"[^\w.-]", "_", filename)[:64] or "upload.yaml"


def one_line(problems: ConfigError) -> str:
    """The first problem (`file:line: key: message`), and how many more there are."""
    listed = [str(problem) for problem in problems.problems] or [str(problems)]
    more = f" (and {len(listed) - 1} more problem(s): check the file with `modbot rules check`)" if listed[1:] else ""
    return f"Not previewed: {' '.join(listed[0].split())}{more}"


def preview_text(name: str, since: str, report: PreviewReport, warnings: tuple[str, ...]) -> str:
    lines = [
        f"**Rules preview: {name}** against the rules in force, messages judged here in the last {since}: "
        f"{report.judged} judged, {report.replayed} replayed ({report.rescored} scored again), {report.purged} "
        f"skipped (text purged); **{report.changed} would change**. Nothing was enforced.",
        "Action tier: before → after",
    ]
    lines.extend(f"- {tier}: {before} → {after} ({after - before:+d})" for tier, before, after in report.tiers())
    changed = [(rule, before, after) for rule, before, after in report.rules() if before != after]
    if changed:
        lines.append("Rules that would decide more or fewer messages: before → after")
        lines.extend(f"- `{rule}`: {before} → {after} ({after - before:+d})" for rule, before, after in changed)
    if report.examples:
        lines.append("Examples:")
    for example in report.examples[:PREVIEW_EXAMPLES]:
        text = " ".join(example.text.split())[:80].replace("`", "'")
        lines.append(f"- <#{example.channel_id}> `{text}`: {example.before_rule or '-'} "
                     f"[{', '.join(example.before)}] → {example.after_rule or '-'} [{', '.join(example.after)}]")
    lines.extend(f"Warning: {warning}" for warning in warnings)
    return "\n".join(lines)


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
    if text.model_inputs and text.model_texts()[0] != text.clean:  # a homograph read in its ordinary sense
        lines.append(f"Scored as: `{text.model_texts()[0][:300]}`")
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

    @app_commands.command(name="preview", description="Replay recent messages through a rules file; nothing is done")
    @app_commands.describe(file="A rules file (YAML, as config/rules.yaml)", since="How far back: 24h, 7d, 30d")
    async def preview(self, interaction: discord.Interaction[Any], file: discord.Attachment, since: str = "7d") -> None:
        if not await require(interaction, "manage_guild"):
            return
        assert interaction.guild_id is not None
        name = upload_name(file.filename)
        try:
            window = parse_duration(since)
        except DurationError as exc:
            await reply(interaction, str(exc))
            return
        too_big = f"Not previewed: {name} is larger than {MAX_UPLOAD // 1024} KB; a rules file is a few KB."
        if file.size > MAX_UPLOAD:
            await reply(interaction, too_big)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        if len(data) > MAX_UPLOAD:  # the size Discord gave was not the size it sent
            await reply(interaction, too_big)
            return
        try:
            new = self.services.preview.candidate(data.decode("utf-8"), name)
        except UnicodeDecodeError:
            await reply(interaction, f"Not previewed: {name}:1: (file): not UTF-8 text; upload the YAML file itself.")
            return
        except ConfigError as exc:
            await reply(interaction, one_line(exc))
            return
        report = await self.services.preview.run(new, window, guild_id=interaction.guild_id,
                                                 examples=PREVIEW_EXAMPLES)
        png = await asyncio.get_running_loop().run_in_executor(None, render_tiers, report)
        await reply(interaction, preview_text(name, since, report, new.warnings),
                    file=discord.File(io.BytesIO(png), "preview.png"))


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

