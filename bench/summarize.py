"""Summary quality on ../shared/data/summaries/cnndm-dev.jsonl (125 CNN/DailyMail articles).

ROUGE-1/2/Lsum F1 with Google's rouge-score (stemming on), the reference highlights split into sentences
(one per line for Lsum). Lead-3 is the first three of the dataset's own `article_lines`; ours splits the raw
`article` text with the digest's sentence splitter and summarizes it in 3 sentences. Both measured in one run.

    python bench/summarize.py [--data PATH] [--sentences 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from rouge_score import rouge_scorer

from bot.digest.sentences import SentenceSplitter
from bot.digest.summarize import Summarizer

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "summaries" / "cnndm-dev.jsonl"
METRICS = ("rouge1", "rouge2", "rougeLsum")


def reference_lines(reference: str) -> str:
    """CNN/DM highlights are tokenised (" . " between them): one highlight per line."""
    return "\n".join(part.strip() for part in re.split(r"\s\.\s*|\n", reference) if part.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sentences", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    records = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    splitter = SentenceSplitter()
    summarizer = Summarizer(splitter)
    totals = {"lead3": dict.fromkeys(METRICS, 0.0), "ours": dict.fromkeys(METRICS, 0.0)}
    for record in records:
        reference = reference_lines(record["reference"])
        candidates = {
            "lead3": "\n".join(record["article_lines"][:3]),
            "ours": "\n".join(summarizer.summarize(record["article"], args.sentences).sentences),
        }
        for name, text in candidates.items():
            scores = scorer.score(reference, text)
            for metric in METRICS:
                totals[name][metric] += scores[metric].fmeasure
    result: dict[str, object] = {"articles": len(records)}
    for name, sums in totals.items():
        result[name] = {metric: round(100 * value / len(records), 2) for metric, value in sums.items()}
    lead, ours = totals["lead3"], totals["ours"]
    result["difference"] = {m: round(100 * (ours[m] - lead[m]) / len(records), 2) for m in METRICS}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"articles: {len(records)}   ROUGE F1 x100 (rouge-score, stemming, Lsum on sentence lines)")
    print(f"{'':8s} {'R-1':>7s} {'R-2':>7s} {'R-Lsum':>7s}")
    for name in ("lead3", "ours", "difference"):
        row = result[name]
        assert isinstance(row, dict)
        sign = "+" if name == "difference" else ""
        print(f"{name:8s} " + " ".join(f"{row[m]:{sign}7.2f}" for m in METRICS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
