"""Runs the demo: the real App and ModBot on a SimCord world, the scenario's replies posted one by one.

Everything is real except Discord itself: the configured scorer (detoxify, or the profanity-check
fallback, and the transcript says which), the configured rules, the SQLite database (left behind for
`modbot cases`), the enforcer, the mod log and the review buttons.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import discord
import simcord

from bot.app import App, build_bot, digest_service
from bot.digest.publish import ArticlePost
from bot.discord_adapter.client import ModBot
from bot.discord_adapter.demo.heat_scene import heat_scene
from bot.discord_adapter.demo.scenario import Scenario, bundled_page, load_scenario, preview_scene
from bot.discord_adapter.demo.transcript import SHOW, describe_outcome, render_message
from bot.protocols import Scorer
from bot.records import CaseQuery, ModerationOutcome, ReviewStatus
from bot.scoring.direct import DirectScorer
from bot.settings import Settings

Echo = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoReport:
    replies: int
    judged: int
    cases: int
    reviews: int
    mod_log_posts: int
    model: str
    fallback: bool
    bot_errors: tuple[str, ...]
    heat_cases: int = 0  # slowmodes and locks of the heat scene


@dataclass
class _Outcomes:
    """Filled by the bot's outcome hook; drained by the driver after each reply."""

    pending: list[ModerationOutcome]

    async def hook(self, message: discord.Message, outcome: ModerationOutcome) -> None:
        self.pending.append(outcome)

    def drain(self) -> list[ModerationOutcome]:
        drained, self.pending = self.pending, []
        return drained


async def run_demo(
    settings: Settings, echo: Echo, *, scorer: Scorer | None = None, scenario: Scenario | None = None
) -> DemoReport:
    story = scenario or load_scenario()
    live = scorer or await DirectScorer.load(settings.scoring)
    try:
        async with App.open(settings, scorer=live) as app:
            return await _in_simcord(app, story, echo)
    finally:
        if scorer is None:
            await live.close()


async def _in_simcord(app: App, story: Scenario, echo: Echo) -> DemoReport:
    outcomes = _Outcomes([])
    bot = build_bot(app, hook=outcomes.hook, run_digest=False)
    env = simcord.Env(bot)
    # SimCord's clock starts on 1 January 2026 in every run, and so would its ids: start it at the real time so
    # that a second run on the same database meets new servers, people and messages, not the first run's.
    env.backend.clock.advance((datetime.now(UTC) - env.backend.clock.now()).total_seconds())
    await env.start()
    try:
        with env.time_context():
            return await _play(env, app, bot, story, outcomes, echo)
    finally:
        await env.shutdown()


class _Screen:
    """Shows what a moderator and the author would read in Discord: new mod-log posts, new DMs."""

    def __init__(self, echo: Echo, mod_log: simcord.ChannelHandle, guild: discord.Guild) -> None:
        self._echo = echo
        self._mod_log = mod_log
        self._names: dict[int, str] = {member.id: member.display_name for member in guild.members}
        self._names.update({channel.id: channel.name for channel in guild.channels})
        self._names.update({thread.id: thread.name for thread in guild.threads})
        self._seen: set[int] = {m.id for m in mod_log.history()}

    def mod_log_posts(self, names: dict[int, str] | None = None, only: Callable[[discord.Message], bool] | None = None
                      ) -> None:
        """Show the new mod-log posts (those `only` accepts; the others are passed over)."""
        self._names.update(names or {})
        for message in self._mod_log.history():
            if message.id in self._seen:
                continue
            self._seen.add(message.id)
            if only is not None and not only(message):
                continue
            for line in render_message(message, self._names):
                self._echo(f"{SHOW}#mod-log | {line}")

    def dm(self, member: simcord.MemberActor, seen: set[int]) -> None:
        channel = member.user.dm_channel
        for message in channel.history() if channel is not None else []:
            if message.id in seen:
                continue
            seen.add(message.id)
            for line in render_message(message, self._names):
                self._echo(f"{SHOW}DM to {member.user.name} | {line}")


