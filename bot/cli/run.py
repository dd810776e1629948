"""`modbot run` (the live bot; the demo when there is no token) and `modbot demo` (offline, SimCord)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from pathlib import Path

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


def demo_state_dir(environ: Mapping[str, str]) -> Path:
    """Where the demo keeps its own database and log: $XDG_STATE_HOME/modbot, else ~/.local/state/modbot."""
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "modbot"


def _fresh(database: Path) -> None:
    """The demo's own database starts empty at every run (it is nobody else's)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _demo(ctx: CliContext) -> None:
    settings = ctx.demo_settings()
    state = demo_state_dir(ctx.environ)
    if ctx.db_override is None:  # its own fresh database; with --db, runs add to that one (new ids each run)
        database = state / "demo.db"
        _fresh(database)
        settings = settings.model_copy(update={"database": database})
    if not ctx.verbose:  # the transcript is for people: log lines go to a file
        state.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(state / "demo.log", mode="w", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root = logging.getLogger()
        root.handlers = [handler]
        root.setLevel(logging.INFO)
    from bot.discord_adapter.demo.driver import run_demo

    # discord.py's start-up chatter (voice libraries, SimCord's intent probe) is noise even in the log.
    logging.getLogger("discord").setLevel(logging.ERROR)
    try:
        report = asyncio.run(run_demo(settings, click.echo))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"demo failed: {exc}") from exc
    if not ctx.verbose:
        click.echo(f"Log: {state / 'demo.log'}")
    if report.bot_errors:
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    @cli.command("run")
    @pass_cli
    def run_command(ctx: CliContext) -> None:
        """Start the Discord bot (needs DISCORD_TOKEN, from the environment or .env); without a token, the demo."""
        if ctx.demo_settings().discord_token is None:
            click.echo("No DISCORD_TOKEN set (environment or .env): running the offline demo instead.\n")
            _demo(ctx)
            return
        settings = ctx.settings  # the live bot needs its own config folder (`modbot init` writes one)
        logging.getLogger().setLevel(settings.log_level)
        assert settings.discord_token is not None
        if not settings.discord.moderated_channel_ids:
            click.echo("warning: discord.moderated_channel_ids is empty in settings.yaml: nothing will be moderated",
                       err=True)
        asyncio.run(_run_live(settings, settings.discord_token.get_secret_value()))

    @cli.command("demo")
    @pass_cli
    def demo_command(ctx: CliContext) -> None:
        """The whole bot offline on a simulated Discord: a sample article, a heated thread, a transcript."""
        _demo(ctx)
