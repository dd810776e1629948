"""detoxify's own `Detoxify` class, loaded from a checkpoint file, optionally with an int8 fast path.

Scoring reproduces `Detoxify.predict` (tokenize with truncation and padding, forward, sigmoid, the class
names detoxify kept) but always returns one mapping per text: `predict` squeezes a single text to floats
(pitfall 7), and the int8 paths need the model and tokenizer separately anyway.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from bot.records import ModelInfo
from bot.scoring.checkpoints import checkpoint_id
from bot.scoring.engine import Prediction
from bot.scoring.quantize import OnnxClassifier, export_onnx_int8, quantize_dynamic_int8

log = logging.getLogger(__name__)

Quantize = Literal["none", "int8-dynamic", "onnx-int8"]
_META = "modbot-export.json"


class DetoxifyEngine:
    def __init__(
        self,
        model_type: str,
        checkpoint: Path,
        device: str = "cpu",
        quantize: Quantize = "none",
        torch_threads: int = 2,
        work_dir: Path | None = None,
    ) -> None:
        """Load (blocking: seconds for a full-size model). Raises whatever detoxify or torch raise.

        onnx-int8 keeps the export, the tokenizer and the class names under `work_dir/onnx/<checkpoint id>/`;
        once they exist the torch weights are not loaded again (lower start time and peak memory).
        """
        import torch

        torch.set_num_threads(torch_threads)
        self._device = device
        self._model: Any = None
        self._onnx: OnnxClassifier | None = None
        self._lock = threading.Lock()  # one forward at a time, whichever thread calls
        mode = quantize
        if quantize != "none" and not device.startswith("cpu"):
            log.warning("scoring.quantize=%s ignored on device=%s: int8 runs on the CPU only", quantize, device)
            mode = "none"
        ident = checkpoint_id(checkpoint)
        folder = (work_dir or checkpoint.parent) / "onnx" / ident
        if mode == "onnx-int8" and (folder / "model.int8.onnx").is_file() and (folder / _META).is_file():
            self._tokenizer, self._class_names = _load_export_meta(folder)
        else:
            from detoxify import Detoxify

            detox = Detoxify(model_type=model_type, checkpoint=str(checkpoint), device=device)
            self._tokenizer = detox.tokenizer
            self._class_names = list(detox.class_names)
            self._model = detox.model.eval()
            del detox
            if mode == "int8-dynamic":
                self._model = quantize_dynamic_int8(self._model)
            elif mode == "onnx-int8":
                export_onnx_int8(self._model, self._tokenizer, folder)
                _save_export_meta(folder, self._tokenizer, self._class_names)
                self._model = None  # the torch weights are no longer needed
                gc.collect()
        if mode == "onnx-int8":
            self._onnx = OnnxClassifier(folder / "model.int8.onnx", torch_threads)
        self.quantize: Quantize = mode
        version = f"{metadata.version('detoxify')} {ident} {'fp32' if mode == 'none' else mode}"
        self._info = ModelInfo(name=f"detoxify/{model_type}", version=version)
        self.checkpoint = checkpoint

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(self._class_names)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        import torch

        with self._lock, torch.inference_mode():
            if self._onnx is not None:
                encoded = self._tokenizer(list(texts), return_tensors="np", truncation=True, padding=True)
                logits = torch.from_numpy(self._onnx.logits(encoded))
            else:
                encoded = self._tokenizer(list(texts), return_tensors="pt", truncation=True, padding=True)
                logits = self._model(**encoded.to(self._device))[0]
            rows: list[list[float]] = torch.sigmoid(logits.float()).cpu().tolist()
        names = self._class_names
        return [{name: float(row[index]) for index, name in enumerate(names)} for row in rows]

    def close(self) -> None:
        self._model = None
        self._onnx = None


def _save_export_meta(folder: Path, tokenizer: Any, class_names: list[str]) -> None:
    tokenizer.save_pretrained(str(folder / "tokenizer"))
    meta = {"tokenizer_class": type(tokenizer).__name__, "class_names": class_names}
    (folder / _META).write_text(json.dumps(meta), encoding="utf-8")


def _load_export_meta(folder: Path) -> tuple[Any, list[str]]:
    import transformers

    meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    tokenizer = getattr(transformers, meta["tokenizer_class"]).from_pretrained(str(folder / "tokenizer"))
    return tokenizer, [str(name) for name in meta["class_names"]]
