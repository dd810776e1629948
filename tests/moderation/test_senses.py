"""Homographs in an ordinary slot are shown to the model in that sense; in the slot of an insult they stay."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.moderation.normalize import normalize
from bot.moderation.senses import HOMOGRAPHS, MAX_HOMOGRAPHS, model_text


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        # verb: after a subject pronoun, "to" or a modal; a letter dropped from "hope" makes the same shape
        ("I hoe the garden every spring", "I weed the garden every spring"),
        ("we hoe the rows before it rains", "we weed the rows before it rains"),
        ("You have a difficult row to hoe here", "You have a difficult row to weed here"),
        ("they will hoe tomorrow", "they will weed tomorrow"),
        ("I hoe the appeal succeeds", "I weed the appeal succeeds"),
        ("I ho pe the appeal succeeds", "I oh pe the appeal succeeds"),
        # tool
        ("bring the garden hoe", "bring the garden rake"),
        ("the hoe and the rake are in the shed", "the rake and the rake are in the shed"),
        # interjection
        ("Ho ho ho, merry Christmas", "Oh oh oh, merry Christmas"),
        ("The usual loonies - ho hum", "The usual loonies - oh hum"),
        ("What else is new? Ho-hum.", "What else is new? Oh-hum."),
        ("patriotic gung ho types", "patriotic gung oh types"),
        ("Tally-ho, chaps", "Tally-oh, chaps"),
        ("HO HO HO", "OH OH OH"),
        # how / who with a letter dropped
        ("regardless of ho many people", "regardless of how many people"),
        ("try it to see ho it looks", "try it to see how it looks"),
        ("anyone ho disagrees is wrong", "anyone who disagrees is wrong"),
        # names
        ("Dick Van Dyke was brilliant in that film", "Sam Van Dyke was brilliant in that film"),
        ("Vice President Dick Cheney said so on June 2", "Vice President Sam Cheney said so on June 2"),
        ("a novel by Philip K. Dick about androids", "a novel by Philip K. Sam about androids"),
        ("Wow, Lisa Ho looks tired.", "Wow, Lisa Sam looks tired."),
        ("we flew to Ho Chi Minh City last year", "we flew to Sam Chi Minh City last year"),
        ("I read Moby Dick last summer", "I read Moby Sam last summer"),
        ("Pussy Riot played in Moscow", "Sam Riot played in Moscow"),
        # farmyard, pets, plumbing, sewing: the fallback scored each of these 0.83 or more as written
        ("the cock crowed at dawn", "the rooster crowed at dawn"),
        ("the cock and the hens", "the rooster and the hens"),
        ("a weather cock on the church roof", "a weather vane on the church roof"),
        ("fix the stop cock under the sink", "fix the stop valve under the sink"),
        ("the ass brayed loudly", "the donkey brayed loudly"),
        ("thou shalt not covet thy neighbour's ass", "thou shalt not covet thy neighbour's donkey"),
        ("his ass and his ox were in the stable", "his donkey and his ox were in the stable"),
        ("our bitch had six puppies last week", "our dog had six puppies last week"),
        ("the brood bitch is nine", "the brood dog is nine"),
        ("the pussy willow is in bloom", "the fuzzy willow is in bloom"),
        ("a prick of the needle", "a jab of the needle"),
        ("the dog will prick up its ears", "the dog will perk up its ears"),
        ("I prick my finger on roses", "I jab my finger on roses"),
        ("screw the lid on tightly", "twist the lid on tightly"),
    ],
)
def test_an_ordinary_sense_is_what_the_model_sees(text: str, seen: str) -> None:
    assert model_text(text) == seen


@pytest.mark.parametrize(
    "text",
    [
        "stop being a hoe", "you stupid ho", "dang what now ho", "go away ho", "you hoe", "those hoes again",
        "she is such a hoe", "you dick", "You Dick Head", "How typical of you Dick.", "Come on, Dick, and quit it",
        "acting like a dick and I guess", "Shut Up Dick Nobody Cares", "YOU ARE A DICK", "what a dick move",
        "Do you call yourself Uncle Dick because everyone laughs", "You Stupid Dick Cheney fan", "a Dick",
        "yo ho, come here", "dick", "ho", "Dick I hate you", "A Dick Move again today",
        "you are a ho to everyone", "that ho is lying", "the ho is back",
        "suck my cock", "cock and balls", "kiss my ass and go", "nice ass", "what an ass", "you are an ass and a fool",
        "your ass and your ox lol", "you stupid bitch", "shut up bitch", "you bitch, your puppies are ugly",
        "that bitch and her puppies", "screw you", "screw you and your lid", "what a prick of a man", "you prick",
        "big deal pussy cat, meow", "Pussy Grabber fans are all the same",
    ],
)
def test_the_slot_of_an_insult_is_left_alone(text: str) -> None:
    assert model_text(text) == text


def test_word_lists_still_see_the_word_as_written() -> None:
    text = normalize("Dick Van Dyke was brilliant, and I hoe the garden")
    assert "dick" in text.normalized and "hoe" in text.normalized  # a moderator's list gets what it lists
    assert text.model_texts() == ("Sam Van Dyke was brilliant, and I weed the garden",)


def test_every_reading_is_shown_in_its_sense() -> None:
    text = normalize("I hoe the garden, you id iot")  # the repaired reading joins "id iot"
    assert text.alternatives and len(text.model_texts()) == 1 + len(text.alternatives)
    assert all("weed" in scored and "hoe" not in scored for scored in text.model_texts())


def test_a_message_without_homographs_has_no_separate_model_input() -> None:
    text = normalize("the hope is that the appeal succeeds, Scunthorpe and all")
    assert text.model_inputs == () and text.model_texts() == (text.clean,)


def test_a_message_full_of_homographs_reads_only_the_first_few() -> None:
    text = "I hoe the garden. " * (MAX_HOMOGRAPHS + 4)
    seen = model_text(text)
    assert seen.count("weed") == MAX_HOMOGRAPHS and seen.count("hoe") == 4  # the rest stay as written: safe side


_WORDS = st.sampled_from([*HOMOGRAPHS, "Dick", "Ho", "HOE", "I", "we", "to", "the", "a", "you", "garden", "crowed",
                          "puppies", "Van", "Dyke", "Cheney", "willow", "lid", "of", "needle", "up", "ears", "and",
                          "hens", "ox", "my", "idiot", "ѕӏυr", "é", "3am"])
_GAPS = st.sampled_from([" ", " ", " ", ", ", ". ", "-", "\n", "'", " \u200b"])


@settings(max_examples=400)
@given(st.lists(st.tuples(_WORDS, _GAPS), max_size=40))
def test_only_homographs_change_and_every_other_character_stays(parts: list[tuple[str, str]]) -> None:
    text = "".join(word + gap for word, gap in parts)
    seen = model_text(text)
    before, after = re.split(r"(\W+)", text), re.split(r"(\W+)", seen)
    assert len(before) == len(after)  # the same words and the same gaps, in the same places
    for old, new in zip(before, after, strict=True):
        assert old == new or old.lower() in HOMOGRAPHS
