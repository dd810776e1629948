"""detoxify's own `Detoxify` class, loaded from a checkpoint file, optionally with an int8 fast path.

Scoring reproduces `Detoxify.predict` (tokenize with truncation and padding, forward, sigmoid, the class
names detoxify kept) but always returns one mapping per text: `predict` squeezes a single text to floats
(pitfall 7), and the int8 paths need the model and tokenizer separately anyway.
"""

from __future__ import annotations

import logging
import threading
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from bot.records import ModelInfo
from bot.scoring.checkpoints import checkpoint_label
from bot.scoring.engine import Prediction
from bot.scoring.quantize import quantize_dynamic_int8, release_freed_memory

log = logging.getLogger(__name__)

Quantize = Literal["none", "int8-dynamic", "onnx-int8"]
TorchQuantize = Literal["none", "int8-dynamic"]


class DetoxifyEngine:
    def __init__(
        self,
        model_type: str,
        checkpoint: Path,
        device: str = "cpu",
        quantize: TorchQuantize = "none",
        torch_threads: int = 2,
    ) -> None:
        """Load with detoxify's own `Detoxify` class (blocking: seconds for a full-size model).

        Raises whatever detoxify or torch raise. On the CPU the checkpoint is memory-mapped (its pages are read
        on demand and shared with the page cache, not copied), and int8-dynamic hands each fp32 Linear weight's
        pages back once its int8 copy exists: the process peaks near its steady size instead of holding
        checkpoint, fp32 model and int8 model at once. The `.ckpt` must stay in place while the engine lives
        (replacing it by rename, as `modbot model import` does, is safe).
        """
        import torch

        if quantize not in ("none", "int8-dynamic"):
            raise ValueError(f"DetoxifyEngine runs none or int8-dynamic, not {quantize!r} (onnx-int8: OnnxEngine)")
        torch.set_num_threads(torch_threads)
        self._device = device
        self._lock = threading.Lock()  # one forward at a time, whichever thread calls
        mode: TorchQuantize = quantize
        if quantize != "none" and not device.startswith("cpu"):
            log.warning("scoring.quantize=%s ignored on device=%s: int8 runs on the CPU only", quantize, device)
            mode = "none"
        detox = _load_detoxify(model_type, checkpoint, device)
        self.tokenizer: Any = detox.tokenizer
        self.class_names: list[str] = list(detox.class_names)
        self.model: Any = detox.model.eval()
        del detox
        if mode == "int8-dynamic":
            self.model = quantize_dynamic_int8(self.model)
            release_freed_memory()
        self.quantize: TorchQuantize = mode
        ident = checkpoint_label(checkpoint)  # `... imported sha256:<12 hex>` for an imported file
        version = f"{metadata.version('detoxify')} {ident} {'fp32' if mode == 'none' else mode}"
        self._info = ModelInfo(name=f"detoxify/{model_type}", version=version)
        self.checkpoint = checkpoint

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(self.class_names)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        import torch

        rows: list[list[float]] = [[] for _ in texts]
        with self._lock, torch.inference_mode():
            for group in length_groups([len(text) for text in texts]):  # each group padded to its own longest
                encoded = self.tokenizer([texts[index] for index in group], return_tensors="pt", truncation=True,
                                         padding=True)
                logits = self.model(**encoded.to(self._device))[0]
                for index, row in zip(group, torch.sigmoid(logits.float()).cpu().tolist(), strict=True):
                    rows[index] = row
        names = self.class_names
        return [{name: float(row[index]) for index, name in enumerate(names)} for row in rows]

    def close(self) -> None:
        self.model = None


def length_groups(lengths: Sequence[int], ratio: float = 2.0, floor: int = 64) -> list[list[int]]:
    """Indices grouped so that within a group the longest is at most `ratio` times the shortest (in
    characters: the torch path pads each forward pass to its longest text). Lengths under `floor` count as
    `floor` (short messages pad to little anyway)."""
    order = sorted(range(len(lengths)), key=lambda index: lengths[index])
    groups: list[list[int]] = []
    start = 0.0
    for index in order:
        size = max(lengths[index], floor)
        if groups and size <= start * ratio:
            groups[-1].append(index)
        else:
            groups.append([index])
            start = size
    return groups


def _load_detoxify(model_type: str, checkpoint: Path, device: str) -> Any:
    """`Detoxify(...)`, with torch.load memory-mapping the checkpoint when the model stays on the CPU."""
    import torch.utils.serialization
    from detoxify import Detoxify

    if not device.startswith("cpu") or not zipfile.is_zipfile(checkpoint):
        # mmap needs torch's zip format (torch >= 1.6 writes it); older files load the ordinary way
        return Detoxify(model_type=model_type, checkpoint=str(checkpoint), device=device)
    config = torch.utils.serialization.config.load
    previous = config.mmap
    config.mmap = True  # read by torch.load when its `mmap` argument is None, as detoxify leaves it
    try:
        return Detoxify(model_type=model_type, checkpoint=str(checkpoint), device=device)
    finally:
        config.mmap = previous
