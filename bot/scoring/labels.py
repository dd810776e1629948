"""Static facts about detoxify's model types: architecture, outputs and the labels each one returns.

Nothing here loads a model; the rules loader uses these tables to reject labels the scorer cannot produce.
"""

from __future__ import annotations

from dataclasses import dataclass

ORIGINAL_LABELS: tuple[str, ...] = (
    "toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack",
)
UNBIASED_LABELS: tuple[str, ...] = (
    "toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat", "sexual_explicit",
)
PROFANITY_LABEL = "profanity"
PROFANITY_MODEL_NAME = "profanity-check"

# detoxify's release files; the torch hub cache keeps them under these names.
DOWNLOAD_BASE = "https://github.com/unitaryai/detoxify/releases/download/"
CHECKPOINT_FILES: dict[str, str] = {
    "original": "v0.1-alpha/toxic_original-c1212f89.ckpt",
    "unbiased": "v0.3-alpha/toxic_debiased-c7548aa0.ckpt",
    "multilingual": "v0.4-alpha/multilingual_debiased-0b549669.ckpt",
    "original-small": "v0.1.2/original-albert-0e1d6498.ckpt",
    "unbiased-small": "v0.1.2/unbiased-albert-c8519128.ckpt",
}


@dataclass(frozen=True, slots=True)
class Architecture:
    model_type: str
    family: str  # bert | roberta | xlm-roberta | albert
    base_model: str  # the Hugging Face name the real checkpoint points at
    model_class: str
    tokenizer_class: str
    num_classes: int
    labels: tuple[str, ...]  # what detoxify returns (after its renaming)
    checkpoint_classes: tuple[str, ...]  # what the checkpoint's config lists

    @property
    def checkpoint_file(self) -> str:
        return CHECKPOINT_FILES[self.model_type].rsplit("/", 1)[-1]

    @property
    def url(self) -> str:
        return DOWNLOAD_BASE + CHECKPOINT_FILES[self.model_type]


_ORIGINAL_CLASSES = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")

ARCHITECTURES: dict[str, Architecture] = {
    "original": Architecture("original", "bert", "bert-base-uncased", "BertForSequenceClassification",
                             "BertTokenizer", 6, ORIGINAL_LABELS, _ORIGINAL_CLASSES),
    "unbiased": Architecture("unbiased", "roberta", "roberta-base", "RobertaForSequenceClassification",
                             "RobertaTokenizer", 16, UNBIASED_LABELS, UNBIASED_LABELS),
    "multilingual": Architecture("multilingual", "xlm-roberta", "xlm-roberta-base",
                                 "XLMRobertaForSequenceClassification", "XLMRobertaTokenizer", 16,
                                 UNBIASED_LABELS, UNBIASED_LABELS),
    "original-small": Architecture("original-small", "albert", "albert-base-v2",
                                   "AlbertForSequenceClassification", "AlbertTokenizer", 6, ORIGINAL_LABELS,
                                   _ORIGINAL_CLASSES),
    "unbiased-small": Architecture("unbiased-small", "albert", "albert-base-v2",
                                   "AlbertForSequenceClassification", "AlbertTokenizer", 16, UNBIASED_LABELS,
                                   UNBIASED_LABELS),
}


def guess_model_type(model_class: str, num_classes: int) -> str | None:
    """Which model type a checkpoint's `arch.args` describe (for `modbot model import`)."""
    for arch in ARCHITECTURES.values():
        if arch.model_class == model_class and arch.num_classes == num_classes:
            return arch.model_type
    return None


# Every label some modbot scorer can produce: a rules file naming another one has a typo.
ALL_LABELS: frozenset[str] = frozenset(
    {label for arch in ARCHITECTURES.values() for label in arch.labels} | {PROFANITY_LABEL}
)
