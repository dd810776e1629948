"""Removing site furniture from article text: donation boxes, disclaimers, comment forms, share blocks,
newsletter prompts, related headlines, and stray fragments. Works on plain text (paragraphs separated by
blank lines or line breaks) and on what the HTML extractor leaves.

Two kinds of rules:
- a paragraph that IS furniture ("Leave a Reply", "Share this:") is dropped wherever it is;
- a paragraph that marks the END of the article (a donation box, the comment section, a disclaimer,
  "Related articles") drops itself and everything after it, because what follows on such pages is the
  site's other headlines and the comment form, never more article.
Every removal is returned (and logged) with its kind, so nothing disappears silently.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

from bot.digest.records import CleanText, Removal

log = logging.getLogger(__name__)


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# Paragraphs after which the article is over (checked only in the second half of the text, or when the
# paragraph is unmistakable).
_TAIL = {
    "donation": _rx(
        r"^liked it\?.{0,80}support", r"\bsupport .{0,60}\bon patreon\b", r"^(?:please )?(?:consider )?donat",
        r"^become a (?:patron|member|supporter)\b", r"^support (?:our|independent) journalism",
        r"^if you (?:like|liked|enjoyed|value) (?:this|our|what)\b.{0,80}\b(?:support|donat|subscri)",
    ),
    "disclaimer": _rx(
        r"^(?:the )?(?:statements?|views?|opinions?)(?:,| and| or)?.{0,60}\bexpressed (?:in|here|by)\b.{0,120}"
        r"\b(?:solely|only|not necessarily|do not)\b",
        r"^disclaimer\b",
    ),
    "comment-form": _rx(
        r"^(?:what do you think\??|leave a (?:reply|comment)|post a comment|add a comment|notify of|"
        r"\d+ comments?|comments?|join the (?:discussion|conversation)|be the first to comment.*|"
        r"you must be logged in to post a comment.*|log in to comment|reply)$",
    ),
    "related": _rx(
        r"^(?:related(?: articles| posts| stories| coverage)?|read (?:more|next|also)|you may also like|"
        r"more (?:from|on) .{1,40}|recommended(?: for you)?|trending(?: now)?|most (?:read|popular)|"
        r"more stories|popular (?:posts|stories)|see also|also on .{1,30})\s*:?$",
    ),
}
# Paragraphs that are furniture wherever they appear.
_ANYWHERE = {
    "share": _rx(
        r"^(?:share|share this(?: article| story)?|tweet|pin it|email|print|facebook|twitter|whatsapp|reddit|"
        r"linkedin|telegram|copy link)(?:\s*[:|/,·•]\s*(?:share|tweet|email|print|facebook|twitter|whatsapp|"
        r"reddit|linkedin|telegram|pinterest|copy link)?)*\s*:?$",
        r"^(?:click|tap) (?:here )?to share\b",
    ),
    "newsletter": _rx(
        r"^(?:sign up|subscribe)\b.{0,80}\b(?:newsletter|inbox|updates|email)\b",
        r"^get (?:our|the) .{0,40}newsletter\b", r"^enter your email\b",
    ),
    "advertisement": _rx(r"^(?:advertisement|sponsored(?: content)?|ad|promoted|continue reading below)$"),
    "caption-credit": _rx(r"^(?:photo|image|credit|video|watch|scroll down for video)\s*:?.{0,60}$"),
}
_END_PUNCT = re.compile(r"[.!?…:;][\"”’')\]]*$")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text: blank-line separated, or one per line when there are no blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [re.sub(r"\s+", " ", block).strip() for block in blocks if block.strip()]


def is_fragment(paragraph: str) -> bool:
    """A stray piece: "In ,", "|", "By" ... fewer than three words, or dangling on a comma."""
    words = _WORD.findall(paragraph)
    return (len(words) < 3 and not _END_PUNCT.search(paragraph)) or (paragraph.rstrip().endswith(",") and len(
        words
    ) < 6)


def looks_like_headline(paragraph: str) -> bool:
    words = _WORD.findall(paragraph)
    return 3 <= len(words) <= 30 and not re.search(r"[.!?][\"”’')\]]*$", paragraph)


def classify(paragraph: str, late: bool) -> tuple[str, bool] | None:
    """(kind, ends_article) when `paragraph` is furniture; None when it is text. `late`: in the last half."""
    text = paragraph.strip()
    for kind, pattern in _ANYWHERE.items():
        if pattern.search(text):
            return kind, False
    for kind, pattern in _TAIL.items():
        if pattern.search(text):
            # A lone "Comments" or "Reply" early on is more likely a heading than the comment section.
            if kind in ("comment-form", "related") and not late:
                return kind, False
            return kind, True
    return None


class Cleaner:
    def clean_text(self, text: str, title: str | None = None) -> CleanText:
        """Plain text as saved from a page: may start with stray lines, then the title, then the body."""
        paragraphs = split_paragraphs(text)
        removed: list[Removal] = []
        # Leading strays, then the title if none was given: the first headline-like line.
        while paragraphs and is_fragment(paragraphs[0]):
            removed.append(Removal("fragment", paragraphs.pop(0)))
        if title is None and paragraphs and looks_like_headline(paragraphs[0]) and len(paragraphs) > 1:
            title = paragraphs.pop(0)
        elif title is not None and paragraphs and _same(paragraphs[0], title):
            paragraphs.pop(0)  # the extractor repeats the title as the first line
        return self._finish(title, paragraphs, removed)

    def clean_paragraphs(self, paragraphs: Sequence[str], title: str | None = None) -> CleanText:
        return self.clean_text("\n\n".join(paragraphs), title)

    def _finish(self, title: str | None, paragraphs: list[str], removed: list[Removal]) -> CleanText:
        kept: list[str] = []
        total = len(paragraphs)
        for index, paragraph in enumerate(paragraphs):
            verdict = classify(paragraph, late=index >= total // 2)
            if verdict is None:
                kept.append(paragraph)  # short lines inside the text are headings and list items: kept
                continue
            kind, ends = verdict
            removed.append(Removal(kind, paragraph))
            if ends:
                removed.extend(_tail(paragraphs[index + 1 :]))
                break
        for removal in removed:
            log.debug("digest.clean removed kind=%s text=%r", removal.kind, removal.text[:80])
        if removed:
            kinds = sorted({removal.kind for removal in removed})
            log.info("digest.clean kept=%d removed=%d kinds=%s", len(kept), len(removed), ",".join(kinds))
        return CleanText(title=title, paragraphs=tuple(kept), removed=tuple(removed))


def _tail(rest: Iterable[str]) -> list[Removal]:
    found: list[Removal] = []
    for paragraph in rest:
        verdict = classify(paragraph, late=True)
        if verdict is not None:
            kind = verdict[0]
        elif looks_like_headline(paragraph):
            kind = "related"
        else:
            kind = "after-article"
        found.append(Removal(kind, paragraph))
    return found


def _same(a: str, b: str) -> bool:
    return [w.lower() for w in _WORD.findall(a)] == [w.lower() for w in _WORD.findall(b)]
