"""DetoxifyEngine on a real (tiny, random) checkpoint: order, bad input, int8 paths and their fidelity."""

from __future__ import annotations

import pytest

from bot.scoring.detoxify_engine import DetoxifyEngine, length_groups
from bot.scoring.fidelity import FIDELITY_SAMPLE, max_abs_difference, measure
from bot.scoring.labels import ORIGINAL_LABELS, UNBIASED_LABELS
from tests.synthetic import SyntheticCheckpoint

BAD_INPUT = ["", "x" * 10_000, "😀🔥💯🙄", "Привет мир, hello world, مرحبا بالعالم, 你好世界", "\u200b\u200d", "a"]


@pytest.fixture(scope="module")
def fp32(original_ckpt: SyntheticCheckpoint) -> DetoxifyEngine:
    return DetoxifyEngine("original", original_ckpt.path, quantize="none", torch_threads=1)


def test_version_names_detoxify_checkpoint_and_mode(fp32: DetoxifyEngine,
                                                    original_ckpt: SyntheticCheckpoint) -> None:
    assert fp32.info.name == "detoxify/original"
    detoxify_version, checkpoint, mode = fp32.info.version.split(" ")
    assert detoxify_version == "0.5.4"
    assert checkpoint == original_ckpt.path.stem
    assert mode == "fp32"
    assert fp32.info.fallback is False
    assert fp32.labels == frozenset(ORIGINAL_LABELS)


def test_batch_matches_one_by_one_in_order(fp32: DetoxifyEngine) -> None:
    texts = ["short", "a much longer message that needs padding in a batch with a short one", "mid size text"]
    batched = fp32.predict(texts)
    single = [fp32.predict([text])[0] for text in texts]
    assert max_abs_difference(single, batched, texts).max_abs_diff < 1e-5
    assert batched[0] != batched[1]


def test_bad_input_returns_scores(fp32: DetoxifyEngine) -> None:
    results = fp32.predict(BAD_INPUT)
    assert len(results) == len(BAD_INPUT)
    for result in results:
        assert set(result) == set(ORIGINAL_LABELS)
        assert all(0.0 <= value <= 1.0 for value in result.values())


def test_empty_batch(fp32: DetoxifyEngine) -> None:
    assert fp32.predict([]) == []


def test_unbiased_engine(unbiased_ckpt: SyntheticCheckpoint) -> None:
    engine = DetoxifyEngine("unbiased", unbiased_ckpt.path, quantize="int8-dynamic", torch_threads=1)
    assert engine.labels == frozenset(UNBIASED_LABELS)
    assert engine.info.version.endswith(" int8-dynamic")
    assert len(engine.predict(BAD_INPUT)) == len(BAD_INPUT)


def test_int8_dynamic_fidelity_is_measured_against_fp32(
    fp32: DetoxifyEngine, original_ckpt: SyntheticCheckpoint
) -> None:
    fast = DetoxifyEngine("original", original_ckpt.path, quantize="int8-dynamic", torch_threads=1)
    assert fast.info.version.endswith(" int8-dynamic")
    fidelity = measure(fp32, fast)
    # computed, not assumed: recompute the largest difference by hand from both engines' outputs
    ref = [fp32.predict([text])[0] for text in FIDELITY_SAMPLE]
    cand = [fast.predict([text])[0] for text in FIDELITY_SAMPLE]
    expected = max(abs(r[label] - c[label]) for r, c in zip(ref, cand, strict=True) for label in r)
    assert fidelity.max_abs_diff == pytest.approx(expected)
    assert fidelity.max_abs_diff > 0.0  # int8 really ran: it is not bit-identical to fp32
    assert fidelity.label in ORIGINAL_LABELS
    assert fidelity.texts == len(FIDELITY_SAMPLE)
    assert measure(fp32, fp32).max_abs_diff == 0.0


def test_onnx_int8_is_not_a_torch_mode(original_ckpt: SyntheticCheckpoint) -> None:
    with pytest.raises(ValueError, match="OnnxEngine"):
        DetoxifyEngine("original", original_ckpt.path, quantize="onnx-int8", torch_threads=1)  # type: ignore[arg-type]


def test_checkpoint_in_torch_legacy_format_loads_without_mmap(
    fp32: DetoxifyEngine, original_ckpt: SyntheticCheckpoint, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import zipfile

    import torch

    legacy = tmp_path_factory.mktemp("legacy") / original_ckpt.path.name
    loaded = torch.load(original_ckpt.path, map_location="cpu", weights_only=False)
    torch.save(loaded, legacy, _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(legacy)  # the old format, which torch.load cannot memory-map
    engine = DetoxifyEngine("original", legacy, quantize="int8-dynamic", torch_threads=1)
    assert measure(fp32, engine).max_abs_diff < 0.2


def test_length_groups_split_short_from_long() -> None:
    groups = length_groups([10, 500, 20, 1000, 70, 130])
    assert sorted(index for group in groups for index in group) == list(range(6))
    assert [0, 2, 4] in groups  # short ones together (under the floor, and 70 <= 2 * 64)
    assert all(3 not in group or 0 not in group for group in groups)


def test_a_mixed_batch_scores_each_text_as_alone_in_its_own_order(original_ckpt: SyntheticCheckpoint) -> None:
    engine = DetoxifyEngine("original", original_ckpt.path, quantize="none", torch_threads=1)
    texts = ["short", "a much longer comment " * 20, "hi", "a medium sized comment about the article", ""]
    together = engine.predict(texts)
    alone = [engine.predict([text])[0] for text in texts]
    assert len(together) == len(texts)
    for got, expected in zip(together, alone, strict=True):
        assert got.keys() == expected.keys()
        assert max(abs(got[name] - expected[name]) for name in got) < 1e-4
