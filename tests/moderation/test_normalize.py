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


# --- readings a human perceives (issue 13) -------------------------------------------------------------------

from bot.moderation.normalize import MAX_READINGS, leet_kind, readings  # noqa: E402


def _all(text: str) -> list[str]:
    return [reading for _, reading in readings(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I h a t e women.", "I hate women."),
        ("what a m o r o n", "what a moron"),
        ("A l o s e r, that is what you are", "A loser, that is what you are"),
        ("I l o v e this paper", "I love this paper"),
        ("such a n i c e day", "such a nice day"),
    ],
)
def test_spaced_letters_are_joined_without_eating_a_one_letter_word(text: str, expected: str) -> None:
    assert normalize(text).clean == expected


@pytest.mark.parametrize("word", ["idiot", "moron", "imbecile"])
@pytest.mark.parametrize("lead", ["a", "I", "i", "A"])
def test_a_spaced_word_after_a_one_letter_word_is_still_read_both_ways(lead: str, word: str) -> None:
    text = f"{lead} " + " ".join(word)
    assert any(reading.casefold() == f"{lead} {word}".casefold() for reading in _all(text))
    assert LISTED_INSULTS.first_match(tokens(normalize(f"you are {text}").normalized)) == word


LISTED_INSULTS = WordMatcher.build(["idiot", "moron", "imbecile", "kill", "slurword"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("go κіӏӏ yourself", "go kill yourself", id="greek-kappa-cyrillic-palochka"),
        pytest.param("you ѕӏυrԝοrԁ", "you slurword", id="cyrillic-greek-mix"),
        pytest.param("you іdіοt", "you idiot", id="cyrillic-i-greek-omicron"),
        pytest.param("what a mօrօn", "what a moron", id="armenian-o"),
        pytest.param("go kіӏӏ yօurѕеӏf", "go kill yourself", id="armenian-and-cyrillic"),
        pytest.param("you ꮪlurꮃord", "you slurword", id="cherokee-small"),
        pytest.param("you Ꮪlurword", "you Slurword", id="cherokee-capital"),
        pytest.param("you аѕѕ", "you ass", id="whole-cyrillic-look-alike-in-an-english-message"),
    ],
)
def test_homoglyphs_fold_to_the_latin_letter_a_reader_sees(text: str, expected: str) -> None:
    assert normalize(text).clean == expected


@pytest.mark.parametrize(
    "text",
    [
        "Это предложение на русском языке",
        "Καλημέρα σε όλους",
        "Բարեւ ձեզ",
        "the Greek word λογος and the Russian word мир",
    ],
)
def test_words_in_their_own_script_are_left_alone(text: str) -> None:
    cleaned = normalize(text).clean
    for word in ("предложение", "λογος", "мир", "Բարեւ"):
        if word in text:
            assert word in cleaned


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cu🔥nt", "cunt"),
        ("you slur🔥word", "you slurword"),
        ("id💩💩iot", "idiot"),
        ("mor★on", "moron"),
        ("id.iot", "idiot"),
        ("im_be_cile", "imbecile"),
    ],
)
def test_symbols_and_filler_inside_a_word_are_removed(text: str, expected: str) -> None:
    assert normalize(text).clean == expected


@pytest.mark.parametrize("text", ["great 👍 job", "ok 😀", "see you at 5 ★ stars", "End.Start of a sentence"])
def test_symbols_between_words_stay(text: str) -> None:
    assert normalize(text).clean == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("you dum8455", "you dumbass"), ("h4t3r", "hater"), ("5hit", "shit"), ("1d10t", "idiot")],
)
def test_leet_ending_in_digits_folds(text: str, expected: str) -> None:
    assert normalize(text).clean == expected


def test_leet_that_could_be_a_number_is_read_both_ways() -> None:
    text = normalize("i hope you d13")
    assert text.clean == "i hope you d13"
    assert "i hope you die" in text.alternatives and "leet-numbers" in text.names


