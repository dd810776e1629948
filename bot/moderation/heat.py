"""Heat control's window logic, pure: per thread a sliding window of decisions (when, removed or not), and which
heat rule (`heat:` in the rules file) a thread's window reaches now. No I/O, no clock: callers pass `now`.

A rule holds when, among the decisions within its `within` before `now`, there are at least `min_messages` and at
least `removed_share` of them removed. `HeatWindows.record` returns the strongest rule that holds only when it is
stronger than the thread's level, the rule last acted on; that level stays until it has not held for a whole
`within` (so a share that wavers around a threshold does not act again and again), then the thread starts afresh.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.moderation.rules.model import HeatRule
from bot.records import ActionKind, ModerationOutcome

# What counts as removed: the message was taken down or its author removed (not a flag, a warning alone, a shadow).
REMOVING: frozenset[ActionKind] = frozenset({ActionKind.DELETE, ActionKind.TIMEOUT, ActionKind.KICK, ActionKind.BAN})
MAX_THREADS = 10_000  # threads whose windows are kept; the least recently active is dropped first


@dataclass(frozen=True, slots=True)
class Figures:
    """A window's counts over one rule's `within`."""

    messages: int
    removed: int
    within: timedelta

    @property
    def share(self) -> float:
        return self.removed / self.messages if self.messages else 0.0


Window = Sequence[tuple[datetime, bool]]  # (decided at, removed), oldest first


def figures(window: Window, within: timedelta, now: datetime) -> Figures:
    since = now - within
    inside = [removed for at, removed in window if since < at <= now]
    return Figures(len(inside), sum(inside), within)


def holds(rule: HeatRule, window: Window, now: datetime) -> bool:
    counted = figures(window, rule.within, now)
    return counted.messages >= rule.min_messages and counted.share >= rule.removed_share


def evaluate(rules: Iterable[HeatRule], window: Window, now: datetime) -> HeatRule | None:
    """The strongest rule that holds on `window` at `now` (see `HeatRule.strength`), or None."""
    return max((rule for rule in rules if holds(rule, window, now)), key=lambda rule: rule.strength, default=None)


def is_removed(outcome: ModerationOutcome) -> bool:
    """A decision that removed the message or its author (an enforced case, not a shadow one, not a flag)."""
    case = outcome.case
    return case is not None and not outcome.decision.is_allow and bool(outcome.decision.kinds & REMOVING)


def reason(rule: HeatRule, counted: Figures) -> str:
    """`heat: 9 of 24 messages removed (38%) within 10m (rule: removed_share 0.25, min_messages 20)`."""
    within = rule.within_text or str(rule.within)
    return (f"heat: {counted.removed} of {counted.messages} messages removed ({counted.share:.0%}) within {within} "
            f"(rule: removed_share {rule.removed_share:g}, min_messages {rule.min_messages})")


@dataclass
class _Thread:
    decisions: deque[tuple[datetime, bool]]
    level: HeatRule | None = None  # the strongest rule acted on, held until it has not held for its `within`
    seen: datetime = datetime.min  # when `level` last held


ThreadKey = tuple[int, int]  # (guild id, thread id)


class HeatWindows:
    """Every thread's window, bounded: decisions older than the longest rule's `within` are pruned, and at most
    `max_threads` threads are kept (least recently active dropped)."""

    def __init__(self, max_threads: int = MAX_THREADS) -> None:
        self._threads: OrderedDict[ThreadKey, _Thread] = OrderedDict()
        self._max = max_threads

    def __len__(self) -> int:
        return len(self._threads)

    def window(self, key: ThreadKey) -> Window:
        thread = self._threads.get(key)
        return tuple(thread.decisions) if thread else ()

    def level(self, key: ThreadKey) -> HeatRule | None:
        thread = self._threads.get(key)
        return thread.level if thread else None

    def record(
        self, rules: Sequence[HeatRule], key: ThreadKey, at: datetime, removed: bool
    ) -> tuple[HeatRule, Figures] | None:
        """Add one decision; the rule to act on (and its figures) when the thread's level rises to it, else None."""
        if not rules:
            self._threads.pop(key, None)
            return None
        thread = self._threads.get(key)
        if thread is None:
            thread = self._threads[key] = _Thread(deque())
            while len(self._threads) > self._max:
                self._threads.popitem(last=False)
        else:
            self._threads.move_to_end(key)
        thread.decisions.append((at, removed))
        longest = max(rule.within for rule in rules)
        while thread.decisions and thread.decisions[0][0] <= at - longest:
            thread.decisions.popleft()
        hit = evaluate(rules, thread.decisions, at)
        current = thread.level
        if current is not None and current not in rules:  # the rules were reloaded: judge by the new ones
            current = thread.level = None
        if current is not None:
            if holds(current, thread.decisions, at):
                thread.seen = at
            elif at - thread.seen >= current.within:  # it has not held for a whole window: cooled down
                current = thread.level = None
        if hit is not None and (current is None or hit.strength > current.strength):
            thread.level, thread.seen = hit, at
            return hit, figures(thread.decisions, hit.within, at)
        return None
