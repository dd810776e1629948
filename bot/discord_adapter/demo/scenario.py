"""The demo's sample article and reply thread, read from `thread.yaml` (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml


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
class Scenario:
    article: DemoArticle
    people: dict[str, str]  # handle -> display name
    replies: tuple[DemoReply, ...]


def load_scenario(text: str | None = None) -> Scenario:
    raw = yaml.safe_load(text if text is not None else _bundled())
    article = DemoArticle(**raw["article"])
    people = {str(key): str(value) for key, value in raw["people"].items()}
    replies = tuple(DemoReply(**item) for item in raw["replies"])
    unknown = sorted({reply.who for reply in replies} - people.keys())
    if unknown:
        raise ValueError(f"replies by people not listed under `people`: {', '.join(unknown)}")
    return Scenario(article, people, replies)


def _bundled() -> str:
    return (resources.files("bot.discord_adapter.demo") / "thread.yaml").read_text(encoding="utf-8")


def bundled_page(name: str) -> bytes:
    return (resources.files("bot.discord_adapter.demo") / name).read_bytes()
