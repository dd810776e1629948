"""Backtesting a rule set on labelled text: how the scores rank, and how each action tier performs.

The numbers are computed here from plain lists; reading files and drawing live in the CLI.
"""

from __future__ import annotations

import csv
import gzip
import io
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.metrics import roc_auc_score

from bot.records import ActionKind, Decision

# An action tier counts a message as "caught" when the decision reaches at least that action.
TIERS: dict[str, frozenset[ActionKind]] = {
    "any action": frozenset({ActionKind.FLAG, ActionKind.DELETE, ActionKind.WARN, ActionKind.TIMEOUT,
                             ActionKind.KICK, ActionKind.BAN}),
    "removed": frozenset({ActionKind.DELETE, ActionKind.TIMEOUT, ActionKind.KICK, ActionKind.BAN}),
    "flagged only": frozenset({ActionKind.FLAG}),
}
SWEEP = tuple(round(0.05 * step, 2) for step in range(1, 20))


class BacktestInputError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class LabelledText:
    text: str
    label: bool


def read_labelled_csv(path: Path, text_column: str, label_column: str, limit: int | None = None) -> list[LabelledText]:
    """Rows of a CSV (plain or .gz). Labels: 1/0, true/false, yes/no, or a probability (>= 0.5 is positive)."""
    opener = gzip.open if path.suffix == ".gz" else open
    rows: list[LabelledText] = []
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (text_column, label_column) if c not in (reader.fieldnames or [])]
        if missing:
            names = ", ".join(repr(m) for m in missing)
            raise BacktestInputError(f"{path}: no column {names}; columns are {', '.join(reader.fieldnames or [])}")
        for line, row in enumerate(reader, start=2):
            rows.append(LabelledText(row[text_column] or "", _truth(row[label_column], path, line)))
            if limit is not None and len(rows) >= limit:
                break
    return rows


def _truth(value: str | None, path: Path, line: int) -> bool:
    text = (value or "").strip().lower()
    if text in ("1", "true", "yes", "toxic"):
        return True
    if text in ("0", "false", "no", ""):
        return False
    try:
        return float(text) >= 0.5
    except ValueError as exc:
        raise BacktestInputError(f"{path}:{line}: label {value!r} is not 0/1, true/false or a probability") from exc


@dataclass(frozen=True, slots=True)
class TierResult:
    tier: str
    predicted: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class SweepPoint:
    threshold: float
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class BacktestReport:
    rows: int
    positives: int
    model: str
    roc_auc: dict[str, float | None]
    tiers: list[TierResult]
    sweep: dict[str, list[SweepPoint]] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "positives": self.positives,
            "model": self.model,
            "roc_auc": self.roc_auc,
            "tiers": [vars_of(t) for t in self.tiers],
            "sweep": {label: [vars_of(p) for p in points] for label, points in self.sweep.items()},
        }


def vars_of(item: TierResult | SweepPoint) -> dict[str, object]:
    return {name: getattr(item, name) for name in item.__slots__}


def _prf(truth: Sequence[bool], predicted: Sequence[bool]) -> tuple[float, float, float]:
    tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t and p)
    fp = sum(1 for t, p in zip(truth, predicted, strict=True) if p and not t)
    fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def evaluate(
    truth: Sequence[bool],
    scores: Sequence[dict[str, float]],
    decisions: Sequence[Decision],
    model: str,
) -> BacktestReport:
    labels = sorted({label for row in scores for label in row})
    roc: dict[str, float | None] = {}
    sweep: dict[str, list[SweepPoint]] = {}
    both_classes = len(set(truth)) == 2
    for label in labels:
        values = [row.get(label, 0.0) for row in scores]
        roc[label] = round(float(roc_auc_score(truth, values)), 4) if both_classes else None
        sweep[label] = [SweepPoint(t, *_prf(truth, [v >= t for v in values])) for t in SWEEP]
    tiers = []
    for name, kinds in TIERS.items():
        predicted = [bool(decision.kinds & kinds) for decision in decisions]
        if name == "flagged only":
            predicted = [decision.kinds == {ActionKind.FLAG} for decision in decisions]
        tiers.append(TierResult(name, sum(predicted), *_prf(truth, predicted)))
    return BacktestReport(len(truth), sum(truth), model, roc, tiers, sweep)


def batched(items: Sequence[LabelledText], size: int) -> Iterator[Sequence[LabelledText]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def plot_sweep(report: BacktestReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for label, points in report.sweep.items():
        thresholds = [p.threshold for p in points]
        axes[0].plot(thresholds, [p.f1 for p in points], label=label)
        axes[1].plot([p.recall for p in points], [p.precision for p in points], marker=".", label=label)
    axes[0].set(title="F1 by threshold", xlabel="threshold", ylabel="F1", ylim=(0, 1))
    axes[1].set(
        title="precision / recall over the sweep", xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1)
    )
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    title = f"modbot backtest: {report.rows} rows, {report.positives} positive; model {report.model}"
    figure.suptitle("\n".join(textwrap.wrap(title, 120)), fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    path.write_bytes(buffer.getvalue())
