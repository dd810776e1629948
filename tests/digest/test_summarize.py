from __future__ import annotations

import pytest

from bot.digest.clean import Cleaner
from bot.digest.summarize import Summarizer, is_candidate, strip_dateline
from tests.digest.samples import FIXTURES, SEED


@pytest.fixture(scope="module")
def summarizer() -> Summarizer:
    return Summarizer()


def test_lead_ins_fragments_and_captions_are_not_candidates() -> None:
    assert not is_candidate("Council leader Ana Ruiz said in a statement to the local press…")
    assert not is_candidate("The minister told reporters:")
    assert not is_candidate("Too short.")
    assert not is_candidate("A HEADLINE SHOUTED IN CAPITALS ABOUT THE NEWS TODAY.")
    assert not is_candidate("A caption without a final stop under the photo of the harbour")
    assert is_candidate("The town council voted on Tuesday to fund a ferry link to the island.")


def test_summary_keeps_article_order_and_skips_the_lead_in(summarizer: Summarizer) -> None:
    clean = Cleaner().clean_text((FIXTURES / "furniture.txt").read_text(encoding="utf-8"))
    summary = summarizer.summarize(clean.body, 3, title=clean.title)

    assert len(summary.sentences) == 3
    assert not any("said in a statement" in s for s in summary.sentences)
    positions = [clean.body.index(s) for s in summary.sentences]
    assert positions == sorted(positions)


def test_sentence_count_is_respected(summarizer: Summarizer) -> None:
    clean = Cleaner().clean_text((FIXTURES / "furniture.txt").read_text(encoding="utf-8"))
    assert len(summarizer.summarize(clean.body, 1).sentences) == 1
    assert len(summarizer.summarize(clean.body, 5).sentences) == 5


def test_text_with_no_candidates_still_gives_something(summarizer: Summarizer) -> None:
    summary = summarizer.summarize("Short one.\n\nAnother.", 3)
    assert summary.sentences == ("Short one.", "Another.")
    assert summary.method == "lead"


@pytest.mark.skipif(not SEED.is_file(), reason="../shared/data/seed is not beside this checkout")
def test_seed_summary_is_substance_not_the_lead_in(summarizer: Summarizer) -> None:
    clean = Cleaner().clean_text(SEED.read_text(encoding="utf-8"))
    summary = summarizer.summarize(clean.body, 3, title=clean.title)
    assert len(summary.sentences) == 3
    assert not any("said in a statement to the Russian Military" in s for s in summary.sentences)
    assert summary.sentences[0].startswith("Concluding a series of defense-related meetings")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "(CNN)Rescuers pulled a man from the wreckage on Sunday.",
            "Rescuers pulled a man from the wreckage on Sunday.",
        ),
        ("Kathmandu, Nepal (CNN)Rescuers pulled a man from the wreckage.", "Rescuers pulled a man from the wreckage."),
        ("LONDON (Reuters) - Britain said on Monday it would act soon.", "Britain said on Monday it would act soon."),
        (
            "The Labour Party (UK) said it was fine and nothing else.",
            "The Labour Party (UK) said it was fine and nothing else.",
        ),
    ],
    ids=["cnn", "city-country", "reuters-dash", "not-a-dateline"],
)
def test_datelines_are_stripped_and_nothing_else(sentence: str, expected: str) -> None:
    assert strip_dateline(sentence) == expected


def test_first_sentence_loses_its_dateline_in_the_summary(summarizer: Summarizer) -> None:
    text = (
        "WASHINGTON (AP) -- The Senate voted on Tuesday to fund the new ferry link to the island.\n\n"
        "The vote followed three years of debate about the cost of the ferry and its harbour.\n\n"
        "Islanders said the link would cut their journey to the mainland hospital by an hour."
    )
    summary = summarizer.summarize(text, 2)
    assert summary.sentences[0] == "The Senate voted on Tuesday to fund the new ferry link to the island."


def test_select_returns_candidate_indices_in_article_order(summarizer: Summarizer) -> None:
    sentences = [
        "Council leader Ana Ruiz said in a statement to the local press…",
        "The town council voted on Tuesday to fund a ferry link to the island.",
        "The ferry will carry two hundred passengers and forty cars on each crossing.",
        "Work on the new harbour is due to begin in the spring of next year.",
    ]
    analysis = summarizer.analyse(sentences)
    chosen = summarizer.select(analysis, 2)
    assert 0 not in analysis.candidates
    assert len(chosen) == 2
    assert list(chosen) == sorted(chosen)
    assert set(chosen) <= set(analysis.candidates)
