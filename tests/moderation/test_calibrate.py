"""The calibration math: Wilson intervals, merging verdicts per case, the threshold sweep and the suggestion."""

from __future__ import annotations

import math

import pytest

from bot.moderation.calibrate import Labelled, calibrate, merge, suggest, sweep, wilson
from bot.moderation.rules import parse_rules
from bot.records import CaseVerdict, VerdictSource

RULES = """
version: 1
rules:
  - id: words
    when: {words: [idiot]}
    actions: [delete]
  - id: toxic
    when: {score: {label: toxicity, min: 0.80}}
    actions: [delete]
  - id: toxic-review
    when: {score: {label: toxicity, min: 0.50, max: 0.80}}
    actions: [flag]
"""


def verdict(case_id: int, score: float, correct: bool, rule: str = "toxic",
            source: VerdictSource = VerdictSource.REVIEW) -> CaseVerdict:
    return CaseVerdict(case_id, rule, {"toxicity": score}, correct, source)


def test_wilson_matches_the_textbook_values() -> None:
    low, high = wilson(81, 100)  # p = 0.81, n = 100: [0.722, 0.875]
    assert math.isclose(low, 0.7222, abs_tol=1e-3) and math.isclose(high, 0.8749, abs_tol=1e-3)
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(10, 10)
    assert high == pytest.approx(1.0) and 0.69 < low < 0.73  # all right still leaves doubt with 10 verdicts


def test_a_reversal_or_upheld_appeal_overrules_an_earlier_remove() -> None:
    merged = merge([
        verdict(1, 0.9, True), verdict(1, 0.9, False, source=VerdictSource.REVERSAL),
        verdict(2, 0.9, True), verdict(3, 0.9, False, source=VerdictSource.APPEAL), verdict(3, 0.9, True),
    ])
    assert {case: v.correct for case, v in merged.items()} == {1: False, 2: True, 3: False}


def test_sweep_counts_cases_at_or_above_each_threshold_inside_the_ceiling() -> None:
    cases = [Labelled(1, 0.55, False), Labelled(2, 0.65, True), Labelled(3, 0.75, True), Labelled(4, 0.85, True)]
    points = sweep(cases, ceiling=0.80)  # the 0.85 case is outside the band's max
    assert [(p.threshold, p.verdicts, p.correct) for p in points] == [(0.55, 3, 2), (0.65, 2, 2), (0.75, 1, 1)]
    assert suggest(points, 0.9, 2) == points[1]
    assert suggest(points, 0.9, 3) is None


def test_calibrate_suggests_the_lowest_min_reaching_the_target_and_prints_the_yaml_key() -> None:
    rules = parse_rules(RULES, frozenset({"toxicity"}), path="rules.yaml")
    # 40 cases for 'toxic' at 0.80..0.99: below 0.86 half are wrong, from 0.86 up all are right
    verdicts = [verdict(i, 0.80 + i * 0.005, i >= 12 or i % 2 == 0) for i in range(40)]
    [toxic, review] = calibrate(rules, verdicts, target=0.9, min_verdicts=20)
    assert toxic.rule_id == "toxic" and toxic.verdicts == 40 and toxic.correct == 34
    assert toxic.precision == pytest.approx(0.85)
    assert toxic.interval[0] < 0.85 < toxic.interval[1]
    assert toxic.suggested is not None and 0.80 < toxic.suggested <= 0.86
    assert toxic.suggested_precision is not None and toxic.suggested_precision >= 0.9 and toxic.backing >= 20
    assert toxic.change is not None and toxic.change.startswith("rules[1].when.score.min: 0.80 -> 0.8")
    assert toxic.where == "rules.yaml:8"  # the line of its score band
    assert review.verdicts == 0 and review.suggested is None
    assert review.note == "not enough verdicts to suggest (0 < 20)"


def test_calibrate_refuses_with_too_few_verdicts_and_keeps_a_band_that_is_already_precise() -> None:
    rules = parse_rules(RULES, frozenset({"toxicity"}), path="rules.yaml")
    few = calibrate(rules, [verdict(i, 0.9, True) for i in range(5)], min_verdicts=30, rule_id="toxic")
    assert len(few) == 1 and few[0].suggested is None and few[0].change is None
    assert few[0].note == "not enough verdicts to suggest (5 < 30)"
    good = calibrate(rules, [verdict(i, 0.81 + i / 1000, True) for i in range(40)], rule_id="toxic")
    assert good[0].suggested == 0.80 and good[0].change is None and "keep min" in good[0].note


def test_verdicts_of_other_rules_and_cases_without_the_label_are_ignored() -> None:
    rules = parse_rules(RULES, frozenset({"toxicity"}), path="rules.yaml")
    stray = [verdict(1, 0.9, False, rule="words"), CaseVerdict(2, "toxic", {}, False, VerdictSource.REVIEW)]
    [result] = calibrate(rules, stray, rule_id="toxic")
    assert result.verdicts == 0 and result.precision is None
