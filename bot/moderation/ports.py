"""What the moderation services need from storage and from the platform. Storage and the Discord adapter
implement these; `bot/app.py` passes the implementations in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from bot.moderation.rules import RuleSet
from bot.records import (
    Case,
    CaseDraft,
    CaseNote,
    CaseQuery,
    CaseVerdict,
    Enforcement,
    Explanation,
    JudgedMessage,
    ModerationOutcome,
    ReviewDraft,
    ReviewItem,
    ReviewStatus,
    TimedAction,
    TimedKind,
)


class RulesForGuild(Protocol):
    """The rules in force in one server: the rules file, plus that server's runtime exemptions."""

    def for_guild(self, guild_id: int) -> RuleSet: ...


class ExplanationLog(Protocol):
    """Where a case's explanation is kept (beside the case, outside its hash chain)."""

    async def save_explanation(self, case_id: int, explanation: Explanation) -> None: ...


class EnforcementLog(Protocol):
    async def record_enforcement(self, case_id: int, enforcement: Enforcement) -> Case: ...


class CaseWriter(EnforcementLog, Protocol):
    async def record_case(self, draft: CaseDraft) -> Case: ...

    async def get_by_id(self, case_id: int) -> Case: ...


class StrikeClearer(Protocol):
    async def clear(self, guild_id: int, user_id: int) -> int: ...


class ReviewStore(Protocol):
    async def open(self, draft: ReviewDraft, at: datetime | None = None) -> ReviewItem: ...

    async def get(self, item_id: int) -> ReviewItem: ...

    async def decide(
        self, item_id: int, status: ReviewStatus, reviewer_id: int, at: datetime | None = None
    ) -> ReviewItem: ...

    async def set_review_message(self, item_id: int, review_message_id: int) -> ReviewItem: ...


class CaseBook(Protocol):
    """The case log as moderators read and annotate it."""

    async def get(self, guild_id: int, number: int) -> Case: ...

    async def get_by_id(self, case_id: int) -> Case: ...

    async def find(self, query: CaseQuery) -> list[Case]: ...

    async def notes(self, case_id: int) -> list[CaseNote]: ...

    async def add_note(self, case_id: int, author_id: int, body: str, at: datetime | None = None) -> CaseNote: ...


class JudgedHistory(Protocol):
    """The stored judged messages that a rules preview replays."""

    def judged(
        self, since: datetime, guild_id: int | None = None, page: int = 5000
    ) -> AsyncIterator[list[JudgedMessage]]: ...


class VerdictSource(Protocol):
    """Moderators' verdicts on automatic cases, that calibration learns from."""

    async def verdicts(self, rule_id: str | None = None, guild_id: int | None = None) -> list[CaseVerdict]: ...


class TimedActionStore(Protocol):
    """Heat control's pending undos (unlock a thread, reset its slowmode), kept across restarts."""

    async def add(
        self, guild_id: int, case_id: int, channel_id: int, kind: TimedKind, due_at: datetime | None,
        value: int | None = None,
    ) -> TimedAction: ...

    async def pending(self) -> list[TimedAction]: ...

    async def for_case(self, case_id: int) -> list[TimedAction]: ...

    async def finish(self, action_id: int, outcome: str, at: datetime | None = None) -> bool: ...


class CaseNotes(Protocol):
    async def add_note(self, case_id: int, author_id: int, body: str, at: datetime | None = None) -> CaseNote: ...


class OutcomeObserver(Protocol):
    """Told every outcome the pipeline reaches, after it was carried out (heat control)."""

    async def observe(self, outcome: ModerationOutcome) -> object: ...
