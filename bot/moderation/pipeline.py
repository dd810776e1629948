"""message -> normalize -> score -> rules -> record -> act -> record outcome.

The case is written (together with the claim on the message) before anything happens on Discord,
so a crash can lose an action but never a case, and a restart never judges a message twice.
Cases whose actions never ran are carried out at the next start by `resume_unenforced()`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import datetime
from typing import Literal

from bot.moderation.carry_out import CaseExecutor
from bot.moderation.decision import decide_message
from bot.moderation.explain import explain
from bot.moderation.normalize import highest_reading, normalize
from bot.moderation.ports import ExplanationLog, OutcomeObserver, RulesForGuild
from bot.moderation.rules import RuleInput
from bot.protocols import CaseStore, Clock, Scorer
from bot.records import (
    Action,
    ActionKind,
    Actor,
    Case,
    CaseDraft,
    Decision,
    Enforcement,
    Explanation,
    MessageEvent,
    ModelInfo,
    ModerationOutcome,
    NormalizedText,
    Scores,
)

log = logging.getLogger("modbot.decision")

SCORER_TIMEOUT_RULE = "scorer-timeout"
_NOT_SCORED = ModelInfo("none", "", note="duplicate: not scored again")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _reason(decision: Decision) -> str:
    parts = [hit.detail for hit in decision.hits if hit.rule_id == decision.rule_id]
    if decision.escalation:
        parts.append(f"escalation: {decision.escalation}")
    if not parts and decision.shadow_hits:
        parts = [f"shadow {hit.rule_id}: {hit.detail}" for hit in decision.shadow_hits]
    return "; ".join(parts) or (decision.rule_id or "")


def worst(readings: list[Scores]) -> Scores:
    """One message read several ways (see `normalize`): the highest score per label decides."""
    first = readings[0]
    if len(readings) == 1:
        return first
    values: dict[str, float] = {}
    for reading in readings:
        for label, value in reading.values.items():
            values[label] = max(value, values.get(label, value))
    return Scores(values, first.model, timed_out=any(reading.timed_out for reading in readings))


def draft_for(
    event: MessageEvent, text: NormalizedText, scores: Scores, decision: Decision, now: datetime
) -> CaseDraft | None:
    """The case a decision opens: none for a plain allow, a shadow case when only shadow rules fired."""
    shadow_only = decision.is_allow and bool(decision.shadow_hits)
    if decision.is_allow and not shadow_only:
        return None
    first_shadow = decision.shadow_hits[0] if decision.shadow_hits else None
    return CaseDraft(
        guild_id=event.guild_id,
        user_id=event.author_id,
        channel_id=event.channel_id,
        message_id=event.message_id,
        actor=Actor.AUTO,
        actor_id=None,
        rule_id=first_shadow.rule_id if shadow_only and first_shadow else decision.rule_id,
        actions=decision.shadow_actions if shadow_only else decision.actions,
        reason=_reason(decision),
        text=text.raw,
        scores=dict(scores.values),
        model=scores.model,
        variant=(first_shadow.variant if shadow_only and first_shadow else decision.variant),
        shadow=shadow_only,
        strike=decision.strike,
        created_at=now,
    )


class ModerationPipeline:
    def __init__(
        self,
        *,
        scorer: Scorer,
        rules: RulesForGuild,
        store: CaseStore,
        executor: CaseExecutor,
        clock: Clock,
        on_timeout: Literal["flag", "allow"] = "flag",
        explanations: ExplanationLog | None = None,
        observer: OutcomeObserver | None = None,
    ) -> None:
        self._scorer = scorer
        self._rules = rules
        self._store = store
        self._executor = executor
        self._clock = clock
        self._on_timeout = on_timeout
        self._explanations = explanations
        self._observer = observer  # heat control (bot/moderation/heat_control.py)
        self._in_flight: set[tuple[int, str]] = set()

    async def judge(self, event: MessageEvent) -> tuple[NormalizedText, Scores, Decision]:
        """Normalize, score and apply the rules; no side effects (used by `score` and `/rules test`)."""
        text = normalize(event.content)
        each = await self._scorer.score(list(text.model_texts()))
        scores = worst(each)
        rules = self._rules.for_guild(event.guild_id)
        now = self._clock()
        strikes = (
            await self._store.strike_times(event.guild_id, event.author_id, now - rules.longest_window)
            if rules.escalation
            else []
        )
        given = RuleInput.from_event(event, text, scores.values, strikes, now)
        decision = decide_message(rules, replace(given, score_readings=highest_reading(each)))
        if scores.timed_out and decision.is_allow and self._on_timeout == "flag":
            decision = Decision(
                actions=(Action(ActionKind.FLAG),),
                rule_id=SCORER_TIMEOUT_RULE,
                user_message=None,
            )
        return text, scores, decision

    async def trial(
        self, text: str, *, guild_id: int = 0, channel_id: int = 0, parent_channel_id: int | None = None
    ) -> tuple[NormalizedText, Scores, Decision]:
        """Judge a text as if it were posted there by nobody (no strikes, no exemptions); nothing is recorded
        or done: `modbot score`, `/score` and `/rules test`."""
        event = MessageEvent(
            guild_id=guild_id, channel_id=channel_id, message_id=0, author_id=0, content=text,
            created_at=self._clock(), parent_channel_id=parent_channel_id,
        )
        return await self.judge(event)

    async def explain(self, text: NormalizedText, scores: Scores, decision: Decision) -> Explanation | None:
        """Why `decision` was made (bot/moderation/explain.py); a score rule's occlusion is one batch through the
        scorer, so it is asked for only when the rule acted."""
        return await explain(self._scorer, text, scores, decision)

    async def handle(self, event: MessageEvent) -> ModerationOutcome:
        digest = content_hash(event.content)
        key = (event.message_id, digest)
        if key in self._in_flight:
            return self._duplicate(event)
        self._in_flight.add(key)  # before any await: a concurrent duplicate event sees it
        try:
            if await self._store.already_processed(*key):
                return self._duplicate(event)
            return await self._handle(event, digest)
        finally:
            self._in_flight.discard(key)

    async def _handle(self, event: MessageEvent, digest: str) -> ModerationOutcome:
        text, scores, decision = await self.judge(event)
        now = self._clock()
        draft = draft_for(event, text, scores, decision, now)
        fresh, case = await self._store.record_decision(event, digest, scores, decision, draft, now)
        if not fresh:
            return self._duplicate(event)
        enforcement = Enforcement()
        if case is not None and not decision.is_allow:
            done = await self._executor.carry_out(case, decision.user_message)
            case, enforcement = done.case, done.enforcement
        if case is not None and self._explanations is not None:  # after the action: it never waits on this
            case = await self._explained(case, text, scores, decision)
        log.info(
            "decision guild=%s channel=%s message=%s user=%s edited=%s rule=%s actions=%s variant=%s "
            "model=%s fallback=%s case=%s applied=%s errors=%d scores=%s",
            event.guild_id, event.channel_id, event.message_id, event.author_id, event.edited,
            decision.rule_id, ",".join(str(a) for a in decision.actions),
            decision.variant.value if decision.variant else None, scores.model.name, scores.model.fallback,
            case.number if case else None, ",".join(k.value for k in enforcement.applied),
            len(enforcement.errors), ",".join(f"{k}={v:.2f}" for k, v in sorted(scores.values.items())),
        )
        outcome = ModerationOutcome(event, text, scores, decision, case, enforcement)
        if self._observer is not None:
            try:
                await self._observer.observe(outcome)
            except Exception:  # the message's own case stands; heat control failing must not undo it
                log.exception("heat control failed guild=%s channel=%s", event.guild_id, event.channel_id)
        return outcome

    async def _explained(self, case: Case, text: NormalizedText, scores: Scores, decision: Decision) -> Case:
        assert self._explanations is not None
        try:
            explanation = await self.explain(text, scores, decision)
        except Exception:  # the case is recorded and carried out; a failed explanation must not undo that
            log.exception("explanation failed case=%s rule=%s", case.number, decision.rule_id)
            return case
        if explanation is None:
            return case
        await self._explanations.save_explanation(case.id, explanation)
        log.info("explanation case=%s kind=%s method=%s model=%s words=%d", case.number, explanation.kind.value,
                 explanation.method.value, explanation.model.name if explanation.model else None,
                 len(explanation.contributions))  # the words themselves stay out of the log
        return replace(case, explanation=explanation)

    async def resume_unenforced(self) -> list[Case]:
        """Carry out the cases recorded before a crash stopped their actions; returns them as now stored.

        Each is carried out once here, since recording the enforcement marks it done whatever Discord answered.
        """
        resumed: list[Case] = []
        for case in await self._store.unenforced():
            resumed.append((await self._executor.carry_out(case)).case)
            log.info("resumed case=%s guild=%s", case.number, case.guild_id)
        return resumed

    def _duplicate(self, event: MessageEvent) -> ModerationOutcome:
        text = NormalizedText(event.content, event.content, event.content.casefold())
        return ModerationOutcome(
            event=event,
            normalized=text,
            scores=Scores({}, _NOT_SCORED),
            decision=Decision(actions=(Action(ActionKind.ALLOW),)),
            case=None,
            enforcement=Enforcement(),
            duplicate=True,
        )

