"""`modbot score TEXT [--json]`: what the bot would decide about one message, and why.

`modbot score --file PATH [--text-column C] [--json]`: the same for many messages (a CSV file with a header, a
JSONL file with a `text` field, or one message per line; `-` reads stdin), scored in batches through the same
pipeline, one line (one JSON object with `--json`) per message in input order.
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from bot.app import App
from bot.cli.context import EXIT_CONFIG, CliContext, pass_cli
from bot.moderation.pipeline import ModerationPipeline
from bot.records import Decision, Explanation, NormalizedText, Scores, explanation_to_json

BATCH = 16  # messages judged concurrently (the scorer batches what arrives together); the CLI uses batch_size


class InputProblem(Exception):
    """A message file that cannot be read as asked: the message names the file, the line and the fix."""


def result_of(
    text: str, normalized: NormalizedText, scores: Scores, decision: Decision, explanation: Explanation | None = None
) -> dict[str, Any]:
    return {
        "text": text,
        "normalized": normalized.normalized,
        "readings": [
            {"name": normalized.reading_name(index), "text": reading, "scored": scored}
            for index, (reading, scored) in enumerate(
                zip((normalized.clean, *normalized.alternatives), normalized.model_texts(), strict=True)
            )
        ],
        "scores": {label: round(value, 4) for label, value in sorted(scores.values.items())},
        "model": {
            "name": scores.model.name,
            "version": scores.model.version,
            "fallback": scores.model.fallback,
            "note": scores.model.note,
            "describe": scores.model.describe(),
        },
        "timed_out": scores.timed_out,
        "decision": [str(action) for action in decision.actions],
        "rule": decision.rule_id,
        "variant": decision.variant.value if decision.variant else None,
        "hits": [{"rule": h.rule_id, "variant": h.variant.value, "detail": h.detail} for h in decision.hits],
        "shadow": [{"rule": h.rule_id, "detail": h.detail} for h in decision.shadow_hits],
        "exempt": decision.exempt_reason,
        "message": decision.user_message,
        "explanation": explanation_to_json(explanation) if explanation else None,
    }


async def judge_batches(
    pipeline: ModerationPipeline, texts: Sequence[str], channel_id: int, batch: int = BATCH, explain: bool = True
) -> AsyncIterator[list[dict[str, Any]]]:
    """Judge `texts` (nothing is recorded), `batch` at a time, yielding each batch's results in input order as
    soon as they are ready: the scorer sees a batch together, and a slow model is not handed more at once than it
    can score within `scoring.timeout_s`. With `explain`, a decision that acts says why (a score rule's
    occlusion is one more batch per message that acted)."""

    async def one(text: str) -> dict[str, Any]:
        normalized, scores, decision = await pipeline.trial(text, channel_id=channel_id)
        explanation = await pipeline.explain(normalized, scores, decision) if explain else None
        return result_of(text, normalized, scores, decision, explanation)

    for start in range(0, len(texts), batch):
        chunk = texts[start:start + batch]
        yield list(await asyncio.gather(*(one(text) for text in chunk)))


async def judge_many(
    pipeline: ModerationPipeline, texts: Sequence[str], channel_id: int, batch: int = BATCH, explain: bool = True
) -> list[dict[str, Any]]:
    """`judge_batches`, all at once."""
    return [result async for chunk in judge_batches(pipeline, texts, channel_id, batch, explain) for result in chunk]


async def _judge(
    cli: CliContext, texts: Sequence[str], channel_id: int, explain: bool, emit: Callable[[dict[str, Any]], None]
) -> None:
    """Each result goes to `emit` as its batch is done: a long file shows progress, and an interrupted run keeps
    what was printed."""
    settings = cli.settings.model_copy(update={"database": Path(":memory:")})
    async with App.open(settings) as app:
        for warning in app.rules.warnings:
            click.echo(f"warning: {warning}", err=True)
        batches = judge_batches(app.dry_pipeline(), texts, channel_id, settings.scoring.batch_size, explain)
        async for chunk in batches:
            for result in chunk:
                emit(result)


def _open_text(path: str) -> tuple[str, str]:
    """(name shown in messages, the whole text)."""
    if path == "-":
        return "<stdin>", sys.stdin.read()
    file = Path(path)
    try:
        raw = file.read_bytes()
        if file.suffix == ".gz":
            raw = gzip.decompress(raw)
        return path, raw.decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise InputProblem(f"{path}: no such file; give a CSV, JSONL or text file, or - for stdin") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputProblem(f"{path}: cannot read it as UTF-8 text ({exc})") from exc


def read_messages(path: str, text_column: str | None) -> list[str]:
    """The messages of a CSV (header row), JSONL (`text` or `text_column`) or plain file (one per line)."""
    name, content = _open_text(path)
    suffixes = [s.lower() for s in Path(path).suffixes if s.lower() != ".gz"] if path != "-" else []
    first = next((line.strip() for line in content.splitlines() if line.strip()), "")
    if ".csv" in suffixes or (not suffixes and text_column is not None and not first.startswith("{")):
        return list(_csv_messages(name, content, text_column or "text"))
    if {".jsonl", ".ndjson", ".json"} & set(suffixes) or first.startswith("{"):
        return list(_jsonl_messages(name, content, text_column or "text"))
    if text_column is not None:
        raise InputProblem(f"{name}: --text-column needs a CSV (.csv) or JSONL (.jsonl) file")
    return [line for line in content.splitlines() if line.strip()]


def _csv_messages(name: str, content: str, column: str) -> Iterator[str]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    if reader.fieldnames is None or column not in reader.fieldnames:
        found = ", ".join(reader.fieldnames or []) or "no header"
        raise InputProblem(f"{name}: no column {column!r} in the header ({found}); pick one with --text-column")
    for row in reader:
        yield row.get(column) or ""


def _jsonl_messages(name: str, content: str, field: str) -> Iterator[str]:
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputProblem(f"{name}:{number}: not a JSON object ({exc.msg}); one object per line") from exc
        value = record.get(field) if isinstance(record, dict) else None
        if not isinstance(value, str):
            raise InputProblem(f"{name}:{number}: no string field {field!r}; pick one with --text-column")
        yield value


def _print_human(result: dict[str, Any]) -> None:
    text = result["text"]
    click.echo(f"model:    {result['model']['describe']}")
    if result["normalized"] != text.casefold():
        click.echo(f"normalized: {result['normalized']}")
    for reading in result["readings"]:
        if reading["scored"] != reading["text"]:  # a homograph read in its ordinary sense (bot/moderation/senses.py)
            click.echo(f"scored as: {reading['scored']}  ({reading['name']} reading)")
    for label, value in result["scores"].items():
        click.echo(f"  {label:<16} {value:.3f}")
    if result["timed_out"]:
        click.echo("  (the scorer timed out)")
    click.echo(f"decision: {', '.join(result['decision'])}")
    fired_on = f" (fired on the {result['variant']} text)" if result["variant"] else ""
    click.echo(f"rule:     {result['rule'] or '-'}{fired_on}")
    for hit in result["hits"]:
        click.echo(f"  hit: {hit['rule']}: {hit['detail']} [{hit['variant']}]")
    for hit in result["shadow"]:
        click.echo(f"  shadow (no action): {hit['rule']}: {hit['detail']}")
    if result["exempt"]:
        click.echo(f"exempt:   {result['exempt']}")
    if result["explanation"]:
        click.echo(f"why:      {result['explanation']['text']}")


@click.command("score")
@click.argument("text", required=False)
@click.option("--file", "file", metavar="PATH", help="Score every message in PATH (CSV, JSONL or lines; - = stdin).")
@click.option("--text-column", metavar="C", help="CSV column or JSONL field holding the message (default: text).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (a line per message with --file).")
@click.option("--channel", "channel_id", type=int, default=0, help="Judge as if posted in this channel (profiles).")
@click.option("--explain/--no-explain", "explain", default=True, show_default=True,
              help="Say why a rule acted; a score rule on detoxify costs one more batch (occlusion) per message.")
@pass_cli
def score(
    cli: CliContext, text: str | None, file: str | None, text_column: str | None, as_json: bool, channel_id: int,
    explain: bool,
) -> None:
    """Score TEXT (or every message of --file) and show the decision the rules would make (nothing is recorded)."""
    if (text is None) == (file is None):
        raise click.UsageError("give either TEXT or --file PATH")
    if text_column is not None and file is None:
        raise click.UsageError("--text-column only goes with --file")
    if file is not None:
        try:
            texts = read_messages(file, text_column)
        except InputProblem as exc:
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(EXIT_CONFIG) from None
    else:
        texts = [text or ""]

    def emit(result: dict[str, Any]) -> None:
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        elif file is not None:
            rule = f" [{result['rule']}]" if result["rule"] else ""
            click.echo(f"{', '.join(result['decision'])}{rule}\t{result['text']}")
        else:
            _print_human(result)

    asyncio.run(_judge(cli, texts, channel_id, explain, emit))


def register(cli: click.Group) -> None:
    cli.add_command(score)
