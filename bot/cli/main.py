"""Entry point: `modbot [--config DIR] [--db PATH] COMMAND ...`.

Each command group lives in its own module and is added here; commands are thin: they parse
arguments, build what they need through `bot.app`, call one service and print.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from bot.cli.context import EXIT_CONFIG, EXIT_RUNTIME, CliContext, build_environ, one_line
from bot.errors import DatabaseError
from bot.yamlconf import ConfigError


class ModbotGroup(click.Group):
    """How every command ends on an expected failure:
    - usage and validation problems (a config file, an argument, bad input data): exit 2, one line each
      (`file:line: key: message` for config files);
    - runtime failures (a database that cannot be opened, a network that cannot be reached): exit 1, one line;
    - a traceback only with -v."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            ctx.exit(EXIT_CONFIG)
        except DatabaseError as exc:  # missing, corrupt, foreign, unwritable or newer database: one line
            logging.getLogger(__name__).debug("database unusable", exc_info=True)
            click.echo(str(exc), err=True)
            ctx.exit(EXIT_RUNTIME)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if isinstance(ctx.obj, CliContext) and ctx.obj.verbose:
                raise
            command = ctx.invoked_subcommand or "modbot"
            click.echo(f"modbot {command}: {one_line(exc)} (run with -v for the details)", err=True)
            ctx.exit(EXIT_RUNTIME)


@click.group(cls=ModbotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config", "config_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("config"),
    show_default=True, help="Directory holding settings.yaml and rules.yaml.",
)
@click.option("--db", "db_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="SQLite database file (default: from settings).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail to stderr.")
@click.pass_context
def cli(ctx: click.Context, config_dir: Path, db_path: Path | None, verbose: bool) -> None:
    """modbot: a Discord comment section for news articles, kept civil."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s" if verbose else "%(levelname)s: %(message)s",
    )
    given = ctx.get_parameter_source("config_dir") is not click.core.ParameterSource.DEFAULT
    ctx.obj = CliContext(
        config_dir=config_dir, db_override=db_path, environ=build_environ(), verbose=verbose, config_given=given
    )


def _register() -> None:
    from bot.cli import backtest, calibrate, cases, digest, init, model, privacy, rules, run, score, serve

    for module in (init, run, score, rules, cases, backtest, calibrate, model, digest, privacy, serve):
        module.register(cli)


def main() -> None:
    _register()
    cli()
