"""Undo the tricks people use to slip words past a filter: the readings a human perceives, for rules and the model.

Steps, in order (one pass per reading):
1. Unicode NFKC (full-width and styled letters become plain ones: "ｆｕｃｋ", "𝐟𝐮𝐜𝐤").
2. Undo right-to-left overrides (what is shown reversed is read reversed), then drop format characters
   (zero-width space/joiner, bidi controls) and combining marks (zalgo).
3. Homoglyphs: in a word that mixes scripts ("κіӏӏ", "ѕӏυrԝοrԁ"), or a look-alike word in a Latin message, each
   letter becomes the Latin letter a reader sees, from Unicode's confusables data (small capitals and the few
   letters whose listed prototype is not what a reader sees, such as Cyrillic "ӏ" -> "l", are corrected).
   Words written wholly in another script ("предложение") stay as they are.
4. Symbols and emoji between two letters ("cu🔥nt"), and filler punctuation inside a word ("id.iot", "f*ck")
   are removed.
5. Leetspeak inside words ("h4te" -> "hate", "dum8455" -> "dumbass"); numbers stay numbers ("3am", "2nd",
   "mp3", "1990s", "$5.99", "10:30", "v1.2.3"). A word that might be either ("d13") is read both ways.
6. Spaced-out letters are joined ("f u c k", "f.u.c.k" -> "fuck") without eating a real one-letter word in front
   ("I h a t e" -> "I hate", "a m o r o n" -> "a moron"); where that is ambiguous both readings are kept.
7. Stretched letters are collapsed ("fuuuuck" -> "fuck"; also read with doubles, "kiiiill" -> "kiill").

`normalize` returns the primary reading (`clean`) and at most MAX_READINGS - 1 alternatives, each named: first the
"repaired" reading (bot/moderation/repair.py: typos and added or deleted spaces around abusive words), then the
readings of each ambiguous choice above, computed only until MAX_READINGS are found.
Word lists and regexes see every reading (one per line of `normalized`); the model scores every reading and the
worst decides, each with its homographs shown in the sense a reader sees (bot/moderation/senses.py: "I hoe the
garden", "Dick Van Dyke"). The cost is bounded: at most MAX_READINGS passes over at most MAX_CHARS characters.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.moderation.repair import LEXICON, repaired
from bot.moderation.senses import model_text
from bot.records import NormalizedText, Scores

MAX_CHARS = 20_000  # beyond this nobody is writing a comment; the rest is not worth the CPU
MAX_READINGS = 4  # the primary reading and at most three alternatives: bounded scoring work per message

PRIMARY = "primary"

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
     "@": "a", "$": "s", "!": "i", "|": "i", "+": "t", "€": "e", "£": "l"}
)
_LEET_CHARS = frozenset("0134578 9@$!|+€£".replace(" ", ""))
_LEET_ENDINGS = frozenset("013457")  # what a trailing leet digit usually stands for: o i e a s t
_LEADING_PUNCT = "\"'([{<«“‘`"
_TRAILING_PUNCT = "\"'.,;:?!)]}>»”’…-_*~`"
_SPACED_RUN = re.compile(r"(?<![^\W_])(?:[^\W_][\s.\-_*·,]+){2,}[^\W_](?![^\W_])")
_SEPARATORS = re.compile(r"[\s.\-_*·,]+")
_DROP_SEPARATORS = str.maketrans(dict.fromkeys(" \t\n\r\f\v.-_*,"))
_TRIPLED = re.compile(r"(.)\1\1+", re.IGNORECASE)  # the same runs, but scanned far faster; letters are checked after
# Filler punctuation between two letters: "id.iot", "f*ck", "cu_nt". A dot before a capital is a missing space.
# (The letter before is checked in _drop_between_letters: a pattern that starts with a lookbehind is scanned at every
# position, one that starts with a character set is not.)
_INNER_PUNCT = re.compile(r"(?:[*_~^]+|\.(?![A-Z]))(?=[^\W\d_])")
_LETTER_CHAR = re.compile(r"[^\W\d_]")
_NUMERIC = re.compile(r"\d[.:,/]\d|^[$€£¥#]\d|\d%")
_DIMENSIONS = re.compile(r"\d+[xX]\d+")
_DIGITS_THEN_LETTERS = re.compile(r"(\d+)([^\W\d_]+)")
_LETTERS_THEN_DIGITS = re.compile(r"([^\W\d_]+)(\d+)")
_UNITS = frozenset((
    "st", "nd", "rd", "th", "s", "am", "pm", "k", "m", "km", "kg", "g", "x", "p", "h", "d", "w", "y", "mb", "gb",
    "tb", "kb", "ml", "l", "cm", "mm", "ft", "in", "lb", "lbs", "oz", "v", "hz", "mph", "kph", "yo", "bn", "yr",
    "yrs", "min", "mins", "sec", "secs", "hr", "hrs"
))
_FOLDED_SCRIPTS = frozenset({"LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "CHEROKEE"})
# Where the confusables prototype is not the Latin letter a reader sees, or is not Latin at all.
_READER_SEES = {
    "ӏ": "l", "Ӏ": "I", "І": "I", "Ι": "I", "ⅼ": "l", "լ": "l", "κ": "k", "ĸ": "k", "ᴋ": "k", "τ": "t",
    "ω": "w", "ш": "w", "ʜ": "h", "н": "h", "ɪ": "i", "ı": "i", "ʟ": "l", "ɴ": "n", "ʀ": "r", "ᴛ": "t", "т": "t",
    "ᴜ": "u", "ᴡ": "w", "м": "m", "ᴍ": "m", "к": "k", "ɢ": "g", "ԍ": "G", "ꮇ": "m", "ꭺ": "a", "ᴀ": "a",
    "ꭰ": "d", "ꭼ": "e", "ꮋ": "h", "ν": "v", "η": "n", "ι": "i", "ρ": "p", "ʏ": "y", "в": "b", "ᴅ": "d",
    "ᴇ": "e", "ɑ": "a", "α": "a", "ß": "B",
}
_SMALL_CAPITAL = re.compile(r"LATIN (?:LETTER SMALL CAPITAL|SMALL LETTER|CAPITAL LETTER) ([A-Z])")


def _latin_of(char: str, depth: int = 0) -> str | None:
    """The ASCII letter `char` is read as, following confusables entries a few steps; None if it has none."""
    if char.isascii():
        return char if char.isalpha() else None
    if char in _READER_SEES:
        return _READER_SEES[char]
    from confusable_homoglyphs import confusables

    name = unicodedata.name(char, "")
    match = _SMALL_CAPITAL.fullmatch(name)
    if match:
        letter = match.group(1)
        return letter if "CAPITAL LETTER" in name else letter.lower()
    if depth >= 2:
        return None
    for entry in confusables.confusables_data.get(char, ()):
        target = entry["c"]
        if len(target) == 1 and target != char:
            found = _latin_of(target, depth + 1)
            if found is not None:
                return found
    return None


@functools.cache
def _homoglyph_table() -> dict[str, str]:
    """Letters of the folded scripts that Unicode lists as confusable, with the Latin letter a reader sees."""
    from confusable_homoglyphs import confusables

    table: dict[str, str] = {}
    for char in [*confusables.confusables_data, *_READER_SEES]:
        if len(char) != 1 or char.isascii() or not char.isalpha() or _script(char) not in _FOLDED_SCRIPTS:
            continue
        if _script(char) == "LATIN" and unicodedata.decomposition(char):
            continue  # "é" is a letter with an accent, not a look-alike
        latin = _latin_of(char)
        if latin is not None:
            table[char] = latin
    return table


@functools.lru_cache(maxsize=4096)
def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


@functools.lru_cache(maxsize=8192)
def _fold_word(word: str, latin_context: bool) -> str:
    letters = [ch for ch in word if ch.isalpha()]
    scripts = {_script(ch) for ch in letters}
    if not letters or not scripts <= _FOLDED_SCRIPTS:
        return word
    table = _homoglyph_table()
    if scripts == {"LATIN"}:
        return "".join(table.get(ch, ch) for ch in word)  # IPA and small-capital look-alikes only
    if len(scripts) == 1 and not (latin_context and all(ch in table for ch in letters)):
        return word  # a word in its own script: Greek, Russian, Armenian...
    return "".join(table.get(ch, ch) for ch in word)


_SPACES = re.compile(r"(\s+)")
_NON_ASCII_LETTERS = re.compile(r"[^\W\d_\x00-\x7f]+")
_ASCII_NON_LETTERS = bytes(code for code in range(128) if not chr(code).isalpha())


def _fold_homoglyphs(text: str) -> str:
    if text.isascii():
        return text
    latin = len(text.encode("ascii", "ignore").translate(None, _ASCII_NON_LETTERS))  # no Python loop per letter
    latin_context = latin >= sum(map(len, _NON_ASCII_LETTERS.findall(text)))
    parts = _SPACES.split(text)  # words at even indexes, the spaces between them at odd ones
    for index in range(0, len(parts), 2):
        if not parts[index].isascii():
            parts[index] = _fold_word(parts[index], latin_context)
    return "".join(parts)


# Symbols and emoji (Unicode So/Sm/Sk and private use, by block), removed when they sit between two letters.
_INNER_SYMBOLS = re.compile(
    "[\u00a2-\u00a9\u00ac\u00ae-\u00b1\u00b4\u00b6\u00b8\u00d7\u00f7\u2010-\u2027"
    "\u2030-\u205e\u2070-\u209f\u20a0-\u20cf\u2100-\u214f\u2190-\u2bff\u2e00-\u2e7f\u3200-\u33ff"
    "\ue000-\uf8ff\U0001f000-\U0001faff]+(?=[^\\W\\d_])"
)


def _drop_inner_symbols(text: str) -> str:
    """Remove symbols and emoji that sit between two letters ("cu🔥nt"), and filler punctuation ("id.iot")."""
    if any(char in text for char in "*_~^."):
        text = _drop_between_letters(_INNER_PUNCT, text)
    return text if text.isascii() else _drop_between_letters(_INNER_SYMBOLS, text)


def _drop_between_letters(pattern: re.Pattern[str], text: str) -> str:
    """Remove the matches of `pattern` (which looks ahead for a letter) that come right after a letter."""
    def drop(match: re.Match[str]) -> str:
        start = match.start()
        return "" if start and _LETTER_CHAR.match(text, start - 1) else match.group(0)

    return pattern.sub(drop, text)


@functools.lru_cache(maxsize=8192)
def leet_kind(core: str) -> str:
    """"yes": leetspeak ("h4te", "5hit", "dum8455"); "no": a number or a code ("3am", "mp3", "A55", "1990s");
    "maybe": could be either ("d13", "4ss"), so it is read both ways."""
    if not any(ch.isalpha() for ch in core) or not any(ch in _LEET_CHARS for ch in core) or _NUMERIC.search(core):
        return "no"
    if _DIMENSIONS.fullmatch(core):
        return "no"  # 4x4, 1920x1080
    match = _DIGITS_THEN_LETTERS.fullmatch(core)
    if match:
        digits, letters = match.groups()
        if letters.casefold() in _UNITS or not all(ch in _LEET_CHARS for ch in digits):
            return "no"
        return "yes" if len(digits) == 1 and len(letters) >= 3 else "maybe"
    match = _LETTERS_THEN_DIGITS.fullmatch(core)
    if match:
        letters, digits = match.groups()
        if len(digits) == 1 or digits[-1] not in _LEET_ENDINGS or not all(ch in _LEET_CHARS for ch in digits):
            return "no"  # mp3, ps5, covid19, xbox360
        if letters.isupper() and len(letters) <= 3:
            return "no"  # a code: A55, M25, DC10
        return "yes" if len(digits) >= 3 and len(letters) >= 2 else "maybe"
    return "yes"


@functools.lru_cache(maxsize=8192)
def _deleet_word(word: str, maybe: bool = False) -> str:
    """Fold leet characters in a whitespace-delimited word; `maybe`: also the words that could be numbers."""
    core = word.lstrip(_LEADING_PUNCT).rstrip(_TRAILING_PUNCT)
    if not core:
        return word
    kind = leet_kind(core)
    if kind == "no" or (kind == "maybe" and not maybe):
        return word
    start = word.index(core)
    return word[:start] + core.translate(_LEET) + word[start + len(core):]


def _join_spaced(text: str, split_first: bool | None) -> tuple[str, bool, bool]:
    """Join spaced-out letters. `split_first`: keep a leading one-letter word ("I", "a") apart; None: as the
    letter's case suggests ("I", "a", "A" apart; "i" glued). Also says whether an ambiguous run was glued / split."""
    glued = split = False

    def join(match: re.Match[str]) -> str:
        nonlocal glued, split
        run = match.group(0)
        letters = run.translate(_DROP_SEPARATORS) if run.isascii() else _SEPARATORS.sub("", run)
        if not (letters[0] in "aAiI" and len(letters) >= 4 and run[1:2].isspace()):
            return letters
        if split_first if split_first is not None else letters[0] in "IaA":
            split = True
            return f"{letters[0]} {letters[1:]}"
        glued = True
        return letters

    return _SPACED_RUN.sub(join, text), glued, split


