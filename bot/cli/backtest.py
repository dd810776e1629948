"""`modbot backtest FILE --text-column C --label-column L [--limit N] [--json] [--plot IMAGE]`."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from tqdm import tqdm

from bot.app import load_rules_holder, open_scorer
from bot.cli.context import CliContext, UsageProblem, pass_cli
from bot.moderation.backtest import (
    BacktestInputError,
    BacktestReport,
    batched,
    check_plot_path,
    evaluate,
    plot_sweep,
    read_labelled_csv,
)
from bot.moderation.decision import decide_message
from bot.moderation.normalize import normalize
from bot.moderation.rules import RuleInput
from bot.protocols import Scorer
from bot.records import Decision

BATCH = 64


async def run_backtest(
    cli: CliContext, path: Path, text_column: str, label_column: str, limit: int | None, progress: bool,
    scorer: Scorer | None = None,
) -> BacktestReport:
    rows = read_labelled_csv(path, text_column, label_column, limit)
    live = scorer or await open_scorer(cli.settings)
    rules = load_rules_holder(cli.settings, scorer).current
    now = datetime.now(UTC)
    scores: list[dict[str, float]] = []
    decisions: list[Decision] = []
    try:
        with tqdm(total=len(rows), unit="msg", disable=not progress, file=sys.stderr, mininterval=1.0) as bar:
            for chunk in batched(rows, BATCH):
                texts = [normalize(row.text) for row in chunk]
                results = await live.score([text.model_texts()[0] for text in texts])
                for text, result in zip(texts, results, strict=True):
                    scores.append(dict(result.values))
                    decisions.append(decide_message(rules, RuleInput(text=text, scores=result.values, now=now)))
                bar.update(len(chunk))
    finally:
        if scorer is None:
            await live.close()
    return evaluate([row.label for row in rows], scores, decisions, live.model.describe())


@click.command("backtest")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--text-column", required=True, help="Column holding the message text.")
@click.option("--label-column", required=True, help="Column holding the truth (1/0, true/false or a probability).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N rows (N >= 1).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False),
              help="Draw the threshold sweep to this image (.png, .svg, .pdf, .jpg, ...: the suffix names the format).")
@pass_cli
def backtest(
    cli: CliContext, file: Path, text_column: str, label_column: str, limit: int | None, as_json: bool,
    plot: Path | None,
) -> None:
    """Run a labelled UTF-8 CSV (plain or .gz) through normalization, the scorer and the rules.

    Bad input (not UTF-8, an unclosed quote, a missing column, no data rows, an unusable --plot path) stops
    before any scoring with one line naming the file and line, exit 2.
    """
    try:
        if plot is not None:
            check_plot_path(plot)
        report = asyncio.run(
            run_backtest(cli, file, text_column, label_column, limit, progress=sys.stderr.isatty() or not as_json)
        )
    except BacktestInputError as exc:
        raise UsageProblem(str(exc)) from exc
    if plot is not None:
        try:
            plot_sweep(report, plot)
        except OSError as exc:
            raise click.ClickException(f"{plot}: cannot write the plot: {exc.strerror or exc}") from exc
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    click.echo(f"{report.rows} rows, {report.positives} labelled positive; model: {report.model}")
    click.echo("ROC-AUC per label:")
    for label, auc in report.roc_auc.items():
        click.echo(f"  {label:<16} {'n/a (one class only)' if auc is None else f'{auc:.4f}'}")
    click.echo("Action tiers:           predicted  precision  recall     F1")
    for tier in report.tiers:
        click.echo(
            f"  {tier.tier:<20} {tier.predicted:>9}  {tier.precision:>9.3f}  {tier.recall:>6.3f}  {tier.f1:>6.3f}"
        )
    for label, points in report.sweep.items():
        best = max(points, key=lambda p: p.f1)
        click.echo(f"best F1 for {label}: {best.f1:.3f} at threshold {best.threshold:.2f} "
                   f"(precision {best.precision:.3f}, recall {best.recall:.3f})")
    if plot is not None:
        click.echo(f"sweep drawn to {plot}")


def register(cli: click.Group) -> None:
    cli.add_command(backtest)
