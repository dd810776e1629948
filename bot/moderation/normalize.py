"""Undo the tricks people use to slip words past a filter, before matching and scoring.

Steps, in order:
1. Unicode NFKC (full-width and styled letters become plain ones: "ｆｕｃｋ", "𝐟𝐮𝐜𝐤").
2. Undo right-to-left overrides (what is shown reversed is read reversed), then drop format characters
   (zero-width space/joiner, bidi controls) and combining marks (zalgo).
3. Map homoglyphs to the Latin letter they imitate (Cyrillic "а" -> "a"), from Unicode's confusables data.
4. Leetspeak inside words ("h4te" -> "hate", "a$$" -> "ass"); plain numbers stay numbers.
5. Join spaced-out letters ("f u c k", "f.u.c.k" -> "fuck").
Stretched letters ("fuuuuck") are handled by the word matcher, which compares letter runs.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from bot.records import NormalizedText

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
     "@": "a", "$": "s", "!": "i", "|": "i", "+": "t", "€": "e", "£": "l"}
)
_LEET_CHARS = frozenset("0134578 9@$!|+€£".replace(" ", ""))
_LEADING_PUNCT = "\"'([{<«“‘`"
_TRAILING_PUNCT = "\"'.,;:?!)]}>»”’…-_*~`"
_SPACED_RUN = re.compile(r"(?<![^\W_])(?:[^\W_][\s.\-_*·,]+){2,}[^\W_](?![^\W_])")
_SEPARATORS = re.compile(r"[\s.\-_*·,]+")
MAX_CHARS = 20_000  # beyond this nobody is writing a comment; the rest is not worth the CPU


@functools.cache
def _homoglyph_table() -> dict[int, str]:
    """Non-ASCII characters that Unicode lists as confusable with an ASCII letter or digit."""
    from confusable_homoglyphs import confusables

    table: dict[int, str] = {}
    for char, entries in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        for entry in entries:
            target = entry["c"]
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[ord(char)] = target
                break
    return table


_RLO_RUN = re.compile("\u202e([^\u202c\n]*)\u202c?")


def _unreverse(text: str) -> str:
    """A right-to-left override shows the letters after it in reverse: "\u202etoidi" displays as "idiot"."""
    return _RLO_RUN.sub(lambda match: match.group(1)[::-1], text)


def _strip_invisible(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept = [ch for ch in decomposed if unicodedata.category(ch) not in ("Cf", "Mn", "Me", "Cc") or ch in "\n\t"]
    return unicodedata.normalize("NFC", "".join(kept))


_NUMBER_WITH_SUFFIX = re.compile(r"^(?:\d+[^\W\d_]{1,2}|[^\W\d_]{1,2}\d+|\d{2,}[^\W\d_]+|[^\W\d_]+\d{2,})$")


def _deleet_word(word: str) -> str:
    """Fold leet characters in a whitespace-delimited word that contains at least one letter.

    Numbers with a unit or a short suffix ("3am", "5pm", "2nd", "mp3", "covid19") are words, not leet.
    """
    core = word.lstrip(_LEADING_PUNCT).rstrip(_TRAILING_PUNCT)
    if not core or not any(ch.isalpha() for ch in core) or not any(ch in _LEET_CHARS for ch in core):
        return word
    if _NUMBER_WITH_SUFFIX.match(core):
        return word
    start = word.index(core)
    return word[:start] + core.translate(_LEET) + word[start + len(core):]


def _join_spaced(text: str) -> str:
    return _SPACED_RUN.sub(lambda match: _SEPARATORS.sub("", match.group(0)), text)


def clean(text: str, *, displayed: bool = True) -> str:
    """The text the model sees: evasions undone, case and punctuation kept.

    `displayed`: read right-to-left overrides as they display (reversed); else just drop them.
    """
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS])
    text = _strip_invisible(_unreverse(text) if displayed else text)
    text = text.translate(_homoglyph_table())
    text = " ".join(_deleet_word(word) for word in text.split(" "))
    return _join_spaced(text)


def normalize(text: str) -> NormalizedText:
    """Both forms the rules look at: the raw text, and the cleaned, case-folded text."""
    cleaned = clean(text)
    if "\u202e" in text:
        # An override can hide a word either way: written reversed to display forwards, or dropped in as noise.
        # Word lists and regexes see both readings, one per line; the model scores both.
        dropped = clean(text, displayed=False)
        if dropped != cleaned:
            return NormalizedText(text, cleaned, f"{cleaned.casefold()}\n{dropped.casefold()}", (dropped,))
    return NormalizedText(raw=text, clean=cleaned, normalized=cleaned.casefold())


_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Words as the matcher sees them: runs of letters and digits, case-folded."""
    return _TOKEN.findall(text.casefold())
