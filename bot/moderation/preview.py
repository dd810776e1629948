"""Previewing a rules change on stored history: replay judged messages through the rules in force and through
a new rule set, and count what would change. Each side decides as the live bot does (`decide_message`: the
rules, then the use/mention review). Pure apart from the scorer, which is asked only for messages whose
recorded scores came from another model than the live one. Nothing is enforced or written.

The replay sees what was stored: the text, the scores, the channel and the author. Roles, a thread's parent
channel (profiles keyed on it) and the author's strikes at the time are not stored, so exemptions by role,
those profiles and escalation are not replayed; both sides are judged on the same evidence.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
from collections import Counter
from collections.abc import AsyncIterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.moderation.decision import decide_message
from bot.moderation.normalize import normalize
from bot.moderation.ports import JudgedHistory
from bot.moderation.rules import RuleInput, RuleSet, RulesHolder, load_rules, parse_rules
from bot.protocols import Clock, Scorer
from bot.records import ActionKind, Decision, JudgedMessage, NormalizedText, Scores

# Tiers by severity (not by ACTION_ORDER, the order of execution): a warning alone is milder than a removal.
TIER_ORDER: tuple[str, ...] = ("allow", "flag", "warn", "delete", "timeout", "kick", "ban")
BATCH = 64


def tier(decision: Decision) -> str:
    """A decision's tier: its strongest action ("allow" when it takes none)."""
    kinds = [action.kind for action in decision.actions if action.kind is not ActionKind.ALLOW]
    return max((kind.value for kind in kinds), key=TIER_ORDER.index) if kinds else "allow"


@dataclass(frozen=True, slots=True)
class ChangedMessage:
    message_id: int
    channel_id: int
    text: str
    before_rule: str | None
    before: tuple[str, ...]
    after_rule: str | None
    after: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "message_id": self.message_id, "channel_id": self.channel_id, "text": self.text,
            "before": {"rule": self.before_rule, "actions": list(self.before)},
            "after": {"rule": self.after_rule, "actions": list(self.after)},
        }


@dataclass
class PreviewReport:
    examples_wanted: int = 10
    judged: int = 0  # stored messages in the period
    replayed: int = 0
    purged: int = 0  # skipped: their text was erased
    rescored: int = 0  # scored again: recorded by another model than the live one
    changed: int = 0
    tiers_before: Counter[str] = field(default_factory=Counter)
    tiers_after: Counter[str] = field(default_factory=Counter)
    rules_before: Counter[str] = field(default_factory=Counter)
    rules_after: Counter[str] = field(default_factory=Counter)
    examples: list[ChangedMessage] = field(default_factory=list)

    def add(self, message: JudgedMessage, text: NormalizedText, before: Decision, after: Decision) -> None:
        self.replayed += 1
        self.tiers_before[tier(before)] += 1
        self.tiers_after[tier(after)] += 1
        if before.rule_id:
            self.rules_before[before.rule_id] += 1
        if after.rule_id:
            self.rules_after[after.rule_id] += 1
        old, new = tuple(map(str, before.actions)), tuple(map(str, after.actions))
        if old == new and before.rule_id == after.rule_id:
            return
        self.changed += 1
        if len(self.examples) < self.examples_wanted:
            self.examples.append(ChangedMessage(
                message.message_id, message.channel_id, text.raw, before.rule_id, old, after.rule_id, new
            ))

    def tiers(self) -> list[tuple[str, int, int]]:
        """(tier, before, after) for every tier either side uses, weakest first."""
        used = set(self.tiers_before) | set(self.tiers_after)
        return [(name, self.tiers_before[name], self.tiers_after[name]) for name in TIER_ORDER if name in used]

    def rules(self) -> list[tuple[str, int, int]]:
        names = sorted(set(self.rules_before) | set(self.rules_after))
        return [(name, self.rules_before[name], self.rules_after[name]) for name in names]

    def as_json(self) -> dict[str, object]:
        return {
            "judged": self.judged, "replayed": self.replayed, "skipped_purged": self.purged,
            "rescored": self.rescored, "changed": self.changed,
            "tiers": {name: {"before": b, "after": a} for name, b, a in self.tiers()},
            "rules": {name: {"before": b, "after": a} for name, b, a in self.rules()},
            "examples": [example.as_json() for example in self.examples],
        }


def evidence(message: JudgedMessage, text: NormalizedText, scores: Mapping[str, float]) -> RuleInput:
    """What the rules see of a stored message (one input for both rule sets: its tokens are computed once)."""
    return RuleInput(
        text=text, scores=scores, author_id=message.user_id, channel_ids=(message.channel_id,),
        now=message.scored_at, user_label=str(message.user_id), channel_label=f"<#{message.channel_id}>",
    )


