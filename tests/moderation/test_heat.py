"""Heat control's window logic (pure) and the `heat:` section of the rules file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.moderation.heat import HeatWindows, evaluate, figures, holds, reason
from bot.moderation.rules import load_rules
from bot.moderation.rules.model import HeatRule
from bot.records import Action, ActionKind
from bot.yamlconf import ConfigError

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TEN = timedelta(minutes=10)
SLOW = HeatRule(0, 0.25, TEN, 20, (Action(ActionKind.SLOWMODE, timedelta(seconds=30)),), "10m")
LOCK = HeatRule(1, 0.40, TEN, 30, (Action(ActionKind.LOCK, timedelta(hours=2)),), "10m")
RULES = (SLOW, LOCK)
KEY = (1, 500)


def feed(windows: HeatWindows, messages: int, removed_every: int, start: datetime = T0,
         step: timedelta = timedelta(seconds=5), rules: tuple[HeatRule, ...] = RULES) -> list[HeatRule]:
    """`messages` decisions `step` apart, every `removed_every`-th one removed; the rules that fired."""
    fired: list[HeatRule] = []
    for index in range(messages):
        hit = windows.record(rules, KEY, start + index * step, index % removed_every == 0)
        if hit is not None:
            fired.append(hit[0])
    return fired


def window(removed: int, kept: int, at: datetime = T0) -> list[tuple[datetime, bool]]:
    return [(at, True)] * removed + [(at, False)] * kept


def test_a_rule_needs_both_its_share_and_its_minimum_of_messages() -> None:
    now = T0
    assert evaluate(RULES, window(5, 14), now) is None  # 19 messages: below min_messages 20
    assert evaluate(RULES, window(5, 15), now) is SLOW  # 20 messages, 25 % removed
    assert evaluate(RULES, window(4, 16), now) is None  # 20 messages, 20 % removed


def test_the_strongest_rule_that_holds_wins() -> None:
    assert evaluate(RULES, window(12, 18), T0) is LOCK  # 30 messages, 40 %: both hold, the lock is stronger
    assert evaluate(RULES, window(9, 16), T0) is SLOW  # 36 %: the lock's share does not hold
    longer = HeatRule(2, 0.25, TEN, 20, (Action(ActionKind.SLOWMODE, timedelta(minutes=2)),), "10m")
    assert evaluate((SLOW, longer), window(6, 14), T0) is longer
    forever = HeatRule(3, 0.25, TEN, 20, (Action(ActionKind.LOCK),), "10m")
    assert forever.strength > LOCK.strength > SLOW.strength


def test_decisions_older_than_within_do_not_count() -> None:
    old = window(10, 0, T0 - timedelta(minutes=11))
    fresh = window(0, 20)
    counted = figures(old + fresh, TEN, T0)
    assert (counted.messages, counted.removed) == (20, 0)
    assert not holds(SLOW, old + fresh, T0)
    assert holds(SLOW, window(5, 15, T0 - timedelta(minutes=9)), T0)


def test_a_thread_at_a_level_is_not_acted_on_again_while_it_holds() -> None:
    windows = HeatWindows()
    fired = feed(windows, 29, removed_every=3)  # a third removed: slowmode at the 20th, the lock needs 30
    assert fired == [SLOW]
    assert windows.level(KEY) is SLOW
    fired = feed(windows, 40, removed_every=2, start=T0 + timedelta(seconds=150))  # hotter: 50 % removed
    assert fired == [LOCK]  # risen to the lock once, never the slowmode again on the way


def test_a_share_wavering_around_the_threshold_acts_once() -> None:
    windows = HeatWindows()
    # a quarter removed, give or take one message: the share crosses 0.25 again and again for 30 minutes
    assert feed(windows, 360, removed_every=4, rules=(SLOW,)) == [SLOW]


def test_a_thread_that_cooled_down_can_fire_again() -> None:
    windows = HeatWindows()
    assert feed(windows, 20, removed_every=2) == [SLOW]
    later = T0 + timedelta(hours=1)  # everything above is out of the window: the level is gone
    assert windows.record(RULES, KEY, later, False) is None and windows.level(KEY) is None
    assert feed(windows, 20, removed_every=2, start=later + timedelta(seconds=1)) == [SLOW]


def test_figures_and_reason_name_the_window() -> None:
    windows = HeatWindows()
    hit = None
    for index in range(24):
        hit = windows.record((SLOW,), KEY, T0 + timedelta(seconds=index), index < 9) or hit
    assert hit is not None
    rule, counted = hit
    assert rule is SLOW and (counted.messages, counted.removed) == (20, 9)  # fired at the 20th message
    assert reason(rule, counted) == (
        "heat: 9 of 20 messages removed (45%) within 10m (rule: removed_share 0.25, min_messages 20)"
    )


def test_memory_is_bounded_by_the_longest_window_and_a_thread_cap() -> None:
    windows = HeatWindows(max_threads=3)
    for index in range(500):
        windows.record(RULES, KEY, T0 + index * timedelta(minutes=1), False)
    assert len(windows.window(KEY)) == 10  # one a minute, 10m kept
    for thread in range(10):
        windows.record(RULES, (1, thread), T0, False)
    assert len(windows) == 3 and windows.window(KEY) == ()  # the least recently active went first


def test_no_heat_rules_keep_nothing() -> None:
    windows = HeatWindows()
    assert windows.record((), KEY, T0, True) is None
    assert len(windows) == 0


# -- the rules file ----------------------------------------------------------------------------------------------

LABELS = frozenset({"toxicity"})
GOOD = """\
version: 1
rules:
  - id: toxic
    when: {score: {label: toxicity, min: 0.9}}
    actions: [delete, warn]
