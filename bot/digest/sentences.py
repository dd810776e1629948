"""Sentence splitting that needs no data download: pysbd, plus repairs for what it misses.

pysbd keeps "community.Dr Smith" as one sentence (there is no space after the full stop), so a space is
put back first where a lower-case word is glued to a capitalised one by a full stop.
"""

from __future__ import annotations

import re
from functools import cached_property

import pysbd

# "community.Dr" / "said.The": a lower-case word, a full stop (or ?/!) and a capital starting a word.
# Two lower-case letters before the stop keep "U.S.Army" and "e.g.Foo" alone; URLs are protected below.
_GLUED = re.compile(r"(?<=[a-z]{2})([.?!][\"”’']?)(?=[A-Z][a-z])")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# pysbd does not split inside quotations: "‘I had a taste of it. I’m fortunate.’" stays one segment.
# Segments that hold quotation marks are split again at a stop (and closing quote) followed by a capital,
# except after abbreviations.
_INNER_STOP = re.compile(r"(?<=[.!?])([\"”’']?)\s+(?=[\"“‘']?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|No|Gen|Col|Lt|Sgt|Capt|Gov|Sen|Rep|Rev|Inc|Ltd|Co|Corp|vs|etc|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z]|\b(?:[A-Za-z]\.)+[A-Za-z])\.$"
)
_STRAY_CLOSE = re.compile(r"^([”’\"']+)(?:\s+|$)")
_QUOTE = re.compile(r"[\"“”‘’']")


def unglue(text: str) -> str:
    """Insert the missing space in "community.Dr" (outside URLs)."""
    pieces: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        pieces.append(_GLUED.sub(r"\1 ", text[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_GLUED.sub(r"\1 ", text[last:]))
    return "".join(pieces)


class SentenceSplitter:
    """Splits paragraphs into sentences; never merges text across paragraphs."""

    def __init__(self, language: str = "en") -> None:
        self._language = language

    @cached_property
    def _segmenter(self) -> pysbd.Segmenter:
        return pysbd.Segmenter(language=self._language, clean=False)

    def split(self, text: str) -> list[str]:
        sentences: list[str] = []
        for paragraph in re.split(r"\n\s*\n|\n", text):
            paragraph = _SPACE.sub(" ", paragraph).strip()
            if not paragraph:
                continue
            pieces: list[str] = []
            for sentence in self._segmenter.segment(unglue(paragraph)):
                cleaned = sentence.strip()
                # pysbd leaves a closing quote at the start of the next segment: "here." + "’ Then he left."
                stray = _STRAY_CLOSE.match(cleaned)
                if stray and pieces:
                    pieces[-1] += stray.group(1)
                    cleaned = cleaned[stray.end() :]
                if cleaned:
                    pieces.append(cleaned)
            for cleaned in pieces:
                if _QUOTE.search(cleaned):
                    sentences.extend(_resplit(cleaned))
                else:
                    sentences.append(cleaned)
        return sentences


def _resplit(segment: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _INNER_STOP.finditer(segment):
        head = segment[start : match.start()]
        if _ABBREVIATION.search(head):
            continue
        parts.append(segment[start : match.end(1)].strip())
        start = match.end()
    parts.append(segment[start:].strip())
    return [part for part in parts if part]
