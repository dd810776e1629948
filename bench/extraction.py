"""Extraction quality on ../shared/data/extraction (88 real pages with hand-made article bodies).

Metric (../shared/README.md): per page, word tokens (\\w+), 4-gram shingles, true/false positives and
negatives normalised per page; precision and recall averaged over pages; F1 from the two means.
Prints trafilatura alone (comments excluded) and ours (trafilatura + the digest cleaner), measured in one run.

    python bench/extraction.py [--data ../shared/data/extraction] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

import trafilatura

from bot.digest.extract import ExtractionError, Extractor

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return Counter(tuple(tokens[i : i + n]) for i in range(max(0, len(tokens) - n + 1)))


def page_scores(truth: str, predicted: str) -> tuple[float, float]:
    """(precision, recall) of one page, from per-page-normalised tp/fp/fn over 4-gram shingles."""
    want, got = shingles(truth), shingles(predicted)
    tp = fp = fn = 0
    for key in want.keys() | got.keys():
        tp += min(want[key], got[key])
        fp += max(0, got[key] - want[key])
        fn += max(0, want[key] - got[key])
    total = tp + fp + fn
    if total == 0:
        return 1.0, 1.0
    tp_n, fp_n, fn_n = tp / total, fp / total, fn / total
    precision = tp_n / (tp_n + fp_n) if tp_n + fp_n else 0.0
    recall = tp_n / (tp_n + fn_n) if tp_n + fn_n else 0.0
    return precision, recall


def summarise(pairs: list[tuple[float, float]]) -> dict[str, float]:
    precision = sum(p for p, _ in pairs) / len(pairs)
    recall = sum(r for _, r in pairs) / len(pairs)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    truth_file = args.data / "ground-truth.json"
    if not truth_file.is_file():
        print(f"no data at {args.data} (expected ground-truth.json and html/)", file=sys.stderr)
        return 2
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    extractor = Extractor()
    alone: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    for key, item in sorted(truth.items()):
        html = gzip.decompress((args.data / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        expected = item.get("articleBody") or ""
        baseline = trafilatura.extract(html, url=item.get("url"), include_comments=False, include_tables=False)
        alone.append(page_scores(expected, baseline or ""))
        try:
            text = extractor.extract_text(html, item.get("url")).body  # the body only, as in the ground truth
        except ExtractionError:
            text = ""
        ours.append(page_scores(expected, text))
    result = {"pages": len(truth), "trafilatura": summarise(alone), "ours": summarise(ours)}
    result["f1_difference"] = round(result["ours"]["f1"] - result["trafilatura"]["f1"], 4)  # type: ignore[index]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"pages: {result['pages']}")
        for name in ("trafilatura", "ours"):
            r = result[name]
            print(f"{name:12s} precision {r['precision']:.4f}  recall {r['recall']:.4f}  F1 {r['f1']:.4f}")  # type: ignore[index]
        print(f"F1 difference (ours - trafilatura): {result['f1_difference']:+.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
