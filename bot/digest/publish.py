"""What gets posted for an article, as plain data within Discord's embed limits, and the Publisher seam.

The Discord side (bot/discord_adapter/publisher.py) turns an ArticlePost into an embed and a thread or a forum
post; nothing here imports discord.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.digest.records import Article, Summary
from bot.records import PostedRef

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
THREAD_NAME_LIMIT = 100
MESSAGE_LIMIT = 2000

DEFAULT_RULES = (
    "**Discussion rules** - Talk about the article, not each other. No insults, threats, slurs or harassment. "
    "Replies here are moderated automatically; moderators review what the bot flags."
)


@dataclass(frozen=True, slots=True)
class ArticlePost:
    channel_id: int
    title: str  # embed title, <= 256
    description: str  # embed description (the summary), <= 4096
    link: str | None
    source: str  # embed footer
    published: datetime | None
    image: str | None
    thread_name: str  # <= 100
    first_message: str  # the discussion rules, <= 2000

    @property
    def embed_length(self) -> int:
        """What Discord counts toward the 6000-character total: title, description, footer."""
        return len(self.title) + len(self.description) + len(self.source)


class Publisher(Protocol):
    async def publish(self, post: ArticlePost) -> PostedRef: ...


def trim(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis when it was too long."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def build_post(
    article: Article, summary: Summary, channel_id: int, rules: str = DEFAULT_RULES, source: str | None = None
) -> ArticlePost:
    title = trim(article.title or "Untitled article", TITLE_LIMIT)
    footer = trim(source or article.source or "", FOOTER_LIMIT)
    bullets = "\n\n".join(summary.sentences)
    budget = min(DESCRIPTION_LIMIT, TOTAL_LIMIT - len(title) - len(footer))
    description = trim(bullets, budget)
    return ArticlePost(
        channel_id=channel_id,
        title=title,
        description=description,
        link=article.url if article.url and article.url.startswith(("http://", "https://")) else None,
        source=footer,
        published=article.published,
        image=article.image if article.image and article.image.startswith(("http://", "https://")) else None,
        thread_name=trim(article.title or "Discussion", THREAD_NAME_LIMIT),
        first_message=trim(rules, MESSAGE_LIMIT),
    )


def describe(post: ArticlePost) -> str:
    """Plain-text preview of a post (the dry run prints this)."""
    lines = [f"channel {post.channel_id}: {post.title}"]
    if post.link:
        lines.append(f"  link: {post.link}")
    meta = ", ".join(x for x in (post.source, post.published.date().isoformat() if post.published else "") if x)
    if meta:
        lines.append(f"  source: {meta}")
    if post.image:
        lines.append(f"  image: {post.image}")
    lines.extend(f"  - {line}" for line in post.description.split("\n\n"))
    return "\n".join(lines)