async def _play(
    env: simcord.Env, app: App, bot: ModBot, story: Scenario, outcomes: _Outcomes, echo: Echo
) -> DemoReport:
    model = app.scorer.model
    echo("modbot demo: the real bot on a Discord simulated in-process (SimCord). No network, no token.")
    echo(f"Scoring model: {model.describe()}")
    if model.fallback:
        echo("  -> detoxify could not load, so the FALLBACK scorer judged every message below.")
    echo(f"Rules:         {app.rules.path} ({len(app.rules.current.rules)} rules)")
    echo(f"Database:      {app.settings.current.database}")
    echo("Each reply:    ok allowed, XX acted on (removed or restricted), ?? flagged for a moderator, ~ shadow rule")
    echo("")

    guild = env.create_guild("Riverside Ledger")
    news = guild.create_text_channel("news")
    mod_log = guild.create_text_channel("mod-log")
    review = guild.create_text_channel("review")
    mods = guild.create_role("Moderators", permissions=discord.Permissions(manage_messages=True))
    moderator = guild.add_member(env.create_user("sam", global_name="Sam (moderator)"), roles=[mods])
    members = {
        handle: guild.add_member(env.create_user(handle, global_name=name))
        for handle, name in story.people.items()
    }
    # What config/settings.yaml says in production; here the ids exist only once SimCord made them.
    current = app.settings.current
    app.settings.replace(current.model_copy(update={"discord": current.discord.model_copy(update={
        "guild_ids": (guild.id,),
        "moderated_channel_ids": (news.id,),
        "mod_log_channel_id": mod_log.id,
        "review_channel_id": review.id,
    })}))
    await bot.announce_model()

    thread = await _post_article(env, app, bot, story, news, echo)
    live_guild = bot.get_guild(guild.id)
    assert live_guild is not None
    screen = _Screen(echo, mod_log, live_guild)
    screen.mod_log_posts()
    dms: dict[str, set[int]] = {handle: set() for handle in members}

    for number, reply in enumerate(story.replies, start=1):
        actor = members[reply.who]
        name = story.people[reply.who]
        echo(f"[{number:02}] {name}: {reply.says}")
        message = await actor.send(thread, reply.says)
        for outcome in outcomes.drain():
            echo(describe_outcome(outcome))
        screen.mod_log_posts()
        screen.dm(actor, dms[reply.who])
        if reply.edit is not None:
            if message.id not in {m.id for m in thread.history()}:
                echo("      (it was removed, so there is nothing left to edit)")
                continue
            echo(f"      {name} edits it to: {reply.edit}")
            await actor.edit(message, reply.edit)
            for outcome in outcomes.drain():
                echo(describe_outcome(outcome))
            screen.mod_log_posts()
            screen.dm(actor, dms[reply.who])

    open_items = await app.storage.reviews.find(guild_id=guild.id, status=ReviewStatus.OPEN)
    if open_items:
        echo("")
        echo(f"Review queue: {len(open_items)} flagged message(s); {moderator.user.global_name} decides:")
    by_id = {m.id: m for m in review.history()}
    for index, item in enumerate(open_items):
        verdict = "Approve" if index == 0 else "Remove"
        review_message = by_id.get(item.review_message_id or 0)
        if review_message is None:
            continue
        echo(f"  review #{item.id} {item.text!r}: {verdict}")
        result = await moderator.click(review_message, label=verdict)
        answer = result.followups[-1] if result.followups else result.response
        if answer is not None:
            echo(f"      -> {answer.content}")
        screen.mod_log_posts()

    await preview_scene(bot.services.preview, guild.id, echo)
    heat = 0
    if story.heat is not None:
        heat = await heat_scene(env, app, bot, story.heat, guild, news, outcomes.drain, screen.mod_log_posts, echo)

    cases = await app.cases.find(CaseQuery(guild_id=guild.id))
    judged = await app.storage.messages.count(guild.id)
    reviews = await app.storage.reviews.find(guild_id=guild.id)
    log_posts = len(mod_log.history())
    errors = tuple(f"{type(exc).__name__}: {exc}" for exc in env.errors)
    echo("")
    replies = len(story.replies) + (len(story.heat.replies) if story.heat else 0)
    echo(f"Done: {replies} replies, {judged} judgements (edits count again), {len(cases)} cases "
         f"({heat} by heat control), {len(reviews)} review items, {log_posts} mod-log posts.")
    echo(f"Scored by: {model.name} {model.version}" + (" (FALLBACK, see the top)" if model.fallback else ""))
    if errors:
        echo("The bot raised errors: " + "; ".join(errors))
    echo(f"See the cases: modbot --db {app.settings.current.database} cases")
    return DemoReport(replies, judged, len(cases), len(reviews), log_posts, model.describe(),
                      model.fallback, errors, heat)


async def _post_article(
    env: simcord.Env, app: App, bot: ModBot, story: Scenario, news: simcord.ChannelHandle, echo: Echo
) -> simcord.ChannelHandle:
    """The article and its discussion thread: through the real digest pipeline when the scenario names a page
    (extract -> clean -> summarize -> the publisher's embed and thread), else as the scenario wrote it."""
    article = story.article
    if article.page is not None:
        page = await bot.services.sources.from_bytes(bundled_page(article.page), article.page, "text/html")
        page = dataclasses.replace(page, source=article.source)
        # A dry-run service prepares the post without recording it (a rerun on the same database posts again).
        preview = digest_service(app.settings.current, app.storage, publisher=bot.parts.publisher,
                                 report=_ignore, dry_run=True)
        post = await preview.post_article(page, news.id)
        assert isinstance(post, ArticlePost)
        await bot.parts.publisher.publish(post)
        echo(f"#news  {post.title}  ({article.source})")
        echo(f"       the digest read the page ({len(page.paragraphs)} paragraphs kept, {len(page.removed)} pieces "
             "of site furniture removed) and summarized it:")
        for line in textwrap.wrap(post.description, 100):
            echo(f"       {line}")
    else:
        channel = bot.get_channel(news.id)
        assert isinstance(channel, discord.TextChannel)
        embed = discord.Embed(title=article.title, description=article.summary)
        embed.set_footer(text=article.source)
        message = await channel.send(embed=embed)
        await message.create_thread(name=article.title[:100])
        echo(f"#news  {article.title}  ({article.source})")
        echo(f"       {article.summary}")
    await env.settle()
    (thread,) = news.threads
    echo(f"       thread: {len(story.replies)} replies follow")
    echo("")
    return thread


async def _ignore(feed: str, message: str) -> None:
    return None
