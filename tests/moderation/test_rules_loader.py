"""A broken rules file names file, line and key, and never replaces working rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.moderation.rules import RulesHolder, load_rules
from bot.yamlconf import ConfigError

LABELS = frozenset({"toxicity", "insult", "profanity"})

GOOD = """\
version: 1
rules:
  - id: toxic
    when: {score: {label: toxicity, min: 0.9}}
    actions: [delete, warn]
  - id: insults
    when: {words: [idiot]}
    actions: [flag]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_rules(path, LABELS)
    return [str(problem) for problem in caught.value.problems]


def test_shipped_rules_file_is_valid() -> None:
    every_label = frozenset({"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack",
                             "profanity"})
    rules = load_rules(Path("config/rules.yaml"), every_label)
    assert len(rules.rules) >= 8
    assert rules.escalation


@pytest.mark.parametrize(
    ("replace", "by", "line", "key", "message"),
    [
        pytest.param("actions: [delete, warn]", "actions: [delete, warn", 6, "(syntax)", "expected", id="yaml-syntax"),
        pytest.param("label: toxicity", "label: toxcity", 4, "rules[0].when.score.label", "unknown label 'toxcity'",
                     id="unknown-label"),
        pytest.param("actions: [flag]", "actions: [timeout 10 minutes please]", 8, "rules[1].actions[0]",
                     "invalid duration", id="bad-duration"),
        pytest.param("words: [idiot]", "regex: ['(a+)+$']", 7, "rules[1].when.regex",
                     "backtrack catastrophically", id="catastrophic-regex"),
        pytest.param("words: [idiot]", "regex: ['(unclosed']", 7, "rules[1].when.regex", "invalid regex",
                     id="invalid-regex"),
        pytest.param("actions: [flag]", "actions: [explode]", 8, "rules[1].actions[0]", "unknown action 'explode'",
                     id="unknown-action"),
        pytest.param("    actions: [delete, warn]\n", "", 3, "rules[0].actions", "Field required",
                     id="missing-field"),
        pytest.param("min: 0.9", "min: 1.5", 4, "rules[0].when.score.min", "less than or equal to 1",
                     id="score-out-of-range"),
        pytest.param("id: insults", "id: toxic", 6, "rules[1].id", "duplicate rule id", id="duplicate-id"),
        pytest.param("actions: [flag]", "actions: [flag]\n    colour: red", 9, "rules[1].colour",
                     "Extra inputs are not permitted", id="unknown-key"),
    ],
)
def test_each_problem_names_file_line_and_key(
    tmp_path: Path, replace: str, by: str, line: int, key: str, message: str
) -> None:
    assert replace in GOOD
    path = write(tmp_path, GOOD.replace(replace, by))
    problems = problems_of(path)
    assert any(p.startswith(f"{path}:{line}: {key}: ") and message in p for p in problems), problems


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "word_lists:\n  a: &x [idiot]\n  b: *x\n")
    assert any("aliases" in p for p in problems_of(path))


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "# " + "x" * 1_100_000 + "\n")
    assert any("larger than" in p for p in problems_of(path))