def _stretched_runs(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _TRIPLED.finditer(text) if _LETTER_CHAR.match(match.group(1))]


def _collapse_runs(text: str, spans: Sequence[tuple[int, int]], keep: int) -> str:
    """`text` with each stretched run (its spans, found once for every `keep`) cut to `keep` letters."""
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start + keep])
        last = end
    out.append(text[last:])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Choice:
    displayed: bool = True  # read a right-to-left override as it displays (reversed), else drop it
    split_first: bool | None = None  # a spaced run's leading "a"/"I": apart, glued, or by its case
    keep: int = 1  # letters kept from a stretched run
    maybe_leet: bool = False  # also fold words that could be numbers ("d13")


def _prepared(text: str, displayed: bool) -> str:
    text = _strip_invisible(_unreverse(text) if displayed else text)
    return _drop_inner_symbols(_fold_homoglyphs(text))


# Words with a leet character and something else: the only ones leet folding can change.
_LEET_CANDIDATE = re.compile(r"(?<!\S)\S*[0-9@$!|+€£]\S*")


def _deleet_text(text: str, maybe: bool) -> tuple[str, bool, frozenset[str]]:
    """Leet folded in every word; whether some word could be either leet or a number ("d13"); and the words left
    as numbers or codes that, folded, are listed abusive words ("cun7")."""
    if not any(char in text for char in _LEET_CHARS):
        return text, False, frozenset()
    ambiguous = False
    listed: set[str] = set()

    def fold(match: re.Match[str]) -> str:
        nonlocal ambiguous
        word = match.group(0)
        core = word.lstrip(_LEADING_PUNCT).rstrip(_TRAILING_PUNCT)
        kind = leet_kind(core)
        if kind == "maybe":
            ambiguous = True
        elif kind == "no" and core.translate(_LEET).lower() in LEXICON:
            listed.add(core)
        return _deleet_word(word, maybe)

    return _LEET_CANDIDATE.sub(fold, text), ambiguous, frozenset(listed)


