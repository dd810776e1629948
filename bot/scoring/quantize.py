"""The int8 fast paths: torch dynamic quantization of Linear layers, or an ONNX Runtime int8 export."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def quantize_dynamic_int8(model: Any) -> Any:
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch 2.13 marks torch.ao.quantization deprecated (pitfall 10)
        quantized = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
        )
    quantized.eval()
    return quantized


def _logits_only(model: Any, names: Sequence[str]) -> Any:
    """Wrap a transformers classifier so that the exporter sees positional tensors in, logits out."""
    import torch

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: Any) -> Any:
            return self.model(**dict(zip(names, tensors, strict=True)))[0]

    return LogitsOnly()


def export_onnx_int8(model: Any, tokenizer: Any, folder: Path) -> Path:
    """Export to ONNX (fp32) then quantize weights to int8; reuse the files when they exist."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    int8_path = folder / "model.int8.onnx"
    if int8_path.is_file():
        return int8_path
    folder.mkdir(parents=True, exist_ok=True)
    fp32_path = folder / "model.fp32.onnx"
    sample = tokenizer(["an example sentence", "hi"], return_tensors="pt", padding=True, truncation=True)
    names = [name for name in ONNX_INPUTS if name in sample]
    was_training = model.training
    model.eval()
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["logits"] = {0: "batch"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _logits_only(model, names), tuple(sample[name] for name in names), str(fp32_path),
            input_names=names, output_names=["logits"], dynamic_axes=axes, opset_version=17, dynamo=False,
        )
    model.train(was_training)
    partial = folder / "model.int8.onnx.partial"
    quantize_dynamic(str(fp32_path), str(partial), weight_type=QuantType.QInt8)
    partial.replace(int8_path)
    fp32_path.unlink(missing_ok=True)
    return int8_path


class OnnxClassifier:
    """Runs an exported classifier with ONNX Runtime; same inputs as the torch model, numpy logits out."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._names = [node.name for node in self._session.get_inputs()]

    def logits(self, encoded: Any) -> np.ndarray[Any, Any]:
        feeds = {name: np.asarray(encoded[name], dtype=np.int64) for name in self._names}
        result = self._session.run(["logits"], feeds)[0]
        return np.asarray(result, dtype=np.float32)
