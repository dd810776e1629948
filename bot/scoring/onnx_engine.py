"""Serve the int8 ONNX export with onnxruntime and the `tokenizers` library only.

This module never imports torch, transformers or detoxify: a process that scores from a cached export stays
small (about 250 MB for the full `original` model, against about 900 MB with torch). The export itself is
made from the checkpoint by detoxify's own loading code, in another process (`bot.scoring.onnx_export`).

An export folder (`<work dir>/onnx/<checkpoint id>/`) holds:
- `model.int8.onnx`: the classifier, logits out, weights quantized to int8;
- `tokenizer.json`: the checkpoint's own (fast) tokenizer, as transformers would run it;
- `modbot-export.json`: class names, truncation and padding settings, and the fidelity measured at export.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from bot.records import ModelInfo
from bot.scoring.engine import Prediction

MODEL_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "modbot-export.json"
FORMAT = 4  # bump when the folder's layout changes: older folders are exported again


@dataclass(frozen=True, slots=True)
class ExportMeta:
    model_type: str
    checkpoint_id: str
    class_names: tuple[str, ...]
    max_length: int
    pad_id: int
    pad_token: str
    pad_type_id: int
    padding_side: str  # right | left
    fidelity_max_abs_diff: float | None  # int8 against detoxify fp32 on bot.scoring.fidelity.FIDELITY_SAMPLE
    fidelity_label: str | None
    fusions: dict[str, int] | None = None  # transformer fusions applied before quantization (None: plain graph)

    def to_json(self) -> str:
        data = {field: getattr(self, field) for field in self.__dataclass_fields__}
        data["class_names"] = list(self.class_names)
        data["format"] = FORMAT
        return json.dumps(data, indent=1)


def export_folder(work_dir: Path, checkpoint_ident: str) -> Path:
    return work_dir / "onnx" / checkpoint_ident


def read_meta(folder: Path) -> ExportMeta | None:
    """The export's metadata, or None when the folder holds no complete export of the current format."""
    if not all((folder / name).is_file() for name in (MODEL_FILE, TOKENIZER_FILE, META_FILE)):
        return None
    try:
        data = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        fidelity = data.get("fidelity_max_abs_diff")
        return ExportMeta(
            model_type=str(data["model_type"]),
            checkpoint_id=str(data["checkpoint_id"]),
            class_names=tuple(str(name) for name in data["class_names"]),
            max_length=int(data["max_length"]),
            pad_id=int(data["pad_id"]),
            pad_token=str(data["pad_token"]),
            pad_type_id=int(data["pad_type_id"]),
            padding_side=str(data["padding_side"]),
            fidelity_max_abs_diff=None if fidelity is None else float(fidelity),
            fidelity_label=data.get("fidelity_label"),
            fusions=None if data.get("fusions") is None else {str(k): int(v) for k, v in data["fusions"].items()},
        )
    except (ValueError, KeyError, TypeError):
        return None


# ONNX Runtime's own graph optimizer would fuse Add + LayerNormalization back into SkipLayerNormalization,
# whose CPU kernel measured 4.7x slower than the pair here (ORT 1.32, 720x768 fp32, one thread: 2.87 ms against
# 0.61 ms); the export leaves that fusion out too (onnx_export._optimize).
DISABLED_OPTIMIZERS = ("SkipLayerNormFusion",)


