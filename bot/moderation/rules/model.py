"""The compiled rule set: plain immutable data that `engine.decide` reads. Built by `compile.py`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.moderation.rules.words import WordMatcher
from bot.records import ACTION_ORDER, Action


@dataclass(frozen=True, slots=True)
class ScoreCondition:
    label: str
    min: float
    max: float

    def holds(self, score: float) -> bool:
        # max is exclusive, except that a band reaching 1.0 includes 1.0 itself
        return self.min <= score and (score < self.max or self.max >= 1.0)


@dataclass(frozen=True, slots=True)
class WordCondition:
    matcher: WordMatcher


@dataclass(frozen=True, slots=True)
class RegexCondition:
    patterns: tuple[str, ...]
    compiled: tuple[Any, ...] = field(compare=False, repr=False)


Condition = ScoreCondition | WordCondition | RegexCondition


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description: str
    condition: Condition
    actions: tuple[Action, ...]
    priority: int
    shadow: bool
    strike: bool
    message: str
    mention_review: bool = True  # a mentioned (quoted, reported, discussed) word is flagged, not removed


@dataclass(frozen=True, slots=True)
class LabelUse:
    """An enabled score rule's label and where the file names it (`path:line: key`)."""

    label: str
    rule_id: str
    where: str


@dataclass(frozen=True, slots=True)
class EscalationStep:
    strikes: int
    within: timedelta
    actions: tuple[Action, ...]
    within_text: str = ""  # the window as the rules file writes it ("24h" stays "24h", not "1d")

    def describe(self) -> str:
        from bot.durations import format_duration

        return f"{self.strikes} strikes in {self.within_text or format_duration(self.within)}"


@dataclass(frozen=True, slots=True)
class HeatRule:
    """`heat[index]`: when at least `min_messages` were judged in a thread within `within` and `removed_share` of
    them were removed, do `actions` (slowmode, lock) to the thread. See bot/moderation/heat.py."""

    index: int
    removed_share: float
    within: timedelta
    min_messages: int
    actions: tuple[Action, ...]
    within_text: str = ""  # as the rules file writes it

    @property
    def id(self) -> str:
        return f"heat[{self.index}]"

    @property
    def strength(self) -> tuple[int, float, int]:
        """Which of two rules is stronger: a lock over a slowmode, a longer one over a shorter (a lock without an
        end strongest), then file order."""
        def rank(action: Action) -> tuple[int, float]:
            length = action.duration.total_seconds() if action.duration else float("inf")
            return ACTION_ORDER.index(action.kind), length

        return (*max(rank(action) for action in self.actions), self.index)

    def describe(self) -> str:
        from bot.durations import format_duration

        return (f"removed_share {self.removed_share:g}, min_messages {self.min_messages}, "
                f"within {self.within_text or format_duration(self.within)}")


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    channels: frozenset[int]
    articles: frozenset[int]
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]  # highest priority first, file order among equals
    profiles: tuple[Profile, ...] = ()
    escalation: tuple[EscalationStep, ...] = ()
    heat: tuple[HeatRule, ...] = ()  # thread heat control, in file order
    exempt_roles: frozenset[int] = frozenset()
    exempt_users: frozenset[int] = frozenset()
    exempt_channels: frozenset[int] = frozenset()
    allow: WordMatcher = field(default_factory=lambda: WordMatcher.build(()))
    appeal: str = ""
    source: str = "<memory>"
    label_uses: tuple[LabelUse, ...] = field(default=(), compare=False)
    # `path:line: key: 'threat' is not produced by the live scorer (...)`: rules that load but cannot fire
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def unfireable(self, live_labels: frozenset[str], scorer: str = "") -> tuple[str, ...]:
        """One warning per enabled score rule whose label `live_labels` lacks (that rule can never fire)."""
        by = f"the live scorer ({scorer})" if scorer else "the live scorer"
        return tuple(
            f"{use.where}: {use.label!r} is not produced by {by}: rule {use.rule_id!r} cannot fire"
            for use in self.label_uses
            if use.label not in live_labels
        )

    def profile_for(self, channel_ids: Iterable[int], article_id: int | None) -> Profile | None:
        channels = set(channel_ids)
        for profile in self.profiles:
            if profile.channels & channels or (article_id is not None and article_id in profile.articles):
                return profile
        return None

    @property
    def labels(self) -> frozenset[str]:
        every = [*self.rules, *(rule for profile in self.profiles for rule in profile.rules)]
        return frozenset(rule.condition.label for rule in every if isinstance(rule.condition, ScoreCondition))

    @property
    def longest_window(self) -> timedelta:
        return max((step.within for step in self.escalation), default=timedelta(0))
