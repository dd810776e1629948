"""Calibrating score rules from moderators' verdicts: pure functions over `CaseVerdict` records.

Every verdict on an automatic case is a label: a review approved (the flag was wrong), removed or timed out (it
was right), a reversed case (wrong), an upheld appeal (wrong). A case with several verdicts counts once: wrong if
any verdict says so (a reversal or upheld appeal overrules an earlier "remove").

Per score rule, the precision of its band (the cases it decided whose recorded score lies in the band now in
force) with a Wilson interval, and the lowest `min` at which the labelled cases at or above it reach the target
precision, backed by at least `min_verdicts` of them. It suggests; it never edits the rules file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.moderation.ports import VerdictSource
from bot.moderation.rules import RulesHolder
from bot.moderation.rules.model import RuleSet, ScoreCondition
from bot.records import CaseVerdict

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Labelled:
    """One case, its score on the rule's label and whether firing was right."""

    case_id: int
    score: float
    correct: bool


@dataclass(frozen=True, slots=True)
class Point:
    threshold: float
    verdicts: int  # labelled cases scoring >= threshold (and inside the band's max)
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.verdicts if self.verdicts else 0.0


@dataclass(frozen=True, slots=True)
class RuleCalibration:
    rule_id: str
    label: str
    min: float
    max: float
    key: str  # "rules[3].when.score.min"
    where: str  # "config/rules.yaml:41"
    verdicts: int  # labelled cases of this rule inside the current band
    correct: int
    interval: tuple[float, float]
    suggested: float | None
    backing: int  # labelled cases at or above the suggested min
    suggested_precision: float | None
    note: str
    sweep: tuple[Point, ...] = field(default=(), repr=False)

    @property
    def precision(self) -> float | None:
        return self.correct / self.verdicts if self.verdicts else None

    @property
    def change(self) -> str | None:
        """The YAML line to change, or None when there is nothing to suggest."""
        if self.suggested is None or math.isclose(self.suggested, self.min):
            return None
        return f"{self.key}: {self.min:.2f} -> {_fmt(self.suggested)}"

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule_id, "label": self.label, "min": self.min, "max": self.max, "key": self.key,
            "where": self.where, "verdicts": self.verdicts, "correct": self.correct, "precision": self.precision,
            "interval": list(self.interval), "suggested_min": self.suggested, "backing": self.backing,
            "suggested_precision": self.suggested_precision, "change": self.change, "note": self.note,
        }


def _fmt(value: float) -> str:
    """0.86 as "0.86", 0.855 as "0.855": as many decimals as the threshold has (2 or 3)."""
    text = f"{value:.3f}"
    return text[:-1] if text.endswith("0") else text


