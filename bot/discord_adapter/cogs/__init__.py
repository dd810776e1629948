"""Thin cogs: convert the Discord interaction, call one service, format the reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

if TYPE_CHECKING:
    from bot.discord_adapter.client import ModBot
    from bot.discord_adapter.services import BotServices, DiscordParts


def admin_cogs(bot: ModBot, services: BotServices, parts: DiscordParts) -> list[commands.Cog]:
    """Every admin command group, each given the services it calls."""
    from bot.discord_adapter.cogs.admin_actions import ManualActionsCog
    from bot.discord_adapter.cogs.admin_cases import CaseCog
    from bot.discord_adapter.cogs.admin_exempt import ExemptCog
    from bot.discord_adapter.cogs.admin_feeds import ArticleCog, FeedCog
    from bot.discord_adapter.cogs.admin_history import HistoryCog
    from bot.discord_adapter.cogs.admin_rules import RulesCog, ScoreCog
    from bot.discord_adapter.cogs.admin_stats import StatsCog

    kinds: tuple[type, ...] = (
        CaseCog, HistoryCog, ManualActionsCog, RulesCog, ScoreCog, StatsCog, FeedCog, ArticleCog, ExemptCog,
    )
    return [kind(bot, services, parts) for kind in kinds]
