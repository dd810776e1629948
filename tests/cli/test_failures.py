"""Every expected failure ends in one line that says what to fix: exit 2 for usage and validation, 1 for
runtime failures; a traceback only with -v."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli.main import _register, cli

_register()
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [("MODBOT_SCORER", "bogus", "detoxify, profanity"), ("MODBOT_LOG_LEVEL", "loud", "DEBUG, INFO")],
    ids=["scorer", "log-level"],
)
def test_a_bad_environment_value_is_one_line_naming_the_variable(
    variable: str, value: str, named: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(REPO / "config"), "rules", "check"], env={variable: value}, catch_exceptions=False
    )
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{variable}: '{value}'") and named in line and "Traceback" not in result.output


def test_environment_values_are_read_in_any_case(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(REPO / "config"), "rules", "check"],
        env={"MODBOT_SCORER": "Profanity", "MODBOT_LOG_LEVEL": "info"}, catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output


@pytest.fixture
def failing_command() -> Iterator[str]:
    """A command that fails the way a runtime failure does (a dropped connection), registered for one test."""

    @click.command("explode")
    def explode() -> None:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError as exc:
            raise RuntimeError("cannot reach Discord") from exc

    cli.add_command(explode)
    yield "explode"
    cli.commands.pop("explode")


def test_an_unexpected_runtime_failure_is_one_line_and_a_traceback_only_with_v(failing_command: str) -> None:
    quiet = CliRunner().invoke(cli, [failing_command])
    loud = CliRunner().invoke(cli, ["-v", failing_command])

    assert quiet.exit_code == 1
    assert quiet.stderr.strip().splitlines() == [
        "modbot explode: cannot reach Discord ([Errno 104] Connection reset by peer) (run with -v for the details)"
    ]
    assert isinstance(loud.exception, RuntimeError)  # -v: the exception and its traceback come through
