from __future__ import annotations

from bot.digest.publish import (
    DESCRIPTION_LIMIT,
    THREAD_NAME_LIMIT,
    TITLE_LIMIT,
    TOTAL_LIMIT,
    build_post,
    describe,
    trim,
)
from bot.digest.records import Article, Summary


def test_trim_cuts_at_a_word_with_an_ellipsis() -> None:
    assert trim("short", 10) == "short"
    cut = trim("alpha beta gamma delta", 12)
    assert cut == "alpha beta…"
    assert len(cut) <= 12


def test_embed_limits_are_enforced_by_trimming() -> None:
    article = Article(title="T" * 400, paragraphs=("x",), url="https://example.org/a", source="S" * 3000)
    summary = Summary(tuple("word " * 300 + "." for _ in range(5)))
    post = build_post(article, summary, channel_id=1)
    assert len(post.title) <= TITLE_LIMIT
    assert len(post.description) <= DESCRIPTION_LIMIT
    assert post.embed_length <= TOTAL_LIMIT
    assert len(post.thread_name) <= THREAD_NAME_LIMIT


def test_post_carries_link_source_date_image_and_rules() -> None:
    article = Article(title="Ferry link", paragraphs=("Body.",), url="https://herald.example/ferry",
                      source="Harbour Herald", image="javascript:alert(1)")
    post = build_post(article, Summary(("One.", "Two.")), channel_id=42, rules="Be civil.")
    assert post.channel_id == 42
    assert post.description == "One.\n\nTwo."
    assert post.link == "https://herald.example/ferry"
    assert post.image is None  # only http(s) images
    assert post.first_message == "Be civil."
    assert "channel 42: Ferry link" in describe(post)
