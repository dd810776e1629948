from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.digest.feeds import FeedError, canonical_link, dedupe_key, html_to_text, parse_feed
from bot.digest.records import FeedEntry
from tests.digest.samples import FIXTURES


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"{base}", b"http://127.0.0.1:8000")


def test_rss_with_duplicates_missing_dates_and_html_descriptions() -> None:
    entries = parse_feed(_fixture("feed.rss"), "http://127.0.0.1:8000/feed.rss")

    assert [e.title for e in entries] == [
        "Harbour council approves new ferry link",
        "Harbour council approves new ferry link",
        "Fishing quotas cut again as stocks fall",
    ]
    first, _, third = entries
    assert first.guid == "herald-1001"
    assert first.published == datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
    assert first.description == "The town council voted on Tuesday to fund a ferry link.\nWork starts in September."
    assert first.image == "https://herald.example/img/ferry.jpg"
    assert third.published is None
    assert third.guid is None
    assert third.description == "Quotas for cod were cut by a third on Monday, the ministry said."
    assert dedupe_key(entries[0]) == dedupe_key(entries[1])


def test_atom_with_html_title_and_a_missing_date() -> None:
    entries = parse_feed(_fixture("feed.atom"))
    assert [e.title for e in entries] == ["School wins national robotics prize", "Storm closes the road bridge"]
    assert entries[0].guid == "urn:gazette:2001"
    assert entries[0].link == "http://127.0.0.1:8000/gazette/robotics"
    assert entries[0].description == "Pupils from the island school beat forty teams."
    assert entries[1].published is None
    assert entries[1].description == "The bridge was closed overnight as winds reached 120 km/h."


def test_not_a_feed_is_a_clear_error() -> None:
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body>maintenance</body></html>", "http://127.0.0.1/feed")


def test_dedupe_key_prefers_guid_then_canonical_link_then_title_and_date() -> None:
    when = datetime(2024, 5, 2, tzinfo=UTC)
    assert dedupe_key(FeedEntry("T", "http://x.org/a", "g-1", when)) == "guid:g-1"
    with_tracking = FeedEntry("T", "HTTP://X.org/a/?utm_source=rss&id=3#top", None, when)
    assert dedupe_key(with_tracking) == "link:http://x.org/a?id=3"
    by_hash = dedupe_key(FeedEntry("Title", None, None, when))
    assert by_hash.startswith("hash:")
    assert by_hash == dedupe_key(FeedEntry(" title ", None, None, when))
    assert by_hash != dedupe_key(FeedEntry("Title", None, None, None))


def test_canonical_link_and_html_to_text() -> None:
    assert canonical_link("https://Example.org/") == "https://example.org/"
    assert html_to_text("<p>One &amp; two</p><script>x()</script><ul><li>three</li></ul>") == "One & two\nthree"
