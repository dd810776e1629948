"""Perspective attributes <-> modbot's scorer labels, and the languages each model reads.

The map (first label the live scorer has wins):

| Perspective attribute | detoxify label      | profanity-check fallback |
|-----------------------|---------------------|--------------------------|
| TOXICITY              | toxicity            | - (refused: 400)         |
| SEVERE_TOXICITY       | severe_toxicity     | -                        |
| IDENTITY_ATTACK       | identity_attack     | -                        |
| INSULT                | insult              | -                        |
| PROFANITY             | obscene             | profanity                |
| THREAT                | threat              | -                        |
| SEXUALLY_EXPLICIT     | sexual_explicit (unbiased / multilingual models only) | - |

detoxify's `obscene` is what Perspective calls PROFANITY ("swear words, curse words, or other obscene or profane
language"). The profanity-check fallback is a word-level profanity classifier, not a toxicity model, so it
answers PROFANITY only: a client asking it for TOXICITY gets Perspective's "attribute not supported" error rather
than a profanity score passed off as toxicity. Every answer names the model in `X-Modbot-Model*` headers.
"""

from __future__ import annotations

from collections.abc import Mapping

ATTRIBUTE_LABELS: Mapping[str, tuple[str, ...]] = {
    "TOXICITY": ("toxicity",),
    "SEVERE_TOXICITY": ("severe_toxicity",),
    "IDENTITY_ATTACK": ("identity_attack",),
    "INSULT": ("insult",),
    "PROFANITY": ("obscene", "profanity"),
    "THREAT": ("threat",),
    "SEXUALLY_EXPLICIT": ("sexual_explicit",),
}
ATTRIBUTES: tuple[str, ...] = tuple(ATTRIBUTE_LABELS)

# detoxify's multilingual model was trained on these (its README); the others, and profanity-check, on English.
MULTILINGUAL_LANGUAGES = frozenset({"en", "fr", "es", "it", "pt", "tr", "ru"})
ENGLISH = frozenset({"en"})


def label_for(attribute: str, labels: frozenset[str]) -> str | None:
    """The scorer label that answers `attribute`, or None when the live scorer cannot produce it."""
    for label in ATTRIBUTE_LABELS.get(attribute, ()):
        if label in labels:
            return label
    return None


def supported_attributes(labels: frozenset[str]) -> tuple[str, ...]:
    return tuple(attribute for attribute in ATTRIBUTES if label_for(attribute, labels) is not None)


def attribute_for(label: str) -> str | None:
    """The inverse, for clients (`bot.scoring.remote`): detoxify label -> Perspective attribute."""
    for attribute, labels in ATTRIBUTE_LABELS.items():
        if label in labels:
            return attribute
    return None


def model_languages(model_name: str) -> frozenset[str]:
    return MULTILINGUAL_LANGUAGES if "multilingual" in model_name else ENGLISH


def base_language(code: str) -> str:
    """"en-GB" -> "en" (Perspective accepts BCP-47 tags and matches on the language)."""
    return code.strip().lower().replace("_", "-").split("-", 1)[0]
