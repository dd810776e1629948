"""The demo's sample article and reply thread, read from `thread.yaml` (data, not code)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources

import yaml

from bot.moderation.preview import PreviewService
from bot.yamlconf import ConfigError


@dataclass(frozen=True, slots=True)
class DemoArticle:
    source: str
    title: str = ""
    summary: str = ""
    page: str | None = None  # a page bundled with the demo: it goes through the real digest pipeline


@dataclass(frozen=True, slots=True)
class DemoReply:
    who: str
    says: str
    edit: str | None = None


@dataclass(frozen=True, slots=True)
class HeatScene:
    """A second article whose thread heats up: heat control slows it down, then locks it."""

    article: DemoArticle
    people: dict[str, str]
    replies: tuple[DemoReply, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    article: DemoArticle
    people: dict[str, str]  # handle -> display name
    replies: tuple[DemoReply, ...]
    heat: HeatScene | None = None


def _people_and_replies(raw: dict[str, object]) -> tuple[dict[str, str], tuple[DemoReply, ...]]:
    listed = raw["people"]
    items = raw["replies"]
    assert isinstance(listed, dict) and isinstance(items, list), "people is a mapping, replies a list"
    people = {str(key): str(value) for key, value in listed.items()}
    replies = tuple(DemoReply(**item) for item in items)
    unknown = sorted({reply.who for reply in replies} - people.keys())
    if unknown:
        raise ValueError(f"replies by people not listed under `people`: {', '.join(unknown)}")
    return people, replies


def load_scenario(text: str | None = None) -> Scenario:
    raw = yaml.safe_load(text if text is not None else _bundled())
    article = DemoArticle(**raw["article"])
    people, replies = _people_and_replies(raw)
    heat = None
    if raw.get("heat"):
        heat_people, heat_replies = _people_and_replies(raw["heat"])
        heat = HeatScene(DemoArticle(**raw["heat"]["article"]), heat_people, heat_replies)
    return Scenario(article, people, replies, heat)


def _bundled() -> str:
    return (resources.files("bot.discord_adapter.demo") / "thread.yaml").read_text(encoding="utf-8")


def bundled_page(name: str) -> bytes:
    return (resources.files("bot.discord_adapter.demo") / name).read_bytes()


_MIN = re.compile(r"\bmin:\s*(\d(?:\.\d+)?)")


def stricter(rules_text: str, by: float = 0.10) -> str:
    """The rules file with every score rule's `min` lowered by `by` (never below 0.05): a stricter policy."""
    return _MIN.sub(lambda match: f"min: {max(0.05, float(match.group(1)) - by):.2f}", rules_text)


async def preview_scene(service: PreviewService, guild_id: int, echo: Callable[[str], None]) -> int | None:
    """The demo's rules preview: a stricter copy of the rules in force replayed on the demo's own history,
    as `/rules preview` and `modbot rules preview` do it. Returns how many decisions would change."""
    echo("")
    echo("Rules preview (as /rules preview FILE does): every score rule's min lowered by 0.10, replayed on this "
         "thread; nothing is enforced.")
    try:
        new = service.candidate(stricter(service.rules.path.read_text(encoding="utf-8")), "stricter-rules.yaml")
    except (OSError, ConfigError) as exc:
        echo(f"  not previewed: {' '.join(str(exc).split())}")
        return None
    report = await service.run(new, timedelta(days=1), guild_id=guild_id, examples=3)
    echo(f"  {report.replayed} messages replayed, {report.changed} would change:")
    echo("  " + "; ".join(f"{tier} {before} -> {after}" for tier, before, after in report.tiers()))
    for example in report.examples:
        echo(f"    {' '.join(example.text.split())[:60]!r}: {example.before_rule or '-'} "
             f"[{', '.join(example.before)}] -> {example.after_rule or '-'} [{', '.join(example.after)}]")
    return report.changed
