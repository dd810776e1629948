"""RSS and Atom feeds: feedparser on the bytes we fetched (we do the HTTP, with ETag/Last-Modified)."""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

from bot.digest.records import FeedEntry


class FeedError(ValueError):
    """The bytes are not a feed we can read."""


_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "table",
    "section", "article", "figure", "figcaption",
})


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (a feed description): tags gone, blocks on their own lines."""
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _image(entry: Any) -> str | None:
    for key in ("media_content", "media_thumbnail"):
        for item in entry.get(key) or ():
            url = item.get("url")
            if url and (key == "media_thumbnail" or str(item.get("medium", "image")) == "image"):
                return str(url)
    for link in entry.get("links") or ():
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return str(link.get("href"))
    return None


def parse_feed(body: bytes, url: str = "") -> list[FeedEntry]:
    """Entries in feed order. Raises FeedError when the bytes hold no feed at all."""
    parsed = feedparser.parse(body, response_headers={"content-location": url} if url else None)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedError(f"{url or 'input'}: not an RSS or Atom feed" + (f" ({reason})" if reason else ""))
    entries: list[FeedEntry] = []
    for entry in parsed.entries:
        description = entry.get("summary") or ""
        if not description and entry.get("content"):
            description = entry["content"][0].get("value", "")
        title = html_to_text(entry.get("title") or "").replace("\n", " ").strip()
        link = entry.get("link") or None
        guid = entry.get("id") or None
        if not title and not link and not guid:
            continue
        entries.append(
            FeedEntry(
                title=title or (link or guid or "untitled"),
                link=str(link) if link else None,
                guid=str(guid) if guid else None,
                published=_when(entry),
                description=html_to_text(description),
                image=_image(entry),
                author=entry.get("author") or None,
            )
        )
    return entries


_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|cmpid)$", re.IGNORECASE)


def canonical_link(link: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    parts = urlsplit(link.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def dedupe_key(entry: FeedEntry) -> str:
    """guid, else canonical link, else a hash of title and date."""
    if entry.guid:
        return f"guid:{entry.guid.strip()}"
    if entry.link:
        return f"link:{canonical_link(entry.link)}"
    stamp = entry.published.isoformat() if entry.published else ""
    digest = hashlib.sha256(f"{entry.title.strip().casefold()}\x00{stamp}".encode()).hexdigest()[:32]
    return f"hash:{digest}"
