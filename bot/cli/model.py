"""`modbot model fetch|import|export|info`: get detoxify's checkpoint onto this machine and say which model is live."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import click

from bot.cli.context import CliContext, pass_cli

MODEL_TYPES = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")
PICKLE_WARNING = (
    "warning: a detoxify checkpoint is a Python pickle; loading it runs code from the file. "
    "Import only files from a source you trust."
)


def register(cli: click.Group) -> None:
    cli.add_command(model)


@click.group()
def model() -> None:
    """detoxify checkpoints: download, import, inspect."""


@model.command()
@click.argument("model_type", required=False, type=click.Choice(MODEL_TYPES))
@click.option("--url", default=None, help="Download from this address instead of detoxify's release (a mirror).")
@click.option("--force", is_flag=True, help="Download again even if the cache has the file.")
@click.option("--no-base", is_flag=True, help="Skip the Hugging Face config/tokenizer of the base model.")
@pass_cli
def fetch(ctx: CliContext, model_type: str | None, url: str | None, force: bool, no_base: bool) -> None:
    """Download a checkpoint into the local cache (for air-gapped installs, copy the cache afterwards)."""
    from bot.scoring import checkpoints

    kind = model_type or ctx.settings.scoring.model_type
    target = checkpoints.cache_path(kind)
    if target.is_file() and not force:
        click.echo(f"{kind}: already in the cache: {target}")
    else:
        click.echo(f"{kind}: downloading into {target} ...")
        try:
            checkpoints.download(kind, url=url)
        except checkpoints.CheckpointError as exc:
            raise click.ClickException(
                f"{exc}\nNo network here? Download the file on a machine that has one (`modbot model fetch`), "
                "copy it over and run `modbot model import PATH`, or set scoring.checkpoint in "
                "config/settings.yaml."
            ) from exc
        click.echo(f"{kind}: saved {target}")
    if not no_base:
        try:
            checkpoints.prefetch_base_files(kind)
        except checkpoints.CheckpointError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{kind}: base model config and tokenizer cached")


@model.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "model_type", type=click.Choice(MODEL_TYPES), default=None,
              help="Model type (default: read from the checkpoint).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (you trust the file).")
@pass_cli
def import_(ctx: CliContext, path: Path, model_type: str | None, yes: bool) -> None:
    """Check that a trusted .ckpt loads with detoxify, then copy it into the cache."""
    from bot.scoring import checkpoints
    from bot.scoring.detoxify_engine import DetoxifyEngine

    click.echo(PICKLE_WARNING, err=True)
    if not yes and not click.confirm(f"Load and import {path}?", default=False, err=True):
        raise click.ClickException("not imported")
    try:
        header = checkpoints.read_header(path)
    except checkpoints.CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    kind = model_type or checkpoints.model_type_of(header)
    if kind is None:
        raise click.ClickException(f"{path}: cannot tell the model type from the checkpoint; pass --type")
    try:
        engine = DetoxifyEngine(kind, path, quantize="none", torch_threads=ctx.settings.scoring.torch_threads)
        labels = sorted(engine.labels)
        engine.close()
    except Exception as exc:
        raise click.ClickException(f"{path}: detoxify cannot load it: {type(exc).__name__}: {exc}") from exc
    target, record = checkpoints.install(path, kind)
    click.echo(f"{kind}: imported {path} -> {target}")
    click.echo(f"sha256: {record.sha256} (recorded in {checkpoints.import_record_path(target).name}; "
               f"cases will name the model 'imported sha256:{record.short}')")
    click.echo(f"labels: {', '.join(labels)}")


def progress_printer(stream: TextIO) -> Callable[[str], None] | None:
    """On a terminal: a callback printing `[  3.1s] exporting to ONNX ...` per step; elsewhere None (quiet)."""
    if not stream.isatty():
        return None
    began = time.monotonic()

    def show(step: str) -> None:
        click.echo(f"[{time.monotonic() - began:6.1f}s] {step} ...", file=stream)

    return show


@model.command()
@click.option("--force", is_flag=True, help="Export again even if a cached export exists.")
@pass_cli
def export(ctx: CliContext, force: bool) -> None:
    """Make the int8 ONNX export (quantize: onnx-int8) of the configured checkpoint and print its fidelity.

    The export runs in a child process that reads the checkpoint with detoxify; the bot then serves it with
    onnxruntime alone. A bot whose export is missing makes it on its first start the same way.
    """
    import shutil

    from bot.scoring import checkpoints
    from bot.scoring.factory import FIX_HINT
    from bot.scoring.onnx_engine import export_folder
    from bot.scoring.onnx_export import ExportError, ensure_export

    settings = ctx.settings.scoring
    location = checkpoints.locate(settings)
    if not location.exists:
        raise click.ClickException(f"no checkpoint at {location.path}; {FIX_HINT}")
    folder = export_folder(checkpoints.work_dir(), checkpoints.checkpoint_id(location.path))
    if force:
        shutil.rmtree(folder, ignore_errors=True)
    try:
        meta = ensure_export(settings.model_type, location.path, folder, settings.torch_threads,
                             on_step=progress_printer(sys.stderr))
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{settings.model_type}: ONNX int8 export in {folder}")
    click.echo(f"fidelity: max |score difference| from fp32 {meta.fidelity_max_abs_diff:.4f} "
               f"({meta.fidelity_label}) on the fixed sample")


@model.command()
@click.option("--load", "do_load", is_flag=True, help="Load the model to confirm (seconds for a full model).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_cli
def info(ctx: CliContext, do_load: bool, as_json: bool) -> None:
    """Which model would be live, its labels, where its files are, and whether it is the fallback."""
    from bot.scoring import checkpoints
    from bot.scoring.factory import FIX_HINT, ScorerUnavailable, load_engine
    from bot.scoring.labels import ARCHITECTURES, PROFANITY_LABEL
    from bot.scoring.profanity import PROFANITY_MODEL_NAME

    settings = ctx.settings.scoring
    location = checkpoints.locate(settings)
    report: dict[str, Any] = {
        "backend": settings.backend,
        "model_type": settings.model_type,
        "checkpoint": str(location.path),
        "checkpoint_origin": location.origin,
        "cache_dir": str(checkpoints.hub_checkpoint_dir()),
        "quantize": settings.quantize,
        "device": settings.device,
        "loaded": do_load,
    }
    record = checkpoints.read_import_record(location.path) if location.exists else None
    report["imported"] = record is not None
    if record is not None:
        report.update(sha256=record.sha256, imported_from=record.source, imported_at=record.imported_at)
    ok = True
    if do_load:
        try:
            engine = load_engine(settings)
        except ScorerUnavailable as exc:
            report.update(model=None, labels=[], fallback=False, note=str(exc))
            ok = False
        else:
            report.update(model=engine.info.name, version=engine.info.version, labels=sorted(engine.labels),
                          fallback=engine.info.fallback, note=engine.info.note)
            engine.close()
    elif settings.backend == "profanity":
        report.update(model=PROFANITY_MODEL_NAME, labels=[PROFANITY_LABEL], fallback=False, note="asked for")
    elif location.origin != "missing":
        note = "not loaded (--load checks)" + (": will download first" if location.origin == "download" else "")
        report.update(model=f"detoxify/{settings.model_type}",
                      labels=sorted(ARCHITECTURES[settings.model_type].labels), fallback=False, note=note)
        if record is not None:
            report["version"] = f"{checkpoints.checkpoint_label(location.path)} (not loaded)"
    elif settings.allow_fallback:
        report.update(model=PROFANITY_MODEL_NAME, labels=[PROFANITY_LABEL], fallback=True,
                      note=f"no checkpoint at {location.path}; {FIX_HINT}")
    else:
        report.update(model=None, labels=[], fallback=False, note=f"no checkpoint at {location.path}; {FIX_HINT}")
        ok = False
    if as_json:
        click.echo(json.dumps(report))
    else:
        _print_info(report)
    if not ok:
        raise SystemExit(1)


def _print_info(report: dict[str, Any]) -> None:
    live = report["model"] or "none (the bot would refuse to start)"
    if report["fallback"]:
        live += "  [FALLBACK: detoxify unavailable]"
    imported = ""
    if report["imported"]:
        imported = f"yes, from {report['imported_from']} at {report['imported_at']}"
        if not report["fallback"] and report["model"]:
            live += f"  [IMPORTED weights, sha256 {report['sha256'][:12]}]"
    elif report["checkpoint_origin"] in ("settings", "cache"):
        imported = "no"
    lines = [
        ("live model", live),
        ("version", report.get("version", "")),
        ("labels", ", ".join(report["labels"])),
        ("checkpoint", f"{report['checkpoint']} ({report['checkpoint_origin']})"),
        ("imported", imported),
        ("sha256", report.get("sha256", "")),
        ("cache dir", report["cache_dir"]),
        ("quantize", f"{report['quantize']} on {report['device']}"),
        ("note", report["note"]),
    ]
    for key, value in lines:
        if value:
            click.echo(f"{key + ':':12} {value}")
