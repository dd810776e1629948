"""`modbot serve [--host] [--port]`: modbot's scorer as a Perspective-compatible HTTP service.

The composition for the service lives here for now: it opens the scorer (the same batching worker as the bot),
the database for suggestscore verdicts (when `serve.storage` is on), and passes both to `bot.serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import click

from bot.cli.context import EXIT_CONFIG, CliContext, pass_cli
from bot.settings import Settings

log = logging.getLogger(__name__)


async def _serve(settings: Settings, keys: frozenset[str], host: str, port: int) -> None:
    from bot.app import open_scorer, perspective_service
    from bot.serve.http import serving

    scorer = await open_scorer(settings)
    try:
        async with (
            perspective_service(settings, scorer, keys) as service,
            serving(service, host, port) as address,
        ):
            click.echo(f"modbot serve: {address.url}/v1alpha1/comments:analyze  model={scorer.model.describe()}"
                       f"  keys={len(keys)}  storage={'on' if settings.serve.storage else 'off'}")
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, stop.set)
            await stop.wait()
            click.echo("modbot serve: stopping")
    finally:
        await scorer.close()


def register(cli: click.Group) -> None:
    @cli.command("serve")
    @click.option("--host", default=None, help="Address to listen on (default: serve.host, 127.0.0.1).")
    @click.option("--port", type=click.IntRange(0, 65535), default=None,
                  help="Port (default: serve.port, 8080; 0 picks a free one).")
    @pass_cli
    def serve_command(ctx: CliContext, host: str | None, port: int | None) -> None:
        """Serve the scorer over HTTP in Perspective API's format (keys: MODBOT_SERVE_KEYS or serve.keys_file)."""
        from bot.scoring.factory import ScorerUnavailable
        from bot.serve.keys import KeysError, load_keys

        settings = ctx.settings
        logging.getLogger().setLevel(settings.log_level)
        try:
            keys = load_keys(ctx.environ, settings.serve_keys_path)
        except KeysError as exc:
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(EXIT_CONFIG) from None
        try:
            asyncio.run(_serve(settings, keys, host or settings.serve.host, settings.serve.port
                               if port is None else port))
        except ScorerUnavailable as exc:
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(1) from None
        except OSError as exc:
            click.echo(f"error: cannot listen on {host or settings.serve.host}:{port}: {exc.strerror or exc}; "
                       "fix --host/--port or serve.host/serve.port", err=True)
            raise SystemExit(1) from None
