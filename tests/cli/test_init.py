"""`modbot init` and what happens without a config folder, through click's runner on real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.init import STARTER_FILES, starter_text
from bot.cli.main import _register, cli

_register()

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.mark.parametrize("name", STARTER_FILES)
def test_packaged_starter_is_identical_to_the_repository_config(name: str) -> None:
    assert starter_text(name) == (REPO_CONFIG / name).read_text(encoding="utf-8"), (
        f"bot/starter/{name} has drifted from config/{name}: copy config/{name} over it"
    )


def test_init_writes_a_config_that_rules_check_accepts(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in STARTER_FILES:
        assert (tmp_path / "config" / name).read_text(encoding="utf-8") == starter_text(name)
        assert f"wrote {tmp_path / 'config' / name}" in result.stdout
    check = CliRunner().invoke(cli, ["--config", str(tmp_path / "config"), "rules", "check"])
    assert check.exit_code == 0, check.output
    assert "OK: 10 rules" in check.stdout


def test_init_defaults_to_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (tmp_path / "config").iterdir()) == sorted(STARTER_FILES)


def test_init_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    rules = tmp_path / "config" / "rules.yaml"
    rules.parent.mkdir()
    rules.write_text("# my own rules\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert refused.exit_code == 2
    assert refused.stderr.strip() == f"{rules} already exists: nothing written (--force overwrites)"
    assert rules.read_text(encoding="utf-8") == "# my own rules\n"
    assert not (tmp_path / "config" / "settings.yaml").exists()
    forced = CliRunner().invoke(cli, ["init", str(tmp_path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert rules.read_text(encoding="utf-8") == starter_text("rules.yaml")


def test_a_missing_config_folder_is_one_line_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    result = CliRunner().invoke(cli, ["--config", str(missing), "score", "hello"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"config folder {missing} not found: run 'modbot init' or pass --config"]


def test_the_default_config_folder_absent_points_to_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["config folder config not found: run 'modbot init' or pass --config"]


def test_extracting_a_local_page_needs_no_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paragraph = "<p>The council met on Tuesday to discuss the long-delayed bridge, and residents spoke at length.</p>"
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><nav>Home | News</nav><article>{paragraph * 6}</article></body></html>",
                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["extract", str(page)])
    assert result.exit_code == 0, result.output
    assert "long-delayed bridge" in result.stdout and "Home | News" not in result.stdout
