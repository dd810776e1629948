"""`decide`: a pure function from (rule set, one message's evidence) to a Decision.

No I/O, no clock, no discord: the caller passes the time, the user's earlier strikes and the scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from bot.moderation.normalize import tokens
from bot.moderation.rules.model import (
    EscalationStep,
    Rule,
    RuleSet,
    ScoreCondition,
    WordCondition,
)
from bot.records import (
    ACTION_ORDER,
    Action,
    ActionKind,
    Decision,
    MessageEvent,
    NormalizedText,
    RuleHit,
    Variant,
)


@dataclass(frozen=True)
class RuleInput:
    text: NormalizedText
    scores: Mapping[str, float]
    author_id: int = 0
    author_roles: frozenset[int] = frozenset()
    channel_ids: tuple[int, ...] = ()  # the channel, then its parent channel for threads
    article_id: int | None = None
    strikes: Sequence[datetime] = ()  # this user's earlier active strikes
    now: datetime | None = None  # required when the rule set escalates
    user_label: str = ""
    channel_label: str = ""
    score_readings: Mapping[str, int] = field(default_factory=dict)  # label -> reading that scored highest

    @classmethod
    def from_event(
        cls,
        event: MessageEvent,
        text: NormalizedText,
        scores: Mapping[str, float],
        strikes: Sequence[datetime],
        now: datetime,
    ) -> RuleInput:
        channels = (event.channel_id,) + ((event.parent_channel_id,) if event.parent_channel_id else ())
        return cls(
            text=text,
            scores=scores,
            author_id=event.author_id,
            author_roles=event.author_roles,
            channel_ids=channels,
            article_id=event.article_id,
            strikes=strikes,
            now=now,
            user_label=event.author_name or str(event.author_id),
            channel_label=f"<#{event.channel_id}>",
        )

    @cached_property
    def raw_tokens(self) -> list[str]:
        return tokens(self.text.raw)

    @cached_property
    def normalized_tokens(self) -> list[str]:
        return tokens(self.text.normalized)

    @cached_property
    def reading_tokens(self) -> list[list[str]]:
        """Tokens of each reading (a line of `normalized` each)."""
        return [tokens(line) for line in self.text.normalized.split("\n")]

    @cached_property
    def new_reading_tokens(self) -> list[tuple[int, list[str]]]:
        """(index, tokens) of the readings whose tokens differ from the raw text's and every earlier reading's:
        a word list that found nothing in those finds nothing in these again."""
        seen = [self.raw_tokens]
        fresh: list[tuple[int, list[str]]] = []
        for index, words in enumerate(self.reading_tokens):
            if words not in seen:
                seen.append(words)
                fresh.append((index, words))
        return fresh

    def reading_note(self, index: int) -> str:
        """" (reading: X)" when an alternative reading, not the primary one, made a rule fire."""
        return f" (reading: {self.text.reading_name(index)})" if index > 0 else ""


def _exempt_reason(rules: RuleSet, given: RuleInput) -> str | None:
    if given.author_id in rules.exempt_users:
        return "exempt user"
    if given.author_roles & rules.exempt_roles:
        return "exempt role"
    if set(given.channel_ids) & rules.exempt_channels:
        return "exempt channel"
    return None


def _evaluate(rule: Rule, rules: RuleSet, given: RuleInput) -> RuleHit | None:
    condition = rule.condition
    if isinstance(condition, ScoreCondition):
        score = given.scores.get(condition.label)
        if score is None or not condition.holds(score):
            return None
        variant = Variant.NORMALIZED if given.text.changed else Variant.RAW
        bound = f">= {condition.min:.2f}" + (f", < {condition.max:.2f}" if condition.max < 1.0 else "")
        reading = given.score_readings.get(condition.label, 0)
        note = given.reading_note(reading)
        return RuleHit(rule.id, variant, f"{condition.label} {score:.2f} {bound}{note}", condition="score",
                       label=condition.label, score=score, reading=reading)
    if isinstance(condition, WordCondition):
        word = condition.matcher.first_match(given.raw_tokens, rules.allow)
        if word is not None:
            return RuleHit(rule.id, Variant.RAW, f"listed word {word!r}", term=word, condition="word")
        for index, words in given.new_reading_tokens:
            word = condition.matcher.first_match(words, rules.allow)
            if word is not None:
                detail = f"listed word {word!r}{given.reading_note(index)}"
                return RuleHit(rule.id, Variant.NORMALIZED, detail, term=word, condition="word", reading=index)
        return None
    for variant, text in ((Variant.RAW, given.text.raw), (Variant.NORMALIZED, given.text.normalized)):
        for pattern, compiled in zip(condition.patterns, condition.compiled, strict=True):
            found = compiled.search(text)
            if found:
                line = text.count("\n", 0, found.start()) if variant is Variant.NORMALIZED else None
                return RuleHit(rule.id, variant, f"pattern {pattern!r}", term=found.group(0), condition="pattern",
                               reading=line)
    return None


def _strength(action: Action) -> tuple[int, float]:
    rank = ACTION_ORDER.index(action.kind) if action.kind in ACTION_ORDER else -1
    return rank, action.duration.total_seconds() if action.duration else 0.0


def merge_actions(*groups: Sequence[Action]) -> tuple[Action, ...]:
    """One action per kind (the longest timeout wins), in execution order; `allow` only if alone."""
    best: dict[ActionKind, Action] = {}
    for action in (action for group in groups for action in group):
        current = best.get(action.kind)
        if current is None or _strength(action) > _strength(current):
            best[action.kind] = action
    if len(best) > 1:
        best.pop(ActionKind.ALLOW, None)
    return tuple(sorted(best.values(), key=_strength))


def _escalation(rules: RuleSet, given: RuleInput) -> EscalationStep | None:
    if not rules.escalation:
        return None
    if given.now is None:
        raise ValueError("RuleInput.now is required when the rule set escalates")
    now = given.now
    reached = [
        step
        for step in rules.escalation
        if sum(1 for at in given.strikes if now - step.within < at <= now) + 1 >= step.strikes
    ]
    return max(reached, key=lambda step: max(_strength(a) for a in step.actions), default=None)


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(template: str, rule: Rule, hits: Sequence[RuleHit], given: RuleInput, appeal: str) -> str:
    labels = ", ".join(hit.detail for hit in hits if hit.rule_id == rule.id)
    fields = _Fields(
        rule=rule.id, description=rule.description or rule.id, labels=labels,
        user=given.user_label, channel=given.channel_label, appeal=appeal,
    )
    return template.format_map(fields)


def decide(rules: RuleSet, given: RuleInput) -> Decision:
    exempt = _exempt_reason(rules, given)
    if exempt:
        return Decision(actions=(Action(ActionKind.ALLOW),), exempt_reason=exempt)
    profile = rules.profile_for(given.channel_ids, given.article_id)
    active = profile.rules if profile else rules.rules

    hits: list[RuleHit] = []
    shadow_hits: list[RuleHit] = []
    shadow_actions: list[Action] = []
    deciding: Rule | None = None
    for rule in active:
        hit = _evaluate(rule, rules, given)
        if hit is None:
            continue
        if rule.shadow:
            shadow_hits.append(hit)
            shadow_actions.extend(rule.actions)
            continue
        hits.append(hit)
        if deciding is None:
            deciding = rule

    if deciding is None:
        return Decision(
            actions=(Action(ActionKind.ALLOW),),
            shadow_hits=tuple(shadow_hits),
            shadow_actions=merge_actions(shadow_actions) if shadow_actions else (),
        )
    step = _escalation(rules, given) if deciding.strike else None
    actions = merge_actions(deciding.actions, step.actions if step else ())
    return Decision(
        actions=actions,
        rule_id=deciding.id,
        hits=tuple(hits),
        shadow_hits=tuple(shadow_hits),
        shadow_actions=merge_actions(shadow_actions) if shadow_actions else (),
        strike=deciding.strike,
        escalation=step.describe() if step else None,
        user_message=_render(deciding.message, deciding, hits, given, rules.appeal),
    )
