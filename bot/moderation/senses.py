"""Homographs: words that are an insult in one sense and an ordinary word in another, shown to the model in the
sense a reader sees where only the ordinary sense fits.

A bag-of-words model (the fallback scorer) cannot tell "I hoe the garden" from "you hoe", or "Dick Cheney said"
from "you dick": it scores the word. A typo can make the same trap out of an ordinary word ("I hope" -> "I hoe",
"I ho pe"). So the text the model scores (`NormalizedText.model_texts`, one per reading) has each homograph that
stands in one of the slots below replaced by a plain word of the sense a reader sees there. Word lists and regexes
still see the word as written: a moderator who lists "hoe" gets what they listed.

HOMOGRAPHS below is the table: for each word, its slots (the word right before, the word right after, a word
near after), the word the model is shown there, and the words after which it is never the ordinary sense.
- "hoe": a verb after a subject pronoun, "to" or a modal ("I hoe", "a tough row to hoe"; the noun that insults
  cannot stand there), a tool ("garden hoe", "the hoe and the rake").
- "ho": an interjection ("ho ho ho", "ho-hum", "heave-ho", "gung ho"), a word broken or missing a letter ("I ho pe",
  "ho many", "anyone ho disagrees"); never after "a", "the", "that", "your".
- "cock": the bird ("the cock crowed", "the cock and the hens"), "weather cock", "stop cock".
- "ass": the donkey ("the ass brayed", "Balaam's ass", "his ass and his ox"); never after "my", "your", "kiss".
- "bitch": the dog ("our bitch had six puppies", "brood bitch"); never after "you", "a", "that", "stupid".
- "pussy": "pussy willow"; "prick": "a prick of the needle", "prick up its ears", "to prick the
  skin"; "screw": "screw the lid on tightly".
- a name: a capitalised "Dick" or "Ho" inside a run of capitalised words ("Dick Van Dyke", "Vice President Dick
  Cheney", "Ho Chi Minh", "Lisa Ho said", "Moby Dick"; also "Pussy Riot"), in a sentence otherwise written in lower
  case, and not after words that frame an insult ("you", "a", "such", "stupid"), nor before a word that makes one
  ("Dick Head"). Shown as "Sam".
What stays: "stop being a hoe", "you dick", "You Dick Head", "suck my cock", "kiss my ass", "you stupid bitch",
"screw you", "what a prick of a man".

Each slot was checked against the messages of ../shared/data/toxicity that contain these words (see
tests/moderation/test_senses.py for the shapes, and README.md for the count). Pure functions; a message without a
homograph costs one regex search per reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.moderation.repair import PREFIX_GLUE, SUFFIX_GLUE

NAME_STANDIN = "Sam"
MAX_HOMOGRAPHS = 16  # read per reading; a message with more is not a comment (bounded work for hostile text)
NEAR = 4  # words read after a homograph, within its clause, for a `near` condition
_WINDOW = 80  # characters of context read on each side of a homograph


@dataclass(frozen=True, slots=True)
class Slot:
    """Where a homograph can only be its ordinary sense, and the word the model is shown there. The slot is met
    when every condition it gives holds: the word right `before` is one of these, the word right `after` is one
    of these, and one of `near` stands within NEAR words after it, in the same clause."""

    standin: str
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    near: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Homograph:
    slots: tuple[Slot, ...] = ()
    not_after: frozenset[str] = frozenset()  # never the ordinary sense right after these ("a ho to everyone")
    name: bool = False  # capitalised inside a name ("Dick Van Dyke", "Ho Chi Minh") it is read as a name


def _set(*words: str) -> frozenset[str]:
    return frozenset(words)


# Right before a verb: subject pronouns (not "you": "you hoe" is the insult), "to", modals, adverbs of habit.
_VERB_BEFORE = _set(
    "i", "we", "they", "to", "will", "would", "can", "could", "should", "must", "might", "may", "shall",
    "i'll", "we'll", "they'll", "i’ll", "we’ll", "they’ll", "don't", "didn't", "don’t", "didn’t", "never",
    "always", "usually", "often", "cannot", "can't", "can’t",
)
_BE = _set("am", "is", "are", "was", "were", "been", "be", "had", "have", "has")
_OWNERS = _set("the", "my", "our", "his", "her", "their")
_TOOL_AFTER = _set("and", "or", "handle", "blade", "blades", "handles", "is", "was")
# Words that frame an insult right before a name-like run ("you Dick", "a Dick", "stupid Ho"), and words that
# make a compound insult right after it ("Dick Head", "Dick Sucker").
_INSULT_BEFORE = (PREFIX_GLUE - _set("the", "this", "that", "of", "by", "for", "with", "to", "all", "some")) | _set(
    "yourself", "call", "calls", "called", "calling",  # "do you call yourself Uncle Dick"
)
_INSULT_AFTER = SUFFIX_GLUE | _set("sucker", "suckers", "wad", "weed", "brain", "less", "licker", "rider")
# Right before a noun: "a ho to everyone", "that ho is lying" are never "how".
_NOUN_BEFORE = _INSULT_BEFORE | _OWNERS | _set("this", "that", "your", "nasty", "dirty", "cheap")
_BODY_BEFORE = _set("my", "your", "ur", "yo", "kiss", "kick", "kicked", "fat", "lazy", "dumb", "nice", "an", "a")


def _hoe(verb: str, tool: str | None) -> Homograph:
    slots = [Slot(verb, before=_VERB_BEFORE | (_BE if verb.endswith(("ing", "ed")) else frozenset()))]
    if tool is not None:
        slots += [Slot(tool, before=_set("garden")), Slot(tool, before=_OWNERS, after=_TOOL_AFTER)]
    return Homograph(tuple(slots))


def _cock(rooster: str) -> Homograph:
    return Homograph((
        Slot(rooster, after=_set("crowed", "crows", "crow", "crowing", "pheasant", "pheasants", "robin", "sparrow",
                                 "bird", "birds", "chicken", "chickens")),
        Slot(rooster, after=_set("and"), near=_set("hen", "hens")),
        Slot("vane", before=_set("weather")),
        Slot("valve", before=_set("stop", "ball")),
    ))


def _ass(donkey: str) -> Homograph:
    return Homograph((
        Slot(donkey, after=_set("brayed", "brays", "bray", "braying")),
        Slot(donkey, before=_set("balaam's", "balaam’s", "neighbour's", "neighbor's", "neighbour’s", "neighbor’s",
                                 "wild")),
        Slot(donkey, after=_set("and"), near=_set("ox", "oxen", "foal", "foals", "colt", "cart")),
    ), not_after=_BODY_BEFORE)


def _bitch(dog: str) -> Homograph:
    return Homograph((
        Slot(dog, near=_set("puppies", "pups", "puppy", "litter", "litters", "whelped", "whelping", "whelps")),
        Slot(dog, before=_set("brood", "breeding")),
    ), not_after=_INSULT_BEFORE | _set("that", "this", "dumb", "stupid"))


HOMOGRAPHS: dict[str, Homograph] = {
    "hoe": _hoe("weed", "rake"), "hoes": _hoe("weeds", "rakes"), "hoed": _hoe("weeded", None),
    "hoeing": _hoe("weeding", None),
    "ho": Homograph((
        # interjection: "ho ho ho", "ho-hum", "heave-ho", "land ho", "tally-ho", "gung ho"
        Slot("oh", before=_set("ho", "heave", "land", "tally", "gung", "westward", "eastward")),
        Slot("oh", after=_set("ho", "hum")),
        Slot("oh", before=_VERB_BEFORE),  # "I ho pe": a word broken by a space, not the noun
        # a letter dropped: "ho many", "see ho it looks", "anyone ho disagrees"
        Slot("how", after=_set("many", "much", "long", "often", "far", "old", "about", "come", "dare", "do", "does",
                               "did", "it", "they", "we", "to", "can", "could", "would", "should", "is", "are",
                               "was", "were")),
        Slot("how", before=_set("see", "know", "knows", "wonder", "matter", "and", "but", "explain", "show")),
        Slot("who", before=_set("anyone", "someone", "everyone", "anybody", "somebody", "everybody", "those",
                                "people", "one", "person")),
    ), not_after=_NOUN_BEFORE, name=True),
    "dick": Homograph((Slot(NAME_STANDIN, before=_set("moby")),), name=True),
    "cock": _cock("rooster"), "cocks": _cock("roosters"),
    "ass": _ass("donkey"), "asses": _ass("donkeys"),
    "bitch": _bitch("dog"), "bitches": _bitch("dogs"),
    "pussy": Homograph((
        Slot("fuzzy", after=_set("willow", "willows")),  # not "pussy cat": "big deal pussy cat, meow" is an insult
        Slot(NAME_STANDIN, after=_set("riot")),  # the band; not a name otherwise ("Pussy Grabber")
    )),
    "prick": Homograph((
        Slot("jab", after=_set("of"), near=_set("needle", "needles", "pin", "pins", "thorn", "thorns", "conscience")),
        Slot("jab", before=_set("pin", "needle")),
        Slot("perk", after=_set("up"), near=_set("ears", "ear")),
        Slot("jab", before=_VERB_BEFORE, after=_set("your", "my", "his", "her", "their", "our", "the", "a")),
    )),
    "screw": Homograph((
        Slot("twist", after=_set("the", "a", "it", "them", "in", "on", "down", "each", "every", "this", "that"),
             near=_set("lid", "lids", "cap", "caps", "bolt", "bolts", "bulb", "bulbs", "nut", "nuts", "hinge",
                       "hinges", "tightly", "shelf", "bracket", "panel")),
    )),
}
_CANDIDATE = re.compile(
    r"(?<![\w'’])(?:" + "|".join(sorted(HOMOGRAPHS, key=len, reverse=True)) + r")(?![\w'’])", re.IGNORECASE
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\n]")
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


def _later(text: str, words: list[re.Match[str]], index: int) -> set[str]:
    """The lower-case words within NEAR after `words[index]`, up to the end of its clause."""
    found: set[str] = set()
    for position in range(index + 1, min(len(words), index + 1 + NEAR)):
        if _CLAUSE_BREAK.search(text, words[position - 1].end(), words[position].start()):
            break
        found.add(words[position].group(0).lower())
    return found


def _met(slot: Slot, before: str, after: str, later: set[str]) -> bool:
    return ((not slot.before or before in slot.before) and (not slot.after or after in slot.after)
            and (not slot.near or not slot.near.isdisjoint(later)))


def _standin(text: str, words: list[re.Match[str]], index: int) -> str | None:
    """The plain word a reader sees for the homograph `words[index]`, or None when it may be the insult."""
    homograph = HOMOGRAPHS.get(words[index].group(0).lower())
    if homograph is None:
        return None
    if homograph.name and _name_slot(text, words, index):
        return NAME_STANDIN
    before = _neighbour(text, words, index, -1)
    if before in homograph.not_after:
        return None
    after = _neighbour(text, words, index, 1)
    later = _later(text, words, index) if any(slot.near for slot in homograph.slots) else set()
    return next((slot.standin for slot in homograph.slots if _met(slot, before, after, later)), None)


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
