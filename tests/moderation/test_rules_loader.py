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
