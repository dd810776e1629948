"""Validated rules file -> RuleSet. Cross-field checks live here and report the key that is wrong."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from bot.durations import parse_duration
from bot.moderation.rules.model import (
    Condition,
    EscalationStep,
    HeatRule,
    Profile,
    RegexCondition,
    Rule,
    RuleSet,
    ScoreCondition,
    WordCondition,
)
from bot.moderation.rules.regexes import compile_safe
from bot.moderation.rules.schema import Override, RulesFile, RuleSpec
from bot.moderation.rules.words import WordMatcher
from bot.records import ActionKind
from bot.yamlconf import Loc

_RESTRICTING = {ActionKind.DELETE, ActionKind.WARN, ActionKind.TIMEOUT, ActionKind.KICK, ActionKind.BAN}


class CompileProblems(Exception):
    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


def _condition(spec: RuleSpec, file: RulesFile) -> Condition:
    when = spec.when
    if when.score is not None:
        return ScoreCondition(when.score.label, when.score.min, when.score.max)
    if when.regex is not None:
        return RegexCondition(when.regex, tuple(compile_safe(pattern) for pattern in when.regex))
    words = when.words if when.words is not None else file.word_lists[when.word_list or ""]
    return WordCondition(WordMatcher.build(words))


def _rule(spec: RuleSpec, file: RulesFile) -> Rule:
    strike = spec.strike if spec.strike is not None else any(a.kind in _RESTRICTING for a in spec.actions)
    return Rule(
        id=spec.id,
        description=spec.description,
        condition=_condition(spec, file),
        actions=spec.actions,
        priority=spec.priority,
        shadow=spec.mode == "shadow",
        strike=strike,
        message=spec.message or file.message,
        mention_review=spec.mentions == "flag",
    )


def _ordered(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    indexed = list(enumerate(rules))
    indexed.sort(key=lambda pair: (-pair[1].priority, pair[0]))
    return tuple(rule for _, rule in indexed)


def _apply(rule: Rule, override: Override) -> Rule | None:
    if override.enabled is False:
        return None
    condition = rule.condition
    if isinstance(condition, ScoreCondition) and (override.min is not None or override.max is not None):
        condition = ScoreCondition(
            condition.label,
            override.min if override.min is not None else condition.min,
            override.max if override.max is not None else condition.max,
        )
    return Rule(
        id=rule.id,
        description=rule.description,
        condition=condition,
        actions=override.actions or rule.actions,
        priority=rule.priority,
        shadow=(override.mode == "shadow") if override.mode else rule.shadow,
        strike=rule.strike,
        message=rule.message,
        mention_review=rule.mention_review,
    )


def _unknown_label(label: str, live_labels: frozenset[str], known_labels: frozenset[str]) -> str:
    every = known_labels | live_labels
    close = difflib.get_close_matches(label, sorted(every), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if every == live_labels:
        return f"unknown label {label!r}{hint}; the scorer provides {', '.join(sorted(live_labels))}"
    return (f"unknown label {label!r}{hint}; labels are {', '.join(sorted(every))} "
            f"(the live scorer provides {', '.join(sorted(live_labels)) or 'none'})")


def label_uses(file: RulesFile) -> list[tuple[Loc, str, str]]:
    """(where, label, rule id) of every enabled score rule: the rules that depend on the scorer's labels."""
    return [
        (("rules", index, "when", "score", "label"), spec.when.score.label, spec.id)
        for index, spec in enumerate(file.rules)
        if spec.enabled and spec.when.score is not None
    ]


def check(
    file: RulesFile, live_labels: frozenset[str], known_labels: frozenset[str] | None = None
) -> list[tuple[Loc, str]]:
    """Problems that refuse the file. A label is refused only if neither the live scorer nor any known one
    produces it (a typo); `known_labels` None means the live scorer's labels are the only ones."""
    known = live_labels if known_labels is None else known_labels | live_labels
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, int] = {}
    for index, spec in enumerate(file.rules):
        if spec.id in seen:
            problems.append((("rules", index, "id"), f"duplicate rule id {spec.id!r} (also rules[{seen[spec.id]}])"))
        seen[spec.id] = index
        score = spec.when.score
        if score is not None and score.label not in known:
            problems.append((
                ("rules", index, "when", "score", "label"),
                _unknown_label(score.label, live_labels, known),
            ))
        if spec.when.word_list is not None and spec.when.word_list not in file.word_lists:
            problems.append((
                ("rules", index, "when", "word_list"),
                f"no word list named {spec.when.word_list!r} under word_lists",
            ))
    by_id = {spec.id: spec for spec in file.rules}
    for index, profile in enumerate(file.profiles):
        for rule_id, override in profile.overrides.items():
            loc: Loc = ("profiles", index, "overrides", rule_id)
            target = by_id.get(rule_id)
            if target is None:
                problems.append((loc, f"profile overrides unknown rule {rule_id!r}"))
            elif (override.min is not None or override.max is not None) and target.when.score is None:
                problems.append((loc, f"min/max only apply to score rules; {rule_id!r} is not one"))
    for index, step in enumerate(file.escalation):
        if any(action.kind is ActionKind.ALLOW for action in step.actions):
            problems.append((("escalation", index, "actions"), "escalation cannot 'allow'"))
    return problems


def compile_rules(
    file: RulesFile, live_labels: frozenset[str], source: str, known_labels: frozenset[str] | None = None
) -> RuleSet:
    problems = check(file, live_labels, known_labels)
    if problems:
        raise CompileProblems(problems)
    base = [_rule(spec, file) for spec in file.rules if spec.enabled]
    profiles = []
    for spec in file.profiles:
        effective = []
        for rule in base:
            override = spec.overrides.get(rule.id)
            changed = _apply(rule, override) if override else rule
            if changed is not None:
                effective.append(changed)
        profiles.append(Profile(spec.id, frozenset(spec.channels), frozenset(spec.articles), _ordered(effective)))
    return RuleSet(
        rules=_ordered(base),
        profiles=tuple(profiles),
        escalation=tuple(
            EscalationStep(step.strikes, parse_duration(step.within), step.actions, step.within.strip())
            for step in file.escalation
        ),
        heat=tuple(
            HeatRule(index, spec.when.removed_share, parse_duration(spec.when.within), spec.when.min_messages,
                     spec.actions, spec.when.within.strip())
            for index, spec in enumerate(file.heat)
        ),
        exempt_roles=frozenset(file.exempt.roles),
        exempt_users=frozenset(file.exempt.users),
        exempt_channels=frozenset(file.exempt.channels),
        allow=WordMatcher.build(file.allow),
        appeal=file.appeal,
        source=source,
    )