def session_options() -> Any:
    """ONNX Runtime options for a small shared machine: one intra-op thread per forward pass, no inter-op pool.

    The engine runs up to `threads` forward passes at once on its one session instead (`Run` is thread-safe):
    measured on the full `original` export (2 cores, batches of 48-96 chat-sized comments), two passes of one
    thread each scored 171 msgs/s where one pass of two threads scored 143 (without spinning) or 159 (with
    it): small operators (LayerNorm, softmax, GELU) split poorly across threads, and each split waits for the
    slowest. Thread spinning stays off (idle spinning threads compete with the event loop and with other
    processes). Denormal floats are flushed to zero (+3 % here; scores unchanged at fidelity's precision).
    Weight pre-packing, the memory arena and the memory pattern stay on (off: more memory or half the speed).
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.add_session_config_entry("session.set_denormal_as_zero", "1")
    return options


BUCKET_WASTE_TOKENS = 16  # start a new bucket when padding the texts so far to the next length costs more


def length_buckets(lengths: Sequence[int], waste_tokens: int = BUCKET_WASTE_TOKENS) -> list[list[int]]:
    """Indices grouped for padding: sorted by length, and a new group begins where padding the current group up
    to the next text's length would add more than `waste_tokens` pad tokens. Every index appears once.

    Measured on the full `original` export (batches of 64 chat-sized comments of 13-99 tokens, one pass of two
    threads): 16 scored 135 msgs/s, 64 scored 107 and 256 scored 67."""
    order = sorted(range(len(lengths)), key=lambda index: lengths[index])
    buckets: list[list[int]] = []
    for index in order:
        if buckets:
            current = buckets[-1]
            if (lengths[index] - lengths[current[-1]]) * len(current) <= waste_tokens:
                current.append(index)
                continue
        buckets.append([index])
    return buckets


def forward_jobs(lengths: Sequence[int], workers: int, waste_tokens: int = BUCKET_WASTE_TOKENS) -> list[list[int]]:
    """The forward passes for a batch: its length buckets, the biggest split in halves (rows) until there are
    at least `workers` passes or every pass is one text, biggest first (so that parallel workers finish
    together). Every index appears once."""
    jobs = length_buckets(lengths, waste_tokens)

    def cost(job: list[int]) -> int:
        return len(job) * max(lengths[index] for index in job)

    while len(jobs) < workers:
        biggest = max(jobs, key=cost, default=None)
        if biggest is None or len(biggest) < 2:
            break
        jobs.remove(biggest)
        half = len(biggest) // 2
        jobs += [biggest[:half], biggest[half:]]
    return sorted(jobs, key=cost, reverse=True)


class OnnxEngine:
    """An `InferenceEngine` over an export folder. Raises FileNotFoundError when the folder is incomplete."""

    def __init__(self, folder: Path, threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = read_meta(folder)
        if meta is None:
            raise FileNotFoundError(f"{folder}: no complete ONNX export (run `modbot model export`)")
        self.meta = meta
        self.folder = folder
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        # what `tokenizer(texts, truncation=True, padding=True)` does in transformers: cut at the model's
        # maximum length (special tokens included), pad to the longest text of the batch
        tokenizer.enable_truncation(max_length=meta.max_length)
        tokenizer.enable_padding(direction=meta.padding_side, pad_id=meta.pad_id, pad_type_id=meta.pad_type_id,
                                 pad_token=meta.pad_token)
        self._tokenizer = tokenizer
        unpadded = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        unpadded.enable_truncation(max_length=meta.max_length)
        unpadded.no_padding()
        self._unpadded = unpadded  # predict pads each length bucket itself
        self._session = ort.InferenceSession(str(folder / MODEL_FILE), session_options(),
                                             providers=["CPUExecutionProvider"],
                                             disabled_optimizers=list(DISABLED_OPTIMIZERS))
        self._inputs = [node.name for node in self._session.get_inputs()]
        self.threads = max(1, threads)
        # at most `threads` forward passes at once, whichever threads call predict
        self._passes = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="modbot-onnx")
        stem, imported, sha = meta.checkpoint_id.rpartition("-imported-")  # see checkpoints.checkpoint_id
        ident = f"{stem} imported sha256:{sha}" if imported else meta.checkpoint_id
        version = f"{metadata.version('detoxify')} {ident} onnx-int8"
        self._info = ModelInfo(name=f"detoxify/{meta.model_type}", version=version)

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(self.meta.class_names)

    def encode(self, texts: Sequence[str]) -> dict[str, np.ndarray[Any, Any]]:
        encodings = self._tokenizer.encode_batch(list(texts))
        columns = {
            "input_ids": [encoding.ids for encoding in encodings],
            "attention_mask": [encoding.attention_mask for encoding in encodings],
            "token_type_ids": [encoding.type_ids for encoding in encodings],
        }
        return {name: np.asarray(columns[name], dtype=np.int64) for name in self._inputs}

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Scores per text. The batch runs in length buckets (texts sorted by token count, each bucket padded to
        its own longest text only, so a long comment does not make every short one pay for it), up to
        `threads` of them at once."""
        if not texts:
            return []
        encodings = self._unpadded.encode_batch(list(texts))
        jobs = forward_jobs([len(encoding.ids) for encoding in encodings], self.threads)
        feeds = [self._padded([encodings[index] for index in job]) for job in jobs]
        parts = list(self._passes.map(self._forward, feeds))
        logits = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)  # the head may have more outputs
        for job, part in zip(jobs, parts, strict=True):
            logits[job] = part
        scores = np.exp(-np.logaddexp(0.0, -logits))  # sigmoid, without overflow warnings
        names = self.meta.class_names
        return [{name: float(row[index]) for index, name in enumerate(names)} for row in scores.tolist()]

    def _forward(self, feed: dict[str, np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
        return np.asarray(self._session.run(["logits"], feed)[0], dtype=np.float32)

    def _padded(self, encodings: Sequence[Any]) -> dict[str, np.ndarray[Any, Any]]:
        """What `encode` gives for these texts: padded to the longest, on the tokenizer's side."""
        width = max(len(encoding.ids) for encoding in encodings)
        meta = self.meta
        arrays = {
            "input_ids": np.full((len(encodings), width), meta.pad_id, dtype=np.int64),
            "attention_mask": np.zeros((len(encodings), width), dtype=np.int64),
            "token_type_ids": np.full((len(encodings), width), meta.pad_type_id, dtype=np.int64),
        }
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            span = slice(width - length, width) if meta.padding_side == "left" else slice(0, length)
            arrays["input_ids"][row, span] = encoding.ids
            arrays["attention_mask"][row, span] = 1
            arrays["token_type_ids"][row, span] = encoding.type_ids
        return {name: arrays[name] for name in self._inputs}

    def close(self) -> None:
        self._passes.shutdown(wait=True)  # the session's memory goes with the object
