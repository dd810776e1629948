"""A member's record in one server, for /history: cases (newest first, paged), active strikes, review outcomes
and appeals. Only that server's: a moderator of one server never sees another's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from bot.records import Appeal, Case, CaseQuery, ReviewItem, ReviewStatus


class CaseFinder(Protocol):
    async def find(self, query: CaseQuery) -> list[Case]: ...


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
    cases: tuple[Case, ...]  # newest first
    strikes: int
    review_outcomes: tuple[tuple[str, int], ...]
    appeals: tuple[Appeal, ...]

    def page(self, number: int, size: int) -> tuple[Case, ...]:
        return self.cases[(number - 1) * size : number * size]

    def pages(self, size: int) -> int:
        return max(1, -(-len(self.cases) // size))


class HistoryService:
    def __init__(
        self, cases: CaseFinder, strikes: StrikeCounter, reviews: ReviewFinder, appeals: AppealFinder
    ) -> None:
        self._cases = cases
        self._strikes = strikes
        self._reviews = reviews
        self._appeals = appeals

    async def of(self, guild_id: int, user_id: int) -> MemberHistory:
        cases = await self._cases.find(CaseQuery(guild_id=guild_id, user_id=user_id, limit=100_000))
        cases.reverse()
        ours = {case.id for case in cases}
        outcomes = Counter(item.status.value for item in await self._reviews.find(guild_id=guild_id, user_id=user_id))
        appeals = tuple(a for a in await self._appeals.for_user(user_id) if a.case_id in ours)
        return MemberHistory(
            user_id=user_id,
            cases=tuple(cases),
            strikes=await self._strikes.active(guild_id, user_id),
            review_outcomes=tuple(sorted(outcomes.items())),
            appeals=appeals,
        )
