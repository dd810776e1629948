"""`modbot rules check [PATH]`: exit 0, or exit 2 with `PATH:LINE: key: message` per problem.
`modbot rules preview NEW_RULES`: what NEW_RULES would have decided about the stored messages of a period.

Rules that load but cannot fire with the configured scorer (a real label it does not produce) are printed as
`warning: PATH:LINE: key: ...` on stderr; they alone do not fail the check.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.context import EXIT_CONFIG, CliContext, UsageProblem, pass_cli
from bot.durations import parse_duration
from bot.moderation.rules import load_rules
from bot.scoring.factory import known_labels, scorer_name
from bot.scoring.labels import ALL_LABELS
from bot.yamlconf import ConfigError

if TYPE_CHECKING:
    from bot.moderation.preview import PreviewReport


@click.group("rules")
def rules_group() -> None:
    """Check the moderation rules, and preview a change on stored history."""


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
        f"{len(rules.escalation)} escalation steps, {len(rules.heat)} heat rules; "
        f"labels used: {', '.join(sorted(rules.labels)) or 'none'}"
        + (f"; {len(rules.warnings)} rules cannot fire with {scorer_name(scoring)} (warnings above)"
           if rules.warnings else "")
    )


async def _preview(cli: CliContext, path: Path, since: str, examples: int) -> PreviewReport:
    from bot.app import App

    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise UsageProblem(f"--since: {exc}") from exc
    async with App.open(cli.settings) as app:
        service = app.previewer()
        new = service.candidate_file(path)
        for warning in new.warnings:
            click.echo(f"warning: {warning}", err=True)
        return await service.run(new, window, examples=examples)


@rules_group.command("preview")
@click.argument("new_rules", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--since", default="7d", show_default=True, help="Replay the messages judged within this period.")
@click.option("--examples", type=click.IntRange(min=0), default=10, show_default=True,
              help="Show up to N messages whose decision would change.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False),
              help="Draw before/after bars per action tier to this image (.png, .svg, ...).")
@pass_cli
def preview_command(
    cli: CliContext, new_rules: Path, since: str, examples: int, as_json: bool, plot: Path | None
) -> None:
    """Replay the stored messages of the period through the rules in force and NEW_RULES; enforce nothing.

    Recorded scores are reused where the live model recorded them; other messages are scored again. Messages
    whose text was purged are skipped and counted.
    """
    from bot.moderation.backtest import BacktestInputError, check_plot_path
    from bot.moderation.preview import plot_tiers

    if plot is not None:
        try:
            check_plot_path(plot)
        except BacktestInputError as exc:
            raise UsageProblem(str(exc)) from exc
    started = datetime.now(UTC)
    report = asyncio.run(_preview(cli, new_rules, since, examples))
    if plot is not None:
        try:
            plot_tiers(report, plot)
        except OSError as exc:
            raise click.ClickException(f"{plot}: cannot write the plot: {exc.strerror or exc}") from exc
    if as_json:
        click.echo(json.dumps({"new_rules": str(new_rules), "since": since, **report.as_json()}, ensure_ascii=False))
        return
    seconds = (datetime.now(UTC) - started).total_seconds()
    click.echo(f"{report.judged} messages judged in the last {since}: {report.replayed} replayed "
               f"({report.rescored} scored again), {report.purged} skipped (text purged); "
               f"{report.changed} would change ({seconds:.1f} s). Nothing was enforced.")
    click.echo("Action tier        before    after")
    for name, before, after in report.tiers():
        click.echo(f"  {name:<14} {before:>8} {after:>8}  {after - before:+d}")
    if report.rules():
        click.echo("Rule               before    after")
        for name, before, after in report.rules():
            click.echo(f"  {name:<14} {before:>8} {after:>8}  {after - before:+d}")
    for example in report.examples:
        text = " ".join(example.text.split())
        click.echo(f"  #{example.message_id}: {text[:80]!r}: {example.before_rule or '-'} "
                   f"[{', '.join(example.before)}] -> {example.after_rule or '-'} [{', '.join(example.after)}]")
    if plot is not None:
        click.echo(f"tiers drawn to {plot}")


def register(cli: click.Group) -> None:
    cli.add_command(rules_group)
