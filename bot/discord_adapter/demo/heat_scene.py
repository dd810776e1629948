"""The demo's heat scene: a second article whose thread heats up, and heat control slowing it down, then locking
it (and, two hours of simulated time later, unlocking it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import discord
import simcord

from bot.app import App
from bot.discord_adapter.client import ModBot
from bot.discord_adapter.demo.scenario import HeatScene
from bot.discord_adapter.demo.transcript import SHOW, describe_outcome
from bot.records import ActionKind, CaseQuery, ModerationOutcome

Echo = Callable[[str], None]
Drain = Callable[[], list[ModerationOutcome]]


class ModLogPosts(Protocol):
    """Show the new mod-log posts that `only` accepts, with these names learnt."""

    def __call__(self, names: dict[int, str] | None = None,
                 only: Callable[[discord.Message], bool] | None = None) -> None: ...


def about_heat(message: discord.Message) -> bool:
    """A heat case's embed (its Thread field), or a notice about one (an unlock)."""
    if any(field.name == "Thread" for embed in message.embeds for field in embed.fields):
        return True
    return "Thread unlocked" in message.content or "Slowmode set back" in message.content


async def heat_scene(
    env: simcord.Env, app: App, bot: ModBot, scene: HeatScene, guild: simcord.GuildHandle,
    news: simcord.ChannelHandle, drain: Drain, mod_log_posts: ModLogPosts, echo: Echo,
) -> int:
    """Play the scene; returns how many heat cases it opened."""
    rules = app.rules.current.heat
    echo("")
    if not rules:
        echo("Heat control: these rules have no `heat:` section, so no thread is slowed down or locked.")
        return 0
    echo("Heat control (`heat:` in the rules): "
         + "; ".join(f"{rule.id} when {rule.describe()}: {', '.join(map(str, rule.actions))}" for rule in rules))
    before = {thread.id for thread in news.threads}
    channel = bot.get_channel(news.id)
    assert isinstance(channel, discord.TextChannel)
    article = scene.article
    embed = discord.Embed(title=article.title, description=article.summary)
    embed.set_footer(text=article.source)
    posted = await channel.send(embed=embed)
    await posted.create_thread(name=article.title[:100])
    await env.settle()
    (thread,) = [t for t in news.threads if t.id not in before]
    echo(f"#news  {article.title}  ({article.source})")
    echo(f"       {article.summary}")
    echo(f"       thread: {len(scene.replies)} replies follow (only heat control's mod-log posts are shown)")
    members = {handle: guild.add_member(env.create_user(handle, global_name=name))
               for handle, name in scene.people.items()}
    names = {member.id: scene.people[handle] for handle, member in members.items()} | {thread.id: thread.name or ""}
    me = bot.user.id if bot.user else None
    shown: set[int] = set()

    def thread_notes() -> None:
        for message in thread.history():
            if message.author.id == me and message.id not in shown:
                shown.add(message.id)
                echo(f"{SHOW}#{thread.name} | {message.content}")

    for number, reply in enumerate(scene.replies, start=1):
        echo(f"[H{number:02}] {scene.people[reply.who]}: {reply.says}")
        await members[reply.who].send(thread, reply.says)
        for outcome in drain():
            echo(describe_outcome(outcome).splitlines()[0])
        thread_notes()
        mod_log_posts(names, about_heat)  # only heat control's posts: the message cases are in the lines above
    cases = [case for case in await app.cases.find(CaseQuery(guild_id=guild.id, limit=10_000))
             if case.channel_id == thread.id and (case.rule_id or "").startswith("heat[")]
    locks = [action.duration for case in cases for action in case.actions
             if action.kind is ActionKind.LOCK and action.duration is not None and ActionKind.LOCK in case.applied]
    if locks:
        wait = max(lock for lock in locks if lock is not None)
        echo(f"... {int(wait.total_seconds()) // 60} minutes later (simulated time), the lock ends:")
        await env.advance_time(wait.total_seconds() + 1)
        thread_notes()
        mod_log_posts(names, about_heat)
    return len(cases)