@pytest.mark.parametrize(
    "text",
    ["at 3am", "the 2nd", "an mp3", "the 1990s", "costs $5.99", "£20", "at 10:30", "v1.2.3", "the A55", "M25",
     "covid19", "xbox360", "100%", "4x4", "10km", "python3"],
)
def test_numbers_prices_times_versions_and_codes_are_untouched(text: str) -> None:
    result = normalize(text)
    assert result.clean == text and result.alternatives == ()
    assert leet_kind(text.split()[-1]) == "no"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("fuuuuuuck off", "fuck off"), ("go kiiiiiill yourself", "go kill yourself"), ("cuuuuuunt", "cunt"),
     ("iiiiidiooooot", "idiot")],
)
def test_the_model_reads_stretched_letters_collapsed(text: str, expected: str) -> None:
    result = normalize(text)
    assert result.clean == expected
    assert "stretched-doubles" in result.names  # "asssss" is also read with doubles: "ass", not "as"


def test_doubled_letters_stay_doubled() -> None:
    assert normalize("good book, cool stuff").clean == "good book, cool stuff"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("go fukc yourself", "go fuck yourself"), ("you dumabss", "you dumbass"), ("you are a complete id iot",
     "you are a complete idiot"), ("you are a completeidiot", "you are a complete idiot"),
     ("gofuck yourself", "go fuck yourself"), ("what an imbecle", "what an imbecile")],
)
def test_typos_and_spacing_of_abusive_words_are_repaired_in_a_reading(text: str, expected: str) -> None:
    result = normalize(text)
    assert expected in result.alternatives and "repaired" in result.names


@pytest.mark.parametrize(
    "text", ["Scunthorpe United", "the cocktail bar", "flame retardant", "closer to home", "the moon",
             "idiom and idiotic", "Shitterton in Dorset", "Penistone station", "an assessment"],
)
def test_ordinary_words_get_no_extra_reading(text: str) -> None:
    assert normalize(text).alternatives == ()


def test_readings_are_capped_and_named() -> None:
    hostile = ("f u c k o f f I h a t e y o u fuuuuuck d13 \u202etoidi\u202c id iot " * 200)[:4000]
    result = normalize(hostile)
    assert 1 + len(result.alternatives) <= MAX_READINGS
    assert len(result.names) == len(result.alternatives)
    assert len(result.normalized.split("\n")) == 1 + len(result.alternatives)
    assert result.reading_name(0) == "primary"


@pytest.mark.parametrize(("text", "word"), [("you idoit", "idiot"), ("you imbecle", "imbecile"),
                                            ("a slruword", "slurword"), ("you morno", "moron")])
def test_word_lists_match_a_swapped_or_dropped_letter(text: str, word: str) -> None:
    assert LISTED_INSULTS.first_match(tokens(normalize(text).normalized)) == word


@pytest.mark.parametrize("text", ["idiom", "the moon", "a mroon", "ideot"])
def test_near_misses_need_the_first_letter_and_one_edit(text: str) -> None:
    matcher = WordMatcher.build(["idiot", "moron"])
    assert matcher.first_match(tokens(text)) is None


@pytest.mark.parametrize(("text", "word"), [("you slur word", "slurword"), ("an imbe cile", "imbecile")])
def test_a_space_added_inside_a_long_listed_word_still_matches(text: str, word: str) -> None:
    assert LISTED_INSULTS.first_match(tokens(normalize(text).normalized)) == word


@pytest.mark.parametrize(("text", "expected"), [("1d107", "idiot"), ("455h0l3", "asshole"), ("5h17", "shit")])
def test_leet_starting_and_ending_with_digits_folds(text: str, expected: str) -> None:
    assert normalize(text).clean == expected


@pytest.mark.parametrize(("text", "word"), [("yougrumpus", "grumpus"), ("typicalgrumpuses", "grumpus"),
                                            ("bigtoad", "toad"), ("toadface", "toad")])
def test_word_lists_match_a_listed_word_glued_to_another(text: str, word: str) -> None:
    assert WordMatcher.build(["grumpus", "toad"]).first_match(tokens(normalize(text).normalized)) == word


@pytest.mark.parametrize("text", ["toadstool", "horntoad", "ungrumpus", "mytoad"])
def test_word_lists_do_not_match_inside_compounds(text: str) -> None:
    assert WordMatcher.build(["grumpus", "toad"]).first_match(tokens(normalize(text).normalized)) is None


@pytest.mark.parametrize("text", ["what an oxymoron", "the overkill", "an indie film", "skill issue"])
def test_words_containing_an_abusive_word_get_no_extra_reading(text: str) -> None:
    assert normalize(text).alternatives == ()
