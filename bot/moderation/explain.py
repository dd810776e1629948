"""Why a rule fired, stored with the case: `Explanation` (bot/records.py).

- A word or pattern rule: the span of the message as written that matched, and the reading it matched in.
- A score rule: the words that raised the score most. With a linear model (the profanity fallback) its own
  per-word weights say so (`WordWeights`); with any other model, occlusion: each of at most `MAX_WORDS`
  distinct words is removed in turn and every variant is scored in one `Scorer.score` call, which the batching
  scorer runs on its inference thread (off the event loop). The delta is the score drop without the word.

Occlusion costs one extra batch of up to `MAX_WORDS` texts, so the pipeline asks for it only when a score rule
decided with an action other than allow, and only after the case is carried out (the action never waits on it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.moderation.normalize import normalize, tokens
from bot.protocols import Scorer, WordWeights
from bot.records import (
    Decision,
    Explanation,
    ExplanationKind,
    ExplanationMethod,
    ModelInfo,
    NormalizedText,
    RuleHit,
    Scores,
)

MAX_WORDS = 24  # distinct words occlusion considers (the longest): one batch of at most this many variants
KEPT = 8  # contributions stored
MIN_DELTA = 0.005  # a smaller change is noise, not a reason
_MAX_SPAN_TOKENS = 12  # a spaced-out word ("i d i o t") spans at most this many raw tokens
_MAX_SPAN_TRIES = 400  # normalizations spent finding a span

_WORD = re.compile(r"[^\W_]+")


def candidate_words(text: str, limit: int = MAX_WORDS) -> list[str]:
    """The distinct words of `text` (as first written, compared case-folded), the `limit` longest, in text
    order among equals: long words carry most of a message's meaning, and the cap bounds the batch."""
    seen: dict[str, str] = {}
    for match in _WORD.finditer(text):
        seen.setdefault(match.group(0).casefold(), match.group(0))
    ranked = sorted(enumerate(seen.values()), key=lambda item: (-len(item[1]), item[0]))
    return [word for _, word in sorted(ranked[:limit])]


