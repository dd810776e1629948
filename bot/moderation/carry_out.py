"""The one step that carries out a recorded case, whoever decided it: the pipeline, a case interrupted by a
crash, a moderator's action by hand, a review verdict. It asks the platform to act, then records what was done
on the case, whatever the platform answered (every failure is in `Enforcement.errors`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.moderation.ports import EnforcementLog
from bot.protocols import Enforcer
from bot.records import Case, Enforcement

log = logging.getLogger("modbot.decision")


@dataclass(frozen=True, slots=True)
class CarriedOut:
    case: Case  # as stored after the enforcement was recorded
    enforcement: Enforcement


class CaseExecutor:
    def __init__(self, enforcer: Enforcer, cases: EnforcementLog) -> None:
        self._enforcer = enforcer
        self._cases = cases

    async def carry_out(self, case: Case, notice: str | None = None) -> CarriedOut:
        """Act on `case` (its actions, in order) and record the outcome. `notice`: the warning DM's text."""
        # The enforcer reports every failure in the Enforcement; an exception here is a crash, and the case
        # stays unenforced for `resume_unenforced` at the next start.
        enforcement = await self._enforcer.enforce(case, notice)
        stored = await self._cases.record_enforcement(case.id, enforcement)
        log.info(
            "carried out guild=%s case=%s actor=%s actions=%s applied=%s errors=%d",
            case.guild_id, case.number, case.actor.value, ",".join(str(a) for a in case.actions),
            ",".join(k.value for k in enforcement.applied), len(enforcement.errors),
        )
        return CarriedOut(stored, enforcement)


class NullEnforcer:
    """Does nothing and says so: for dry runs, the CLI and backtests."""

    async def enforce(self, case: Case, notice: str | None = None) -> Enforcement:
        return Enforcement()
