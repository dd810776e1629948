"""Word and phrase lists matched on tokens, tolerant of stretched letters, never inside other words.

A listed word matches a token when both have the same sequence of letters once repeated letters are
collapsed, and the token repeats each letter at least as often as the word does: "ass" matches "asssss"
but not "as"; "fuck" matches "fuuuuck". Plurals match too ("idiots", "bitches"). Tokens are whole words,
so "Scunthorpe" and "assessment" do not contain a match. Runs in time linear in the number of tokens; what a
matcher learns about a token on its own is remembered, so a token seen before costs one dictionary look-up.

Typos made on purpose are matched for single words of at least FUZZY_MIN letters: two neighbouring letters
swapped ("idoit") or, from FUZZY_DELETE_MIN letters, one letter after the first left out ("imbecle"). The first
letter must be right, which keeps ordinary words ("idiom") out. A word of FUZZY_MIN letters or more also matches
when a space splits it into two tokens of two letters or more ("slur word"), and a single listed word glued to a
small word ("youslurword", "completeidiot"; see bot/moderation/repair.py:split_glued) matches; a word that merely
contains a listed one ("oxymoron", "skill") does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.moderation.normalize import clean, tokens
from bot.moderation.repair import split_glued

Runs = tuple[tuple[str, int], ...]

FUZZY_MIN = 5
FUZZY_DELETE_MIN = 6


def runs(token: str) -> Runs:
    out: list[tuple[str, int]] = []
    for char in token:
        if out and out[-1][0] == char:
            out[-1] = (char, out[-1][1] + 1)
        else:
            out.append((char, 1))
    return tuple(out)


def _squeeze(token_runs: Runs) -> str:
    return "".join(char for char, _ in token_runs)


def _same_runs(token_runs: Runs, word_runs: Runs) -> bool:
    return len(token_runs) == len(word_runs) and all(
        tc == wc and tn >= wn for (tc, tn), (wc, wn) in zip(token_runs, word_runs, strict=True)
    )


def _singular(token_runs: Runs) -> Runs | None:
    """`idiots` -> `idiot`, `bitches` -> `bitch`: drop a final s (or es after s, x, z, ch, sh)."""
    if len(token_runs) < 3 or token_runs[-1] != ("s", 1):
        return None
    stem = token_runs[:-1]
    sibilant = stem[-2][0] in "sxz" or (len(stem) > 2 and stem[-2][0] == "h" and stem[-3][0] in "cs")
    if stem[-1] == ("e", 1) and sibilant:
        return stem[:-1]
    return stem


def _token_matches(token_runs: Runs, word_runs: Runs) -> bool:
    if _same_runs(token_runs, word_runs):
        return True
    singular = _singular(token_runs)
    return singular is not None and _same_runs(singular, word_runs)


def near_miss(token: str, word: str) -> bool:
    """`token` is `word` (both squeezed) with two neighbouring letters swapped, or with one letter left out."""
    if len(word) < FUZZY_MIN or not token or token[0] != word[0] or token == word:
        return False
    if len(token) == len(word):
        diff = [index for index in range(len(word)) if token[index] != word[index]]
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and token[diff[0]] == word[diff[1]] and token[diff[1]] == word[diff[0]])
    if len(token) == len(word) - 1 and len(word) >= FUZZY_DELETE_MIN:
        return any(token == word[:index] + word[index + 1:] for index in range(1, len(word)))
    return False


@dataclass(frozen=True, slots=True)
class _Phrase:
    text: str  # as written in the rules file
    parts: tuple[Runs, ...]


@dataclass(frozen=True, slots=True)
class _Token:
    """What a matcher knows about one token on its own, computed once per distinct token (see `_MEMO_MAX`)."""

    starts: tuple[_Phrase, ...]  # phrases whose first part this token matches, in the order they are tried
    fuzzy: tuple[str, ...]  # listed words this token is a near miss of
    long: bool  # two letters or more once repeats are squeezed (a half of a split word can be)
    joins: bool  # a space inside a long listed word may start here ("slur" of "slur word")
    glued: str | None = None  # the listed word this token holds glued to a small word ("youslurword")


# Most tokens match nothing: they share these two values, so the memo holds little more than its keys.
_NOTHING = (_Token((), (), False, False), _Token((), (), True, False))
_MEMO_GENERATION = 8_192  # tokens per generation of a matcher's memo (so at most twice this are remembered)


class _Memo:
    """What `WordMatcher._token` found for recent tokens, in two generations: when the young one is full it
    becomes the old one (the older one is dropped), and a token found in the old one moves to the young one.
    Tokens in use stay remembered while a stream of new ones (numbers, names, links) passes through, and memory
    stays bounded. Measured with bench/policy.py (a preview of 100,000 real comments): two generations of 8,192
    replayed in 31.0 s and 14 MB; the single memo of 65,536 tokens (emptied when full) it replaces took 24.6 s
    and 25 MB, and in the 30-minute soak its three matchers' memos were still filling when the run ended
    (about 9,000 new tokens every five minutes: RSS +5 % after minute 5)."""

    __slots__ = ("_old", "_size", "_young")

    def __init__(self, size: int = _MEMO_GENERATION) -> None:
        self._size = size
        self._young: dict[str, _Token] = {}
        self._old: dict[str, _Token] = {}

    def get(self, word: str) -> _Token | None:
        found = self._young.get(word)
        if found is None:
            found = self._old.get(word)
            if found is not None:
                self.put(word, found)
        return found

    def put(self, word: str, found: _Token) -> None:
        if len(self._young) >= self._size:
            self._old, self._young = self._young, {}
        self._young[word] = found

    def __len__(self) -> int:
        return len(self._young) + len(self._old)


@dataclass(frozen=True, slots=True)
class WordMatcher:
    phrases: tuple[_Phrase, ...]
    _index: dict[str, tuple[_Phrase, ...]] = field(compare=False, repr=False)
    _fuzzy: dict[str, tuple[_Phrase, ...]] = field(default_factory=dict, compare=False, repr=False)
    # squeezed prefixes of the long single words: a joined pair "slur"+"word" can only match when its first
    # token's squeezed letters are one of these (the squeezed pair starts with them)
    _prefixes: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    _whole: dict[str, _Phrase] = field(default_factory=dict, compare=False, repr=False)
    _memo: _Memo = field(default_factory=_Memo, compare=False, repr=False)
    _whole_lengths: frozenset[int] = field(default=frozenset(), compare=False, repr=False)

    @classmethod
    def build(cls, words: Iterable[str], memo_generation: int = _MEMO_GENERATION) -> WordMatcher:
        phrases: list[_Phrase] = []
        for word in words:
            parts = tuple(runs(token) for token in tokens(clean(word)))
            if parts:
                phrases.append(_Phrase(word, parts))
        index: dict[str, list[_Phrase]] = {}
        for phrase in phrases:
            index.setdefault(_squeeze(phrase.parts[0]), []).append(phrase)
        fuzzy: dict[str, list[_Phrase]] = {}
        prefixes: set[str] = set()
        for phrase in phrases:
            squeezed = _squeeze(phrase.parts[0])
            if len(phrase.parts) == 1 and len(squeezed) >= FUZZY_MIN:
                fuzzy.setdefault(squeezed[0], []).append(phrase)
                prefixes.update(squeezed[:end] for end in range(1, len(squeezed) + 1))
        whole: dict[str, _Phrase] = {}
        for phrase in phrases:
            if len(phrase.parts) == 1:
                whole.setdefault("".join(char * count for char, count in phrase.parts[0]), phrase)
        return cls(
            tuple(phrases),
            {key: tuple(value) for key, value in index.items()},
            {key: tuple(value) for key, value in fuzzy.items()},
            frozenset(prefixes),
            whole,
            _Memo(memo_generation),
            frozenset(len(key) for key in whole),
        )

    def _glued(self, word: str) -> str | None:
        """The listed word `word` holds glued to a small word: a space deleted ("youslurword", "completeidiot")."""
        if len(word) < 4 or not self._whole:
            return None
        split, token = None, word
        for token in (word, word[:-1], word[:-2]):  # "youslurwords", "abitches"
            split = split_glued(token, self._whole.keys(), self._whole_lengths)
            if split is not None or not word.endswith("s"):
                break
        if split is None:
            return None
        head, tail = token[:split], token[split:]
        return (self._whole.get(tail) or self._whole[head]).text

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def _token(self, word: str) -> _Token:
        known = self._memo.get(word)
        if known is not None:
            return known
        first = runs(word)
        squeezed = _squeeze(first)
        singular = _singular(first)
        keys = {squeezed} | ({_squeeze(singular)} if singular else set())
        starts = tuple(
            phrase for key in keys for phrase in self._index.get(key, ())
            if _token_matches(first, phrase.parts[0])
        )
        fuzzy: tuple[str, ...] = ()
        if len(first) >= FUZZY_MIN - 1 and first[0][0] in self._fuzzy:
            fuzzy = tuple(phrase.text for phrase in self._fuzzy[first[0][0]]
                          if near_miss(squeezed, _squeeze(phrase.parts[0])))
        long, joins = len(first) >= 2, len(first) >= 2 and squeezed in self._prefixes
        glued = self._glued(word)
        known = (_Token(starts, fuzzy, long, joins, glued) if starts or fuzzy or joins or glued
                 else _NOTHING[long])
        self._memo.put(word, known)
        return known

    def spans(self, words: Sequence[str]) -> list[tuple[int, int, str]]:
        """(start, end, listed word) for every match in a token sequence."""
        seen = [self._token(word) for word in words]
        found: list[tuple[int, int, str]] = []
        for start, first in enumerate(seen):
            for phrase in first.starts:
                end = start + len(phrase.parts)
                if end <= len(seen) and all(
                    _token_matches(runs(words[start + offset]), part)
                    for offset, part in enumerate(phrase.parts[1:], start=1)
                ):
                    found.append((start, end, phrase.text))
            if first.joins and start + 1 < len(seen) and seen[start + 1].long:
                # a space added inside a long word: "slur word", "imbe cile"
                joined = runs(words[start] + words[start + 1])
                for phrase in self._index.get(_squeeze(joined), ()):
                    if (len(phrase.parts) == 1 and len(_squeeze(phrase.parts[0])) >= FUZZY_MIN
                            and _same_runs(joined, phrase.parts[0])):
                        found.append((start, start + 2, phrase.text))
            if first.glued is not None:
                found.append((start, start + 1, first.glued))
            if first.fuzzy:
                found.extend((start, start + 1, text) for text in first.fuzzy)
        return found

    def first_match(self, words: Sequence[str], allow: WordMatcher | None = None) -> str | None:
        masked = list(words)
        if allow:
            for start, end, _ in allow.spans(masked):
                for position in range(start, end):
                    masked[position] = ""
        hits = self.spans(masked)
        return hits[0][2] if hits else None
