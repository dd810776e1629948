"""Moderators' actions by hand (/warn, /timeout, /kick, /ban, /pardon).

Each is a case like the bot's own, with the moderator as actor, carried out through the same `Enforcer`
and recorded the same way: the case first, then what was done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.moderation.carry_out import CaseExecutor
from bot.moderation.ports import StrikeClearer
from bot.moderation.remedies import Remedies, RemedyFailed
from bot.protocols import Clock
from bot.records import Action, ActionKind, Actor, Case, CaseDraft, Enforcement

log = logging.getLogger("modbot.decision")

MANUAL_KINDS = frozenset({ActionKind.WARN, ActionKind.TIMEOUT, ActionKind.KICK, ActionKind.BAN})
PARDON_RULE = "pardon"


class ManualCaseStore(Protocol):
    async def record_case(self, draft: CaseDraft) -> Case: ...

    async def record_enforcement(self, case_id: int, enforcement: Enforcement) -> Case: ...


@dataclass(frozen=True, slots=True)
class ManualRequest:
    guild_id: int
    channel_id: int  # where the command was given
    user_id: int
    moderator_id: int
    action: Action
    reason: str


@dataclass(frozen=True, slots=True)
class ManualResult:
    case: Case
    enforcement: Enforcement
    strikes_cleared: int = 0

    def summary(self) -> str:
        done = ", ".join(kind.value for kind in self.enforcement.applied) or "nothing"
        text = f"Case #{self.case.number}: {', '.join(str(a) for a in self.case.actions)} <@{self.case.user_id}>"
        text += f"; done: {done}"
        if self.strikes_cleared:
            text += f"; {self.strikes_cleared} strike(s) cleared"
        if self.enforcement.notified is False:
            text += "; the DM did not arrive"
        if self.enforcement.errors:
            text += "; problems: " + "; ".join(self.enforcement.errors)
        return text


class ManualActions:
    def __init__(
        self,
        *,
        cases: ManualCaseStore,
        executor: CaseExecutor,
        strikes: StrikeClearer,
        remedies: Remedies,
        clock: Clock,
    ) -> None:
        self._cases = cases
        self._executor = executor
        self._strikes = strikes
        self._remedies = remedies
        self._clock = clock

    async def act(self, request: ManualRequest) -> ManualResult:
        kind = request.action.kind
        if kind not in MANUAL_KINDS:
            raise ValueError(f"{kind.value} cannot be given by hand")
        if request.user_id == request.moderator_id:
            raise ValueError("moderators cannot act on themselves")
        reason = request.reason.strip() or "no reason given"
        case = await self._cases.record_case(self._draft(request, (request.action,), reason, strike=True))
        # The DM names the moderator's reason as what fired.
        done = await self._executor.carry_out(case, f"A moderator gave you a {request.action} for: {reason}.")
        self._log(done.case, done.enforcement)
        return ManualResult(done.case, done.enforcement)

    async def pardon(
        self, guild_id: int, channel_id: int, user_id: int, moderator_id: int, reason: str
    ) -> ManualResult:
        """Clear the user's active strikes and lift a timeout; recorded as a case (action: allow)."""
        reason = reason.strip() or "no reason given"
        draft = self._draft(
            ManualRequest(guild_id, channel_id, user_id, moderator_id, Action(ActionKind.ALLOW), reason),
            (Action(ActionKind.ALLOW),), f"pardon: {reason}", strike=False, rule=PARDON_RULE,
        )
        case = await self._cases.record_case(draft)
        cleared = await self._strikes.clear(guild_id, user_id)
        errors: list[str] = []
        applied: list[ActionKind] = []
        try:
            await self._remedies.lift_timeout(guild_id, user_id, f"modbot case #{case.number}: pardon")
            applied.append(ActionKind.ALLOW)
        except RemedyFailed as exc:
            errors.append(str(exc))
        enforcement = Enforcement(applied=tuple(applied), errors=tuple(errors))
        case = await self._cases.record_enforcement(case.id, enforcement)
        self._log(case, enforcement)
        return ManualResult(case, enforcement, cleared)

    def _draft(
        self, request: ManualRequest, actions: tuple[Action, ...], reason: str, *, strike: bool,
        rule: str | None = None,
    ) -> CaseDraft:
        return CaseDraft(
            guild_id=request.guild_id,
            user_id=request.user_id,
            channel_id=request.channel_id,
            message_id=None,
            actor=Actor.MODERATOR,
            actor_id=request.moderator_id,
            rule_id=rule,
            actions=actions,
            reason=reason,
            text="",
            strike=strike,
            created_at=self._clock(),
        )

    @staticmethod
    def _log(case: Case, enforcement: Enforcement) -> None:
        log.info(
            "manual guild=%s user=%s moderator=%s case=%s actions=%s applied=%s errors=%d",
            case.guild_id, case.user_id, case.actor_id, case.number, ",".join(str(a) for a in case.actions),
            ",".join(k.value for k in enforcement.applied), len(enforcement.errors),
        )


def manual_action(kind: ActionKind, duration: timedelta | None = None) -> Action:
    return Action(kind, duration if kind is ActionKind.TIMEOUT else None)
