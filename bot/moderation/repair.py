"""The "repaired" reading: abusive words mended where a typo, a space too many or a space too few disguise them.

Pure functions of the text; no dictionary of English is needed, because only near misses of a small list of
abusive words (LEXICON) are ever changed, and the near misses that are themselves ordinary words are listed here.

- A dropped letter ("idot", "sht"), or two neighbouring letters swapped ("retrad", "dei"), after the first letter:
  the variants of every listed word are computed once (a deletion neighbourhood, as in SymSpell) and looked up
  per word. A variant that is an ordinary word ("moon", "cut", "wore", "lose") is mended only in the slot of an
  insult: "shut up you moon", "you are a worthless cut", "you are all morns in this thread", "what a moon of
  a ...", "another moon who ...".
- A space added ("id iot", "d ie", "sc um"): two neighbouring fragments are joined when together they are a listed
  word, unless both fragments are ordinary short words ("sh it" is joined, "who re-" and "it's hit" are not).
- A space deleted ("youdie", "eatshit", "completeidiot", "killyourself"): a word is split when it is a listed
  word glued to a small word from the grammar of insults (pronouns, articles, a few verbs and intensifiers); a
  listed word of GLUED_LONG letters or more may also carry any other word of three letters or more. Words that
  merely contain a listed word ("Scunthorpe", "skill", "oxymoron", "roadkill", "indie") are left alone.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Collection, Iterable

LEXICON = frozenset((
    "idiot", "idiots", "moron", "morons", "imbecile", "imbeciles", "stupid", "dumbass", "asshole", "assholes",
    "bastard", "bastards", "bitch", "bitches", "whore", "whores", "loser", "losers", "fucking", "fucker",
    "bullshit", "motherfucker", "fuck", "cunt", "cunts", "shit", "twat", "kill", "yourself", "retard", "retards",
    "scum", "die",
))
_LEXICON_LENGTHS = frozenset(len(word) for word in LEXICON)
NO_SPLIT = frozenset(("yourself",))  # listed for joins and typos, never split out of a longer word
GLUED_LONG = 7
# Near misses of listed words that are ordinary English words: mended only in the slot of an insult.
ORDINARY = frozenset((
    "cut", "cuts", "lose", "loses", "moon", "moons", "morn", "morns", "sit", "sum", "tat", "tats", "twa", "twas",
    "wore", "shi", "whoe", "whoes",  # the last two: typos of "whose", seen in real comments
))
_VERBS = frozenset(("cut", "cuts", "lose", "loses", "sit", "wore"))  # never mended right after "you"
# Small words people glue to an insult ("youidiot", "afucking", "killyourself").
PREFIX_GLUE = frozenset((
    "you", "u", "ya", "ur", "your", "youre", "a", "an", "the", "this", "that", "such", "what", "another", "all",
    "some", "every", "of", "by", "for", "with", "like", "to", "go", "eat",
    "will", "are", "is", "ill", "gonna", "little", "complete", "total", "absolute", "utter", "stupid", "dumb",
    "fat", "ugly", "worthless", "pathetic", "useless", "fucking", "bloody", "lying", "filthy", "big", "silly",
    "typical", "sad",
))
SUFFIX_GLUE = frozenset((
    "you", "off", "up", "yourself", "urself", "face", "head", "hole", "bag", "wit", "all", "it", "this", "that",
    "them", "him", "her",
))
SUFFIXES = frozenset(("ic", "ity", "ish", "ness", "ly", "ed", "er", "es", "ing", "ies", "ery", "ry", "ism", "s"))
# Short words that are words on their own: two of them side by side are not one word spaced apart.
_COMMON = frozenset((
    "a", "i", "an", "am", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my", "no", "of",
    "oh", "ok", "on", "or", "so", "to", "up", "us", "we", "ah", "ha", "hi", "yo", "ye", "the", "and", "but", "for",
    "not", "you", "all", "any", "can", "had", "her", "was", "one", "our", "out", "day", "get", "has", "him", "his",
    "how", "man", "new", "now", "old", "see", "two", "way", "who", "boy", "did", "its", "let", "put", "say", "she",
    "too", "use", "ill", "bit", "hit", "sit", "kit", "ore", "art", "cum", "die", "sum", "are", "ass", "ark",
))
_ADJ = ("complete|total|absolute|utter|little|stupid|dumb|fat|ugly|worthless|pathetic|useless|fucking|bloody|silly|"
        "big|lying|filthy|sad|typical")
_CLAUSE_END = re.compile(r"\s*(?:$|[.,!?;:)\n])")
_AFTER_YOU = re.compile(rf"(?:^|[^\w'])(?:you|u|ya)\s+(?:(?:{_ADJ})\s+)?$", re.IGNORECASE)
_AFTER_YOU_ARE = re.compile(
    rf"(?:^|[^\w'])(?:you\s+are|you'?re|ur|u\s+r|u\s+are)\s+(?:such\s+)?an?\s+(?:(?:{_ADJ})\s+)?$", re.IGNORECASE
)
# "you are all X in this thread": the plural insult, at the end of a clause or before a place.
_YOU_ARE_ALL = re.compile(
    rf"(?:^|[^\w'])(?:you\s+are|you'?re|ur|u\s+r|u\s+are|y'?all\s+are|you\s+guys\s+are)\s+all\s+(?:(?:{_ADJ})\s+)?$",
    re.IGNORECASE,
)
_PLACE_AFTER = re.compile(r"\s+(?:in|on|here|around|at)\b", re.IGNORECASE)
_WHAT_A = re.compile(rf"(?:^|[^\w'])(?:what|such)\s+an?\s+(?:(?:{_ADJ})\s+)?$", re.IGNORECASE)
_OF_A = re.compile(r"\s+of\s+an?\b", re.IGNORECASE)
_WHO = re.compile(r"\s+who\b", re.IGNORECASE)
_LOOK = 60


def _variants(word: str) -> set[str]:
    """One edit after the first letter: two neighbours swapped (from 3 letters), one letter dropped (from 4)."""
    found = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(1, len(word) - 1)}
    if len(word) >= 4:
        found |= {word[:i] + word[i + 1:] for i in range(1, len(word))}
    return found - {word}


@functools.cache
def _typos() -> dict[str, str]:
    """Each near miss of a listed word (never a listed word itself), with the word it misses; built once."""
    found: dict[str, str] = {}
    for word in sorted(LEXICON):
        for variant in sorted(_variants(word) - LEXICON):
            found.setdefault(variant, word)
    return found


def in_insult_slot(text: str, start: int, end: int, word: str) -> bool:
    """The word at text[start:end] stands where an insult stands: "you X", "you are a (adj) X" at the end of a
    clause; "what a X of a ..."; "X who ...". `word` is the lower-case word (verbs are never mended after "you")."""
    before, after = text[max(0, start - _LOOK):start], text[end:end + _LOOK]
    clause_end = _CLAUSE_END.match(after) is not None
    if clause_end and _AFTER_YOU_ARE.search(before):
        return True
    if (clause_end or _PLACE_AFTER.match(after)) and _YOU_ARE_ALL.search(before):
        return True
    if clause_end and word not in _VERBS and _AFTER_YOU.search(before):
        return True
    if _WHAT_A.search(before) and _OF_A.match(after):
        return True
    return word not in _VERBS and _WHO.match(after) is not None


def split_glued(word: str, terms: Collection[str], lengths: Collection[int] | None = None) -> int | None:
    """Where `word` (lower case) splits into a listed term and a small glued word ("youdie" -> 3), or None.

    A term of GLUED_LONG letters or more may also carry any other word of three letters or more that is not a
    suffix ("typicalslurword"); a shorter term only a word of PREFIX_GLUE / SUFFIX_GLUE. `lengths`: the lengths
    of the terms (computed when not given): only the cuts where a term can start or end are tried, so a long word
    costs linear time, not quadratic (a 80,000-letter "word" took 1.6 s)."""
    if word in terms:
        return None
    sizes = lengths if lengths is not None else {len(term) for term in terms}
    cuts = sorted({cut for size in sizes if 0 < size < len(word) for cut in (size, len(word) - size)})
    for index in cuts:
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


@functools.lru_cache(maxsize=16384)
def _unglued(word: str) -> str | None:
    """ "completeidiot" -> "complete idiot", "gofuck" -> "go fuck"; None when `word` is not two words glued."""
    index = split_glued(word.lower(), LEXICON, _LEXICON_LENGTHS)
    return None if index is None else f"{word[:index]} {word[index:]}"


@functools.cache
def _joins() -> dict[str, str]:
    """ "id iot" -> "idiot", "d ie" -> "die": every split of a listed word into two fragments, unless both are
    ordinary short words."""
    found: dict[str, str] = {}
    for word in LEXICON:
        for index in range(1, len(word)):
            head, tail = word[:index], word[index:]
            if not (head in _COMMON and tail in _COMMON):
                found.setdefault(f"{head} {tail}", word)
    return found


_LETTERS = re.compile(r"[A-Za-z]+")
_CODE_MARKS = frozenset(":/#@_=")
# Two fragments with only spaces between them, neither part of a longer word ("it's hit", "who re-elected").
_PAIR = re.compile(r"(?<![\w'’\-])([A-Za-z]+) +(?=([A-Za-z]+)(?![\w'’\-]))")


def _mend_typos(text: str, words: Iterable[re.Match[str]]) -> str:
    typos = _typos()
    out: list[str] = []
    last = 0
    for match in words:
        lower = match.group(0).lower()
        target = typos.get(lower)
        if target is None or (lower in ORDINARY and not in_insult_slot(text, match.start(), match.end(), lower)):
            continue
        if match.start() and text[match.start() - 1] in _CODE_MARKS:
            continue  # part of a code or a link: "WP:FUC", "r/fuk"
        out.append(text[last:match.start()])
        out.append(target)
        last = match.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _join_fragments(text: str) -> str:
    joins = _joins()
    spans: list[tuple[int, int, str]] = []
    for match in _PAIR.finditer(text):
        head, tail = match.group(1), match.group(2)
        word = joins.get(f"{head.lower()} {tail.lower()}")
        if word is not None and (not spans or match.start() >= spans[-1][1]):
            spans.append((match.start(), match.end() + len(tail), word))
    for start, end, word in reversed(spans):
        text = text[:start] + word + text[end:]
    return text


def repaired(text: str) -> str:
    """Abusive words mended: a swapped or dropped letter ("fukc", "imbecle", "idot"), a space added ("id iot",
    "d ie") or deleted ("completeidiot", "youdie"). Everything else is left as it is."""
    words = _LETTERS.findall(text.lower())
    if not words:
        return text
    typos = _typos()
    if not typos.keys().isdisjoint(words):
        text = _mend_typos(text, _LETTERS.finditer(text))
        words = _LETTERS.findall(text.lower())
    if len(words) > 1 and not _joins().keys().isdisjoint(f"{a} {b}" for a, b in itertools.pairwise(words)):
        text = _join_fragments(text)  # some neighbours join into a listed word: now see which are really apart
    glued = {
        word: split for word in {match for match in _LETTERS.findall(text) if len(match) >= 4}
        if (split := _unglued(word)) is not None
    }
    if glued:
        text = _LETTERS.sub(lambda match: glued.get(match.group(0), match.group(0)), text)
    return text