class _Reader:
    """The passes of one message, each computed once and shared between the readings that need it."""

    def __init__(self, text: str) -> None:
        self.base = unicodedata.normalize("NFKC", text[:MAX_CHARS])
        self._prepared: dict[bool, str] = {}
        self._leet: dict[tuple[bool, bool], tuple[str, bool, frozenset[str]]] = {}
        self._joined: dict[tuple[bool, bool, bool | None], tuple[str, bool, bool]] = {}
        self._runs: dict[tuple[bool, bool, bool | None], list[tuple[int, int]]] = {}

    def prepared(self, displayed: bool) -> str:
        if displayed not in self._prepared:
            self._prepared[displayed] = _prepared(self.base, displayed)
        return self._prepared[displayed]

    def leet(self, choice: _Choice) -> tuple[str, bool, frozenset[str]]:
        key = (choice.displayed, choice.maybe_leet)
        if key not in self._leet:
            self._leet[key] = _deleet_text(self.prepared(choice.displayed), choice.maybe_leet)
        return self._leet[key]

    def joined(self, choice: _Choice) -> tuple[str, bool, bool]:
        key = (choice.displayed, choice.maybe_leet, choice.split_first)
        if key not in self._joined:
            self._joined[key] = _join_spaced(self.leet(choice)[0], choice.split_first)
        return self._joined[key]

    def runs(self, choice: _Choice) -> list[tuple[int, int]]:
        key = (choice.displayed, choice.maybe_leet, choice.split_first)
        if key not in self._runs:
            self._runs[key] = _stretched_runs(self.joined(choice)[0])
        return self._runs[key]

    def read(self, choice: _Choice) -> str:
        return _collapse_runs(self.joined(choice)[0], self.runs(choice), choice.keep)


