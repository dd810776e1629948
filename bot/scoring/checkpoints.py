"""Where a detoxify checkpoint comes from: the configured path, torch hub's cache, or a download.

Checkpoints are pickles (detoxify loads them with `torch.load(weights_only=False)`): only files from a trusted
source belong in the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bot.scoring.labels import ARCHITECTURES, guess_model_type
from bot.settings import ScoringSettings

Origin = Literal["settings", "cache", "download", "missing"]

_HASHED_NAME = re.compile(r"-[0-9a-f]{8}$")


class CheckpointError(Exception):
    """A checkpoint is missing, unreadable or not in detoxify's format."""


@dataclass(frozen=True, slots=True)
class CheckpointLocation:
    model_type: str
    path: Path  # where the file is, or would be once downloaded
    origin: Origin  # settings/cache: the file exists; download: allowed, not there yet; missing: neither
    url: str

    @property
    def exists(self) -> bool:
        return self.origin in ("settings", "cache")


def hub_checkpoint_dir() -> Path:
    """torch hub's checkpoint cache (`$TORCH_HOME/hub/checkpoints`), where detoxify looks and downloads.

    Resolved as `torch.hub.get_dir()` does (TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch) but
    without importing torch: a process that serves the ONNX export never loads it.
    """
    home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "torch")
    return Path(os.path.expanduser(home)) / "hub" / "checkpoints"


def cache_path(model_type: str) -> Path:
    return hub_checkpoint_dir() / ARCHITECTURES[model_type].checkpoint_file


def work_dir() -> Path:
    """Where derived files (ONNX exports) are kept, next to the checkpoint cache."""
    return hub_checkpoint_dir().parent / "modbot"


def locate(settings: ScoringSettings) -> CheckpointLocation:
    """Resolve the checkpoint without loading or downloading anything."""
    arch = ARCHITECTURES[settings.model_type]
    if settings.checkpoint is not None:
        path = settings.checkpoint.expanduser()
        return CheckpointLocation(settings.model_type, path, "settings" if path.is_file() else "missing", arch.url)
    cached = cache_path(settings.model_type)
    if cached.is_file():
        return CheckpointLocation(settings.model_type, cached, "cache", arch.url)
    return CheckpointLocation(settings.model_type, cached, "download" if settings.allow_download else "missing",
                              arch.url)


IMPORT_RECORD_SUFFIX = ".import.json"


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """Written next to a checkpoint by `modbot model import`: the file has the release name, not its weights."""

    source: str  # the path it was imported from
    sha256: str  # of the imported file
    imported_at: str  # ISO 8601, UTC
    model_type: str

    @property
    def short(self) -> str:
        return self.sha256[:12]


def import_record_path(checkpoint: Path) -> Path:
    return checkpoint.with_name(checkpoint.name + IMPORT_RECORD_SUFFIX)


def read_import_record(checkpoint: Path) -> ImportRecord | None:
    """The record `install` left next to the file, or None (a release file, or a file set in the settings).

    A record that cannot be read still marks the file as imported, with its sha256 measured now.
    """
    path = import_record_path(checkpoint)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ImportRecord(str(data["source"]), str(data["sha256"]), str(data["imported_at"]),
                            str(data["model_type"]))
    except (OSError, ValueError, KeyError, TypeError):
        return ImportRecord("(unknown: unreadable import record)", file_sha256(checkpoint), "", "")


def checkpoint_id(path: Path) -> str:
    """The file's stem when it already carries a hash (detoxify's release names do), else stem-<sha256[:8]>.

    An imported file keeps the release name but not its weights: `<stem>-imported-<sha256[:12]>`, so its ONNX
    export is never confused with the release's.
    """
    stem = path.stem
    record = read_import_record(path)
    if record is not None:
        return f"{stem}-imported-{record.short}"
    if _HASHED_NAME.search(stem):
        return stem
    return f"{stem}-{file_sha256(path)[:8]}"


def checkpoint_label(path: Path) -> str:
    """How `ModelInfo.version` names the checkpoint: its id, and `imported sha256:<12 hex>` for imported files."""
    record = read_import_record(path)
    if record is None:
        return checkpoint_id(path)
    return f"{path.stem} imported sha256:{record.short}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(model_type: str, url: str | None = None, dest: Path | None = None) -> Path:
    """Download a release checkpoint into the cache (atomically). Raises CheckpointError with the reason."""
    import torch.hub

    arch = ARCHITECTURES[model_type]
    target = dest or cache_path(model_type)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        torch.hub.download_url_to_file(url or arch.url, str(partial), progress=True)
    except Exception as exc:  # urllib raises URLError, HTTPError, OSError, ssl errors...
        partial.unlink(missing_ok=True)
        raise CheckpointError(f"could not download {url or arch.url}: {exc}") from exc
    partial.replace(target)
    import_record_path(target).unlink(missing_ok=True)  # the release file again, not an imported one
    return target


def prefetch_base_files(model_type: str) -> None:
    """A real checkpoint names its Hugging Face base model; cache its config and tokenizer for offline loads."""
    import transformers

    arch = ARCHITECTURES[model_type]
    try:
        getattr(transformers, arch.model_class).config_class.from_pretrained(arch.base_model)
        getattr(transformers, arch.tokenizer_class).from_pretrained(arch.base_model)
    except Exception as exc:
        raise CheckpointError(f"could not fetch the {arch.base_model} config and tokenizer: {exc}") from exc


def read_header(path: Path) -> dict[str, Any]:
    """Unpickle a checkpoint (trusted files only) and check detoxify's format; return its `config`."""
    import torch

    try:
        loaded = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise CheckpointError(f"{path}: not a readable checkpoint: {exc}") from exc
    if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
        raise CheckpointError(f"{path}: not a detoxify checkpoint (needs 'config' and 'state_dict')")
    config = loaded["config"]
    try:
        config["arch"]["args"]["model_name"]
        config["dataset"]["args"]["classes"]
    except (KeyError, TypeError) as exc:
        raise CheckpointError(f"{path}: checkpoint config lacks {exc}") from exc
    return dict(config)


def model_type_of(config: dict[str, Any]) -> str | None:
    args = config["arch"]["args"]
    return guess_model_type(str(args.get("model_name")), int(args.get("num_classes", 0)))


def install(source: Path, model_type: str, now: datetime | None = None) -> tuple[Path, ImportRecord]:
    """Copy a checked checkpoint into the cache under the release name detoxify looks for, with an
    `ImportRecord` beside it (source, sha256, time) so the model is never taken for the release.

    The record is in place before the file is: an interrupted import errs towards calling a file imported.
    """
    target = cache_path(model_type)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    record = ImportRecord(
        source=str(source.resolve()),
        sha256=file_sha256(partial),
        imported_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        model_type=model_type,
    )
    record_path = import_record_path(target)
    record_partial = record_path.with_name(record_path.name + ".partial")
    record_partial.write_text(json.dumps(asdict(record), indent=1) + "\n", encoding="utf-8")
    record_partial.replace(record_path)
    partial.replace(target)
    return target, record