def wilson(correct: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default); (0, 1) with no data."""
    if total <= 0:
        return (0.0, 1.0)
    p = correct / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def merge(verdicts: Iterable[CaseVerdict]) -> dict[int, CaseVerdict]:
    """One verdict per case: a case any verdict calls wrong is wrong."""
    merged: dict[int, CaseVerdict] = {}
    for verdict in verdicts:
        seen = merged.get(verdict.case_id)
        if seen is None or (seen.correct and not verdict.correct):
            merged[verdict.case_id] = verdict
    return merged


def sweep(cases: Sequence[Labelled], ceiling: float = 1.0) -> tuple[Point, ...]:
    """Precision of the cases at or above each candidate threshold (each recorded score, floored to 0.001)."""
    inside = sorted((case for case in cases if case.score < ceiling or ceiling >= 1.0), key=lambda c: c.score)
    candidates = sorted({math.floor(case.score * 1000) / 1000 for case in inside})
    points: list[Point] = []
    start = 0
    total, right = len(inside), sum(case.correct for case in inside)
    for threshold in candidates:  # ascending: drop the cases below each threshold in turn
        while start < len(inside) and inside[start].score < threshold:
            total -= 1
            right -= inside[start].correct
            start += 1
        points.append(Point(threshold, total, right))
    return tuple(points)


def suggest(points: Sequence[Point], target: float, min_verdicts: int) -> Point | None:
    """The lowest threshold whose cases reach `target` precision with at least `min_verdicts` behind it."""
    for point in points:
        if point.verdicts >= min_verdicts and point.precision >= target:
            return point
    return None


def _at_or_above(points: Sequence[Point], threshold: float) -> int:
    """How many labelled cases the sweep counts at or above `threshold`."""
    return next((point.verdicts for point in points if point.threshold >= threshold), 0)


_INDEX = re.compile(r"^(?P<where>.*:\d+): rules\[(?P<index>\d+)\]")


def calibrate(
    rules: RuleSet,
    verdicts: Iterable[CaseVerdict],
    *,
    target: float = 0.9,
    min_verdicts: int = 30,
    rule_id: str | None = None,
) -> list[RuleCalibration]:
    """One `RuleCalibration` per top-level score rule of `rules` (or only `rule_id`)."""
    merged = merge(verdicts)
    places = {use.rule_id: _INDEX.match(use.where) for use in rules.label_uses}
    results: list[RuleCalibration] = []
    for rule in rules.rules:
        condition = rule.condition
        if not isinstance(condition, ScoreCondition) or (rule_id is not None and rule.id != rule_id):
            continue
        labelled = [
            Labelled(v.case_id, float(v.scores[condition.label]), v.correct)
            for v in merged.values()
            if v.rule_id == rule.id and isinstance(v.scores.get(condition.label), int | float)
        ]
        band = [case for case in labelled if condition.holds(case.score)]
        right = sum(case.correct for case in band)
        points = sweep(labelled, condition.max)
        place = places.get(rule.id)
        key = f"rules[{place['index']}].when.score.min" if place else f"{rule.id}.when.score.min"
        where = place["where"] if place else rules.source
        best: Point | None = None
        if len(labelled) < min_verdicts:
            note = f"not enough verdicts to suggest ({len(labelled)} < {min_verdicts})"
        else:
            best = suggest(points, target, min_verdicts)
            if best is None:
                note = f"no min reaches precision {target:.2f} with {min_verdicts} or more verdicts above it"
            elif best.threshold <= condition.min or best.verdicts >= _at_or_above(points, condition.min):
                note = f"the band already reaches precision {target:.2f}: keep min"
            else:
                note = f"raise min to reach precision {target:.2f}"
        suggested = None
        if best is not None:
            keep = best.threshold <= condition.min or best.verdicts >= _at_or_above(points, condition.min)
            suggested = condition.min if keep else best.threshold
        results.append(RuleCalibration(
            rule_id=rule.id, label=condition.label, min=condition.min, max=condition.max, key=key, where=where,
            verdicts=len(band), correct=right, interval=wilson(right, len(band)),
            suggested=suggested, backing=best.verdicts if best else 0,
            suggested_precision=best.precision if best else None, note=note, sweep=points,
        ))
    return results


class CalibrationService:
    """`modbot calibrate` and `/stats`: the rules file in force, calibrated on the stored verdicts."""

    def __init__(self, verdicts: VerdictSource, rules: RulesHolder) -> None:
        self.verdicts = verdicts
        self.rules = rules

    async def run(
        self,
        *,
        rule_id: str | None = None,
        guild_id: int | None = None,
        target: float = 0.9,
        min_verdicts: int = 30,
    ) -> list[RuleCalibration]:
        """One `RuleCalibration` per score rule in force (or only `rule_id`), on one server's verdicts or all."""
        verdicts = await self.verdicts.verdicts(rule_id, guild_id)
        return calibrate(self.rules.current, verdicts, target=target, min_verdicts=min_verdicts, rule_id=rule_id)


def plot_precision(results: Sequence[RuleCalibration], target: float, path: str) -> None:
    """Precision of the labelled cases at or above each threshold, per rule, to an image (Agg)."""
    import io
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4.5))
    for result in results:
        if result.sweep:
            axis.step([p.threshold for p in result.sweep], [p.precision for p in result.sweep], where="post",
                      label=f"{result.rule_id} ({result.label}, min {result.min:.2f})")
        if result.suggested is not None:
            axis.axvline(result.suggested, linestyle=":", alpha=0.6)
    axis.axhline(target, color="grey", linestyle="--", label=f"target {target:.2f}")
    axis.set(title="modbot calibrate: precision vs threshold on moderators' verdicts", xlabel="min threshold",
             ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    target_path = Path(path)
    figure.savefig(buffer, format=target_path.suffix.lower().lstrip(".") or "png", dpi=110)
    plt.close(figure)
    target_path.write_bytes(buffer.getvalue())
