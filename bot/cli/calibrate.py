"""`modbot calibrate`: precision of each score rule on moderators' verdicts, and the `min` that would reach a
target precision. It prints the YAML lines to change; it never edits the rules file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from bot.app import Storage, calibration_service, load_rules_holder
from bot.cli.context import CliContext, UsageProblem, pass_cli
from bot.moderation.backtest import BacktestInputError, check_plot_path
from bot.moderation.calibrate import RuleCalibration, plot_precision


async def _verdicts_and_rules(
    cli: CliContext, rule_id: str | None, target: float, min_verdicts: int
) -> list[RuleCalibration]:
    holder = load_rules_holder(cli.settings)
    rules = holder.current
    if rule_id is not None and not any(rule.id == rule_id for rule in rules.rules):
        raise UsageProblem(f"{rules.source}: no rule with id {rule_id!r}; see 'modbot rules check'")
    async with Storage.open(cli.settings.database, create=False) as storage:
        service = calibration_service(storage, holder)
        return await service.run(rule_id=rule_id, target=target, min_verdicts=min_verdicts)


@click.command("calibrate")
@click.option("--rule", "rule_id", default=None, help="Only this rule (by id).")
@click.option("--target-precision", "target", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.9,
              show_default=True, help="Precision the suggested min should reach.")
@click.option("--min-verdicts", type=click.IntRange(min=1), default=30, show_default=True,
              help="Suggest nothing backed by fewer verdicts than this.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False),
              help="Draw precision vs threshold to this image (.png, .svg, ...).")
@pass_cli
def calibrate_command(
    cli: CliContext, rule_id: str | None, target: float, min_verdicts: int, as_json: bool, plot: Path | None
) -> None:
    """Per score rule: precision on moderators' verdicts (95 % Wilson interval) and the min reaching a target.

    Labels: review verdicts (approve = the flag was wrong; remove or timeout = right), reversed cases and upheld
    appeals (wrong). Nothing is changed: the YAML lines to edit are printed.
    """
    if plot is not None:
        try:
            check_plot_path(plot)
        except BacktestInputError as exc:
            raise UsageProblem(str(exc)) from exc
    results = asyncio.run(_verdicts_and_rules(cli, rule_id, target, min_verdicts))
    if plot is not None:
        try:
            plot_precision(results, target, str(plot))
        except OSError as exc:
            raise click.ClickException(f"{plot}: cannot write the plot: {exc.strerror or exc}") from exc
    if as_json:
        click.echo(json.dumps({
            "target_precision": target, "min_verdicts": min_verdicts,
            "rules": [result.as_json() for result in results],
            "changes": [result.change for result in results if result.change],
        }))
        return
    if not results:
        click.echo("no score rules to calibrate")
    for result in results:
        precision = "n/a" if result.precision is None else f"{result.precision:.3f}"
        low, high = result.interval
        click.echo(f"{result.rule_id} ({result.label} {result.min:.2f}..{result.max:.2f}, {result.where}): "
                   f"precision {precision} [{low:.3f}, {high:.3f}] on {result.verdicts} verdicts "
                   f"({result.correct} right)")
        if result.suggested is not None and result.suggested_precision is not None:
            click.echo(f"  suggested min {result.suggested:.3f}: precision {result.suggested_precision:.3f} "
                       f"backed by {result.backing} verdicts; {result.note}")
        else:
            click.echo(f"  {result.note}")
    changes = [result.change for result in results if result.change]
    if changes:
        click.echo("Lines to change in the rules file (modbot does not edit it):")
        for change in changes:
            click.echo(f"  {change}")
    if plot is not None:
        click.echo(f"precision drawn to {plot}")


def register(cli: click.Group) -> None:
    cli.add_command(calibrate_command)
