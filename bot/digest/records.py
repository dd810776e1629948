"""Records of the digest pipeline: values that cross its steps (and the storage and Discord edges)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Removal:
    """One piece of site furniture the cleaner dropped, and why."""

    kind: str  # "donation", "disclaimer", "comment-form", "related", "share", "newsletter", "fragment", ...
    text: str


@dataclass(frozen=True, slots=True)
class CleanText:
    title: str | None
    paragraphs: tuple[str, ...]
    removed: tuple[Removal, ...] = ()

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Article:
    """An article ready to summarize: cleaned body plus what we know about where it came from."""

    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    source: str = ""  # feed name, site name, or the file name
    author: str | None = None
    published: datetime | None = None
    image: str | None = None
    removed: tuple[Removal, ...] = ()

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Summary:
    sentences: tuple[str, ...]
    method: str = "extractive"

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of an RSS/Atom feed, as parsed (descriptions already reduced to plain text)."""

    title: str
    link: str | None
    guid: str | None
    published: datetime | None
    description: str = ""
    image: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What an HTTP GET gave back. `status` 304 means unchanged (body empty)."""

    url: str
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


