"""Summary quality on ../shared/data/summaries/cnndm-dev.jsonl (125 CNN/DailyMail articles), in-sample and held out.

ROUGE-1/2/Lsum F1 with Google's rouge-score (stemming on), the reference highlights split into sentences
(one per line for Lsum). Lead-3 is the first three of the dataset's own `article_lines`; ours splits the raw
`article` text with the digest's sentence splitter and summarizes it in 3 sentences. Both measured in one run.

The shipped weights (SummarizerSettings defaults) were chosen on these same articles, so the all-articles figure
is optimistic. The k-fold part measures the *procedure* honestly: for each fold, the weights are tuned from a fixed
untuned start (NEUTRAL) by coordinate ascent over GRID on the other folds only, then scored on the held-out fold.

    python bench/summarize.py [--data PATH] [--sentences 3] [--folds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from rouge_score import rouge_scorer

from bot.digest.sentences import SentenceSplitter
from bot.digest.summarize import Analysis, Summarizer, SummarizerSettings, strip_dateline

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "summaries" / "cnndm-dev.jsonl"
METRICS = ("rouge1", "rouge2", "rougeLsum")
# A-priori weights, not fitted to any data: the start of every fold's tuning.
NEUTRAL = SummarizerSettings(
    position_weight=1.0,
    position_decay=1.0,
    centrality_weight=0.5,
    redundancy=0.5,
    quote_penalty=0.0,
    length_weight=0.0,
    length_target=28,
)
GRID: dict[str, tuple[float, ...]] = {
    "position_weight": (0.5, 0.75, 1.0, 1.5),
    "position_decay": (0.5, 0.75, 1.0, 1.5),
    "centrality_weight": (0.0, 0.35, 0.7, 1.0),
    "redundancy": (0.0, 0.25, 0.5, 1.0),
    "quote_penalty": (0.0, 0.1, 0.2),
    "length_weight": (0.0, 0.1, 0.2, 0.4),
    "length_target": (20, 28, 36),
}
Scores = tuple[float, float, float]


def reference_lines(reference: str) -> str:
    """CNN/DM highlights are tokenised (" . " between them): one highlight per line."""
    return "\n".join(part.strip() for part in re.split(r"\s\.\s*|\n", reference) if part.strip())


@dataclass
class Bench:
    """Articles analysed once; ROUGE cached per (article, chosen sentences) so that tuning stays cheap."""

    references: list[str]
    leads: list[Scores]
    analyses: list[Analysis]
    count: int
    scorer: rouge_scorer.RougeScorer
    cache: dict[tuple[int, tuple[int, ...]], Scores]

    def score(self, reference: str, text: str) -> Scores:
        result = self.scorer.score(reference, text)
        return (result["rouge1"].fmeasure, result["rouge2"].fmeasure, result["rougeLsum"].fmeasure)

    def ours(self, settings: SummarizerSettings, article: int) -> Scores:
        analysis = self.analyses[article]
        if not analysis.candidates:
            chosen = tuple(range(min(self.count, len(analysis.sentences))))
        else:
            chosen = Summarizer(settings=settings).select(analysis, self.count)
        key = (article, chosen)
        if key not in self.cache:
            lines = [strip_dateline(analysis.sentences[i]) if i == 0 else analysis.sentences[i] for i in chosen]
            self.cache[key] = self.score(self.references[article], "\n".join(lines))
        return self.cache[key]

    def mean(self, settings: SummarizerSettings, articles: Sequence[int]) -> Scores:
        rows = [self.ours(settings, a) for a in articles]
        return _mean(rows)

    def lead(self, articles: Sequence[int]) -> Scores:
        return _mean([self.leads[a] for a in articles])

    def tune(self, articles: Sequence[int], start: SummarizerSettings = NEUTRAL, passes: int = 3) -> SummarizerSettings:
        """Coordinate ascent on mean ROUGE-1 over `articles` only."""
        best, best_score = start, self.mean(start, articles)[0]
        for _ in range(passes):
            improved = False
            for field, values in GRID.items():
                for value in values:
                    change: dict[str, Any] = {field: int(value) if field == "length_target" else value}
                    trial = replace(best, **change)
                    trial_score = self.mean(trial, articles)[0]
                    if trial_score > best_score + 1e-9:
                        best, best_score, improved = trial, trial_score, True
            if not improved:
                break
        return best


def _mean(rows: Sequence[Scores]) -> Scores:
    n = max(1, len(rows))
    return (sum(r[0] for r in rows) / n, sum(r[1] for r in rows) / n, sum(r[2] for r in rows) / n)


def _pct(values: Scores) -> list[float]:
    return [round(100 * v, 2) for v in values]


def _delta(ours: Scores, lead: Scores) -> list[float]:
    return [round(100 * (o - lead_), 2) for o, lead_ in zip(ours, lead, strict=True)]


def build(records: list[dict[str, object]], count: int) -> Bench:
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    splitter = SentenceSplitter()
    summarizer = Summarizer(splitter)
    bench = Bench([], [], [], count, scorer, {})
    for record in records:
        reference = reference_lines(str(record["reference"]))
        lines = record["article_lines"]
        assert isinstance(lines, list)
        bench.references.append(reference)
        bench.leads.append(bench.score(reference, "\n".join(str(line) for line in lines[:3])))
        bench.analyses.append(summarizer.analyse(splitter.split(str(record["article"]))))
    return bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sentences", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5, help="k for held-out evaluation; 0 or 1 skips it")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    records = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    bench = build(records, args.sentences)
    everything = list(range(len(records)))
    shipped = SummarizerSettings()
    lead_all, ours_all = bench.lead(everything), bench.mean(shipped, everything)
    result: dict[str, object] = {
        "articles": len(records),
        "all": {"lead3": _pct(lead_all), "ours": _pct(ours_all), "difference": _delta(ours_all, lead_all)},
    }
    if args.folds > 1:
        folds: list[dict[str, object]] = []
        fold_deltas: list[list[float]] = []
        pooled: list[Scores] = [(0.0, 0.0, 0.0)] * len(records)
        for fold in range(args.folds):
            test = [a for a in everything if a % args.folds == fold]
            train = [a for a in everything if a % args.folds != fold]
            tuned = bench.tune(train)
            for a in test:
                pooled[a] = bench.ours(tuned, a)
            lead, ours = bench.lead(test), bench.mean(tuned, test)
            fold_deltas.append(_delta(ours, lead))
            folds.append(
                {
                    "fold": fold,
                    "articles": len(test),
                    "train_rouge1": round(100 * bench.mean(tuned, train)[0], 2),
                    "lead3": _pct(lead),
                    "ours": _pct(ours),
                    "difference": _delta(ours, lead),
                    "settings": {f: getattr(tuned, f) for f in GRID},
                }
            )
        mean_delta = [round(sum(d[m] for d in fold_deltas) / len(fold_deltas), 2) for m in range(3)]
        pooled_ours = _mean(pooled)
        result["heldout"] = {
            "folds": folds,
            "mean_difference": mean_delta,
            "pooled": {"lead3": _pct(lead_all), "ours": _pct(pooled_ours), "difference": _delta(pooled_ours, lead_all)},
        }
        tuned_all = bench.tune(everything)
        result["tuned_on_all_from_neutral"] = {f: getattr(tuned_all, f) for f in GRID}
    result["shipped_settings"] = {f: v for f, v in asdict(shipped).items() if f in GRID}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    _print_text(result)
    return 0


def _row(name: str, values: object, sign: str = "") -> str:
    assert isinstance(values, list)
    return f"{name:12s} " + " ".join(f"{v:{sign}7.2f}" for v in values)


def _print_text(result: dict[str, object]) -> None:
    print(f"articles: {result['articles']}   ROUGE F1 x100 (rouge-score, stemming, Lsum on sentence lines)")
    print(f"{'':12s} {'R-1':>7s} {'R-2':>7s} {'R-Lsum':>7s}")
    everything = result["all"]
    assert isinstance(everything, dict)
    print("all articles, shipped weights (tuned on these same articles: optimistic)")
    print(_row("lead3", everything["lead3"]))
    print(_row("ours", everything["ours"]))
    print(_row("difference", everything["difference"], "+"))
    heldout = result.get("heldout")
    if not isinstance(heldout, dict):
        return
    print(f"held out: {len(heldout['folds'])}-fold, weights tuned from NEUTRAL on the other folds only")
    for fold in heldout["folds"]:
        print(
            _row(f"fold {fold['fold']} d", fold["difference"], "+")
            + f"   (n={fold['articles']}, lead3 R-1 {fold['lead3'][0]:.2f}, ours {fold['ours'][0]:.2f}, "
            f"train R-1 {fold['train_rouge1']:.2f})"
        )
    print(_row("mean d", heldout["mean_difference"], "+"))
    pooled = heldout["pooled"]
    print(_row("pooled ours", pooled["ours"]) + "   (every article scored by the weights of its own held-out fold)")
    print(_row("pooled d", pooled["difference"], "+"))
    print(f"tuned on all from NEUTRAL: {result['tuned_on_all_from_neutral']}")
    print(f"shipped settings:          {result['shipped_settings']}")


if __name__ == "__main__":
    raise SystemExit(main())
