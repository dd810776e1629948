"""Sentence spans for `spanAnnotations`: character offsets (code points, end exclusive) into the comment."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at ., ! or ? (runs of them, and closing quotes or brackets) followed by white space, or at a
# line break. Deliberately simple: offsets must be exact, and comments are short.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|\n+")


@dataclass(frozen=True, slots=True)
class Span:
    begin: int
    end: int
    text: str


def sentence_spans(text: str, limit: int = 64) -> list[Span]:
    """Non-empty sentences with their offsets, surrounding white space trimmed; at most `limit` (the rest is
    folded into the last span)."""
    spans: list[Span] = []
    start = 0
    for match in _END.finditer(text):
        _add(spans, text, start, match.end())
        start = match.end()
    _add(spans, text, start, len(text))
    if len(spans) > limit:
        last = spans[limit - 1]
        spans = [*spans[: limit - 1], Span(last.begin, spans[-1].end, text[last.begin : spans[-1].end])]
    return spans


def _add(spans: list[Span], text: str, begin: int, end: int) -> None:
    piece = text[begin:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    begin += lead
    spans.append(Span(begin, begin + len(stripped), stripped))
