"""open_scorer: checkpoint order, fallback visibility, the error that names the fix, known_labels."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.scoring.factory import ScorerUnavailable, known_labels, open_scorer, rule_labels, scorer_name
from bot.scoring.labels import ALL_LABELS, ORIGINAL_LABELS, UNBIASED_LABELS
from bot.settings import ScoringSettings
from tests.synthetic import SyntheticCheckpoint

MakeSettings = Callable[..., ScoringSettings]


async def test_configured_checkpoint_loads_detoxify(
    original_ckpt: SyntheticCheckpoint, make_settings: MakeSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.scoring")
    scorer = await open_scorer(make_settings(original_ckpt.path, quantize="int8-dynamic"))
    try:
        (scores,) = await scorer.score(["hello there"])
    finally:
        await scorer.close()
    assert scorer.model.name == "detoxify/original"
    assert scorer.model.version.startswith("0.5.4 synthetic_original_tiny-")
    assert scorer.model.version.endswith(" int8-dynamic")
    assert scorer.model.fallback is False
    assert set(scores.values) == set(ORIGINAL_LABELS)
    assert any("scoring live model=detoxify/original" in record.getMessage() for record in caplog.records)


async def test_torch_hub_cache_is_used_when_no_path_is_configured(
    original_ckpt: SyntheticCheckpoint, make_settings: MakeSettings, torch_home: Path
) -> None:
    cached = torch_home / "hub" / "checkpoints" / "toxic_original-c1212f89.ckpt"
    cached.parent.mkdir(parents=True)
    shutil.copyfile(original_ckpt.path, cached)
    scorer = await open_scorer(make_settings(None))
    await scorer.close()
    assert scorer.model.name == "detoxify/original"
    assert " toxic_original-c1212f89 fp32" in scorer.model.version


async def test_missing_checkpoint_falls_back_visibly(
    make_settings: MakeSettings, tmp_path: Path, torch_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "nope.ckpt"
    scorer = await open_scorer(make_settings(missing, allow_fallback=True))
    try:
        (scores,) = await scorer.score(["what the fuck"])
    finally:
        await scorer.close()
    assert scorer.model.name == "profanity-check"
    assert scorer.model.fallback is True
    assert str(missing) in scorer.model.note
    assert "FALLBACK" in scorer.model.describe()
    assert scores.model.fallback is True
    assert set(scores.values) == {"profanity"}
    assert any("fallback=profanity-check" in record.getMessage() for record in caplog.records)


async def test_unloadable_checkpoint_falls_back_with_the_reason(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ckpt"
    broken.write_bytes(b"this is not a pickle")
    scorer = await open_scorer(make_settings(broken))
    await scorer.close()
    assert scorer.model.fallback is True
    assert "could not load" in scorer.model.note


async def test_no_checkpoint_and_no_fallback_names_the_fix(make_settings: MakeSettings, torch_home: Path) -> None:
    with pytest.raises(ScorerUnavailable) as error:
        await open_scorer(make_settings(None, allow_fallback=False))
    message = str(error.value)
    assert "modbot model fetch" in message
    assert "modbot model import PATH" in message
    assert "scoring.checkpoint" in message


async def test_profanity_backend_asked_for_is_not_a_fallback(make_settings: MakeSettings) -> None:
    scorer = await open_scorer(make_settings(None, backend="profanity"))
    await scorer.close()
    assert scorer.model.name == "profanity-check"
    assert scorer.model.fallback is False


def test_known_labels_loads_nothing(make_settings: MakeSettings, tmp_path: Path) -> None:
    missing = tmp_path / "absent.ckpt"
    assert known_labels(make_settings(missing, allow_fallback=False)) == frozenset(ORIGINAL_LABELS)
    assert known_labels(make_settings(missing)) == frozenset({*ORIGINAL_LABELS, "profanity"})
    assert known_labels(make_settings(missing, model_type="multilingual", allow_fallback=False)) == frozenset(
        UNBIASED_LABELS
    )
    assert known_labels(make_settings(missing, backend="profanity")) == frozenset({"profanity"})


def test_scorer_name_and_the_labels_rules_may_name_without_a_warning(make_settings: MakeSettings) -> None:
    detoxify, profanity = make_settings(None), make_settings(None, backend="profanity")
    assert scorer_name(detoxify) == "detoxify/original" and scorer_name(profanity) == "profanity-check"
    assert {"threat", "sexual_explicit", "profanity"} <= ALL_LABELS
    # detoxify live, the fallback allowed: the fallback's rules are dormant, not broken
    assert rule_labels(detoxify, frozenset(ORIGINAL_LABELS), fallback=False) == frozenset({*ORIGINAL_LABELS,
                                                                                            "profanity"})
    # the fallback live: only its label fires
    assert rule_labels(detoxify, frozenset({"profanity"}), fallback=True) == frozenset({"profanity"})
    assert rule_labels(profanity) == frozenset({"profanity"})


async def test_onnx_int8_serves_the_export_made_on_first_start(
    original_ckpt: SyntheticCheckpoint, make_settings: MakeSettings, torch_home: Path,
    caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.scoring")
    settings = make_settings(original_ckpt.path, quantize="onnx-int8")
    scorer = await open_scorer(settings)
    try:
        (scores,) = await scorer.score(["hello there"])
    finally:
        await scorer.close()
    assert scorer.model.name == "detoxify/original"
    assert scorer.model.version.endswith(" onnx-int8")
    assert set(scores.values) == set(ORIGINAL_LABELS)
    exports = list((torch_home / "hub" / "modbot" / "onnx").glob("*/model.int8.onnx"))
    assert len(exports) == 1  # made next to the checkpoint cache, in the work dir
    assert any("fidelity_max_abs_diff=" in record.getMessage() for record in caplog.records)
