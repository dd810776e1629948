"""Use versus mention: reporting or discussing a word is flagged for a moderator, never punished as its use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.moderation.carry_out import CaseExecutor, NullEnforcer
from bot.moderation.mention import MENTION_NOTE, frames, review_mentions
from bot.moderation.normalize import normalize
from bot.moderation.pipeline import ModerationPipeline
from bot.moderation.rules import RuleInput, decide, parse_rules
from bot.records import ActionKind, MessageEvent
from bot.storage import Database
from bot.storage.cases import CaseRepository
from tests.support import FixedRules, StaticScorer

RULES_YAML = """
word_lists:
  slurs: [slurword]
  insults: [idiot, moron]
rules:
  - id: slurs
    priority: 100
    when: {word_list: slurs}
    actions: [delete, warn, timeout 1h]
  - id: insults
    priority: 30
    when: {word_list: insults}
    actions: [delete, warn]
  - id: toxic
    priority: 50
    when: {score: {label: toxicity, min: 0.9}}
    actions: [delete, warn]
"""
RULES = parse_rules(RULES_YAML, frozenset({"toxicity"}))
STRICT = parse_rules(RULES_YAML.replace("actions: [delete, warn, timeout 1h]",
                                        "actions: [delete, warn, timeout 1h]\n    mentions: enforce"),
                     frozenset({"toxicity"}))
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def judged(text: str, rules=RULES, scores=None):  # type: ignore[no-untyped-def]
    normalized = normalize(text)
    decision = decide(rules, RuleInput(normalized, scores or {"toxicity": 0.01}))
    return review_mentions(decision, normalized, rules)


@pytest.mark.parametrize(
    "text",
    [
        'Someone called me "slurword" in #general, can a mod look?',
        "mods, he called me a slurword in the match thread",
        "reporting this: someone said 'slurword' to me",
        "he keeps typing «slurword» at people, moderators please",
        "the word slurword is a slur and should be banned here",
    ],
)
def test_reporting_a_slur_is_flagged_not_punished(text: str) -> None:
    decision = judged(text)
    assert decision.kinds == {ActionKind.FLAG} and decision.rule_id == "slurs"
    assert not decision.strike and decision.user_message is None
    note = decision.hits[-1].detail
    assert note.startswith(MENTION_NOTE) and "'slurword'" in note and "delete, warn, timeout 1h" in note


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ('The word "idiot" comes from the Greek idiotes', "discussed"),
        ("is the term moron still used in medicine?", "discussed"),
        ("the etymology of 'moron' is Greek: moros, foolish", "discussed"),
        # telling of someone calling others the word
        ("Ned, calling everyone a moron does not help the guests.", "reported"),
        ("he keeps calling people morons in the match thread", "reported"),
        ("she called the mayor an idiot at the meeting", "reported"),
        ("stop calling Zoe an idiot, please", "reported"),
        ("he'd call everyone an idiot before breakfast", "reported"),
    ],
)
def test_discussing_or_reporting_an_insult_is_flagged_not_punished(text: str, frame: str) -> None:
    decision = judged(text)
    assert decision.kinds == {ActionKind.FLAG} and decision.rule_id == "insults"
    assert frame in decision.hits[-1].detail


@pytest.mark.parametrize(
    "text",
    [
        "you are an idiot",
        "'idiot' is what you are, idiot",
        "mods, you are all idiots",
        "you act like a moron",
        "I said you idiot",
        "you are a 'moron'",
        "you slurword",
        "I'm calling you a moron",
        "I am calling Zoe a moron and I mean it",
        "we call everyone here an idiot",
        "stop calling everyone a moron, you moron",
        "this so-called president, this moron, wants to cut it",
        "its called negotiating idiot, get used to it",
        "yeah good call socialist idiots",
        "I have reserved the right to call him an idiot",
        "I'd call him an idiot",
    ],
)
def test_using_a_word_keeps_the_rule_actions(text: str) -> None:
    decision = judged(text)
    assert ActionKind.DELETE in decision.kinds
    assert not any(hit.detail.startswith(MENTION_NOTE) for hit in decision.hits)


def test_a_high_score_on_a_reported_quote_is_flagged() -> None:
    decision = judged('He wrote "I will hurt you" under my post, mods?', scores={"toxicity": 0.95})
    assert decision.kinds == {ActionKind.FLAG} and decision.rule_id == "toxic"
    assert "the message is quoted and reported" in decision.hits[-1].detail


def test_a_high_score_without_a_frame_keeps_its_actions() -> None:
    assert ActionKind.DELETE in judged("I will hurt you", scores={"toxicity": 0.95}).kinds


def test_the_rule_option_turns_the_behaviour_off() -> None:
    decision = judged('Someone called me "slurword" in #general, can a mod look?', rules=STRICT)
    assert decision.kinds == {ActionKind.DELETE, ActionKind.WARN, ActionKind.TIMEOUT}


def test_frames_name_what_was_seen() -> None:
    assert frames('Someone called me "slurword", can a mod look?', "slurword") == [
        "quoted", "reported", "addressed to moderators"]
    assert frames("you are an idiot", "idiot") == []


async def test_the_pipeline_records_a_mention_as_a_flag_with_its_reason(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "m.db") as db:
        cases = CaseRepository(db)
        pipeline = ModerationPipeline(scorer=StaticScorer(labels=frozenset({"toxicity"})), rules=FixedRules(RULES),
                                      store=cases, executor=CaseExecutor(NullEnforcer(), cases), clock=lambda: NOW)
        event = MessageEvent(guild_id=1, channel_id=2, message_id=3, author_id=4, created_at=NOW,
                             content='Someone called me "slurword" in #general, can a mod look?')
        outcome = await pipeline.handle(event)
        assert outcome.case is not None
        stored = await cases.get(1, outcome.case.number)
        assert [str(action) for action in stored.actions] == ["flag"] and stored.rule_id == "slurs"
        assert MENTION_NOTE in stored.reason and "instead of: delete, warn, timeout 1h" in stored.reason


async def test_the_case_says_which_reading_fired(tmp_path: Path) -> None:
    scorer = StaticScorer({"kill yourself": {"toxicity": 0.97}}, labels=frozenset({"toxicity"}))
    async with Database.open(tmp_path / "r.db") as db:
        cases = CaseRepository(db)
        pipeline = ModerationPipeline(scorer=scorer, rules=FixedRules(RULES), store=cases,
                                      executor=CaseExecutor(NullEnforcer(), cases), clock=lambda: NOW)
        event = MessageEvent(guild_id=1, channel_id=2, message_id=3, author_id=4, created_at=NOW,
                             content="go ki ll yourself")
        _, _, decision = await pipeline.judge(event)
    assert scorer.calls == ["go ki ll yourself", "go kill yourself"]  # the primary reading, then the repaired one
    assert decision.rule_id == "toxic" and "(reading: repaired)" in decision.hits[0].detail


@pytest.mark.parametrize(
    "text",
    ['is "moron" an outdated clinical term?', 'my band is named "Idiot Parade"', 'the film is titled "Moron Town"'],
)
def test_a_quoted_word_spoken_of_as_a_term_or_a_title_is_flagged(text: str) -> None:
    decision = judged(text)
    assert decision.kinds == {ActionKind.FLAG} and decision.rule_id == "insults"
    assert "discussed" in decision.hits[-1].detail
