"""What the bot did with one message, in a line or two a reader can follow."""

from __future__ import annotations

from bot.records import CaseStatus, ModerationOutcome, Variant

_INDENT = "      "


def top_scores(values: dict[str, float], count: int = 3) -> str:
    ranked = sorted(values.items(), key=lambda item: item[1], reverse=True)[:count]
    return ", ".join(f"{label} {score:.2f}" for label, score in ranked) or "no scores"


def describe_outcome(outcome: ModerationOutcome) -> str:
    if outcome.duplicate:
        return f"{_INDENT}(already judged at this content: nothing to do)"
    scores = top_scores(dict(outcome.scores.values))
    decision = outcome.decision
    case = outcome.case
    if case is None:
        return f"{_INDENT}ok   allowed  [{scores}]"
    why = case.reason or decision.rule_id or ""
    if case.status is CaseStatus.SHADOW:
        actions = ", ".join(str(a) for a in case.actions)
        return f"{_INDENT}~    shadow rule {case.rule_id} would have done: {actions} ({why}); nothing done  [{scores}]"
    actions = ", ".join(str(a) for a in decision.actions)
    lines = [f"{_INDENT}XX   case #{case.number}: rule {case.rule_id}: {why} -> {actions}  [{scores}]"]
    if decision.variant is Variant.NORMALIZED:
        lines.append(f"{_INDENT}     caught after normalization: {outcome.normalized.normalized!r}")
    done = ", ".join(kind.value for kind in outcome.enforcement.applied) or "nothing"
    told = {True: "; author told by DM", False: "; DM did NOT arrive", None: ""}[outcome.enforcement.notified]
    lines.append(f"{_INDENT}     done: {done}{told}")
    lines.extend(f"{_INDENT}     error: {error}" for error in outcome.enforcement.errors)
    if decision.escalation:
        lines.append(f"{_INDENT}     escalation: {decision.escalation}")
    return "\n".join(lines)
