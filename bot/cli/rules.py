"""`modbot rules check [PATH]`: exit 0, or exit 2 with `PATH:LINE: key: message` per problem."""

from __future__ import annotations

from pathlib import Path

import click

from bot.app import rule_labels
from bot.cli.context import EXIT_CONFIG, CliContext, pass_cli
from bot.moderation.rules import load_rules
from bot.yamlconf import ConfigError


@click.group("rules")
def rules_group() -> None:
    """Check and inspect the moderation rules."""


@rules_group.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@pass_cli
def check(cli: CliContext, path: Path | None) -> None:
    """Validate a rules file (default: the configured one)."""
    target = path or cli.settings.rules_path
    labels = rule_labels(cli.settings, None)
    try:
        rules = load_rules(target, labels)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(EXIT_CONFIG) from exc
    shadow = sum(rule.shadow for rule in rules.rules)
    click.echo(
        f"{target}: OK: {len(rules.rules)} rules ({shadow} in shadow mode), {len(rules.profiles)} profiles, "
        f"{len(rules.escalation)} escalation steps; labels used: {', '.join(sorted(rules.labels)) or 'none'}"
    )


def register(cli: click.Group) -> None:
    cli.add_command(rules_group)
