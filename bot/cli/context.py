"""What every command gets: the resolved config directory, database path and environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click
from dotenv import dotenv_values

from bot.settings import Settings, load_settings

EXIT_CONFIG = 2


@dataclass
class CliContext:
    config_dir: Path
    db_override: Path | None
    environ: Mapping[str, str]
    verbose: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
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
