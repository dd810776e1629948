"""Cleaning site furniture: our own fixture of the same kinds as the seed, and the seed itself when present."""

from __future__ import annotations

import logging

import pytest

from bot.digest.clean import Cleaner, split_paragraphs
from tests.digest.samples import FIXTURES, SEED


def test_fixture_gives_title_and_body_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.digest.clean")
    result = Cleaner().clean_text((FIXTURES / "furniture.txt").read_text(encoding="utf-8"))

    assert result.title == "Harbour council approves new ferry link after years of delays"
    assert len(result.paragraphs) == 6
    assert result.paragraphs[0].startswith("The town council voted on Tuesday")
    assert result.paragraphs[-1].startswith("Work on the pier is expected")
    kinds = [removal.kind for removal in result.removed]
    assert kinds == [
        "fragment", "donation", "share", "disclaimer", "comment-form", "comment-form", "comment-form",
        "related", "related",
    ]
    assert "Island school wins national robotics prize" in [r.text for r in result.removed]
    assert "digest.clean kept=6 removed=9" in caplog.text  # what was removed is logged
    assert "kind=donation" in caplog.text


@pytest.mark.skipif(not SEED.is_file(), reason="../shared/data/seed is not beside this checkout")
def test_seed_gives_its_title_and_ten_body_paragraphs() -> None:
    result = Cleaner().clean_text(SEED.read_text(encoding="utf-8"))

    assert result.title is not None and result.title.startswith("Vladimir Putin warns NATO")
    assert len(result.paragraphs) == 10
    assert result.paragraphs[0].startswith("Concluding a series of defense-related meetings")
    assert result.paragraphs[-1].startswith("Moscow accuses the US and its NATO partners")
    body = result.body
    for furniture in ("Patreon", "solely those of the author", "Leave a Reply", "Notify of", "James Woods"):
        assert furniture not in body


def test_short_lines_inside_the_text_are_kept() -> None:
    text = "Title of the piece\n\nFirst paragraph has a full sentence in it.\n\nKey points\n\n- camera\n\nEnd here."
    result = Cleaner().clean_text(text)
    assert result.paragraphs == ("First paragraph has a full sentence in it.", "Key points", "- camera", "End here.")


def test_an_early_comments_heading_does_not_end_the_article() -> None:
    paragraphs = [f"Paragraph {i} is a proper sentence of the article." for i in range(6)]
    paragraphs.insert(1, "Comments")
    result = Cleaner().clean_paragraphs(paragraphs, title="T")
    assert len(result.paragraphs) == 6
    assert [r.kind for r in result.removed] == ["comment-form"]


def test_given_title_repeated_as_first_line_is_dropped() -> None:
    result = Cleaner().clean_text("Big News Today\nThe body is here and it is long enough.", title="Big news today")
    assert result.paragraphs == ("The body is here and it is long enough.",)


def test_split_paragraphs_handles_single_newlines_and_crlf() -> None:
    assert split_paragraphs("a b c\r\nd e f\r\n") == ["a b c", "d e f"]
    assert split_paragraphs("a\nb\n\nc") == ["a b", "c"]
