"""Appeals: a user contests a case; a moderator other than the one who acted decides; upheld reverses it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from bot.moderation.reversal import CaseReverser, ReversalResult
from bot.records import Appeal, AppealStatus, Case, CaseStatus

log = logging.getLogger("modbot.decision")

MAX_APPEAL = 1500


class AppealRefused(ValueError):
    """The appeal or the verdict cannot be accepted; the message says why, for the person who tried."""


class AppealStore(Protocol):
    async def open(self, case_id: int, user_id: int, body: str) -> Appeal: ...

    async def get(self, appeal_id: int) -> Appeal: ...

    async def decide(self, appeal_id: int, status: AppealStatus, reviewer_id: int, note: str | None) -> Appeal: ...


class CaseLookup(Protocol):
    async def get_by_id(self, case_id: int) -> Case: ...


@dataclass(frozen=True, slots=True)
class AppealVerdict:
    appeal: Appeal
    case: Case
    reversal: ReversalResult | None = None

    def user_message(self) -> str:
        if self.appeal.status is AppealStatus.UPHELD:
            text = f"Your appeal against case #{self.case.number} was upheld: the case is reversed."
        else:
            text = f"Your appeal against case #{self.case.number} was denied: the decision stands."
        if self.appeal.outcome_note:
            text += f"\nModerator's note: {self.appeal.outcome_note}"
        return text


class AppealService:
    def __init__(self, appeals: AppealStore, cases: CaseLookup, reverser: CaseReverser) -> None:
        self._appeals = appeals
        self._cases = cases
        self._reverser = reverser

    async def submit(self, case_id: int, user_id: int, body: str) -> tuple[Appeal, Case]:
        case = await self._cases.get_by_id(case_id)
        if case.user_id != user_id:
            raise AppealRefused("only the member the case is about can appeal it")
        if case.status is not CaseStatus.ACTIVE:
            raise AppealRefused(f"case #{case.number} is {case.status.value}: there is nothing to appeal")
        text = body.strip()
        if not text:
            raise AppealRefused("an appeal needs a few words on why the decision was wrong")
        appeal = await self._appeals.open(case_id, user_id, text[:MAX_APPEAL])
        log.info("appeal opened appeal=%s case=%s user=%s", appeal.id, case.number, user_id)
        return appeal, case

    async def decide(self, appeal_id: int, moderator_id: int, uphold: bool, note: str | None = None) -> AppealVerdict:
        appeal = await self._appeals.get(appeal_id)
        case = await self._cases.get_by_id(appeal.case_id)
        if case.actor_id is not None and case.actor_id == moderator_id:
            raise AppealRefused(
                f"you took the action in case #{case.number}: another moderator must decide this appeal"
            )
        if appeal.user_id == moderator_id:
            raise AppealRefused("you cannot decide your own appeal")
        status = AppealStatus.UPHELD if uphold else AppealStatus.DENIED
        appeal = await self._appeals.decide(appeal_id, status, moderator_id, note)
        reversal = None
        if uphold:
            reversal = await self._reverser.reverse(
                case.guild_id, case.number, moderator_id, f"appeal #{appeal.id} upheld" + (f": {note}" if note else "")
            )
            case = reversal.case
        log.info("appeal decided appeal=%s case=%s verdict=%s by=%s", appeal.id, case.number, status.value,
                 moderator_id)
        return AppealVerdict(appeal, case, reversal)
