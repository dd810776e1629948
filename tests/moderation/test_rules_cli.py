"""`modbot rules check` and `modbot score` on the shipped rules with the profanity scorer: warnings, exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import _register, cli

_register()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def profanity_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MODBOT_SCORER", "profanity")
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "rules.yaml").write_text(Path("config/rules.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_rules_check_shipped_rules_on_profanity_exits_0_with_warnings(profanity_config: Path) -> None:
    path = profanity_config / "rules.yaml"
    code, out, err = run("--config", str(profanity_config), "rules", "check", str(path))
    assert code == 0, err
    assert "OK: 10 rules" in out and "5 rules cannot fire with profanity-check" in out
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 5
    assert any(line.startswith(f"warning: {path}:") and "rules[1].when.score.label: 'threat' is not produced by "
               "the live scorer (profanity-check): rule 'threats' cannot fire" in line for line in warnings), err


def test_rules_check_typo_still_exits_2(profanity_config: Path) -> None:
    path = profanity_config / "rules.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("label: threat,", "label: thret,"), encoding="utf-8")
    code, _, err = run("--config", str(profanity_config), "rules", "check", str(path))
    assert code == 2
    assert "rules[1].when.score.label: unknown label 'thret' (did you mean 'threat'?)" in err


def test_score_on_profanity_runs_and_warns_on_stderr(profanity_config: Path) -> None:
    code, out, err = run("--config", str(profanity_config), "score", "hi")
    assert code == 0, err
    assert out.startswith("model:    profanity-check")
    assert "warning: " in err and "rule 'threats' cannot fire" in err