_RLO_RUN = re.compile("\u202e([^\u202c\n]*)\u202c?")


def _unreverse(text: str) -> str:
    """A right-to-left override shows the letters after it in reverse: "\u202etoidi" displays as "idiot"."""
    return _RLO_RUN.sub(lambda match: match.group(1)[::-1], text)


_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cc"})


@functools.lru_cache(maxsize=8192)
def _char_kind(char: str) -> int:
    """0: kept as it is; 1: dropped (format, combining mark, control); 2: decomposes (an accented letter)."""
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES and char not in "\n\t":
        return 1
    return 2 if unicodedata.decomposition(char) else 0


def _strip_invisible(text: str) -> str:
    """Drop format characters (zero-width, bidi controls), combining marks (zalgo, accents) and controls."""
    if text.isascii() and text.isprintable():
        return text
    kinds = {char: _char_kind(char) for char in set(text)}
    if 2 not in kinds.values():  # nothing to decompose: no need for NFD and back
        dropped = [char for char, kind in kinds.items() if kind == 1]
        if not dropped:
            return text
        for char in dropped:  # a few str.replace calls are much faster than str.translate with a dict
            text = text.replace(char, "")
        return unicodedata.normalize("NFC", text)
    decomposed = unicodedata.normalize("NFD", text)
    drop = {ord(ch): None for ch in set(decomposed) if _char_kind(ch) == 1}
    return unicodedata.normalize("NFC", decomposed.translate(drop)) if drop else unicodedata.normalize("NFC", text)


