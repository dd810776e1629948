"""`modbot score TEXT [--json]`: what the bot would decide about one message, and why."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from bot.app import App
from bot.cli.context import CliContext, pass_cli


async def _judge(cli: CliContext, text: str, channel_id: int) -> dict[str, Any]:
    settings = cli.settings.model_copy(update={"database": Path(":memory:")})
    async with App.open(settings) as app:
        normalized, scores, decision = await app.dry_pipeline().trial(text, channel_id=channel_id)
    return {
        "text": text,
        "normalized": normalized.normalized,
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
    }


@click.command("score")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--channel", "channel_id", type=int, default=0, help="Judge as if posted in this channel (profiles).")
@pass_cli
def score(cli: CliContext, text: str, as_json: bool, channel_id: int) -> None:
    """Score TEXT and show the decision the rules would make (nothing is recorded)."""
    result = asyncio.run(_judge(cli, text, channel_id))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"model:    {result['model']['describe']}")
    if result["normalized"] != text.casefold():
        click.echo(f"normalized: {result['normalized']}")
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


def register(cli: click.Group) -> None:
    cli.add_command(score)
