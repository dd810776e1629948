"""Property tests: hostile input never crashes normalization, the rules or the config loader."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.moderation.normalize import normalize, tokens
from bot.moderation.rules import RuleInput, decide, parse_rules
from bot.moderation.rules.words import WordMatcher
from bot.records import ActionKind
from bot.yamlconf import ConfigError

RULES = parse_rules(
    """
allow: [scunthorpe]
rules:
  - {id: toxic, when: {score: {label: toxicity, min: 0.9}}, actions: [delete, warn]}
  - {id: review, when: {score: {label: toxicity, min: 0.5, max: 0.9}}, actions: [flag]}
  - {id: words, when: {words: [idiot, "go away"]}, actions: [delete]}
  - {id: links, when: {regex: ['https?://\\S+']}, actions: [flag]}
escalation:
  - {strikes: 2, within: 1h, actions: [timeout 10m]}
""",
    frozenset({"toxicity"}),
)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u00ad"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_normalize_never_crashes_and_strips_invisible_marks(text: str) -> None:
    result = normalize(text)
    assert len(result.normalized) <= 20_000
    assert not any(unicodedata.category(ch) in ("Cf", "Mn", "Me") for ch in result.normalized)
    assert result.normalized.startswith(result.clean.casefold())


@given(st.lists(INVISIBLE, min_size=4, max_size=4), st.sampled_from(["", " ", "!"]))
def test_listed_word_with_any_invisible_characters_still_matches(marks: list[str], tail: str) -> None:
    word = "idiot"
    disguised = "".join(ch + mark for ch, mark in zip(word, [*marks, ""], strict=False)) + tail
    matcher = WordMatcher.build([word])
    assert matcher.first_match(tokens(normalize(f"you {disguised}").normalized)) == word


@settings(max_examples=300)
@given(
    text=st.text(max_size=2000),
    toxicity=st.floats(min_value=0.0, max_value=1.0),
    strikes=st.lists(st.integers(min_value=0, max_value=7200), max_size=10),
)
def test_decide_always_returns_a_coherent_decision(text: str, toxicity: float, strikes: list[int]) -> None:
    from datetime import timedelta

    decision = decide(
        RULES,
        RuleInput(text=normalize(text), scores={"toxicity": toxicity}, now=NOW,
                  strikes=[NOW - timedelta(seconds=s) for s in strikes]),
    )
    kinds = [action.kind for action in decision.actions]
    assert kinds
    assert ActionKind.ALLOW not in kinds or kinds == [ActionKind.ALLOW]
    assert (decision.rule_id is None) == decision.is_allow
    if toxicity >= 0.9:
        assert ActionKind.DELETE in kinds


@settings(max_examples=300)
@given(st.text(max_size=500))
def test_any_text_as_rules_file_is_parsed_or_refused_cleanly(text: str) -> None:
    try:
        parse_rules(text, frozenset({"toxicity"}))
    except ConfigError as exc:
        assert exc.problems and all(problem.line >= 1 for problem in exc.problems)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(["rules", "exempt", "profiles", "escalation", "allow", "word_lists",
                                        "message", "version"]), _values, max_size=6))
def test_any_structure_as_rules_file_is_parsed_or_refused_cleanly(data: dict[str, object]) -> None:
    try:
        parse_rules(yaml.safe_dump(data), frozenset({"toxicity"}))
    except ConfigError as exc:
        assert all(str(problem).startswith("<string>:") for problem in exc.problems)
