"""Homographs: words that are an insult in one sense and an ordinary word in another, shown to the model in the
sense a reader sees where only the ordinary sense fits.

A bag-of-words model (the fallback scorer) cannot tell "I hoe the garden" from "you hoe", or "Dick Cheney said"
from "you dick": it scores the word. A typo can make the same trap out of an ordinary word ("I hope" -> "I hoe",
"I ho pe"). So the text the model scores (`NormalizedText.model_texts`, one per reading) has each homograph that
stands in one of the slots below replaced by a plain word of the sense a reader sees there. Word lists and regexes
still see the word as written: a moderator who lists "hoe" gets what they listed.

- verb: right after a subject pronoun, "to" or a modal ("I hoe", "we hoe the rows", "a tough row to hoe",
  "they will hoe"): the noun that insults cannot stand there. Shown as "weed" ("ho": as "oh").
- tool: "garden hoe", "the hoe and the rake". Shown as "rake".
- interjection: "ho ho ho", "ho-hum", "heave-ho", "land ho", "tally-ho", "gung ho". Shown as "oh".
- how/who: "ho many", "ho much", "see ho it looks", "anyone ho disagrees" (a letter dropped). Shown as "how"/"who".
- name: a capitalised "Dick" or "Ho" inside a run of capitalised words ("Dick Van Dyke", "Vice President Dick
  Cheney", "Ho Chi Minh", "Lisa Ho said"), in a sentence that is otherwise written in lower case, and not after
  words that frame an insult ("you", "a", "such", "stupid"), nor before a word that makes one ("Dick Head").
  Shown as "Sam".

Each slot was checked against the messages of ../shared/data/toxicity that contain these words (see
tests/moderation/test_senses.py for the shapes, and README.md for the count). Pure functions; a message without a
homograph costs one regex search per reading.
"""

from __future__ import annotations

import re

from bot.moderation.repair import PREFIX_GLUE, SUFFIX_GLUE

NAME_STANDIN = "Sam"
MAX_HOMOGRAPHS = 16  # read per reading; a message with more is not a comment (bounded work for hostile text)
_WINDOW = 80  # characters of context read on each side of a homograph
_HOE = {"hoe": "weed", "hoes": "weeds", "hoed": "weeded", "hoeing": "weeding"}
_TOOL = {"hoe": "rake", "hoes": "rakes"}
_CANDIDATE = re.compile(r"(?<![\w'’])(?:hoe(?:s|d|ing)?|ho|dick)(?![\w'’])", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Right before a verb: subject pronouns (not "you": "you hoe" is the insult), "to", modals, adverbs of habit.
_VERB_BEFORE = frozenset((
    "i", "we", "they", "to", "will", "would", "can", "could", "should", "must", "might", "may", "shall",
    "i'll", "we'll", "they'll", "i’ll", "we’ll", "they’ll", "don't", "didn't", "don’t", "didn’t", "never",
    "always", "usually", "often", "cannot", "can't", "can’t",
))
_TOOL_BEFORE = frozenset(("garden", "the", "my", "our", "his", "her", "their"))  # "the hoe and", "my hoe is blunt"
_TOOL_AFTER = frozenset(("and", "or", "handle", "blade", "blades", "handles", "is", "was"))
_INTERJECTION_BEFORE = frozenset(("ho", "heave", "land", "tally", "gung", "westward", "eastward"))
_INTERJECTION_AFTER = frozenset(("ho", "hum"))
_HOW_AFTER = frozenset((
    "many", "much", "long", "often", "far", "old", "about", "come", "dare", "do", "does", "did", "it", "they",
    "we", "to", "can", "could", "would", "should", "is", "are", "was", "were",
))
_HOW_BEFORE = frozenset(("see", "know", "knows", "wonder", "matter", "and", "but", "explain", "show", "shows"))
_WHO_BEFORE = frozenset((
    "anyone", "someone", "everyone", "anybody", "somebody", "everybody", "those", "people", "one", "person",
))
# Words that frame an insult right before a name-like run ("you Dick", "a Dick", "stupid Ho"), and words that
# make a compound insult right after it ("Dick Head", "Dick Sucker").
_INSULT_BEFORE = (PREFIX_GLUE - frozenset(("the", "this", "that", "of", "by", "for", "with", "to", "all", "some"))) | {
    "yourself", "call", "calls", "called", "calling",  # "do you call yourself Uncle Dick"
}
# Right before a noun: "a ho to everyone", "that ho is lying" are never "how".
_NOUN_BEFORE = _INSULT_BEFORE | frozenset(("the", "this", "that", "your", "my", "his", "her", "their", "our",
                                           "nasty", "dirty", "cheap"))
_INSULT_AFTER = SUFFIX_GLUE | frozenset(("sucker", "suckers", "wad", "weed", "brain", "less", "licker", "rider"))
_MIN_CONTEXT = 2  # a name needs at least this many words outside its run to tell it from a Title Cased insult
_CONTEXT = 10  # words read on each side of a name: its sentence, more or less (and bounded work per word)
_NAME_WORDS = 5  # "Vice President Dick Cheney", "Dick Van Dyke": a longer run of capitals is Title Case, no name


_PARTICLES = frozenset(("van", "von", "de", "der", "den", "del", "da", "di", "bin", "ibn"))


def _is_title(word: str) -> bool:
    """Capitalised ("Cheney"), an initial ("K"; not "I" or "A", which are words), or a particle ("Van", "de")."""
    if len(word) == 1:
        return word.isupper() and word not in {"I", "A"}
    return (word[0].isupper() and word[1:].islower()) or word.lower() in _PARTICLES


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text))


