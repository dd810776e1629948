"""Reversing a case (/case reverse, an approved review, an upheld appeal): undo what can be undone on the
platform (lift a timeout, unban, restore a removed message, unlock a thread or set its slowmode back), mark the
case reversed, record who did it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.moderation.remedies import Remedies, RemedyFailed
from bot.protocols import Clock
from bot.records import HEAT_KINDS, ActionKind, Case, CaseStatus

log = logging.getLogger("modbot.decision")


class ReversibleCases(Protocol):
    async def get(self, guild_id: int, number: int) -> Case: ...

    async def reverse(
        self, guild_id: int, number: int, by: int, reason: str, at: datetime | None = None
    ) -> Case: ...


class CaseUndos(Protocol):
    """Heat control's recorded undos of a case (bot/moderation/timed.py): run them now."""

    async def undo_case(self, case: Case, reason: str) -> tuple[list[str], list[str]]: ...


@dataclass(frozen=True, slots=True)
class ReversalResult:
    case: Case
    undone: tuple[str, ...] = ()  # "timeout lifted", "unbanned", "message restored"
    errors: tuple[str, ...] = ()
    already: bool = False
    restored_message_id: int | None = None

    def summary(self) -> str:
        if self.already:
            return f"Case #{self.case.number} was already reversed."
        text = f"Case #{self.case.number} reversed"
        if self.undone:
            text += ": " + ", ".join(self.undone)
        if self.errors:
            text += "; could not: " + "; ".join(self.errors)
        return text + "."


class CaseReverser:
    def __init__(
        self, cases: ReversibleCases, remedies: Remedies, clock: Clock, undos: CaseUndos | None = None
    ) -> None:
        self._cases = cases
        self._remedies = remedies
        self._clock = clock
        self._undos = undos

    async def reverse(self, guild_id: int, number: int, by: int, reason: str) -> ReversalResult:
        case = await self._cases.get(guild_id, number)
        if case.status is CaseStatus.REVERSED:
            return ReversalResult(case, already=True)
        reason = reason.strip() or "reversed by a moderator"
        undone: list[str] = []
        errors: list[str] = []
        restored: int | None = None
        note = f"modbot case #{case.number} reversed: {reason}"
        applied = set(case.applied)
        if case.status is CaseStatus.ACTIVE and ActionKind.TIMEOUT in applied:
            try:
                await self._remedies.lift_timeout(case.guild_id, case.user_id, note)
                undone.append("timeout lifted")
            except RemedyFailed as exc:
                errors.append(str(exc))
        if case.status is CaseStatus.ACTIVE and ActionKind.BAN in applied:
            try:
                await self._remedies.unban(case.guild_id, case.user_id, note)
                undone.append("unbanned")
            except RemedyFailed as exc:
                errors.append(str(exc))
        if case.status is CaseStatus.ACTIVE and ActionKind.DELETE in applied and case.text:
            try:
                restored = await self._remedies.restore(case)
                undone.append("message restored")
            except RemedyFailed as exc:
                errors.append(str(exc))
        if case.status is CaseStatus.ACTIVE and applied & HEAT_KINDS:
            if self._undos is None:
                errors.append("slowmode/lock: set the thread back by hand")
            else:
                done, failed = await self._undos.undo_case(case, note)
                undone.extend(done)
                errors.extend(failed)
        if ActionKind.KICK in applied:
            errors.append("kick: a kicked member must be invited back by hand")
        reversed_case = await self._cases.reverse(guild_id, number, by, reason, self._clock())
        log.info(
            "reversal guild=%s case=%s by=%s undone=%s errors=%d", guild_id, number, by, ",".join(undone), len(errors)
        )
        return ReversalResult(reversed_case, tuple(undone), tuple(errors), False, restored)
