"""Make the int8 ONNX export of a detoxify checkpoint, in its own process, and measure its fidelity.

The checkpoint is read by detoxify's own `Detoxify` class (through DetoxifyEngine), exported to ONNX, fused
with ONNX Runtime's transformer optimizer (attention, LayerNorm, GELU, bias), its weights then quantized to
int8 with onnxruntime's dynamic quantizer, and the export compared with detoxify fp32 on
`bot.scoring.fidelity.FIDELITY_SAMPLE`; the result is kept in the folder's `modbot-export.json`.

    python -m bot.scoring.onnx_export MODEL_TYPE CHECKPOINT FOLDER [--threads N]

prints one JSON line (the metadata), and each step as it starts as `modbot-step: NAME` on stderr.
`ensure_export` runs that command as a child process, so the serving process never loads torch: the export
costs the child about 1 GB for the full model, then its memory is gone. It logs each step (INFO) and hands it to
an optional callback (`modbot model export` prints them on a terminal): a full-size export takes about 40 s.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.scoring.checkpoints import checkpoint_id
from bot.scoring.onnx_engine import META_FILE, MODEL_FILE, TOKENIZER_FILE, ExportMeta, OnnxEngine, read_meta

log = logging.getLogger(__name__)

ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
STEP_PREFIX = "modbot-step: "
STEPS = ("loading checkpoint", "scoring the fidelity sample with fp32", "exporting to ONNX", "quantizing to int8",
         "measuring fidelity")
OnStep = Callable[[str], None]
_LONGEST_SANE_MAX = 1_000_000  # transformers uses a huge number for "no maximum"


class ExportError(Exception):
    """The export could not be made; the message says why (the child's own error included)."""


def ensure_export(model_type: str, checkpoint: Path, folder: Path, threads: int = 2,
                  timeout_s: float = 1800.0, on_step: OnStep | None = None) -> ExportMeta:
    """The folder's export, made first in a child process when it is missing or of an older format. Blocking.

    Each step of the child is logged as it starts and passed to `on_step` (in this thread).
    """
    meta = read_meta(folder)
    if meta is not None:
        return meta
    log.info("scoring onnx export of %s into %s: starting (about 40 s for a full-size model)", checkpoint, folder)
    command = [sys.executable, "-m", __name__, model_type, str(checkpoint), str(folder), "--threads", str(threads)]
    env = dict(os.environ)
    env.setdefault("TRANSFORMERS_VERBOSITY", "error")
    root = str(Path(__file__).resolve().parents[2])  # where `bot` is, installed or not
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (root, env.get("PYTHONPATH"))))
    began = time.monotonic()
    other: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env) as child:
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            child.kill()

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        try:
            assert child.stderr is not None
            for raw in child.stderr:
                line = raw.rstrip("\n")
                if line.startswith(STEP_PREFIX):
                    step = line.removeprefix(STEP_PREFIX)
                    log.info("scoring onnx export step=%r elapsed_s=%.1f", step, time.monotonic() - began)
                    if on_step is not None:
                        on_step(step)
                elif line.strip():
                    other.append(line)
            returncode = child.wait()
        finally:
            timer.cancel()
            timer.join()
    if timed_out.is_set():
        raise ExportError(f"the ONNX export of {checkpoint} took more than {timeout_s:.0f}s")
    meta = read_meta(folder)
    if returncode != 0 or meta is None:
        tail = other[-1:] or ["no output"]
        raise ExportError(f"the ONNX export of {checkpoint} failed (exit {returncode}): {tail[0]}")
    log.info("scoring onnx export done in %.1fs", time.monotonic() - began)
    return meta


def _no_step(name: str) -> None:
    return None


