"""discord.shard_count / shard_ids: the bot runs as an AutoShardedBot for its shards and moderates as ever."""

from __future__ import annotations

from pathlib import Path

import discord
import simcord

from bot.app import App, build_bot
from bot.discord_adapter.client import ModBot, ShardedModBot, new_client
from bot.settings import DiscordSettings, Settings
from tests.discord_adapter.conftest import KeywordScorer, configure, write_rules
from tests.support import all_cases


def test_without_shard_settings_the_client_is_not_sharded() -> None:
    assert type(new_client(DiscordSettings())) is ModBot
    sharded = new_client(DiscordSettings(shard_count=4, shard_ids=(1, 3)))
    assert isinstance(sharded, ShardedModBot) and isinstance(sharded, discord.AutoShardedClient)
    assert sharded.shard_count == 4 and sharded.shard_ids == [1, 3]


async def test_a_sharded_bot_moderates_its_guilds(tmp_path: Path) -> None:
    write_rules(tmp_path / "rules.yaml")
    settings = Settings(database=tmp_path / "bot.db", config_dir=tmp_path, rules_file=Path("rules.yaml"),
                        discord=DiscordSettings(shard_count=2))
    async with App.open(settings, scorer=KeywordScorer()) as app:
        bot = build_bot(app, run_digest=False)
        assert isinstance(bot, ShardedModBot)
        env = simcord.Env(bot, shard_count=2)
        await env.start()
        try:
            guild = env.create_guild("Sharded Gazette")
            news = guild.create_text_channel("news")
            alice = guild.add_member(env.create_user("alice"))
            configure(app, settings.discord.model_copy(update={"moderated_channel_ids": (news.id,)}))
            message = await alice.send(news, "you idiot")
            await env.settle()
            assert message.id not in [m.id for m in news.history()]
            (case,) = await all_cases(app.cases)
            assert case.guild_id == guild.id and case.rule_id == "toxic"
        finally:
            await env.shutdown()
        env.raise_errors()
