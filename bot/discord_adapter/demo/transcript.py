"""What the bot did with one message, in a line or two a reader can follow."""

from __future__ import annotations

import re
from collections.abc import Mapping

import discord

from bot.records import ActionKind, CaseStatus, ModerationOutcome, Variant

_INDENT = "      "
SHOW = _INDENT + "  "  # what Discord shows: mod-log posts, DMs


def top_scores(values: dict[str, float], count: int = 3) -> str:
    ranked = sorted(values.items(), key=lambda item: item[1], reverse=True)[:count]
    return ", ".join(f"{label} {score:.2f}" for label, score in ranked) or "no scores"


def describe_outcome(outcome: ModerationOutcome) -> str:
    if outcome.duplicate:
        return f"{_INDENT}(already judged at this content: nothing to do)"
    scores = top_scores(dict(outcome.scores.values))
    decision = outcome.decision
    case = outcome.case
    if case is None:
        return f"{_INDENT}ok   allowed  [{scores}]"
    why = case.reason or decision.rule_id or ""
    if case.status is CaseStatus.SHADOW:
        actions = ", ".join(str(a) for a in case.actions)
        return f"{_INDENT}~    shadow rule {case.rule_id} would have done: {actions} ({why}); nothing done  [{scores}]"
    actions = ", ".join(str(a) for a in decision.actions)
    mark = "??" if decision.kinds == {ActionKind.FLAG} else "XX"  # a flag waits for a moderator: nothing removed
    lines = [f"{_INDENT}{mark}   case #{case.number}: rule {case.rule_id}: {why} -> {actions}  [{scores}]"]
    if decision.variant is Variant.NORMALIZED:
        lines.append(f"{_INDENT}     caught after normalization: {outcome.normalized.normalized!r}")
    done = ", ".join(kind.value for kind in outcome.enforcement.applied) or "nothing"
    told = {True: "; author told by DM", False: "; DM did NOT arrive", None: ""}[outcome.enforcement.notified]
    lines.append(f"{_INDENT}     done: {done}{told}")
    lines.extend(f"{_INDENT}     error: {error}" for error in outcome.enforcement.errors)
    if decision.escalation:
        lines.append(f"{_INDENT}     escalation: {decision.escalation}")
    return "\n".join(lines)


_MENTION = re.compile(r"<(@|#|@&)(\d+)>")


def readable(text: str, names: Mapping[int, str]) -> str:
    """Mentions as Discord shows them: `<@123>` as @name, `<#456>` as #channel."""

    def name(match: re.Match[str]) -> str:
        sign = "#" if match[1] == "#" else "@"
        return sign + names.get(int(match[2]), match[2])

    return _MENTION.sub(name, text)


def render_message(message: discord.Message, names: Mapping[int, str], width: int = 96) -> list[str]:
    """A Discord message as a reader sees it: its text, then each embed's title, description and fields."""
    lines = [line for line in message.content.splitlines() if line.strip()]
    for embed in message.embeds:
        if embed.title:
            lines.append(f"[{embed.title}]")
        if embed.description:
            lines.extend(embed.description.replace("```", "").strip().splitlines()[:6])
        for field in embed.fields:
            value = " ".join((field.value or "").replace("```", "").split())
            lines.append(f"{field.name}: {value}")
    shown = [readable(line, names) for line in lines]
    return [line if len(line) <= width else line[: width - 1] + "…" for line in shown]
