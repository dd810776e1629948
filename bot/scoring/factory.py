"""Open the configured scorer: detoxify if it can load, else (if allowed) the profanity fallback.

Order for the checkpoint: `scoring.checkpoint`; else torch hub's cache file for the model type; else a
download, only when `scoring.allow_download` is set. Loading runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.protocols import Scorer
from bot.scoring import checkpoints
from bot.scoring.engine import InferenceEngine
from bot.scoring.labels import ARCHITECTURES, PROFANITY_LABEL, PROFANITY_MODEL_NAME
from bot.scoring.worker import BatchingScorer
from bot.settings import ScoringSettings

log = logging.getLogger(__name__)

FIX_HINT = (
    "fix: run `modbot model fetch` on a machine with network access, or `modbot model import PATH` with a "
    "trusted .ckpt file, or set `scoring.checkpoint` in config/settings.yaml (or MODBOT_CHECKPOINT); "
    "`scoring.allow_fallback: true` starts the profanity-check fallback instead"
)


class ScorerUnavailable(Exception):
    """detoxify could not load and the fallback is not allowed. The message names the fix."""


class DetoxifyUnavailable(Exception):
    """Why detoxify could not load (becomes the fallback's note)."""


def known_labels(settings: ScoringSettings) -> frozenset[str]:
    """Labels the configured scorer can produce; loads nothing."""
    if settings.remote is not None:
        from bot.scoring.remote import remote_labels

        return remote_labels(settings.remote)
    if settings.backend == "profanity":
        return frozenset({PROFANITY_LABEL})
    labels = set(ARCHITECTURES[settings.model_type].labels)
    if settings.allow_fallback:
        labels.add(PROFANITY_LABEL)
    return frozenset(labels)


def scorer_name(settings: ScoringSettings) -> str:
    """The configured scorer's name as `ModelInfo.name` will give it; loads nothing."""
    return PROFANITY_MODEL_NAME if settings.backend == "profanity" else f"detoxify/{settings.model_type}"


def rule_labels(settings: ScoringSettings, engine_labels: frozenset[str] | None = None,
                fallback: bool = False) -> frozenset[str]:
    """Labels the rules may name without a warning: before loading, `known_labels`; once a scorer is live,
    its labels, plus the fallback's when the configured model is live and the fallback may stand in for it
    (rules written for the fallback are dormant by design then, not broken)."""
    if engine_labels is None:
        return known_labels(settings)
    return engine_labels if fallback else engine_labels | known_labels(settings)


def load_detoxify(settings: ScoringSettings) -> InferenceEngine:
    """Blocking: find the checkpoint (downloading it only if allowed) and load it. Raises DetoxifyUnavailable."""
    from bot.scoring.detoxify_engine import DetoxifyEngine

    location = checkpoints.locate(settings)
    if location.origin == "missing":
        where = "scoring.checkpoint" if settings.checkpoint is not None else "the torch hub cache"
        raise DetoxifyUnavailable(f"no {settings.model_type} checkpoint: {location.path} ({where}) does not exist"
                                  " and downloads are off")
    path = location.path
    if location.origin == "download":
        try:
            path = checkpoints.download(settings.model_type)
        except checkpoints.CheckpointError as exc:
            raise DetoxifyUnavailable(str(exc)) from exc
    try:
        if settings.quantize == "onnx-int8" and settings.device.startswith("cpu"):
            return load_onnx(settings.model_type, path, settings.torch_threads, checkpoints.work_dir())
        quantize = "none" if settings.quantize == "onnx-int8" else settings.quantize
        if quantize != settings.quantize:
            log.warning("scoring.quantize=onnx-int8 ignored on device=%s: int8 runs on the CPU only",
                        settings.device)
        return DetoxifyEngine(settings.model_type, path, device=settings.device, quantize=quantize,
                              torch_threads=settings.torch_threads)
    except Exception as exc:  # unpickling, missing Hugging Face files, shape mismatches, CUDA absent...
        raise DetoxifyUnavailable(f"detoxify could not load {path}: {type(exc).__name__}: {exc}") from exc


def load_onnx(model_type: str, checkpoint: Path, threads: int, work_dir: Path) -> InferenceEngine:
    """Blocking: the int8 ONNX export of the checkpoint, made first (in a child process) if it is not cached.

    This process imports neither torch nor transformers: it serves with onnxruntime and `tokenizers` only.
    """
    from bot.scoring.onnx_engine import OnnxEngine, export_folder
    from bot.scoring.onnx_export import ensure_export

    folder = export_folder(work_dir, checkpoints.checkpoint_id(checkpoint))
    meta = ensure_export(model_type, checkpoint, folder, threads)
    if meta.model_type != model_type:
        raise DetoxifyUnavailable(f"{folder} holds a {meta.model_type} export, not {model_type}")
    log.info("scoring onnx_export=%s fidelity_max_abs_diff=%s label=%s", folder, meta.fidelity_max_abs_diff,
             meta.fidelity_label)
    return OnnxEngine(folder, threads)


def load_engine(settings: ScoringSettings) -> InferenceEngine:
    """Blocking: the engine the settings ask for, with the fallback rules applied."""
    from bot.scoring.profanity import ProfanityEngine

    if settings.backend == "profanity":
        return ProfanityEngine(fallback=False)
    try:
        return load_detoxify(settings)
    except DetoxifyUnavailable as exc:
        if not settings.allow_fallback:
            raise ScorerUnavailable(f"detoxify is unavailable: {exc}. {FIX_HINT}") from exc
        log.warning("scoring fallback=profanity-check reason=%r", str(exc))
        return ProfanityEngine(fallback=True, note=str(exc))


async def open_scorer(settings: ScoringSettings) -> Scorer:
    if settings.remote is not None:  # a `modbot serve` (or any Perspective-compatible endpoint) scores instead
        from bot.scoring.remote import RemoteScorer, RemoteUnavailable

        try:
            return await RemoteScorer.open(settings.remote)
        except RemoteUnavailable as exc:
            raise ScorerUnavailable(str(exc)) from exc
    engine = await asyncio.to_thread(load_engine, settings)
    info = engine.info
    log.info("scoring live model=%s version=%r fallback=%s labels=%s note=%r", info.name, info.version,
             info.fallback, ",".join(sorted(engine.labels)), info.note)
    return BatchingScorer.from_settings(engine, settings)
