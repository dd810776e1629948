"""`modbot run` (the live bot; the demo when there is no token) and `modbot demo` (offline, SimCord)."""

from __future__ import annotations

import asyncio
import logging

import click

from bot.cli.context import CliContext, pass_cli
from bot.settings import Settings

log = logging.getLogger(__name__)


async def _run_live(settings: Settings, token: str) -> None:
    from bot.app import App, build_bot

    async with App.open(settings) as app:
        bot = build_bot(app)
        async with bot:
            await bot.start(token)


def _demo(ctx: CliContext) -> None:
    # discord.py's start-up chatter (voice libraries, SimCord's intent probe) is noise in a transcript.
    logging.getLogger("discord").setLevel(logging.ERROR)
    from bot.discord_adapter.demo.driver import run_demo

    settings = ctx.settings
    try:
        report = asyncio.run(run_demo(settings, click.echo))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"demo failed: {exc}") from exc
    if report.bot_errors:
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    @cli.command("run")
    @pass_cli
    def run_command(ctx: CliContext) -> None:
        """Start the Discord bot (needs DISCORD_TOKEN, from the environment or .env); without a token, the demo."""
        settings = ctx.settings
        logging.getLogger().setLevel(settings.log_level)
        if settings.discord_token is None:
            click.echo("No DISCORD_TOKEN set (environment or .env): running the offline demo instead.\n")
            _demo(ctx)
            return
        if not settings.discord.moderated_channel_ids:
            click.echo("warning: discord.moderated_channel_ids is empty in settings.yaml: nothing will be moderated",
                       err=True)
        asyncio.run(_run_live(settings, settings.discord_token.get_secret_value()))

    @cli.command("demo")
    @pass_cli
    def demo_command(ctx: CliContext) -> None:
        """The whole bot offline on a simulated Discord: a sample article, a heated thread, a transcript."""
        _demo(ctx)