def clean(text: str, *, displayed: bool = True) -> str:
    """The primary reading the model sees: evasions undone, case and punctuation kept.

    `displayed`: read right-to-left overrides as they display (reversed); else just drop them.
    """
    return _Reader(text).read(_Choice(displayed=displayed))


def _deleet_listed(text: str, listed: frozenset[str]) -> str:
    """Words that pass for numbers or codes but, folded, are listed abusive words ("cun7"), read as those words:
    only in the repaired reading ("mp3", "ps5" are never listed words)."""
    for word in listed:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", word.translate(_LEET), text)
    return text


def readings(text: str) -> list[tuple[str, str]]:
    """(name, text) for the primary reading and the alternatives that differ from it, at most MAX_READINGS."""
    reader = _Reader(text)
    first = _Choice()
    _, glued, split = reader.joined(first)
    primary = reader.read(first)
    stretched = bool(reader.runs(first))
    flips: list[tuple[str, _Choice]] = []
    if "\u202e" in reader.base:
        flips.append(("rtl-dropped", _Choice(displayed=False)))
    if stretched:
        flips.append(("stretched-doubles", _Choice(keep=2)))
    _, ambiguous_leet, listed = reader.leet(first)
    if ambiguous_leet:
        flips.append(("leet-numbers", _Choice(maybe_leet=True)))
    if glued or split:
        flips.append(("spaced-split", _Choice(split_first=True)) if glued
                     else ("spaced-glued", _Choice(split_first=False)))
    # Computed lazily, in order of importance, until MAX_READINGS are found: the repaired reading first (it differs
    # only where an abusive word is disguised, and cannot be crowded out by adding other tricks), then each flip,
    # then all flips together.
    candidates: list[tuple[str, Callable[[], str]]] = [("repaired", lambda: repaired(_deleet_listed(primary, listed)))]
    candidates.extend((name, functools.partial(reader.read, choice)) for name, choice in flips)
    if len(flips) > 1:
        combined = _Choice(
            displayed=all(choice.displayed for _, choice in flips),
            split_first=next((choice.split_first for _, choice in flips if choice.split_first is not None), None),
            keep=max(choice.keep for _, choice in flips),
            maybe_leet=any(choice.maybe_leet for _, choice in flips),
        )
        candidates.append(("+".join(name for name, _ in flips), functools.partial(reader.read, combined)))
    out = [(PRIMARY, primary)]
    seen = {primary}
    for name, compute in candidates:
        if len(out) >= MAX_READINGS:
            break
        reading = compute()
        if reading not in seen:
            seen.add(reading)
            out.append((name, reading))
    return out


def normalize(text: str) -> NormalizedText:
    """The raw text, the primary reading, and the other plausible readings (each named); word lists and regexes
    see them all, case-folded, one per line."""
    found = readings(text)
    cleaned = found[0][1]
    others = found[1:]
    normalized = "\n".join(reading.casefold() for _, reading in found)
    inputs = tuple(model_text(reading) for _, reading in found)
    return NormalizedText(
        raw=text,
        clean=cleaned,
        normalized=normalized,
        alternatives=tuple(reading for _, reading in others),
        names=tuple(name for name, _ in others),
        model_inputs=inputs if any(a != b for a, (_, b) in zip(inputs, found, strict=True)) else (),
    )


_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Words as the matcher sees them: runs of letters and digits, case-folded."""
    return _TOKEN.findall(text.casefold())


def highest_reading(scored: Sequence[Scores]) -> dict[str, int]:
    """For each label, the index of the reading (of `[clean, *alternatives]`) that scored highest."""
    best: dict[str, int] = {}
    for index, scores in enumerate(scored):
        for label, value in scores.values.items():
            if label not in best or value > scored[best[label]].values.get(label, 0.0):
                best[label] = index
    return best
