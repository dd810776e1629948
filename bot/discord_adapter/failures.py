"""What a call to Discord can raise in the field: its own errors (HTTP status, a client-side refusal) and the
transport's (a dropped connection, a reset socket, a timeout). The bot records these and carries on."""

from __future__ import annotations

import aiohttp
import discord

DISCORD_FAILURES: tuple[type[BaseException], ...] = (
    discord.DiscordException,
    aiohttp.ClientError,
    OSError,
    TimeoutError,
)