def export(model_type: str, checkpoint: Path, folder: Path, threads: int = 2,
           on_step: OnStep = _no_step) -> ExportMeta:
    """In this process: load with detoxify, export, quantize, measure fidelity, then move into `folder`."""
    on_step(STEPS[0])
    from bot.scoring.detoxify_engine import DetoxifyEngine
    from bot.scoring.fidelity import FIDELITY_SAMPLE, max_abs_difference

    reference = DetoxifyEngine(model_type, checkpoint, quantize="none", torch_threads=threads)
    on_step(STEPS[1])
    expected = [reference.predict([text])[0] for text in FIDELITY_SAMPLE]
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        fp32_path = staging / "model.fp32.onnx"
        on_step(STEPS[2])
        _export_fp32(reference.model, reference.tokenizer, fp32_path)
        fused_path = staging / "model.fused.onnx"
        fusions = _optimize(fp32_path, fused_path, reference.model.config)
        on_step(STEPS[3])
        _quantize_int8(fused_path if fusions is not None else fp32_path, staging / MODEL_FILE)
        fp32_path.unlink()
        fused_path.unlink(missing_ok=True)
        tokenizer = reference.tokenizer
        fast_tokenizer(tokenizer).save(str(staging / TOKENIZER_FILE))
        max_length = int(tokenizer.model_max_length)
        if max_length > _LONGEST_SANE_MAX:
            raise ExportError("the tokenizer has no model_max_length: long texts would overflow the model")
        meta = ExportMeta(
            model_type=model_type,
            checkpoint_id=checkpoint_id(checkpoint),
            class_names=tuple(reference.class_names),
            max_length=max_length,
            pad_id=int(tokenizer.pad_token_id),
            pad_token=str(tokenizer.pad_token),
            pad_type_id=int(getattr(tokenizer, "pad_token_type_id", 0)),
            padding_side=str(tokenizer.padding_side),
            fidelity_max_abs_diff=None,
            fidelity_label=None,
            fusions=fusions,
        )
        (staging / META_FILE).write_text(meta.to_json(), encoding="utf-8")
        on_step(STEPS[4])
        candidate = OnnxEngine(staging, threads)
        measured = [candidate.predict([text])[0] for text in FIDELITY_SAMPLE]
        fidelity = max_abs_difference(expected, measured, FIDELITY_SAMPLE)
        meta = ExportMeta(**{**_fields(meta), "fidelity_max_abs_diff": fidelity.max_abs_diff,
                             "fidelity_label": fidelity.label})
        (staging / META_FILE).write_text(meta.to_json(), encoding="utf-8")
        del candidate
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging.replace(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return meta


def _fields(meta: ExportMeta) -> dict[str, Any]:
    return {field: getattr(meta, field) for field in meta.__dataclass_fields__}


def _export_fp32(model: Any, tokenizer: Any, path: Path) -> None:
    import torch

    sample = tokenizer(["an example sentence", "hi"], return_tensors="pt", padding=True, truncation=True)
    names = [name for name in ONNX_INPUTS if name in sample]

    class LogitsOnly(torch.nn.Module):
        """Positional tensors in, logits out: what the exporter can trace."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: Any) -> Any:
            return self.model(**dict(zip(names, tensors, strict=True)))[0]

    # the eager attention graph (matmul, mask add, softmax) is the one ONNX Runtime's attention fusion knows;
    # scaled_dot_product_attention exports as a pattern it does not fuse
    if hasattr(model, "set_attn_implementation"):
        with contextlib.suppress(Exception):
            model.set_attn_implementation("eager")
    axes: dict[str, dict[int, str]] = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["logits"] = {0: "batch"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LogitsOnly(), tuple(sample[name] for name in names), str(path),
            input_names=names, output_names=["logits"], dynamic_axes=axes, opset_version=17, dynamo=False,
        )


def fast_tokenizer(tokenizer: Any) -> Any:
    """The `tokenizers.Tokenizer` behind a transformers tokenizer. A slow (sentencepiece or python) tokenizer,
    which the XLM-R and ALBERT checkpoints may load as, is converted the way transformers converts it when it
    makes the fast one (`convert_slow_tokenizer`), so serving needs only `tokenizers`. Raises ExportError."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        return backend
    try:
        from transformers.convert_slow_tokenizer import convert_slow_tokenizer

        return convert_slow_tokenizer(tokenizer)
    except Exception as exc:  # no converter for this class, sentencepiece or protobuf missing...
        raise ExportError(f"{type(tokenizer).__name__} has no fast (tokenizers) form and could not be converted"
                          f" ({type(exc).__name__}: {exc}): onnx-int8 needs one") from exc


def _optimize(source: Path, target: Path, config: Any) -> dict[str, int] | None:
    """ONNX Runtime's transformer fusions (attention, LayerNorm, GELU, bias, embedding layer) on the fp32
    graph, before quantization (not SkipLayerNormalization: see onnx_engine.DISABLED_OPTIMIZERS); BERT,
    RoBERTa and XLM-R all share the `bert` fusion patterns.
    Returns the fused operators counted by the optimizer, or None when it could not be applied (the plain graph
    is quantized then: slower, same scores)."""
    try:
        from onnxruntime.transformers.fusion_options import FusionOptions
        from onnxruntime.transformers.optimizer import optimize_model

        options = FusionOptions("bert")
        options.enable_skip_layer_norm = False  # its CPU kernel is slower than Add + LayerNormalization
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimized = optimize_model(
                str(source), model_type="bert", num_heads=int(getattr(config, "num_attention_heads", 0)),
                hidden_size=int(getattr(config, "hidden_size", 0)), opt_level=1, use_gpu=False,
                optimization_options=options,
            )
        counts = {name: int(count) for name, count in optimized.get_fused_operator_statistics().items() if count}
        optimized.save_model_to_file(str(target))
    except Exception as exc:  # an unknown graph shape, an onnxruntime without the transformers tools...
        print(f"warning: transformer fusions not applied ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    return counts


def _quantize_int8(source: Path, target: Path) -> None:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # the fused graph's com.microsoft operators (Attention, BiasGelu...) carry no shape-inferred
    # types: their float outputs are named as the default so that the MatMuls after them are quantized too
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": TensorProto.FLOAT})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.scoring.onnx_export", description=__doc__)
    parser.add_argument("model_type")
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    def announce(name: str) -> None:
        print(f"{STEP_PREFIX}{name}", file=sys.stderr, flush=True)

    try:
        meta = export(args.model_type, args.checkpoint, args.folder, args.threads, announce)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(meta.to_json().replace("\n", ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
