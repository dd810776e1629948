"""WordMatcher remembers what it learned about each token: a sequence matched again (the tokens now known)
gives the same spans as the first time, in every matching path (stretched, plural, phrase, split, typo)."""

from __future__ import annotations

import pytest

from bot.moderation.normalize import tokens
from bot.moderation.rules.words import WordMatcher

WORDS = ["idiot", "imbecile", "ass", "son of a bitch", "slurword"]
EXPECTED = {
    "you idiooot": [(1, 2, "idiot")],
    "two idiots and an asssss": [(1, 2, "idiot"), (4, 5, "ass")],
    "such a son of a bitchhh": [(2, 6, "son of a bitch")],
    "a slur word here": [(1, 3, "slurword")],
    "what an imbecle": [(2, 3, "imbecile")],
    "as an assessment in scunthorpe": [],
    "son of a gun": [],
}


@pytest.mark.parametrize(("text", "spans"), EXPECTED.items())
def test_spans_are_the_same_when_every_token_is_already_known(text: str, spans: list[tuple[int, int, str]]) -> None:
    matcher = WordMatcher.build(WORDS)
    first = matcher.spans(tokens(text))
    for other in EXPECTED:  # the memo now holds every token of every sample
        matcher.spans(tokens(other))
    assert first == spans
    assert matcher.spans(tokens(text)) == spans


def test_allow_list_masking_still_applies_with_known_tokens() -> None:
    matcher, allow = WordMatcher.build(["cock"]), WordMatcher.build(["cockpit"])
    assert matcher.first_match(tokens("the cock"), allow) == "cock"
    assert matcher.first_match(tokens("the cockpit"), allow) is None
    assert matcher.first_match(tokens("the cock"), allow) == "cock"


def test_the_memo_stays_bounded_and_keeps_the_tokens_in_use() -> None:
    matcher = WordMatcher.build(WORDS, memo_generation=100)
    for number in range(1_000):  # a stream of new tokens, with one word that keeps coming back
        assert matcher.spans(tokens(f"you idiooot #{number}")) == [(1, 2, "idiot")]
    assert len(matcher._memo) <= 200  # two generations at most
    assert matcher._memo.get("idiooot") is not None  # in use: carried from generation to generation
    assert matcher._memo.get("0") is None  # seen once, long ago: dropped
