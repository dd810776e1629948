"""Explaining a decision: occlusion on a scorer with known deltas, word and pattern spans, and the pipeline
storing the explanation with the case (only when a score rule acted)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from bot.moderation.carry_out import CaseExecutor
from bot.moderation.explain import MAX_WORDS, candidate_words, explain, occlusion, without
from bot.moderation.normalize import normalize
from bot.moderation.pipeline import ModerationPipeline
from bot.moderation.rules import RuleInput, decide, parse_rules
from bot.records import ExplanationKind, ExplanationMethod, MessageEvent, Scores
from bot.storage import Database
from bot.storage.cases import CaseRepository
from tests.support import FixedRules, RecordingEnforcer, StaticScorer

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
TABLE = {"hateful": {"toxicity": 0.97}, "rude": {"toxicity": 0.70}, "dumb": {"toxicity": 0.90}}
RULES = parse_rules(
    """
word_lists:
  slurs: [slur]
rules:
  - id: slurs
    when: {word_list: slurs}
    actions: [delete]
  - id: invites
    when: {regex: ['discord\\.gg/\\w+']}
    actions: [delete]
  - id: toxic
    when: {score: {label: toxicity, min: 0.9}}
    actions: [delete, warn]
  - id: toxic-watch
    mode: shadow
    when: {score: {label: toxicity, min: 0.6, max: 0.9}}
    actions: [flag]
""",
    frozenset({"toxicity"}),
)


class CountingScorer(StaticScorer):
    """The static table, counting `score` calls (a batch each) and the texts in each."""

    def __init__(self) -> None:
        super().__init__(TABLE, labels=frozenset({"toxicity"}))
        self.batches: list[int] = []

    async def score(self, texts: Sequence[str]) -> list[Scores]:
        self.batches.append(len(texts))
        return await super().score(texts)


async def test_occlusion_gives_each_words_score_drop_in_one_batch() -> None:
    scorer = CountingScorer()
    text = "you hateful rude person"
    deltas = await occlusion(scorer, text, "toxicity", 0.97)
    # without "hateful", "rude" still scores 0.70: drop 0.27; without any other word, "hateful" keeps 0.97
    assert [word for word, _ in deltas] == ["hateful"] and deltas[0][1] == pytest.approx(0.27)
    assert scorer.batches == [4]  # the four words' variants, one call
    assert "hateful" not in scorer.calls[candidate_words(text).index("hateful")]


async def test_occlusion_ranks_words_by_delta() -> None:
    scorer = CountingScorer()
    deltas = await occlusion(scorer, "rude and dumb", "toxicity", 0.90)
    # removing "rude" leaves dumb's 0.90: no drop
    assert [word for word, _ in deltas] == ["dumb"] and deltas[0][1] == pytest.approx(0.20)
    deltas = await occlusion(scorer, "hateful, rude", "toxicity", 0.97)
    assert [word for word, _ in deltas] == ["hateful"]


def test_candidate_words_are_distinct_capped_and_longest() -> None:
    words = [f"w{'x' * index}" for index in range(40)]
    text = " ".join([*words, "WX", "wx"])  # a repeat in any case counts once
    chosen = candidate_words(text)
    assert len(chosen) == MAX_WORDS and chosen == words[16:]  # the 24 longest, in text order
    assert candidate_words("Idiot idiot IDIOT") == ["Idiot"]


def test_without_removes_whole_words_in_any_case() -> None:
    assert without("Idiot, you idiot! idiotic", "idiot") == ", you ! idiotic"


async def test_a_word_rule_names_the_span_as_written_and_its_reading() -> None:
    text = "you \u0455\u04cf\u03c5r"  # Cyrillic dze, palochka, Greek upsilon: reads "slur"
    normalized = normalize(text)
    decision = decide(RULES, RuleInput(normalized, {"toxicity": 0.01}, now=NOW))
    scorer = CountingScorer()
    found = await explain(scorer, normalized, Scores({}, scorer.model), decision)
    assert found is not None and found.kind is ExplanationKind.WORD and found.method is ExplanationMethod.MATCH
    assert (found.span, found.term, found.reading) == ("\u0455\u04cf\u03c5r", "slur", "primary")
    assert found.describe() == 'word list slurs: "\u0455\u04cf\u03c5r" in reading primary (as "slur")'
    assert scorer.batches == []  # a word rule costs no scoring


async def test_a_pattern_rule_names_what_matched() -> None:
    normalized = normalize("join discord.gg/abc now")
    decision = decide(RULES, RuleInput(normalized, {"toxicity": 0.01}, now=NOW))
    found = await explain(CountingScorer(), normalized, Scores({}, CountingScorer().model), decision)
    assert found is not None and found.kind is ExplanationKind.PATTERN
    assert found.describe() == 'pattern invites: "discord.gg/abc" in the raw text'


def message(message_id: int, content: str) -> MessageEvent:
    return MessageEvent(guild_id=1, channel_id=10, message_id=message_id, author_id=7, content=content,
                        created_at=NOW)


def pipeline(db: Database, scorer: StaticScorer) -> tuple[ModerationPipeline, CaseRepository]:
    cases = CaseRepository(db)
    return ModerationPipeline(scorer=scorer, rules=FixedRules(RULES), store=cases,
                              executor=CaseExecutor(RecordingEnforcer(), cases), clock=lambda: NOW,
                              explanations=cases), cases


async def test_the_pipeline_stores_the_explanation_with_the_case(db: Database) -> None:
    scorer = CountingScorer()
    run, cases = pipeline(db, scorer)
    outcome = await run.handle(message(1, "you hateful rude person"))
    assert outcome.case is not None and outcome.case.explanation is not None
    stored = await cases.get(1, outcome.case.number)
    assert stored.explanation == outcome.case.explanation
    assert stored.explanation.describe() == 'toxicity 0.97: "hateful" +0.27 [occlusion, test/static 1]'
    assert scorer.batches == [1, 4]  # the message, then its occlusion batch


async def test_no_occlusion_unless_a_score_rule_acted(db: Database) -> None:
    scorer = CountingScorer()
    run, cases = pipeline(db, scorer)
    clean = await run.handle(message(1, "have a nice day"))
    shadow = await run.handle(message(2, "that is rude of you"))  # only the shadow score rule fires
    assert clean.case is None
    assert shadow.case is not None and shadow.case.explanation is None
    assert scorer.batches == [1, 1]  # each message scored once, nothing more
    assert (await cases.get(1, shadow.case.number)).explanation is None
