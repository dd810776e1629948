"""A simulated Discord (SimCord) with the real modbot on it: real App, real SQLite, real rules file.

The only stand-in is the scorer: a keyword table, so each test knows exactly which rule fires.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import simcord

from bot.app import App, build_bot
from bot.discord_adapter.client import ModBot
from bot.records import Case
from bot.settings import DiscordSettings, Settings
from tests.support import StaticScorer, all_cases

LABELS = frozenset({"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"})

# Each keyword raises these labels to at least these scores. Bands in RULES below:
#   toxicity >= 0.90 delete+warn; 0.80-0.90 delete+flag (held for review); 0.60-0.80 flag; threat >= 0.8 timeout.
KEYWORDS: Mapping[str, Mapping[str, float]] = {
    "idiot": {"toxicity": 0.97, "insult": 0.95},
    "trash": {"toxicity": 0.85},
    "garbage": {"toxicity": 0.70},
    "hurt you": {"threat": 0.93, "toxicity": 0.75},
}

RULES = """
version: 1
appeal: "Use the Appeal button or write to the moderators."
exempt: {{roles: {exempt_roles}, users: [], channels: []}}
rules:
  - id: threats
    description: no threats
    priority: 90
    when: {{score: {{label: threat, min: 0.80}}}}
    actions: [delete, warn, timeout 1h]
  - id: toxic
    description: be civil
    priority: 50
    when: {{score: {{label: toxicity, min: 0.90}}}}
    actions: [delete, warn]
  - id: toxic-held
    description: held for review
    priority: 45
    when: {{score: {{label: toxicity, min: 0.80, max: 0.90}}}}
    actions: [delete, flag]
  - id: toxic-review
    description: a moderator decides
    priority: 40
    when: {{score: {{label: toxicity, min: 0.60, max: 0.80}}}}
    actions: [flag]
"""


class KeywordScorer(StaticScorer):
    """The keyword table above as a scorer (ModelInfo "test/keywords")."""

    def __init__(self) -> None:
        super().__init__(KEYWORDS, labels=LABELS, name="test/keywords", floor=0.02)

    @property
    def seen(self) -> list[str]:
        return self.calls


def write_rules(path: Path, exempt_roles: Sequence[int] = ()) -> None:
    path.write_text(RULES.format(exempt_roles=list(exempt_roles)), encoding="utf-8")


@dataclass
class World:
    env: simcord.Env
    app: App
    bot: ModBot
    scorer: KeywordScorer
    rules_path: Path
    guild: simcord.GuildHandle
    news: simcord.ChannelHandle
    forum: simcord.ChannelHandle
    thread: simcord.ChannelHandle
    mod_log: simcord.ChannelHandle
    review: simcord.ChannelHandle
    alice: simcord.MemberActor
    bob: simcord.MemberActor
    mod: simcord.MemberActor

    async def cases(self) -> list[Case]:
        return await all_cases(self.app.cases)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    rules_path = tmp_path / "rules.yaml"
    write_rules(rules_path)
    settings = Settings(database=tmp_path / "bot.db", config_dir=tmp_path, rules_file=Path("rules.yaml"))
    async with App.open(settings, scorer=KeywordScorer()) as opened:
        yield opened


@pytest.fixture
async def env(app: App) -> AsyncIterator[simcord.Env]:
    # As simcord's own `simcord_env` fixture does: start and stop here, and let its pytest plugin set the
    # simulated clock in the test's context (a context manager here would set it in the fixture's).
    running = simcord.Env(build_bot(app))
    await running.start()
    try:
        yield running
    finally:
        await running.shutdown()
        running.raise_errors()


def configure(app: App, discord_settings: DiscordSettings) -> None:
    """What `config/settings.yaml` says in production; here the ids exist only once SimCord made them."""
    app.settings.replace(app.settings.current.model_copy(update={"discord": discord_settings}))


@pytest.fixture
async def world(env: simcord.Env, app: App, tmp_path: Path) -> World:
    bot = env.bot
    assert isinstance(bot, ModBot)
    guild = env.create_guild("Daily Planet")
    news = guild.create_text_channel("news")
    forum = guild.create_forum_channel("opinion")
    mod_log = guild.create_text_channel("mod-log")
    review = guild.create_text_channel("review")
    mods = guild.create_role("Moderators", permissions=discord.Permissions(manage_messages=True))
    alice = guild.add_member(env.create_user("alice", global_name="Alice A."))
    bob = guild.add_member(env.create_user("bob"))
    mod = guild.add_member(env.create_user("mod"), roles=[mods])
    configure(
        app,
        DiscordSettings(
            guild_ids=(guild.id,),
            moderated_channel_ids=(news.id, forum.id),
            mod_log_channel_id=mod_log.id,
            review_channel_id=review.id,
        ),
    )
    # The article and its discussion thread, posted the way the publisher does it.
    channel = bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel)
    article = await channel.send(embed=discord.Embed(title="Town votes on the new bridge"))
    await article.create_thread(name="Town votes on the new bridge")
    await env.settle()
    (thread,) = news.threads
    assert isinstance(app.scorer, KeywordScorer)
    return World(env, app, bot, app.scorer, tmp_path / "rules.yaml", guild, news, forum, thread, mod_log,
                 review, alice, bob, mod)
