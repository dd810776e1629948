"""A member's record in one server, for /history: cases (newest first, paged), active strikes, review outcomes
and appeals. Only that server's: a moderator of one server never sees another's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from bot.records import Appeal, Case, ReviewItem, ReviewStatus


class CaseFinder(Protocol):
    async def count_for_user(self, guild_id: int, user_id: int) -> int: ...

    async def page_for_user(self, guild_id: int, user_id: int, limit: int, offset: int) -> list[Case]: ...

    async def get_by_id(self, case_id: int) -> Case: ...


class StrikeCounter(Protocol):
    async def active(self, guild_id: int, user_id: int) -> int: ...


class ReviewFinder(Protocol):
    async def find(
        self, guild_id: int | None = None, status: ReviewStatus | None = None, user_id: int | None = None
    ) -> list[ReviewItem]: ...


class AppealFinder(Protocol):
    async def for_user(self, user_id: int) -> list[Appeal]: ...


@dataclass(frozen=True, slots=True)
class MemberHistory:
    user_id: int
    total: int  # cases in this server
    page: tuple[Case, ...]  # the page asked for, newest first
    pages: int
    strikes: int
    review_outcomes: tuple[tuple[str, int], ...]
    appeals: tuple[Appeal, ...]


class HistoryService:
    def __init__(
        self, cases: CaseFinder, strikes: StrikeCounter, reviews: ReviewFinder, appeals: AppealFinder
    ) -> None:
        self._cases = cases
        self._strikes = strikes
        self._reviews = reviews
        self._appeals = appeals

    async def of(self, guild_id: int, user_id: int, page: int = 1, size: int = 10) -> MemberHistory:
        """One page of a member's cases (an indexed query, whatever the length of their record) and the rest."""
        total = await self._cases.count_for_user(guild_id, user_id)
        shown = await self._cases.page_for_user(guild_id, user_id, size, (page - 1) * size)
        outcomes = Counter(item.status.value for item in await self._reviews.find(guild_id=guild_id, user_id=user_id))
        appeals = tuple([
            appeal for appeal in await self._appeals.for_user(user_id)
            if (await self._cases.get_by_id(appeal.case_id)).guild_id == guild_id
        ])
        return MemberHistory(
            user_id=user_id,
            total=total,
            page=tuple(shown),
            pages=max(1, -(-total // size)),
            strikes=await self._strikes.active(guild_id, user_id),
            review_outcomes=tuple(sorted(outcomes.items())),
            appeals=appeals,
        )