def without(text: str, word: str) -> str:
    """`text` with every whole-word occurrence of `word` (any case) removed, spacing tidied."""
    pattern = re.compile(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", re.IGNORECASE)
    return re.sub(r"[ \t]{2,}", " ", pattern.sub("", text)).strip()


async def occlusion_deltas(
    scorer: Scorer, text: str, label: str, base: float, limit: int = MAX_WORDS
) -> list[tuple[str, float]]:
    """(word, base - score of `label` without the word) for each candidate word, in text order.

    All variants go to the scorer in one call; a variant the scorer timed out on is left out."""
    words = candidate_words(text, limit)
    if not words:
        return []
    scored = await scorer.score([without(text, word) for word in words])
    deltas: list[tuple[str, float]] = []
    for word, scores in zip(words, scored, strict=True):
        value = scores.get(label)
        if scores.timed_out or value is None:
            continue
        deltas.append((word, base - value))
    return deltas


async def occlusion(
    scorer: Scorer, text: str, label: str, base: float, limit: int = MAX_WORDS
) -> tuple[tuple[str, float], ...]:
    """The words whose removal lowers `label` most (at least `MIN_DELTA`), largest drop first, `KEPT` at most."""
    return _top(await occlusion_deltas(scorer, text, label, base, limit))


def _top(deltas: Sequence[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    raising = [(word, delta) for word, delta in deltas if delta >= MIN_DELTA]
    return tuple(sorted(raising, key=lambda item: item[1], reverse=True)[:KEPT])


def deciding_hit(decision: Decision) -> RuleHit | None:
    """The hit of the rule that decided (or, for a shadow case, the first shadow hit)."""
    hits = decision.hits if decision.rule_id is not None else ()
    hit = next((hit for hit in hits if hit.rule_id == decision.rule_id and hit.condition is not None), None)
    if hit is None and decision.is_allow and decision.shadow_hits:
        hit = decision.shadow_hits[0]
    return hit


def reading_text(text: NormalizedText, index: int) -> str:
    """What the model scored for reading `index` (homographs in the sense a reader sees, bot/moderation/senses.py)."""
    inputs = text.model_texts()
    return inputs[index] if 0 <= index < len(inputs) else inputs[0]


def _reads_as(segment: str, term: str, whole_word: bool, any_reading: bool) -> bool:
    lines = normalize(segment).normalized.split("\n")
    if not any_reading:  # the plain reading first, so a mended typo never beats the whole word
        lines = lines[:1]
    folded = term.casefold()
    if whole_word:
        return any(folded in tokens(line) for line in lines)
    return any(folded in line for line in lines)


def matched_span(raw: str, term: str, whole_word: bool = True) -> str:
    """The part of the message as written that reads as `term`: one raw word ("ѕӏυr", "1d10t") or a short run
    of them ("i d i o t", "f*ck"); `term` itself when no short span does."""
    spans = [match.span() for match in _WORD.finditer(raw)]
    tries = 0
    for any_reading in (False, True):
        for width in range(1, _MAX_SPAN_TOKENS + 1):
            for start in range(len(spans) - width + 1):
                if tries >= _MAX_SPAN_TRIES:
                    return term
                tries += 1
                segment = raw[spans[start][0]:spans[start + width - 1][1]]
                if segment.casefold() == term.casefold() or _reads_as(segment, term, whole_word, any_reading):
                    return segment
    return term


def match_explanation(hit: RuleHit, text: NormalizedText) -> Explanation:
    """A word or pattern rule: what matched, as written, and in which reading."""
    kind = ExplanationKind.WORD if hit.condition == "word" else ExplanationKind.PATTERN
    term = hit.term or ""
    if hit.reading is None:  # matched in the raw text: the span is the match itself
        span = term if kind is ExplanationKind.PATTERN else matched_span(text.raw, term)
        reading = "raw"
    else:
        span = matched_span(text.raw, term, whole_word=kind is ExplanationKind.WORD)
        reading = text.reading_name(hit.reading)
    return Explanation(kind, hit.rule_id, ExplanationMethod.MATCH, span=span, term=term, reading=reading)


async def score_explanation(scorer: Scorer, hit: RuleHit, text: NormalizedText, model: ModelInfo) -> Explanation:
    """A score rule: the live model's per-word weights when it is linear, else occlusion on the reading that
    scored highest."""
    assert hit.label is not None and hit.score is not None
    reading = reading_text(text, hit.reading or 0)
    if isinstance(scorer, WordWeights):
        weights = await scorer.word_weights(reading, hit.label)
        if weights is not None:
            return Explanation(
                ExplanationKind.SCORE, hit.rule_id, ExplanationMethod.WORD_WEIGHTS, label=hit.label,
                score=hit.score, contributions=tuple(weights[:KEPT]), model=model,
                reading=text.reading_name(hit.reading or 0),
            )
    contributions = await occlusion(scorer, reading, hit.label, hit.score)
    return Explanation(
        ExplanationKind.SCORE, hit.rule_id, ExplanationMethod.OCCLUSION, label=hit.label, score=hit.score,
        contributions=contributions, model=model, reading=text.reading_name(hit.reading or 0),
    )


async def explain(scorer: Scorer, text: NormalizedText, scores: Scores, decision: Decision) -> Explanation | None:
    """Why `decision` was made, or None (an allow, a scorer timeout, a moderator's action). Score rules are
    explained only when they acted (not allow): occlusion costs a batch."""
    hit = deciding_hit(decision)
    if hit is None:
        return None
    if hit.condition in ("word", "pattern"):
        return match_explanation(hit, text)
    if hit.condition == "score" and not decision.is_allow and hit.label is not None and hit.score is not None:
        return await score_explanation(scorer, hit, text, scores.model)
    return None
