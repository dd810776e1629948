"""What every command gets: the resolved config directory, database path and environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import click
from dotenv import dotenv_values

from bot.settings import Settings, load_settings

EXIT_CONFIG = 2


class UsageProblem(click.ClickException):
    """An expected failure the user fixes (a missing folder, bad input data): one line, no prefix, exit 2."""

    exit_code = EXIT_CONFIG

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), err=True)


@dataclass
class CliContext:
    config_dir: Path
    db_override: Path | None
    environ: Mapping[str, str]
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            if not self.config_dir.is_dir():
                raise UsageProblem(
                    f"config folder {self.config_dir} not found: run 'modbot init' or pass --config"
                )
            settings = load_settings(self.config_dir, self.environ)
            if self.db_override is not None:
                settings = settings.model_copy(update={"database": self.db_override})
            self._settings = settings
        return self._settings


def build_environ(env_file: Path = Path(".env")) -> dict[str, str]:
    """The process environment, with a `.env` file filling what is unset. Read once, then injected."""
    merged: dict[str, str] = {}
    if env_file.is_file():
        merged.update({key: value for key, value in dotenv_values(env_file).items() if value is not None})
    merged.update(os.environ)
    return merged


pass_cli = click.make_pass_decorator(CliContext)
