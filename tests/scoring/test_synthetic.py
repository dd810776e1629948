"""The synthetic checkpoints are in detoxify's exact format and load through detoxify's own class."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from detoxify import Detoxify

from bot.scoring.labels import ORIGINAL_LABELS, UNBIASED_LABELS
from tests.synthetic import SyntheticCheckpoint, build_checkpoint


def test_original_checkpoint_has_detoxifys_format(original_ckpt: SyntheticCheckpoint) -> None:
    loaded = torch.load(original_ckpt.path, map_location="cpu", weights_only=False)
    assert set(loaded) == {"config", "state_dict"}
    args = loaded["config"]["arch"]["args"]
    assert args["model_name"] == "BertForSequenceClassification"
    assert args["tokenizer_name"] == "BertTokenizer"
    assert args["num_classes"] == 6
    base = Path(args["model_type"])
    assert base.is_dir() and (base / "config.json").is_file() and (base / "vocab.txt").is_file()
    config = json.loads((base / "config.json").read_text())
    assert (config["num_hidden_layers"], config["hidden_size"]) == (2, 64)
    assert json.loads((base / "tokenizer_config.json").read_text())["model_max_length"] == 512


def test_detoxify_loads_original_and_tells_texts_apart(original_ckpt: SyntheticCheckpoint) -> None:
    model = Detoxify("original", checkpoint=str(original_ckpt.path))
    scores = model.predict(["thanks for sharing this article", "you are an idiot, shut up"])
    assert tuple(scores) == ORIGINAL_LABELS
    assert all(0.0 <= value <= 1.0 for values in scores.values() for value in values)
    # a tokenizer that turned every word into [UNK] (pitfall 4) would give both texts the same scores
    assert scores["toxicity"][0] != pytest.approx(scores["toxicity"][1], abs=1e-6)


def test_detoxify_truncates_long_input_to_512_positions(original_ckpt: SyntheticCheckpoint) -> None:
    model = Detoxify("original", checkpoint=str(original_ckpt.path))
    result = model.predict("word " * 4000)  # pitfall 6: overflows 512 positions without model_max_length
    assert set(result) == set(ORIGINAL_LABELS)


def test_detoxify_loads_unbiased_roberta(unbiased_ckpt: SyntheticCheckpoint) -> None:
    model = Detoxify("unbiased", checkpoint=str(unbiased_ckpt.path))
    scores = model.predict(["hello there", "go away you moron"])
    assert tuple(scores) == UNBIASED_LABELS  # 16 outputs, the 9 identity heads are not returned


@pytest.mark.parametrize("model_type", ["multilingual", "original-small", "unbiased-small"])
def test_sentencepiece_families_load(tmp_path: Path, model_type: str) -> None:
    built = build_checkpoint(tmp_path, model_type, "tiny")
    result = Detoxify(model_type, checkpoint=str(built.path)).predict(["Это тест", "a test 😀"])
    expected = ORIGINAL_LABELS if model_type == "original-small" else UNBIASED_LABELS
    assert tuple(result) == expected


def test_empty_corpus_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs some text"):
        build_checkpoint(tmp_path, "original", "tiny", corpus=[])