heat:
  - when: {removed_share: 0.25, within: 10m, min_messages: 20}
    actions: [slowmode 30s]
  - when: {removed_share: 0.40, within: 10m, min_messages: 30}
    actions: [lock 2h]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_rules(path, LABELS)
    return [str(problem) for problem in caught.value.problems]


def test_heat_rules_compile_with_their_windows_as_written(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, GOOD), LABELS)
    slow, lock = rules.heat
    assert (slow.id, slow.removed_share, slow.within, slow.min_messages) == ("heat[0]", 0.25, TEN, 20)
    assert [str(a) for a in slow.actions] == ["slowmode 30s"] and slow.within_text == "10m"
    assert [str(a) for a in lock.actions] == ["lock 2h"]
    unending = load_rules(write(tmp_path, GOOD.replace("lock 2h", "lock")), LABELS).heat[1]
    assert unending.actions == (Action(ActionKind.LOCK),)


@pytest.mark.parametrize(
    ("replace", "by", "line", "key", "message"),
    [
        pytest.param("removed_share: 0.25", "removed_share: 1.5", 7, "heat[0].when.removed_share",
                     "must be between 0 and 1", id="share-over-1"),
        pytest.param("removed_share: 0.40", "removed_share: 0", 9, "heat[1].when.removed_share",
                     "must be between 0 and 1", id="share-zero"),
        pytest.param("within: 10m, min_messages: 20", "within: soon, min_messages: 20", 7, "heat[0].when.within",
                     "invalid duration", id="bad-within"),
        pytest.param("min_messages: 30", "min_messages: 0", 9, "heat[1].when.min_messages",
                     "greater than or equal to 1", id="min-messages"),
        pytest.param("slowmode 30s", "slowmode 7h", 8, "heat[0].actions[0]", "Discord caps slowmode at 6h",
                     id="slowmode-over-6h"),
        pytest.param("slowmode 30s", "slowmode", 8, "heat[0].actions[0]", "slowmode takes the delay",
                     id="slowmode-without-delay"),
        pytest.param("slowmode 30s", "delete", 8, "heat[0].actions[0]", "heat rules take 'slowmode",
                     id="message-action-in-heat"),
        pytest.param("actions: [delete, warn]", "actions: [delete, lock 2h]", 5, "rules[0].actions[1]",
                     "belongs under heat[].actions", id="heat-action-in-a-rule"),
        pytest.param("min_messages: 20}", "min_messages: 20, colour: red}", 7, "heat[0].when.colour",
                     "Extra inputs are not permitted", id="unknown-key"),
    ],
)
def test_each_heat_problem_names_file_line_and_key(
    tmp_path: Path, replace: str, by: str, line: int, key: str, message: str
) -> None:
    assert replace in GOOD
    path = write(tmp_path, GOOD.replace(replace, by))
    problems = problems_of(path)
    assert any(p.startswith(f"{path}:{line}: {key}: ") and message in p for p in problems), problems


def test_heat_actions_are_refused_in_escalation_and_profiles(tmp_path: Path) -> None:
    text = GOOD + ("escalation:\n  - strikes: 2\n    within: 1d\n    actions: [slowmode 1m]\n"
                   "profiles:\n  - id: p\n    overrides:\n      toxic: {actions: [lock]}\n")
    problems = problems_of(write(tmp_path, text))
    assert any(": escalation[0].actions[0]: " in p and "belongs under heat" in p for p in problems), problems
    assert any(": profiles[0].overrides.toxic.actions[0]: " in p and "belongs under heat" in p
               for p in problems), problems
