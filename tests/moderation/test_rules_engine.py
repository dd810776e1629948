"""Table-driven tests of `decide`: one row per behaviour, with an id that says what it checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.moderation.normalize import normalize
from bot.moderation.rules import RuleInput, decide, parse_rules
from bot.records import Variant

LABELS = frozenset({"toxicity", "insult", "threat", "profanity"})
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

RULES = parse_rules(
    """
version: 1
appeal: "Appeal with the button."
exempt: {roles: [900], users: [901], channels: [902]}
allow: ["scunthorpe", "ass kicking"]
word_lists:
  insults: [idiot, moron]
rules:
  - id: threat
    priority: 90
    when: {score: {label: threat, min: 0.8}}
    actions: [delete, warn, timeout 1d]
  - id: toxic
    priority: 50
    description: be civil
    message: "Removed under {rule} ({labels}). {appeal}"
    when: {score: {label: toxicity, min: 0.9}}
    actions: [delete, warn]
  - id: toxic-review
    priority: 40
    when: {score: {label: toxicity, min: 0.6, max: 0.9}}
    actions: [flag]
  - id: insults
    priority: 30
    when: {word_list: insults}
    actions: [delete]
  - id: cuss
    priority: 20
    when: {words: [ass]}
    actions: [warn]
  - id: invites
    priority: 10
    when: {regex: ['discord\\.gg/\\w+']}
    actions: [delete]
    strike: false
  - id: insult-trial
    mode: shadow
    priority: 100
    when: {score: {label: insult, min: 0.5}}
    actions: [ban]
profiles:
  - id: kids
    channels: [700]
    overrides:
      toxic: {min: 0.7}
      toxic-review: {min: 0.3, max: 0.7}
      cuss: {actions: [delete, warn]}
  - id: debate
    articles: [55]
    overrides:
      insults: {enabled: false}
escalation:
  - {strikes: 3, within: 24h, actions: [timeout 1h]}
  - {strikes: 5, within: 7d, actions: [ban]}
