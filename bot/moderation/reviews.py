"""The review queue's verdicts on flagged messages, whatever platform the buttons are on.

- approve: the flag was wrong. The bot's case is reversed through `CaseReverser`, exactly as `/case reverse`
  and an upheld appeal do: a timeout that escalation added is lifted, a ban undone, a removed message restored.
- remove / timeout: the flag was right. A moderator's case (actor: the reviewer) is recorded and carried out
  through the one `CaseExecutor`; a message the bot already removed is not removed again.

Every verdict stays on the review item (status, reviewer, time): they are the labels calibration learns from.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import ReviewAlreadyDecided
from bot.moderation.carry_out import CaseExecutor
from bot.moderation.ports import CaseWriter, ReviewStore
from bot.moderation.reversal import CaseReverser, ReversalResult
from bot.protocols import Clock
from bot.records import Action, ActionKind, Actor, Case, CaseDraft, Enforcement, ReviewDraft, ReviewItem, ReviewStatus

log = logging.getLogger("modbot.decision")


class Verdict(enum.StrEnum):
    APPROVE = "approve"
    REMOVE = "remove"
    TIMEOUT = "timeout"

    @property
    def status(self) -> ReviewStatus:
        return {
            Verdict.APPROVE: ReviewStatus.APPROVED,
            Verdict.REMOVE: ReviewStatus.REMOVED,
            Verdict.TIMEOUT: ReviewStatus.TIMED_OUT,
        }[self]


@dataclass(frozen=True, slots=True)
class ReviewResult:
    item: ReviewItem
    bot_case: Case | None  # the case that flagged the message, as it is now
    case: Case | None = None  # the moderator's case (remove, timeout), or the reversed bot case (approve)
    reversal: ReversalResult | None = None
    enforcement: Enforcement | None = None
    already_decided: bool = False

    @property
    def restored_message_id(self) -> int | None:
        return self.reversal.restored_message_id if self.reversal else None

    @property
    def errors(self) -> tuple[str, ...]:
        if self.already_decided:
            return (f"already decided: {self.item.status.value}",)
        if self.reversal is not None:
            return self.reversal.errors
        return self.enforcement.errors if self.enforcement else ()

    def summary(self) -> str:
        text = f"Review #{self.item.id}: {self.item.status.value}"
        if self.case is not None:
            text += f" (case #{self.case.number})"
        if self.reversal is not None and self.reversal.undone:
            text += "; " + ", ".join(self.reversal.undone)
        if self.errors:
            text += "; problems: " + "; ".join(self.errors)
        return text


def review_draft(case: Case) -> ReviewDraft:
    """A flagged case as it joins the review queue."""
    return ReviewDraft(
        guild_id=case.guild_id,
        case_id=case.id,
        channel_id=case.channel_id,
        message_id=case.message_id,
        user_id=case.user_id,
        text=case.text,
    )


class ReviewDesk:
    def __init__(
        self,
        *,
        reviews: ReviewStore,
        cases: CaseWriter,
        reverser: CaseReverser,
        executor: CaseExecutor,
        clock: Clock,
        timeout: timedelta,
    ) -> None:
        self._reviews = reviews
        self._cases = cases
        self._reverser = reverser
        self._executor = executor
        self._clock = clock
        self._timeout = timeout

    async def decide(self, item_id: int, verdict: Verdict, moderator_id: int) -> ReviewResult:
        try:
            item = await self._reviews.decide(item_id, verdict.status, moderator_id, at=self._clock())
        except ReviewAlreadyDecided as exc:
            bot_case = await self._cases.get_by_id(exc.item.case_id) if exc.item.case_id is not None else None
            return ReviewResult(exc.item, bot_case, already_decided=True)
        bot_case = await self._cases.get_by_id(item.case_id) if item.case_id is not None else None
        if verdict is Verdict.APPROVE:
            result = await self._approve(item, bot_case, moderator_id)
        else:
            result = await self._uphold(item, bot_case, moderator_id, verdict)
        log.info(
            "review decided item=%s verdict=%s reviewer=%s case=%s errors=%d",
            item.id, verdict.value, moderator_id, result.case.number if result.case else None, len(result.errors),
        )
        return result

    async def _approve(self, item: ReviewItem, bot_case: Case | None, moderator_id: int) -> ReviewResult:
        if bot_case is None:
            return ReviewResult(item, None)
        reversal = await self._reverser.reverse(
            bot_case.guild_id, bot_case.number, moderator_id, f"approved in review #{item.id}"
        )
        return ReviewResult(item, reversal.case, reversal.case, reversal=reversal)

    async def _uphold(
        self, item: ReviewItem, bot_case: Case | None, moderator_id: int, verdict: Verdict
    ) -> ReviewResult:
        actions: list[Action] = []
        if bot_case is None or ActionKind.DELETE not in bot_case.applied:
            actions.append(Action(ActionKind.DELETE))
        if verdict is Verdict.TIMEOUT:
            actions.append(Action(ActionKind.TIMEOUT, self._timeout))
        draft = CaseDraft(
            guild_id=item.guild_id,
            user_id=item.user_id,
            channel_id=item.channel_id,
            message_id=item.message_id,
            actor=Actor.MODERATOR,
            actor_id=moderator_id,
            rule_id=bot_case.rule_id if bot_case else None,
            actions=tuple(actions) or (Action(ActionKind.DELETE),),
            reason=f"{item.status.value} in review #{item.id}" + (f" of case #{bot_case.number}" if bot_case else ""),
            text=item.text or "",
            scores=dict(bot_case.scores) if bot_case else {},
            variant=bot_case.variant if bot_case else None,
            strike=True,
            created_at=self._clock(),
        )
        case = await self._cases.record_case(draft)
        if not actions or item.message_id is None:
            stored = await self._cases.record_enforcement(case.id, Enforcement())
            return ReviewResult(item, bot_case, stored, enforcement=Enforcement())
        done = await self._executor.carry_out(case)
        return ReviewResult(item, bot_case, done.case, enforcement=done.enforcement)
