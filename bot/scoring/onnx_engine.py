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
import threading
from collections.abc import Sequence
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
FORMAT = 3  # bump when the folder's layout changes: older folders are exported again


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


def session_options(threads: int) -> Any:
    """ONNX Runtime options for a small shared machine: `threads` intra-op threads, no inter-op pool.

    Measured here on the full `original` export (2 cores, other jobs running): thread spinning off scored
    31-40 msgs/s at batch 1 where spinning on scored 5-32 (idle spinning threads compete with the event loop
    and with other processes). Weight pre-packing stays on (off: about 30 MB less peak, half the speed). The
    memory arena and memory pattern stay on (off: the peak was 282 MB against 250 MB).
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


BUCKET_WASTE_TOKENS = 64  # start a new bucket when padding the texts so far to the next length costs more


def length_buckets(lengths: Sequence[int], waste_tokens: int = BUCKET_WASTE_TOKENS) -> list[list[int]]:
    """Indices grouped for padding: sorted by length, and a new group begins where padding the current group up
    to the next text's length would add more than `waste_tokens` pad tokens (one more forward pass costs
    less than that on the full models). Every index appears once."""
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
        self._session = ort.InferenceSession(str(folder / MODEL_FILE), session_options(threads),
                                             providers=["CPUExecutionProvider"])
        self._inputs = [node.name for node in self._session.get_inputs()]
        self._lock = threading.Lock()  # one forward at a time, whichever thread calls
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
        """Scores per text. The batch runs in length buckets: texts sorted by token count, each bucket padded to
        its own longest text only, so a long comment does not make every short one in the batch pay for it."""
        if not texts:
            return []
        encodings = self._unpadded.encode_batch(list(texts))
        parts: list[tuple[list[int], np.ndarray[Any, Any]]] = []
        with self._lock:
            for bucket in length_buckets([len(encoding.ids) for encoding in encodings]):
                feed = self._padded([encodings[index] for index in bucket])
                parts.append((bucket, np.asarray(self._session.run(["logits"], feed)[0], dtype=np.float32)))
        logits = np.empty((len(texts), parts[0][1].shape[1]), dtype=np.float32)  # the head may have more outputs
        for bucket, part in parts:
            logits[bucket] = part
        scores = np.exp(-np.logaddexp(0.0, -logits))  # sigmoid, without overflow warnings
        names = self.meta.class_names
        return [{name: float(row[index]) for index, name in enumerate(names)} for row in scores.tolist()]

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
        pass  # the session's memory goes with the object