""",
    LABELS,
)


@dataclass(frozen=True)
class Case:
    text: str = "hello"
    scores: dict[str, float] = field(default_factory=dict)
    roles: frozenset[int] = frozenset()
    user: int = 1
    channels: tuple[int, ...] = (100,)
    article: int | None = None
    strikes: tuple[timedelta, ...] = ()  # ages of earlier strikes
    actions: tuple[str, ...] = ("allow",)
    rule: str | None = None
    variant: Variant | None = None
    shadow: tuple[str, ...] = ()
    exempt: str | None = None


CASES = [
    # score bands
    pytest.param(Case(scores={"toxicity": 0.95}, actions=("delete", "warn"), rule="toxic"), id="band-high"),
    pytest.param(Case(scores={"toxicity": 0.90}, actions=("delete", "warn"), rule="toxic"), id="band-min-inclusive"),
    pytest.param(Case(scores={"toxicity": 0.75}, actions=("flag",), rule="toxic-review"), id="band-review"),
    pytest.param(Case(scores={"toxicity": 0.59}), id="band-below-all"),
    pytest.param(Case(scores={"toxicity": 1.0}, actions=("delete", "warn"), rule="toxic"), id="band-max-one"),
    # priority: threat (90) beats toxic (50) when both fire
    pytest.param(
        Case(scores={"toxicity": 0.99, "threat": 0.9}, actions=("delete", "warn", "timeout 1d"), rule="threat"),
        id="priority-highest-wins",
    ),
    # word lists, allow-list and variants
    pytest.param(Case(text="you idiot", actions=("delete",), rule="insults", variant=Variant.RAW), id="word-raw"),
    pytest.param(
        Case(text="you 1d10t", actions=("delete",), rule="insults", variant=Variant.NORMALIZED),
        id="word-normalized-leet",
    ),
    pytest.param(Case(text="Scunthorpe and assessment"), id="word-no-substring-match"),
    pytest.param(Case(text="some good ass kicking"), id="allow-list-phrase"),
    pytest.param(Case(text="you ass", actions=("warn",), rule="cuss"), id="allow-list-not-elsewhere"),
    # regex
    pytest.param(Case(text="join discord.gg/abc", actions=("delete",), rule="invites"), id="regex"),
    pytest.param(Case(text="join DISCORD.GG/abc", actions=("delete",), rule="invites"), id="regex-case-insensitive"),
    # exemptions
    pytest.param(Case(text="you idiot", roles=frozenset({900}), exempt="exempt role"), id="exempt-role"),
    pytest.param(Case(text="you idiot", user=901, exempt="exempt user"), id="exempt-user"),
    pytest.param(Case(text="you idiot", channels=(5, 902), exempt="exempt channel"), id="exempt-parent-channel"),
    # profiles
    pytest.param(
        Case(scores={"toxicity": 0.75}, channels=(700,), actions=("delete", "warn"), rule="toxic"),
        id="profile-stricter-band",
    ),
    pytest.param(
        Case(scores={"toxicity": 0.4}, channels=(1, 700), actions=("flag",), rule="toxic-review"),
        id="profile-via-parent-channel",
    ),
    pytest.param(
        Case(text="you ass", channels=(700,), actions=("delete", "warn"), rule="cuss"), id="profile-actions"
    ),
    pytest.param(Case(text="you idiot", article=55), id="profile-by-article-disables-rule"),
    # escalation windows
    pytest.param(
        Case(text="you idiot", strikes=(timedelta(hours=1), timedelta(hours=23)), actions=("delete", "timeout 1h"),
             rule="insults"),
        id="escalation-3-in-24h",
    ),
    pytest.param(
        Case(text="you idiot", strikes=(timedelta(hours=1), timedelta(hours=25)), actions=("delete",), rule="insults"),
        id="escalation-old-strike-outside-window",
    ),
    pytest.param(
        Case(text="you idiot", strikes=tuple(timedelta(days=d) for d in (1, 2, 3, 6)), actions=("delete", "ban"),
             rule="insults"),
        id="escalation-5-in-7d-strongest",
    ),
    pytest.param(
        Case(text="discord.gg/x", strikes=(timedelta(hours=1), timedelta(hours=2)), actions=("delete",),
             rule="invites"),
        id="escalation-not-for-non-strike-rule",
    ),
    # shadow mode
    pytest.param(Case(scores={"insult": 0.6}, shadow=("insult-trial",)), id="shadow-records-does-nothing"),
    pytest.param(
        Case(scores={"insult": 0.6, "toxicity": 0.95}, actions=("delete", "warn"), rule="toxic",
             shadow=("insult-trial",)),
        id="shadow-beside-enforced",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_decide(case: Case) -> None:
    given = RuleInput(
        text=normalize(case.text),
        scores=case.scores,
        author_id=case.user,
        author_roles=case.roles,
        channel_ids=case.channels,
        article_id=case.article,
        strikes=[NOW - age for age in case.strikes],
        now=NOW,
    )
    decision = decide(RULES, given)
    assert tuple(str(action) for action in decision.actions) == case.actions
    assert decision.rule_id == case.rule
    assert tuple(hit.rule_id for hit in decision.shadow_hits) == case.shadow
    assert decision.exempt_reason == case.exempt
    if case.variant is not None:
        assert decision.variant is case.variant


def test_user_message_names_the_rule_and_labels() -> None:
    decision = decide(RULES, RuleInput(text=normalize("x"), scores={"toxicity": 0.93}, now=NOW))
    assert decision.user_message == "Removed under toxic (toxicity 0.93 >= 0.90). Appeal with the button."


def test_decide_is_pure_same_input_same_output() -> None:
    given = RuleInput(text=normalize("you idiot"), scores={"toxicity": 0.7}, now=NOW, strikes=[NOW])
    assert decide(RULES, given) == decide(RULES, given)
