"""`modbot rules check [PATH]`: exit 0, or exit 2 with `PATH:LINE: key: message` per problem.

Rules that load but cannot fire with the configured scorer (a real label it does not produce) are printed as
`warning: PATH:LINE: key: ...` on stderr; they alone do not fail the check.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.context import EXIT_CONFIG, CliContext, pass_cli
from bot.moderation.rules import load_rules
from bot.scoring.factory import known_labels, scorer_name
from bot.scoring.labels import ALL_LABELS
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
    scoring = cli.settings.scoring
    try:
        rules = load_rules(target, known_labels(scoring), ALL_LABELS, scorer_name(scoring))
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(EXIT_CONFIG) from exc
    for warning in rules.warnings:
        click.echo(f"warning: {warning}", err=True)
    shadow = sum(rule.shadow for rule in rules.rules)
    click.echo(
        f"{target}: OK: {len(rules.rules)} rules ({shadow} in shadow mode), {len(rules.profiles)} profiles, "
        f"{len(rules.escalation)} escalation steps; labels used: {', '.join(sorted(rules.labels)) or 'none'}"
        + (f"; {len(rules.warnings)} rules cannot fire with {scorer_name(scoring)} (warnings above)"
           if rules.warnings else "")
    )


def register(cli: click.Group) -> None:
    cli.add_command(rules_group)
