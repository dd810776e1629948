import pytest

from bot.moderation.normalize import normalize, tokens
from bot.moderation.rules.words import WordMatcher

LISTED = WordMatcher.build(["idiot", "ass", "cunt", "slur word"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("you id\u200biot", "idiot", id="zero-width-space"),
        pytest.param("you i\u200dd\u200di\u200do\u200dt", "idiot", id="zero-width-joiner"),
        pytest.param("you \u0456d\u0456\u043et", "idiot", id="cyrillic-homoglyphs"),
        pytest.param("you ｉｄｉｏｔ", "idiot", id="fullwidth"),
        pytest.param("you 1d10t", "idiot", id="leetspeak-digits"),
        pytest.param("what an !d!0t", "idiot", id="leetspeak-symbols"),
        pytest.param("a$$", "ass", id="leet-dollar"),
        pytest.param("you i d i o t", "idiot", id="spaced"),
        pytest.param("you i.d.i.o.t", "idiot", id="dotted"),
        pytest.param("you idiiiiiooooot", "idiot", id="stretched"),
        pytest.param("i̷d̸i̵o̶t̴", "idiot", id="zalgo"),
        pytest.param("a \u202edrow ruls\u202c here", "slur word", id="rtl-override-phrase"),
        pytest.param("you \u202etoidi", "idiot", id="rtl-override-to-end"),
        pytest.param("SLUR    WORD", "slur word", id="phrase-case-spacing"),
        pytest.param("you're all i\u200bd\u200bi\u200bo\u200bt\u200bs", "idiot", id="plural-zero-width"),
        pytest.param("stupid idiiiots", "idiot", id="plural-stretched"),
        pytest.param("you asses", "ass", id="plural-es"),
    ],
)
def test_evasions_of_a_listed_word_match(text: str, expected: str) -> None:
    assert LISTED.first_match(tokens(normalize(text).normalized)) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Scunthorpe United won", id="scunthorpe"),
        pytest.param("the assessment is due", id="assessment"),
        pytest.param("pass the glass, class", id="ass-inside-words"),
        pytest.param("as it was", id="shorter-than-listed"),
        pytest.param("idiom and idiotic", id="prefix-only"),
        pytest.param("the classes and passes", id="plural-of-a-longer-word"),
        pytest.param("I have 3 cats and 100 dogs", id="numbers-stay-numbers"),
    ],
)
def test_ordinary_words_containing_the_letters_do_not_match(text: str) -> None:
    assert LISTED.first_match(tokens(normalize(text).normalized)) is None


@pytest.mark.parametrize("text", ["3am", "5pm", "the 2nd", "4th of july", "an mp3", "covid19", "10km", "1st"])
def test_numbers_with_suffixes_are_not_leet(text: str) -> None:
    assert normalize(f"at {text}").normalized == f"at {text}".casefold()


@pytest.mark.parametrize(("text", "expected"), [("5hit", "shit"), ("1diot", "idiot"), ("b1tch", "bitch")])
def test_leet_with_one_leading_digit_still_folds(text: str, expected: str) -> None:
    assert normalize(text).normalized == expected


def test_normalized_keeps_numbers_and_reports_change() -> None:
    plain = normalize("I paid 100 dollars")
    assert plain.normalized == "i paid 100 dollars"
    assert not plain.changed
    assert normalize("h4te").changed


def test_clean_keeps_case_for_the_model() -> None:
    text = normalize("You are an I\u200bDIOT!")
    assert text.clean == "You are an IDIOT!"
    assert text.normalized == "you are an idiot!"


def test_huge_and_hostile_inputs_are_bounded() -> None:
    flood = "😀" * 5000 + "ä̸̡̛̛̙̼" * 2000
    result = normalize(flood)
    assert len(result.normalized) <= 20_000
    assert LISTED.first_match(tokens(result.normalized)) is None
