"""Synthetic detoxify checkpoints, built once per test session (offline, about a second each)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.settings import ScoringSettings
from tests.synthetic import SyntheticCheckpoint, build_checkpoint

MakeSettings = Callable[..., ScoringSettings]


@pytest.fixture(scope="session")
def original_ckpt(tmp_path_factory: pytest.TempPathFactory) -> SyntheticCheckpoint:
    return build_checkpoint(tmp_path_factory.mktemp("ckpt-original"), "original", "tiny")


@pytest.fixture(scope="session")
def unbiased_ckpt(tmp_path_factory: pytest.TempPathFactory) -> SyntheticCheckpoint:
    return build_checkpoint(tmp_path_factory.mktemp("ckpt-unbiased"), "unbiased", "tiny")


@pytest.fixture
def torch_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty torch hub cache for this test: no checkpoint is 'already downloaded'."""
    home = tmp_path / "torch-home"
    monkeypatch.setenv("TORCH_HOME", str(home))
    return home


@pytest.fixture
def make_settings() -> MakeSettings:
    def make(checkpoint: Path | None = None, **changes: object) -> ScoringSettings:
        values: dict[str, object] = {"checkpoint": checkpoint, "quantize": "none", "torch_threads": 1,
                                     "max_wait_ms": 2.0}
        values.update(changes)
        return ScoringSettings.model_validate(values)

    return make
