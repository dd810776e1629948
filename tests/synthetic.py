"""Build detoxify checkpoints with random weights, entirely offline.

The file has detoxify's exact format: a `torch.save`d dict `{"config": ..., "state_dict": ...}` whose
`config["arch"]["args"]["model_type"]` is a LOCAL directory holding `config.json` and tokenizer files (so
detoxify's `from_pretrained(model_type)` calls never reach the hub). The tokenizer vocabulary is trained here
with the `tokenizers` package on local text. The scores are meaningless; the code paths, tensor shapes and,
at full size, the speed are those of the real model.

`tiny` (2 layers, hidden 64) is for tests; `full` is the real architecture size, for the benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.scoring.checkpoints import file_sha256
from bot.scoring.labels import ARCHITECTURES, Architecture

Size = Literal["tiny", "full"]

# Local text the tokenizer learns from when the caller gives none: ordinary comment-section phrasing.
BUILTIN_CORPUS: tuple[str, ...] = (
    "Thanks for sharing this article, it was a good read.",
    "I completely disagree with the author on this point.",
    "You are an idiot and you should stop posting here.",
    "What a stupid thing to say, nobody cares about your opinion.",
    "The government announced new measures on Tuesday to curb inflation.",
    "Could someone explain how the new tax rules affect small businesses?",
    "lol this is hilarious",
    "+1, exactly what I was going to say.",
    "Shut up, you moron. Get lost.",
    "This comment section is getting out of hand, please keep it civil.",
    "I hope the match goes well for the home team this weekend.",
    "The study found that coffee drinkers live slightly longer on average.",
    "Source? I could not find that figure anywhere in the report.",
    "People like you are the reason this country is falling apart.",
    "Great reporting, more of this please.",
    "The minister resigned after the scandal broke last week.",
    "I will find you and make you regret this.",
    "Dit is een Nederlandse zin. Ceci est une phrase française. Esto es una frase en español.",
    "Это предложение на русском языке. これは日本語の文です。这是一个中文句子。",
    "Der Artikel ist gut geschrieben, aber die Schlussfolgerung ist falsch.",
    "Numbers like 2024, 3.14 and 1,000,000 appear in news stories all the time.",
    "Why does every thread turn into an argument about politics?",
    "Honestly the best summary of the situation I have read so far.",
    "Go back to where you came from.",
    "That is a fair point, I had not considered the economic side.",
)

_TINY = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128}
_FULL = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}
_ALBERT_EMBEDDING = {"tiny": 32, "full": 128}
_FULL_VOCAB = {"bert": 30522, "roberta": 50265, "xlm-roberta": 250002, "albert": 30000}
_MAX_POSITIONS = 512


@dataclass(frozen=True, slots=True)
class SyntheticCheckpoint:
    path: Path  # the .ckpt file, to pass to `Detoxify(checkpoint=...)`
    base_dir: Path  # config.json + tokenizer files (the checkpoint's `model_type`)
    model_type: str
    size: Size


def build_checkpoint(
    dest: Path,
    model_type: str = "original",
    size: Size = "tiny",
    corpus: Iterable[str] | None = None,
    seed: int = 0,
    vocab_size: int | None = None,
    logit_scale: float | None = None,
) -> SyntheticCheckpoint:
    """Write `<dest>/<model_type>-<size>/` (config + tokenizer) and a checkpoint next to it.

    The weights follow `seed`; the trained vocabulary may differ between builds (the `tokenizers` trainer breaks
    ties between equally frequent merges in no fixed order), so scores are comparable within one build only.
    `vocab_size` bounds the trained tokenizer vocabulary
    (default: 2,000 tiny, the real model's size for full); the embedding matrix always has the real size at full.
    `logit_scale` multiplies the classification head's weights (default 25 tiny, 1 full): default random
    weights give every text a score of about 0.5; a larger head spreads tiny-model scores so that tests can
    tell texts apart. Speed does not depend on it.
    """
    import torch
    import transformers

    arch = ARCHITECTURES[model_type]
    texts = list(corpus) if corpus is not None else list(BUILTIN_CORPUS)
    if not texts:
        raise ValueError("the tokenizer needs some text to learn a vocabulary from")
    base_dir = dest / f"{model_type}-{size}"
    base_dir.mkdir(parents=True, exist_ok=True)
    trained_vocab = vocab_size or (2000 if size == "tiny" else _FULL_VOCAB[arch.family])
    tokenizer_vocab = _train_tokenizer(arch, texts, base_dir, trained_vocab)

    dims = dict(_TINY if size == "tiny" else _FULL)
    config_class = getattr(transformers, arch.model_class).config_class
    extra: dict[str, Any] = {}
    if arch.family in ("roberta", "xlm-roberta"):
        extra = {"max_position_embeddings": _MAX_POSITIONS + 2, "type_vocab_size": 1, "pad_token_id": 1,
                 "bos_token_id": 0, "eos_token_id": 2}
    elif arch.family == "albert":
        extra = {"embedding_size": _ALBERT_EMBEDDING[size], "max_position_embeddings": _MAX_POSITIONS,
                 "pad_token_id": 0}
    else:
        extra = {"max_position_embeddings": _MAX_POSITIONS, "pad_token_id": 0}
    model_vocab = max(tokenizer_vocab, _FULL_VOCAB[arch.family] if size == "full" else tokenizer_vocab)
    config = config_class(vocab_size=model_vocab, num_labels=arch.num_classes, **dims, **extra)
    config.save_pretrained(base_dir)

    torch.manual_seed(seed)
    model = getattr(transformers, arch.model_class)(config)
    scale = logit_scale if logit_scale is not None else (25.0 if size == "tiny" else 1.0)
    state_dict = {
        key: (value * scale if key.startswith("classifier.") and key.endswith("weight") else value).contiguous()
        for key, value in model.state_dict().items()
    }
    checkpoint = {
        "config": {
            "name": f"synthetic-{model_type}-{size}",
            "arch": {
                "type": arch.model_class,
                "args": {
                    "model_type": str(base_dir.resolve()),
                    "model_name": arch.model_class,
                    "tokenizer_name": arch.tokenizer_class,
                    "num_classes": arch.num_classes,
                },
            },
            "dataset": {"args": {"classes": list(arch.checkpoint_classes)}},
        },
        "state_dict": state_dict,
    }
    tmp = dest / f".{model_type}-{size}.ckpt.tmp"
    torch.save(checkpoint, tmp)
    digest = file_sha256(tmp)[:8]
    path = dest / f"synthetic_{model_type}_{size}-{digest}.ckpt"
    tmp.replace(path)
    return SyntheticCheckpoint(path=path, base_dir=base_dir, model_type=model_type, size=size)


def _train_tokenizer(arch: Architecture, texts: Sequence[str], base_dir: Path, vocab_size: int) -> int:
    """Train and save the tokenizer files transformers needs; return the vocabulary size reached."""
    config: dict[str, Any] = {"model_max_length": _MAX_POSITIONS}
    if arch.family == "bert":
        from tokenizers import BertWordPieceTokenizer

        wordpiece = BertWordPieceTokenizer(lowercase=True)
        wordpiece.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=1)
        wordpiece.save_model(str(base_dir))  # vocab.txt: transformers 5 needs the directory (pitfall 4)
        config.update(do_lower_case=True, tokenizer_class="BertTokenizer")
        size = wordpiece.get_vocab_size()
    elif arch.family == "roberta":
        from tokenizers import ByteLevelBPETokenizer

        bpe = ByteLevelBPETokenizer()
        bpe.train_from_iterator(texts, vocab_size=max(vocab_size, 300), min_frequency=1,
                                special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
        bpe.save_model(str(base_dir))  # vocab.json + merges.txt
        config.update(tokenizer_class="RobertaTokenizer")
        size = bpe.get_vocab_size()
    else:  # albert, xlm-roberta: a sentencepiece unigram model (pitfall 5: protobuf is installed)
        import sentencepiece as spm

        corpus = base_dir / "corpus.txt"
        corpus.write_text("\n".join(texts), encoding="utf-8")
        specials = {"albert": ("<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"),
                    "xlm-roberta": ("<s>", "<pad>", "</s>", "<unk>", "<mask>")}[arch.family]
        file_name = "spiece.model" if arch.family == "albert" else "sentencepiece.bpe.model"
        prefix = base_dir / file_name.removesuffix(".model")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(prefix), vocab_size=min(vocab_size, _sp_max_vocab(texts)),
            model_type="unigram", pad_id=-1, unk_id=0, bos_id=-1, eos_id=-1, hard_vocab_limit=False,
            user_defined_symbols=[s for s in specials if s != "<unk>"], character_coverage=1.0,
            minloglevel=2,
        )
        corpus.unlink()
        tokenizer = _load_tokenizer(arch, base_dir)
        size = len(tokenizer)
        config.update(tokenizer_class=arch.tokenizer_class)
        if arch.family == "albert":
            config.update(do_lower_case=True)
        (base_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
        tokenizer = _load_tokenizer(arch, base_dir)
        tokenizer.save_pretrained(str(base_dir))  # writes tokenizer.json: later loads need no protobuf
        _force_max_length(base_dir)
        return int(size) + 8
    (base_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    tokenizer = _load_tokenizer(arch, base_dir)
    tokenizer.save_pretrained(str(base_dir))
    _force_max_length(base_dir)
    return max(int(size), len(tokenizer))


def _load_tokenizer(arch: Architecture, base_dir: Path) -> Any:
    import transformers

    return getattr(transformers, arch.tokenizer_class).from_pretrained(str(base_dir))


def _force_max_length(base_dir: Path) -> None:
    """Pitfall 6: without `model_max_length: 512` a long message overflows the 512 positions."""
    path = base_dir / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["model_max_length"] = _MAX_POSITIONS
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")


def _sp_max_vocab(texts: Sequence[str]) -> int:
    # sentencepiece refuses a vocabulary larger than the corpus supports; hard_vocab_limit=False lets it
    # stop early, but it still needs a sane upper bound for a tiny corpus.
    chars = {char for text in texts for char in text}
    words = {word for text in texts for word in text.split()}
    return max(len(chars) + 16, min(len(words) * 4, 250000))

