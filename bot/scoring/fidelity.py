"""How far an int8 fast path strays from fp32: the largest per-label |score difference| on a fixed sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.scoring.engine import InferenceEngine, Prediction

# Fixed, varied on purpose: short and long, polite and abusive, emoji, other scripts, empty.
FIDELITY_SAMPLE: tuple[str, ...] = (
    "Thanks for the article, very informative.",
    "You are a complete idiot and everyone here knows it.",
    "lol",
    "+1",
    "",
    "😡😡😡",
    "I disagree with the conclusion, the data in the second chart does not support it at all.",
    "Shut up and go away, nobody wants you here.",
    "Ce commentaire est en français, et celui-ci aussi.",
    "Это комментарий на русском языке.",
    "F.U.C.K this s h i t",
    "The minister said the new budget would be presented to parliament next month, after a consultation "
    "with unions and employers' groups that began in the spring and is expected to conclude soon.",
    "I will hurt you if you post that again.",
    "great reporting as always",
    "what a stupid take, typical of this paper",
    "People from that country are all criminals.",
)


@dataclass(frozen=True, slots=True)
class Fidelity:
    max_abs_diff: float
    label: str  # where the largest difference is
    text: str
    texts: int


def max_abs_difference(reference: Sequence[Prediction], candidate: Sequence[Prediction],
                       texts: Sequence[str]) -> Fidelity:
    if not (len(reference) == len(candidate) == len(texts)):
        raise ValueError("reference, candidate and texts must have the same length")
    worst = Fidelity(0.0, "", "", len(texts))
    for text, ref, cand in zip(texts, reference, candidate, strict=True):
        if ref.keys() != cand.keys():
            raise ValueError(f"label sets differ: {sorted(ref)} vs {sorted(cand)}")
        for label, value in ref.items():
            diff = abs(value - cand[label])
            if diff > worst.max_abs_diff:
                worst = Fidelity(diff, label, text, len(texts))
    return worst


def measure(reference: InferenceEngine, candidate: InferenceEngine,
            texts: Sequence[str] = FIDELITY_SAMPLE) -> Fidelity:
    """Score the sample one text at a time with both engines (no padding effects) and compare."""
    ref = [reference.predict([text])[0] for text in texts]
    cand = [candidate.predict([text])[0] for text in texts]
    return max_abs_difference(ref, cand, texts)
