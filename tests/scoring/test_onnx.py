"""The onnx-int8 path: export through detoxify, serve with onnxruntime + tokenizers only (no torch)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.scoring.detoxify_engine import DetoxifyEngine
from bot.scoring.fidelity import FIDELITY_SAMPLE, measure
from bot.scoring.labels import ORIGINAL_LABELS, UNBIASED_LABELS
from bot.scoring.onnx_engine import META_FILE, OnnxEngine, export_folder, forward_jobs, length_buckets, read_meta
from bot.scoring.onnx_export import STEPS, ExportError, ensure_export, export, fast_tokenizer
from tests.synthetic import SyntheticCheckpoint, build_checkpoint

pytestmark = pytest.mark.slow  # child processes

ROOT = Path(__file__).resolve().parents[2]
BAD_INPUT = ["", "x" * 10_000, "😀🔥💯🙄", "Привет мир, hello world, مرحبا بالعالم, 你好世界", "\u200b\u200d", "a",
             "word " * 3000]


@pytest.fixture(scope="module")
def original_export(original_ckpt: SyntheticCheckpoint, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("onnx") / "original"
    export("original", original_ckpt.path, folder, threads=1)
    return folder


def test_export_records_its_measured_fidelity(original_export: Path, original_ckpt: SyntheticCheckpoint) -> None:
    meta = read_meta(original_export)
    assert meta is not None
    assert meta.class_names == ORIGINAL_LABELS
    assert meta.max_length == 512
    engine = OnnxEngine(original_export, threads=1)
    fp32 = DetoxifyEngine("original", original_ckpt.path, quantize="none", torch_threads=1)
    fidelity = measure(fp32, engine)
    # the figure stored at export time is the one measured again here, from both engines' outputs
    assert meta.fidelity_max_abs_diff == pytest.approx(fidelity.max_abs_diff, abs=1e-6)
    assert 0.0 < fidelity.max_abs_diff < 0.2  # int8 ran (not bit-identical) and stays close to fp32
    assert engine.info.name == "detoxify/original"
    assert engine.info.version == f"0.5.4 {original_ckpt.path.stem} onnx-int8"
    assert engine.labels == frozenset(ORIGINAL_LABELS)


@pytest.fixture(scope="module")
def multilingual_ckpt(tmp_path_factory: pytest.TempPathFactory) -> SyntheticCheckpoint:
    """A tiny XLM-R checkpoint (sentencepiece unigram vocabulary trained on the built-in corpus)."""
    return build_checkpoint(tmp_path_factory.mktemp("ckpt-multilingual"), "multilingual", "tiny")


@pytest.mark.parametrize("kind", ["original", "unbiased", "multilingual"])
def test_tokenizer_matches_transformers(kind: str, original_ckpt: SyntheticCheckpoint,
                                        unbiased_ckpt: SyntheticCheckpoint, multilingual_ckpt: SyntheticCheckpoint,
                                        tmp_path: Path) -> None:
    ckpt = {"original": original_ckpt, "unbiased": unbiased_ckpt, "multilingual": multilingual_ckpt}[kind]
    folder = tmp_path / kind
    meta = export(kind, ckpt.path, folder, threads=1)
    # BERT, RoBERTa and XLM-R graphs all get ONNX Runtime's transformer fusions before quantization
    assert meta.fusions is not None and meta.fusions.get("Attention") == 2, meta.fusions  # one per tiny layer
    # SkipLayerNormalization is left out on purpose (its CPU kernel is slower than Add + LayerNormalization)
    assert meta.fusions.get("SkipLayerNormalization", 0) == 0 and meta.fusions.get("LayerNormalization", 0) >= 4
    assert meta.fidelity_max_abs_diff is not None and meta.fidelity_max_abs_diff < 0.2
    engine = OnnxEngine(folder, threads=1)
    torch_engine = DetoxifyEngine(kind, ckpt.path, quantize="none", torch_threads=1)
    texts = [*FIDELITY_SAMPLE, *BAD_INPUT]
    ours = engine.encode(texts)
    theirs = torch_engine.tokenizer(texts, return_tensors="np", truncation=True, padding=True)
    assert set(ours) == {name for name in theirs if name in ours}
    assert ours["input_ids"].shape[1] == 512  # the long texts are cut at the model's maximum
    for name, array in ours.items():
        np.testing.assert_array_equal(array, theirs[name], err_msg=name)
    labels = ORIGINAL_LABELS if kind == "original" else UNBIASED_LABELS
    assert engine.labels == frozenset(labels)
    # the length-bucketed batch scores as one batch padded to its longest text does, up to dynamic int8's own
    # batch dependence (activations share one scale per batch tensor, which the tiny models' 25x head magnifies)
    session = engine._session  # under the hood on purpose: the reference is one plain padded run
    sample = list(FIDELITY_SAMPLE)
    padded = np.asarray(session.run(["logits"], engine.encode(sample))[0])
    expected = 1.0 / (1.0 + np.exp(-padded[:, :len(engine.meta.class_names)]))
    got = np.array([[scores[name] for name in engine.meta.class_names] for scores in engine.predict(sample)])
    np.testing.assert_allclose(got, expected, atol=3e-2)  # a text scored in another row would be off by far more


def test_multilingual_scores_every_script(multilingual_ckpt: SyntheticCheckpoint, tmp_path: Path) -> None:
    export("multilingual", multilingual_ckpt.path, tmp_path / "xlmr", threads=1)
    engine = OnnxEngine(tmp_path / "xlmr", threads=1)
    texts = ["Это предложение на русском языке.", "これは日本語の文です。", "Ceci est une phrase française.", ""]
    encoded = engine.encode(texts)
    tokenizer = engine._tokenizer
    ids = encoded["input_ids"][0][encoded["attention_mask"][0] == 1]
    assert (ids[0], ids[-1]) == (tokenizer.token_to_id("<s>"), tokenizer.token_to_id("</s>"))  # XLM-R's framing
    results = engine.predict(texts)
    assert [set(result) for result in results] == [set(UNBIASED_LABELS)] * len(texts)
    assert len({round(result["toxicity"], 6) for result in results}) > 1  # the texts are told apart


def test_a_slow_tokenizer_is_converted_to_a_fast_one(multilingual_ckpt: SyntheticCheckpoint) -> None:
    from transformers import AutoTokenizer

    fast = AutoTokenizer.from_pretrained(str(multilingual_ckpt.base_dir))
    assert fast_tokenizer(fast) is fast.backend_tokenizer

    class SlowOnly:  # what a python-only tokenizer looks like to the exporter: no backend_tokenizer
        def __init__(self, wrapped: object) -> None:
            self.wrapped = wrapped

    with pytest.raises(ExportError, match="no fast \\(tokenizers\\) form"):
        fast_tokenizer(SlowOnly(fast))


@pytest.mark.parametrize("lengths", [[], [5], [5, 5, 5], [3, 200, 4, 190, 60, 5], list(range(1, 120, 7))])
def test_length_buckets_cover_every_text_once(lengths: list[int]) -> None:
    buckets = length_buckets(lengths, waste_tokens=64)
    assert sorted(index for bucket in buckets for index in bucket) == list(range(len(lengths)))
    for bucket in buckets:
        widths = [lengths[index] for index in bucket]
        assert widths == sorted(widths)
    if lengths == [3, 200, 4, 190, 60, 5]:
        assert [[lengths[i] for i in bucket] for bucket in buckets] == [[3, 4, 5], [60], [190, 200]]


@pytest.mark.parametrize("workers", [1, 2, 4])
@pytest.mark.parametrize("lengths", [[], [5], [5, 5, 5], [3, 200, 4, 190, 60, 5], [40] * 9, list(range(1, 120, 7))])
def test_forward_jobs_cover_every_text_once_and_feed_every_worker(lengths: list[int], workers: int) -> None:
    jobs = forward_jobs(lengths, workers, waste_tokens=16)
    assert sorted(index for job in jobs for index in job) == list(range(len(lengths)))
    assert all(job for job in jobs)
    assert len(jobs) >= min(workers, len(lengths))  # a worker idles only when there is not a text for it
    costs = [len(job) * max(lengths[index] for index in job) for job in jobs]
    assert costs == sorted(costs, reverse=True)  # biggest first
    if lengths == [40] * 9 and workers == 2:
        assert sorted(len(job) for job in jobs) == [4, 5]  # one bucket, split in halves


def test_parallel_passes_score_like_one(original_export: Path) -> None:
    texts = [*FIDELITY_SAMPLE, *BAD_INPUT[:4]]
    one = OnnxEngine(original_export, threads=1)
    two = OnnxEngine(original_export, threads=2)
    try:
        serial, parallel = one.predict(texts), two.predict(texts)
        again = [two.predict([text])[0] for text in texts]
    finally:
        one.close()
        two.close()
    for a, b, c in zip(serial, parallel, again, strict=True):
        # equal up to dynamic int8's batch dependence (one activation scale per forward pass)
        assert max(abs(a[name] - b[name]) for name in a) < 2e-2
        assert max(abs(a[name] - c[name]) for name in a) < 2e-2


def test_bad_input_returns_scores(original_export: Path) -> None:
    engine = OnnxEngine(original_export, threads=1)
    results = engine.predict(BAD_INPUT)
    assert len(results) == len(BAD_INPUT)
    for result in results:
        assert set(result) == set(ORIGINAL_LABELS)
        assert all(0.0 <= value <= 1.0 for value in result.values())
    assert engine.predict([]) == []


def test_serving_process_never_imports_torch(original_export: Path) -> None:
    script = (
        "import sys, json\n"
        "from bot.scoring.onnx_engine import OnnxEngine\n"
        f"engine = OnnxEngine(__import__('pathlib').Path({str(original_export)!r}), threads=1)\n"
        "scores = engine.predict(['hello there', ''])\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'detoxify') if m in sys.modules)\n"
        "print(json.dumps({'heavy': heavy, 'labels': sorted(scores[0])}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"heavy": [], "labels": sorted(ORIGINAL_LABELS)}


def test_ensure_export_runs_in_a_child_and_is_reused(original_ckpt: SyntheticCheckpoint, tmp_path: Path) -> None:
    folder = export_folder(tmp_path, original_ckpt.path.stem)
    steps: list[str] = []
    meta = ensure_export("original", original_ckpt.path, folder, threads=1, on_step=steps.append)
    assert steps == list(STEPS)  # the child's progress, step by step, in this thread
    assert "torch" in sys.modules  # this test process has it; the point is the child made the files
    assert meta.fidelity_max_abs_diff is not None
    model = folder / "model.int8.onnx"
    before = model.stat().st_mtime_ns
    again = ensure_export("original", original_ckpt.path, folder, threads=1)
    assert again == meta
    assert model.stat().st_mtime_ns == before  # the cached export was used, not made again
    assert not [path for path in tmp_path.rglob("*.partial")]


def test_failed_export_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ckpt"
    broken.write_bytes(b"not a checkpoint")
    folder = tmp_path / "onnx" / "broken"
    with pytest.raises(ExportError, match="failed \\(exit 1\\)"):
        ensure_export("original", broken, folder, threads=1)
    assert not folder.exists()
    assert not list(tmp_path.rglob("*.partial"))


def test_export_of_an_older_format_is_made_again(original_export: Path, tmp_path: Path) -> None:
    meta = json.loads((original_export / META_FILE).read_text(encoding="utf-8"))
    copy = tmp_path / "old"
    copy.mkdir()
    for path in original_export.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / META_FILE).write_text(json.dumps({**meta, "format": 1}), encoding="utf-8")
    assert read_meta(copy) is None
    with pytest.raises(FileNotFoundError, match="modbot model export"):
        OnnxEngine(copy)