def _gap_is_space(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    gap = text[left.end():right.start()]
    return gap in {" ", ". ", "-"} and not (gap == ". " and len(left.group(0)) > 1)  # "K. Dick", not "end. Dick"


def _name_run(text: str, words: list[re.Match[str]], index: int) -> tuple[int, int] | None:
    """(first, last) word indexes of the run of capitalised words around `index`, or None: a run of one word,
    or of more than _NAME_WORDS, is no name."""
    first = last = index
    while first > 0 and _is_title(words[first - 1].group(0)) and _gap_is_space(text, words[first - 1], words[first]):
        first -= 1
        if last - first >= _NAME_WORDS:
            return None
    while (last + 1 < len(words) and _is_title(words[last + 1].group(0))
           and _gap_is_space(text, words[last], words[last + 1])):
        last += 1
        if last - first >= _NAME_WORDS:
            return None
    while words[first].group(0).islower():  # a particle is part of a name only between two capitals
        first += 1
    while words[last].group(0).islower():
        last -= 1
    return None if first == last else (first, last)


def _name_slot(text: str, words: list[re.Match[str]], index: int) -> bool:
    word = words[index].group(0)
    if not _is_title(word):
        return False
    run = _name_run(text, words, index)
    if run is None:
        return False
    first, last = run
    inside = [match.group(0).lower() for match in words[first:last + 1]]
    if any(part in _INSULT_BEFORE for part in inside[:index - first]):
        return False  # "You Stupid Dick Cheney"
    if any(part in _INSULT_AFTER for part in inside[index - first + 1:]):
        return False  # "Dick Head"
    if first > 0 and words[first - 1].group(0).lower() in _INSULT_BEFORE:
        return False  # "you Dick Cheney"
    context = (*words[max(0, first - _CONTEXT):first], *words[last + 1:last + 1 + _CONTEXT])
    outside = [match.group(0) for match in context]
    if len(outside) < _MIN_CONTEXT:
        return False
    return sum(1 for part in outside if part[0].isupper()) * 2 <= len(outside)


def _neighbour(text: str, words: list[re.Match[str]], index: int, step: int) -> str:
    """The lower-case word next to `words[index]` (`step` -1: before it, 1: after it), when only a space or a
    hyphen parts the two (not a comma: "yo ho, come here" is not "ho come"); else ""."""
    other = index + step
    if not 0 <= other < len(words):
        return ""
    left, right = sorted((words[index], words[other]), key=lambda match: match.start())
    return words[other].group(0).lower() if text[left.end():right.start()] in {" ", "-"} else ""


def _standin(text: str, words: list[re.Match[str]], index: int) -> str | None:
    """The plain word a reader sees for the homograph `words[index]`, or None when it may be the insult."""
    lower = words[index].group(0).lower()
    if lower in {"ho", "dick"} and _name_slot(text, words, index):
        return NAME_STANDIN
    before = _neighbour(text, words, index, -1)
    after = _neighbour(text, words, index, 1)
    if lower in _HOE:
        if before in _VERB_BEFORE:
            return _HOE[lower]
        if lower in _TOOL and (before == "garden" or (before in _TOOL_BEFORE and after in _TOOL_AFTER)):
            return _TOOL[lower]
        return None
    if lower == "ho" and before not in _NOUN_BEFORE:
        if before in _INTERJECTION_BEFORE or after in _INTERJECTION_AFTER:
            return "oh"
        if before in _VERB_BEFORE:
            return "oh"
        if after in _HOW_AFTER or before in _HOW_BEFORE:
            return "how"
        if before in _WHO_BEFORE:
            return "who"
    return None


def _in_context(reading: str, match: re.Match[str]) -> tuple[str, list[re.Match[str]], int] | None:
    """The homograph's neighbourhood (_WINDOW characters each side, no word cut in two), its words, and the
    homograph's index among them."""
    start, end = max(0, match.start() - _WINDOW), min(len(reading), match.end() + _WINDOW)
    while start > 0 and reading[start - 1].isalnum():
        start += 1
    while end < len(reading) and reading[end].isalnum():
        end -= 1
    window = reading[start:end]
    words = _words(window)
    offset = match.start() - start
    index = next((i for i, word in enumerate(words) if word.start() == offset), None)
    return None if index is None else (window, words, index)


def _cased_like(word: str, standin: str) -> str:
    if word.isupper() and len(word) > 1:
        return standin.upper()
    return standin[0].upper() + standin[1:] if word[0].isupper() else standin


def model_text(reading: str) -> str:
    """`reading` with each homograph in an ordinary slot replaced by a word of that sense (the model's input).
    At most MAX_HOMOGRAPHS are read per reading; the rest stay as written (the model sees the word: the safe
    side), so a hostile message costs bounded work."""
    out: list[str] = []
    last = 0
    for seen, match in enumerate(_CANDIDATE.finditer(reading)):
        if seen >= MAX_HOMOGRAPHS:
            break
        found = _in_context(reading, match)
        standin = None if found is None else _standin(*found)
        if standin is None:
            continue
        out.append(reading[last:match.start()])
        out.append(_cased_like(match.group(0), standin))
        last = match.end()
    if not out:
        return reading
    out.append(reading[last:])
    return "".join(out)