def test_failed_reload_keeps_the_working_rules(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    holder = RulesHolder.load(path, LABELS)
    before = holder.current
    path.write_text(GOOD.replace("label: toxicity", "label: nope"), encoding="utf-8")
    result = holder.reload()
    assert not result.ok
    assert holder.current is before
    assert any("unknown label 'nope'" in str(p) for p in result.problems)
    path.write_text(GOOD.replace("min: 0.9", "min: 0.8"), encoding="utf-8")
    assert holder.reload().ok
    assert holder.current is not before


# --- labels the live scorer lacks: warnings, not errors (a typo stays an error) ---------------------------------

def _every_label() -> frozenset[str]:
    from bot.scoring.labels import ALL_LABELS

    return ALL_LABELS


def test_shipped_rules_load_on_the_profanity_scorer_with_a_warning_per_rule_that_cannot_fire() -> None:
    path = Path("config/rules.yaml")
    rules = load_rules(path, frozenset({"profanity"}), _every_label(), "profanity-check")
    text = path.read_text(encoding="utf-8").splitlines()
    threat_line = next(number for number, line in enumerate(text, 1) if "label: threat" in line)
    assert (f"config/rules.yaml:{threat_line}: rules[1].when.score.label: 'threat' is not produced by the live "
            "scorer (profanity-check): rule 'threats' cannot fire") in rules.warnings
    assert {w.rsplit("rule ", 1)[1] for w in rules.warnings} == {
        "'threats' cannot fire", "'severe-toxicity' cannot fire", "'toxic' cannot fire",
        "'toxic-review' cannot fire", "'insult-score-trial' cannot fire",
    }
    assert "threats" in {rule.id for rule in rules.rules}  # loaded all the same


def test_a_typo_stays_an_error_even_with_known_labels(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("label: toxicity", "label: toxcity"))
    with pytest.raises(ConfigError) as caught:
        load_rules(path, frozenset({"profanity"}), _every_label(), "profanity-check")
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{path}:4: rules[0].when.score.label: unknown label 'toxcity' "
                                   "(did you mean 'toxicity'?)")
    assert "the live scorer provides profanity" in str(problem)


def test_rules_the_live_scorer_can_fire_give_no_warning_and_disabled_rules_none(tmp_path: Path) -> None:
    assert load_rules(write(tmp_path, GOOD), LABELS, _every_label()).warnings == ()
    disabled = GOOD.replace("    actions: [delete, warn]\n", "    actions: [delete, warn]\n    enabled: false\n")
    assert load_rules(write(tmp_path, disabled), frozenset({"profanity"}), _every_label()).warnings == ()


def test_holder_judges_rules_by_the_scorer_that_really_loaded(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    holder = RulesHolder.load(path, LABELS, _every_label(), "detoxify/original")
    assert holder.warnings == ()
    warnings = holder.set_live(frozenset({"profanity"}), "profanity-check")
    assert warnings == holder.warnings == holder.current.warnings
    assert warnings == (f"{path}:4: rules[0].when.score.label: 'toxicity' is not produced by the live scorer "
                        "(profanity-check): rule 'toxic' cannot fire",)
    result = holder.reload()  # a reload keeps judging by the live scorer
    assert result.ok and result.warnings == warnings


def test_set_live_on_a_strict_holder_keeps_accepting_the_labels_it_accepted(tmp_path: Path) -> None:
    holder = RulesHolder.load(write(tmp_path, GOOD), LABELS)
    assert holder.set_live(frozenset({"insult"})) != ()
    assert holder.reload().ok


# --- Discord caps timeouts at 28 days --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("extra", "line", "key"),
    [
        pytest.param("", 8, "rules[1].actions[0]", id="rule"),
        pytest.param("profiles:\n  - id: p\n    overrides:\n      insults: {actions: [timeout 60d]}\n", 12,
                     "profiles[0].overrides.insults.actions[0]", id="profile-override"),
        pytest.param("escalation:\n  - strikes: 2\n    within: 7d\n    actions: [{timeout: 60d}]\n", 12,
                     "escalation[0].actions[0]", id="escalation"),
    ],
)
def test_timeouts_over_28_days_are_refused(tmp_path: Path, extra: str, line: int, key: str) -> None:
    text = (GOOD.replace("actions: [flag]", "actions: [timeout 60d]") if not extra else GOOD + extra)
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert any(p.startswith(f"{path}:{line}: {key}: ") and "Discord caps timeouts at 28 days" in p
               for p in problems), problems


def test_a_28_day_timeout_is_accepted(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, GOOD.replace("actions: [flag]", "actions: [timeout 28d]")), LABELS)
    assert str(rules.rules[-1].actions[0]) == "timeout 4w"
