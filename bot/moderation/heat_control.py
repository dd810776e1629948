"""Heat control: watches every judged message in article threads (threads and forum posts of the moderated
channels) and, when a thread's window reaches a `heat:` rule, slows the thread down or locks it.

The act is a case like any other (actor auto, user none: `HEAT_USER_ID`, the thread as channel, the window's
figures as reason), carried out by `CaseExecutor`; the undos it needs (unlock when a `lock 2h` ends, the slowmode
the thread had before, for a reversal) are recorded before it is carried out, so a restart keeps them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.moderation.carry_out import CaseExecutor
from bot.moderation.heat import Figures, HeatWindows, is_removed, reason
from bot.moderation.ports import RulesForGuild
from bot.moderation.remedies import RemedyFailed, ThreadRemedies
from bot.moderation.rules.model import HeatRule
from bot.moderation.timed import TimedActions
from bot.protocols import Clock
from bot.records import (
    HEAT_USER_ID,
    ActionKind,
    Actor,
    Case,
    CaseDraft,
    Enforcement,
    MessageEvent,
    ModerationOutcome,
    TimedAction,
    TimedKind,
)

log = logging.getLogger("modbot.decision")

CaseReport = Callable[[Case, Enforcement], Awaitable[object]]  # the mod log's embed


class HeatCases(Protocol):
    async def record_case(self, draft: CaseDraft) -> Case: ...


@dataclass(frozen=True, slots=True)
class HeatAct:
    rule: HeatRule
    figures: Figures
    case: Case
    enforcement: Enforcement


class HeatMonitor:
    def __init__(
        self,
        *,
        rules: RulesForGuild,
        cases: HeatCases,
        executor: CaseExecutor,
        timed: TimedActions,
        threads: ThreadRemedies,
        clock: Clock,
        report: CaseReport | None = None,
        windows: HeatWindows | None = None,
    ) -> None:
        self._rules = rules
        self._cases = cases
        self._executor = executor
        self._timed = timed
        self._threads = threads
        self._clock = clock
        self._report = report
        self.windows = windows or HeatWindows()

    async def observe(self, outcome: ModerationOutcome) -> HeatAct | None:
        """Count one judged message; act when its thread's level rises to a heat rule."""
        event = outcome.event
        # Threads only (article threads, forum posts); an edit is the same message judged again, not a new one.
        if outcome.duplicate or event.edited or event.parent_channel_id is None:
            return None
        ruleset = self._rules.for_guild(event.guild_id)
        if ruleset.exempt_channels & {event.channel_id, event.parent_channel_id}:
            return None  # never moderated, not even as a thread
        now = self._clock()
        fired = self.windows.record(ruleset.heat, (event.guild_id, event.channel_id), now, is_removed(outcome))
        if fired is None:
            return None
        rule, counted = fired
        return await self._act(event, rule, counted, now)

    async def _act(self, event: MessageEvent, rule: HeatRule, counted: Figures, now: datetime) -> HeatAct:
        kinds = {action.kind for action in rule.actions}
        before = 0
        if ActionKind.SLOWMODE in kinds:
            try:
                before = await self._threads.slowmode_delay(event.guild_id, event.channel_id)
            except RemedyFailed as exc:  # the slowmode itself will say what is wrong
                log.warning("heat: could not read slowmode channel=%s: %s", event.channel_id, exc)
        case = await self._cases.record_case(CaseDraft(
            guild_id=event.guild_id,
            user_id=HEAT_USER_ID,
            channel_id=event.channel_id,
            message_id=None,
            actor=Actor.AUTO,
            actor_id=None,
            rule_id=rule.id,
            actions=rule.actions,
            reason=reason(rule, counted),
            text="",
            strike=False,
            created_at=now,
        ))
        planned: list[tuple[ActionKind, TimedAction]] = []  # before acting: a restart keeps them
        for action in rule.actions:
            if action.kind is ActionKind.LOCK:
                due = now + action.duration if action.duration else None
                planned.append((action.kind, await self._timed.plan(case, TimedKind.UNLOCK, due)))
            elif action.kind is ActionKind.SLOWMODE:
                planned.append((action.kind, await self._timed.plan(case, TimedKind.SLOWMODE_RESET, None, before)))
        done = await self._executor.carry_out(case)
        for kind, undo in planned:
            if kind not in done.enforcement.applied:
                await self._timed.cancel(undo, f"{kind.value} was not applied")
        log.info(
            "heat guild=%s thread=%s rule=%s messages=%d removed=%d share=%.2f within=%s case=%s actions=%s "
            "applied=%s errors=%d",
            event.guild_id, event.channel_id, rule.id, counted.messages, counted.removed, counted.share,
            rule.within_text, case.number, ",".join(str(a) for a in rule.actions),
            ",".join(k.value for k in done.enforcement.applied), len(done.enforcement.errors),
        )
        if self._report is not None:
            await self._report(done.case, done.enforcement)
        return HeatAct(rule, counted, done.case, done.enforcement)
