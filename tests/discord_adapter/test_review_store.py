"""The review-items repository on a real SQLite file: a verdict is given once and kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ReviewAlreadyDecided
from bot.records import ReviewDraft, ReviewStatus
from bot.storage import Database
from bot.storage.reviews import ReviewRepository


async def test_first_verdict_stands_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "reviews.db"
    async with Database.open(path) as db:
        reviews = ReviewRepository(db)
        item = await reviews.open(ReviewDraft(guild_id=1, case_id=None, channel_id=2, message_id=3, user_id=4,
                                              text="borderline"))
        assert item.status is ReviewStatus.OPEN and item.reviewer_id is None
        await reviews.set_review_message(item.id, 99)
        decided = await reviews.decide(item.id, ReviewStatus.REMOVED, reviewer_id=7)
        with pytest.raises(ReviewAlreadyDecided) as second:
            await reviews.decide(item.id, ReviewStatus.APPROVED, reviewer_id=8)
        assert second.value.item.status is ReviewStatus.REMOVED
        with pytest.raises(ValueError):
            await reviews.decide(item.id, ReviewStatus.OPEN, reviewer_id=8)
    async with Database.open(path) as db:
        (stored,) = await ReviewRepository(db).find(guild_id=1, status=ReviewStatus.REMOVED)
    assert stored == decided
    assert (stored.reviewer_id, stored.review_message_id, stored.text) == (7, 99, "borderline")
    assert stored.decided_at is not None
