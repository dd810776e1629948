"""The repaired reading: typos, added and deleted spaces around abusive words, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.moderation.normalize import normalize
from bot.moderation.repair import (
    GLUED_LONG,
    LEXICON,
    NO_SPLIT,
    PREFIX_GLUE,
    SUFFIX_GLUE,
    SUFFIXES,
    in_insult_slot,
    repaired,
    split_glued,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what a btch", "what a bitch"),  # a dropped letter in a five-letter word
        ("go kll them", "go kill them"),  # ... and in a four-letter one
        ("stop being a loer", "stop being a loser"),
        ("may you dei", "may you die"),  # two neighbours swapped in a three-letter word
        ("scmu like that", "scum like that"),
    ],
)
def test_a_dropped_or_swapped_letter_is_mended(text: str, expected: str) -> None:
    assert repaired(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shut it you moon", "shut it you moron"),
        ("you're a sad cut.", "you're a sad cunt."),
        ("such a moon of a referee", "such a moron of a referee"),
        ("one more moon who thinks so", "one more moron who thinks so"),
        ("you are all morns in this thread", "you are all morons in this thread"),
        ("you guys are all pathetic moons.", "you guys are all pathetic morons."),
    ],
)
def test_a_typo_that_is_an_ordinary_word_is_mended_where_an_insult_stands(text: str, expected: str) -> None:
    assert repaired(text) == expected


@pytest.mark.parametrize(
    "text",
    ["the moon is full tonight", "you lose if you wait", "a cut above the rest", "I wore it twice", "see WP:FUC",
     "whoes turn is it",
     "what a moon tonight", "you cut the cake", "the sum of its parts", "we sit here",
     "you are all cut off at noon", "you are all sitting here", "we are all moons in the sky of a poem"],
)
def test_ordinary_words_elsewhere_are_left_alone(text: str) -> None:
    assert repaired(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("k ill them all", "kill them all"), ("you absolute tw at", "you absolute twat"), ("just d ie", "just die"),
     ("what a lo ser", "what a loser")],
)
def test_fragments_that_join_into_a_listed_word_are_joined(text: str, expected: str) -> None:
    assert repaired(text) == expected


@pytest.mark.parametrize("text", ["it's hit the fan", "who re-elected him", "he sc ored twice", "a ss ship"])
def test_fragments_of_longer_words_are_not_joined(text: str) -> None:
    assert repaired(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("thatbitch over there", "that bitch over there"), ("eatscum", "eat scum"),
     ("urmoron", "ur moron"), ("killthem now", "kill them now"), ("whatabsoluteimbeciles", "whatabsolute imbeciles")],
)
def test_a_listed_word_glued_to_a_small_word_is_split(text: str, expected: str) -> None:
    assert repaired(text) == expected


@pytest.mark.parametrize(
    "text", ["oxymoron", "overkill", "skill", "an indie band", "Scunthorpe", "killjoy", "roadkill", "moronic",
             "bitchy", "diehard", "Shitterton", "assessment", "cocktail", "Penistone", "studied", "goodie"],
)
def test_words_that_contain_a_listed_word_are_not_split(text: str) -> None:
    assert repaired(text) == text


def test_split_glued_says_where() -> None:
    assert split_glued("youmoron", LEXICON) == 3
    assert split_glued("moronyou", LEXICON) == 5
    assert split_glued("oxymoron", LEXICON) is None
    assert split_glued("moron", LEXICON) is None
    assert split_glued("horngrumpus", {"grumpus"}) == 4  # seven letters or more may carry any word of three or more
    assert split_glued("horntoad", {"toad"}) is None  # a shorter one only a small grammar word
    assert split_glued("bigtoad", {"toad"}) == 3


def test_the_insult_slot() -> None:
    text = "shut it you moon"
    assert in_insult_slot(text, 12, 16, "moon")
    assert not in_insult_slot("look at the moon", 12, 16, "moon")
    assert not in_insult_slot("if you lose", 7, 11, "lose")  # a verb after "you" is a verb
    assert in_insult_slot("you are a total lose", 16, 20, "lose")


def test_a_code_that_folds_to_a_listed_word_is_read_as_it_in_the_repaired_reading() -> None:
    result = normalize("what a twa7")
    assert result.clean == "what a twa7"
    assert "what a twat" in result.alternatives and "repaired" in result.names
    assert normalize("my ps5 and mp3").alternatives == ()


def test_the_repaired_reading_is_not_crowded_out_by_other_tricks() -> None:
    result = normalize("\u202exyz\u202c fuuuuuck d13 you idot")
    assert "repaired" in result.names
    assert any("you idiot" in reading for reading in result.alternatives)


def _split_everywhere(word: str, terms: set[str]) -> int | None:
    """The first version of split_glued, which tried every cut: the oracle for the one that tries only cuts
    where a term can start or end."""
    if word in terms:
        return None
    for index in range(1, len(word)):
        head, tail = word[:index], word[index:]
        if tail in terms and tail not in NO_SPLIT and (
            head in PREFIX_GLUE or (len(tail) >= GLUED_LONG and len(head) >= 3)
        ):
            return index
        if head in terms and head not in NO_SPLIT and (
            tail in SUFFIX_GLUE or (len(head) >= GLUED_LONG and len(tail) >= 3 and tail not in SUFFIXES)
        ):
            return index
    return None


_PIECES = sorted(LEXICON | PREFIX_GLUE | SUFFIX_GLUE | SUFFIXES | {"grumpus", "toad", "x", "abc"})


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=3), st.sampled_from([set(LEXICON), {"grumpus", "toad"}]))
def test_split_glued_tries_only_the_cuts_that_can_split(pieces: list[str], terms: set[str]) -> None:
    word = "".join(pieces)
    assert split_glued(word, terms) == _split_everywhere(word, terms)
