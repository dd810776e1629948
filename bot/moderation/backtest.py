"""Backtesting a rule set on labelled text: how the scores rank, and how each action tier performs.

The numbers are computed here from plain lists; reading files and drawing live in the CLI.
"""

from __future__ import annotations

import codecs
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
    """Rows of a UTF-8 CSV (plain or .gz). Labels: 1/0, true/false, yes/no, or a probability (>= 0.5 is positive).

    Every problem in the file is a BacktestInputError naming `path:line`: text that is not UTF-8, a quote left
    open, a row too short to hold both columns, an unreadable label, or no data rows at all.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    rows: list[LabelledText] = []
    try:
        with opener(path, "rb") as handle:
            lines = _Lines(path, handle)
            reader = csv.reader(lines, strict=True)
            _, header = _next_record(reader, lines)
            if header is None:
                raise BacktestInputError(f"{path}: the file is empty; expected a header row naming the columns")
            missing = [c for c in (text_column, label_column) if c not in header]
            if missing:
                names = ", ".join(repr(m) for m in missing)
                raise BacktestInputError(f"{path}:1: no column {names}; columns are {', '.join(header)}")
            text_at, label_at = header.index(text_column), header.index(label_column)
            while limit is None or len(rows) < limit:
                start, record = _next_record(reader, lines)
                if record is None:
                    break
                if not record:
                    continue  # a blank line
                if len(record) <= max(text_at, label_at):
                    fields = f"{len(record)} field{'' if len(record) == 1 else 's'}"
                    raise BacktestInputError(f"{path}:{start}: {fields}, but the header has {len(header)}")
                rows.append(LabelledText(record[text_at], _truth(record[label_at], path, start)))
    except (OSError, EOFError) as exc:  # a truncated or broken .gz, an unreadable file
        raise BacktestInputError(f"{path}: cannot read it: {exc}") from exc
    if not rows:
        raise BacktestInputError(f"{path}: no data rows after the header")
    return rows


class _Lines:
    """The file's lines decoded as UTF-8, counted, so that errors can name the line."""

    def __init__(self, path: Path, handle: io.BufferedIOBase) -> None:
        self.path = path
        self.handle = handle
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self.handle.readline()
        if not raw:
            raise StopIteration
        self.count += 1
        if self.count == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BacktestInputError(
                f"{self.path}:{self.count}: not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1}); "
                "save the file as UTF-8"
            ) from exc


def _next_record(reader: Iterator[list[str]], lines: _Lines) -> tuple[int, list[str] | None]:
    """The next record and the line it starts on; None at the end of the file."""
    start = lines.count + 1
    try:
        return start, next(reader)
    except StopIteration:
        return start, None
    except csv.Error as exc:
        if "end of data" in str(exc):
            problem = "a quoted field is never closed"
        elif "field larger" in str(exc):
            problem = f"a field is over {csv.field_size_limit()} characters (a quote never closed?)"
        else:
            problem = f"malformed CSV: {exc}"
        raise BacktestInputError(f"{lines.path}:{start}: {problem}") from exc


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


PLOT_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "webp", "tif", "tiff")  # raw, ps, pgf...: not offered


def plot_formats() -> tuple[str, ...]:
    """The image suffixes (without the dot) `plot_sweep` can write: PLOT_FORMATS that this matplotlib can draw."""
    from matplotlib.backend_bases import FigureCanvasBase

    supported = FigureCanvasBase.get_supported_filetypes()
    return tuple(name for name in PLOT_FORMATS if name in supported)


def check_plot_path(path: Path) -> None:
    """Raise BacktestInputError unless a plot can be written to `path` (checked before any work is done)."""
    suffix = path.suffix.lower().lstrip(".")
    formats = plot_formats()
    if suffix not in formats:
        raise BacktestInputError(
            f"{path}: cannot tell the image format from {path.suffix or 'a name with no suffix'}; "
            f"use one of {', '.join('.' + name for name in formats)}"
        )
    if not path.parent.is_dir():
        raise BacktestInputError(f"{path}: folder {path.parent} does not exist")


def plot_sweep(report: BacktestReport, path: Path) -> None:
    """Draw the sweep to `path`, in the format its suffix names (.png, .svg, .pdf, .jpg, ...)."""
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
    figure.savefig(buffer, format=path.suffix.lower().lstrip("."), dpi=110)
    plt.close(figure)
    path.write_bytes(buffer.getvalue())
