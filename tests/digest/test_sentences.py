from __future__ import annotations

import pytest

from bot.digest.sentences import SentenceSplitter, unglue


@pytest.fixture(scope="module")
def splitter() -> SentenceSplitter:
    return SentenceSplitter()


def test_missing_space_after_full_stop_is_a_boundary(splitter: SentenceSplitter) -> None:
    assert splitter.split("He thanked the community.Dr Smith spoke next.") == [
        "He thanked the community.",
        "Dr Smith spoke next.",
    ]


def test_abbreviations_do_not_split(splitter: SentenceSplitter) -> None:
    text = "Mr. Jones met U.S. officials at 5 p.m. on Friday. Dr. Lee agreed with him."
    assert splitter.split(text) == ["Mr. Jones met U.S. officials at 5 p.m. on Friday.", "Dr. Lee agreed with him."]


def test_quotations_are_split_inside_and_kept_whole_when_short(splitter: SentenceSplitter) -> None:
    text = "‘I had a taste of it at Hearts and enjoyed it. I’m fortunate to be here.’ Then he left the room."
    assert splitter.split(text) == [
        "‘I had a taste of it at Hearts and enjoyed it.",
        "I’m fortunate to be here.’",
        "Then he left the room.",
    ]
    assert splitter.split('He said "It is fine." Then he left.') == ['He said "It is fine."', "Then he left."]


def test_paragraphs_are_never_merged(splitter: SentenceSplitter) -> None:
    assert splitter.split("A heading without a stop\n\nThe body starts here.") == [
        "A heading without a stop",
        "The body starts here.",
    ]


def test_urls_are_left_alone() -> None:
    assert unglue("See www.example.com/a.Html now.") == "See www.example.com/a.Html now."
    assert unglue("Visit https://example.com/News.Today soon.") == "Visit https://example.com/News.Today soon."
    assert unglue("It ended.Then it began.") == "It ended. Then it began."