async def preview(
    pages: AsyncIterable[Sequence[JudgedMessage]],
    before: RuleSet,
    after: RuleSet,
    scorer: Scorer,
    *,
    examples: int = 10,
    batch: int = BATCH,
) -> PreviewReport:
    """Replay every stored message of `pages` through `before` and `after` (see the module docstring)."""
    report = PreviewReport(examples_wanted=examples)
    live = scorer.model.name
    loop = asyncio.get_running_loop()

    def replay(page: Sequence[JudgedMessage]) -> list[tuple[JudgedMessage, NormalizedText]]:
        """Normalize a page and judge the messages whose recorded scores are reused; the rest wait for scores."""
        pending: list[tuple[JudgedMessage, NormalizedText]] = []
        for message in page:
            if message.text is None:
                report.purged += 1
                continue
            text = normalize(message.text)
            if message.model_name == live and message.scores:
                given = evidence(message, text, message.scores)
                report.add(message, text, decide_message(before, given), decide_message(after, given))
            else:
                pending.append((message, text))
        return pending

    def judge(chunk: Sequence[tuple[JudgedMessage, NormalizedText]], results: Sequence[Scores]) -> None:
        for (message, text), result in zip(chunk, results, strict=True):
            given = evidence(message, text, result.values)
            report.add(message, text, decide_message(before, given), decide_message(after, given))

    async for page in pages:  # the CPU work runs in an executor, a page at a time: the event loop stays free
        report.judged += len(page)
        pending = await loop.run_in_executor(None, replay, page)
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            results = await scorer.score([text.model_texts()[0] for _, text in chunk])
            report.rescored += len(chunk)
            await loop.run_in_executor(None, judge, chunk, results)
    return report


class PreviewService:
    """`modbot rules preview` and `/rules preview`: a candidate rules file, checked as the rules in force were
    (the live scorer's labels; a typo'd label refuses it, one the scorer lacks only warns), replayed on the stored
    history of a period against the rules file in force. Nothing is enforced or written."""

    def __init__(
        self, history: JudgedHistory, rules: RulesHolder, scorer: Scorer, clock: Clock, known_labels: frozenset[str]
    ) -> None:
        self.history = history
        self.rules = rules
        self.scorer = scorer
        self.clock = clock
        self.known_labels = known_labels

    def candidate(self, text: str, name: str) -> RuleSet:
        """The rules in `text` (an upload; `name` heads its problems). Raises ConfigError."""
        return parse_rules(text, self.scorer.labels, name, self.known_labels, self.scorer.model.name)

    def candidate_file(self, path: Path) -> RuleSet:
        """The rules file at `path`, read as the rules in force are (size and encoding checked). Raises
        ConfigError."""
        return load_rules(path, self.scorer.labels, self.known_labels, self.scorer.model.name)

    async def run(
        self, new: RuleSet, since: timedelta, *, guild_id: int | None = None, examples: int = 10
    ) -> PreviewReport:
        """Replay the messages judged within `since` (in one server, or all) through the rules in force and `new`."""
        pages = self.history.judged(self.clock() - since, guild_id)
        return await preview(pages, self.rules.current, new, self.scorer, examples=examples)


def plot_tiers(report: PreviewReport, path: Path, title: str = "") -> None:
    """Before/after bars per action tier, to an image in the format its suffix names (Agg)."""
    path.write_bytes(render_tiers(report, path.suffix.lower().lstrip(".") or "png", title))


def render_tiers(report: PreviewReport, image_format: str = "png", title: str = "") -> bytes:
    """Before/after bars per action tier, as an image (PNG by default; blocking: run it in an executor)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report.tiers() or [("allow", 0, 0)]
    names = [name for name, _, _ in rows]
    positions = range(len(rows))
    figure, axis = plt.subplots(figsize=(8, 4.5))
    axis.bar([p - 0.2 for p in positions], [b for _, b, _ in rows], width=0.4, label="rules in force")
    axis.bar([p + 0.2 for p in positions], [a for _, _, a in rows], width=0.4, label="new rules")
    axis.set_xticks(list(positions), names)
    axis.set_yscale("symlog")
    axis.set(ylabel="messages", title="\n".join(textwrap.wrap(
        title or f"modbot rules preview: {report.replayed} messages replayed, {report.changed} would change", 100
    )))
    axis.grid(axis="y", alpha=0.3)
    axis.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format, dpi=110)
    plt.close(figure)
    return buffer.getvalue()
