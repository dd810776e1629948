"""What every command gets: the resolved config directory, database path and environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any

import click
from dotenv import dotenv_values

from bot.settings import Settings, load_settings

EXIT_CONFIG = 2  # usage and validation errors: the user fixes the command line, a file or the input
EXIT_RUNTIME = 1  # runtime failures: the database, the network, Discord


def one_line(exc: BaseException) -> str:
    """An exception as one line: its message, else its type; a chained cause's message added when it says more."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text += f" ({' '.join(str(cause).split())})"
    return text if len(text) <= 400 else text[:399] + "…"


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
    verbose: bool = False
    config_given: bool = False  # --config was passed (else the default config/ folder)
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            if not self.config_dir.is_dir():
                raise UsageProblem(
                    f"config folder {self.config_dir} not found: run 'modbot init' or pass --config"
                )
            self._settings = self._with_db(load_settings(self.config_dir, self.environ))
        return self._settings

    def _with_db(self, settings: Settings) -> Settings:
        """--db, when given, wins over the settings' database."""
        if self.db_override is None:
            return settings
        return settings.model_copy(update={"database": self.db_override})


    @property
    def database(self) -> Path:
        """The database file: --db when given (then no config folder is needed), else settings'."""
        return self.db_override if self.db_override is not None else self.settings.database

    def demo_settings(self) -> Settings:
        """The demo's settings: the config folder's when there is one, else modbot's packaged starter config,
        so that `modbot demo` works from any folder (a missing folder passed with --config is still an error)."""
        if self.config_given or self.config_dir.is_dir():
            return self.settings
        starter = Path(str(resources.files("bot.starter")))
        return self._with_db(load_settings(starter, self.environ))


def build_environ(env_file: Path = Path(".env")) -> dict[str, str]:
    """The process environment, with a `.env` file filling what is unset. Read once, then injected."""
    merged: dict[str, str] = {}
    if env_file.is_file():
        merged.update({key: value for key, value in dotenv_values(env_file).items() if value is not None})
    merged.update(os.environ)
    return merged


pass_cli = click.make_pass_decorator(CliContext)
