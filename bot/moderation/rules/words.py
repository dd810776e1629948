"""Word and phrase lists matched on tokens, tolerant of stretched letters, never inside other words.

A listed word matches a token when both have the same sequence of letters once repeated letters are
collapsed, and the token repeats each letter at least as often as the word does: "ass" matches "asssss"
but not "as"; "fuck" matches "fuuuuck". Plurals match too ("idiots", "bitches"). Tokens are whole words,
so "Scunthorpe" and "assessment" do not contain a match. Runs in time linear in the number of tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.moderation.normalize import clean, tokens

Runs = tuple[tuple[str, int], ...]


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


@dataclass(frozen=True, slots=True)
class _Phrase:
    text: str  # as written in the rules file
    parts: tuple[Runs, ...]


@dataclass(frozen=True, slots=True)
class WordMatcher:
    phrases: tuple[_Phrase, ...]
    _index: dict[str, tuple[_Phrase, ...]] = field(compare=False, repr=False)

    @classmethod
    def build(cls, words: Iterable[str]) -> WordMatcher:
        phrases: list[_Phrase] = []
        for word in words:
            parts = tuple(runs(token) for token in tokens(clean(word)))
            if parts:
                phrases.append(_Phrase(word, parts))
        index: dict[str, list[_Phrase]] = {}
        for phrase in phrases:
            index.setdefault(_squeeze(phrase.parts[0]), []).append(phrase)
        return cls(tuple(phrases), {key: tuple(value) for key, value in index.items()})

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def spans(self, words: Sequence[str]) -> list[tuple[int, int, str]]:
        """(start, end, listed word) for every match in a token sequence."""
        token_runs = [runs(word) for word in words]
        found: list[tuple[int, int, str]] = []
        for start, first in enumerate(token_runs):
            singular = _singular(first)
            keys = {_squeeze(first)} | ({_squeeze(singular)} if singular else set())
            for phrase in (phrase for key in keys for phrase in self._index.get(key, ())):
                end = start + len(phrase.parts)
                if end <= len(token_runs) and all(
                    _token_matches(token_runs[start + offset], part)
                    for offset, part in enumerate(phrase.parts)
                ):
                    found.append((start, end, phrase.text))
        return found

    def first_match(self, words: Sequence[str], allow: WordMatcher | None = None) -> str | None:
        masked = list(words)
        if allow:
            for start, end, _ in allow.spans(masked):
                for position in range(start, end):
                    masked[position] = ""
        hits = self.spans(masked)
        return hits[0][2] if hits else None
