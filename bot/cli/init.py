"""`modbot init [DIR] [--force]`: write the commented starter config/settings.yaml and config/rules.yaml."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from bot.cli.context import EXIT_CONFIG

STARTER_FILES = ("settings.yaml", "rules.yaml")


def starter_text(name: str) -> str:
    """The packaged starter copy of `name` (one of STARTER_FILES)."""
    return (resources.files("bot.starter") / name).read_text(encoding="utf-8")


@click.command("init")
@click.argument("directory", required=False, default=Path("."),
                type=click.Path(path_type=Path, file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite config files that already exist.")
def init(directory: Path, force: bool) -> None:
    """Write a commented starter config/settings.yaml and config/rules.yaml into DIRECTORY (default: here)."""
    folder = directory / "config"
    targets = [folder / name for name in STARTER_FILES]
    existing = [str(path) for path in targets if path.exists()]
    if existing and not force:
        verb = "exists" if len(existing) == 1 else "exist"
        click.echo(f"{', '.join(existing)} already {verb}: nothing written (--force overwrites)", err=True)
        raise SystemExit(EXIT_CONFIG)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, path in zip(STARTER_FILES, targets, strict=True):
            path.write_text(starter_text(name), encoding="utf-8")
    except OSError as exc:
        click.echo(f"{folder}: cannot write the starter config: {exc.strerror or exc}", err=True)
        raise SystemExit(1) from exc
    for path in targets:
        click.echo(f"wrote {path}")
    hint = "" if directory == Path(".") else f" in {directory} (or pass --config {folder})"
    click.echo(f"next: edit {folder / 'settings.yaml'}, then `modbot rules check` and `modbot run`{hint}")


def register(cli: click.Group) -> None:
    cli.add_command(init)
