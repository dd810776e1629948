"""Benchmark: are evasions decided like the messages they disguise? And what do the readings cost?

    python bench/evasion.py [--json] [--scorers fallback,synthetic] [--runs 200]

The suite is bench/evasion_suite.py (written for this project): 60 abusive and 60 clean messages, each rewritten
with 15 techniques applied to the marked word (or, for fullwidth and mixed case, to the message), plus 30 tricky
clean messages (place names, words inside words, reporting or discussing a word, numbers and codes).
Every message goes through `judge_many` of bot/cli/score.py, i.e. `modbot score --file` with the shipped
config/rules.yaml and the scorer named:
- fallback: profanity-check (always available offline);
- synthetic: a full-size detoxify `original` checkpoint with random weights, served on the default fast path
  (onnx-int8), built once under .bench-cache/ (its scores are meaningless: it checks the path, not the model).
Printed per scorer: for each technique, the share of abusive and of clean variants whose actions equal their
original's; the tricky clean messages acted on (removed or restricted) and flagged.
Timing, each measured in this run: p99 of `normalize` on 4,000-character messages (ordinary, hostile, and worst
cases for each step);
scoring time of chat-sized messages with all readings / primary reading only, on the synthetic fast path.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import asyncio
import csv
import gzip
import json
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.evasion_suite import ABUSIVE, CLEAN, TRICKY_CLEAN  # noqa: E402

CACHE = ROOT / ".bench-cache"
DATA = ROOT.parent / "shared" / "data" / "toxicity"
MARKED = re.compile(r"\{([^}]+)\}")
REMOVING = {"delete", "warn", "timeout", "kick", "ban"}

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_HOMOGLYPHS = (  # one look-alike alphabet per message, in turn: Cyrillic, Greek, Armenian, Cherokee + Cyrillic
    {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і", "l": "ӏ", "s": "ѕ", "d": "ԁ",
     "w": "ԝ", "h": "һ", "j": "ј", "q": "ԛ"},
    {"o": "ο", "u": "υ", "k": "κ", "v": "ν", "i": "ι", "t": "τ", "n": "η", "p": "ρ", "a": "α", "w": "ω"},
    {"o": "օ", "u": "ս", "n": "ո", "h": "հ", "w": "ա", "q": "զ", "g": "ց", "d": "ԁ"},
    {"s": "ꮪ", "w": "ꮃ", "c": "ꮯ", "a": "ꭺ", "d": "ꭰ", "e": "ꭼ", "h": "ꮋ", "m": "ꮇ", "o": "о", "i": "і", "l": "ӏ"},
)
_ZALGO = "\u0300\u0301\u0302\u0303\u0308\u0336\u0337\u0338\u0316\u0317\u0323\u032a"
_VOWELS = "aeiouy"


def _middle(word: str) -> int:
    return max(1, len(word) // 2)


def _stretch(word: str) -> str:
    index = next((i for i, ch in enumerate(word) if ch in _VOWELS), 0)
    return word[:index + 1] + word[index] * 6 + word[index + 1:]


def _swap(word: str) -> str:
    if len(word) < 3:
        return word
    i = _middle(word) if _middle(word) < len(word) - 1 else 1
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text)


def _mixed_case(text: str) -> str:
    return "".join(ch.upper() if i % 2 else ch.lower() for i, ch in enumerate(text))


WordTechnique = Callable[[str, random.Random, int], str]
WORD_TECHNIQUES: dict[str, WordTechnique] = {
    "leet": lambda w, r, n: "".join(_LEET.get(ch, ch) for ch in w),
    "zero-width": lambda w, r, n: "\u200b".join(w),
    "homoglyph": lambda w, r, n: "".join(_HOMOGLYPHS[n % len(_HOMOGLYPHS)].get(ch, ch) for ch in w),
    "spaced": lambda w, r, n: " ".join(w),
    "punctuation": lambda w, r, n: w[:_middle(w)] + r.choice(".*_") + w[_middle(w):],
    "stretched": lambda w, r, n: _stretch(w),
    "emoji": lambda w, r, n: w[:_middle(w)] + r.choice("🔥💩😂🤡⭐") + w[_middle(w):],
    "zalgo": lambda w, r, n: "".join(ch + "".join(r.choice(_ZALGO) for _ in range(3)) for ch in w),
    "rtl-override": lambda w, r, n: "\u202e" + w[::-1] + "\u202c",
    "char-swap": lambda w, r, n: _swap(w),
    "char-delete": lambda w, r, n: w[:_middle(w)] + w[_middle(w) + 1:] if len(w) > 3 else w,
    "space-add": lambda w, r, n: w[:_middle(w)] + " " + w[_middle(w):],
}
MESSAGE_TECHNIQUES: dict[str, Callable[[str], str]] = {"fullwidth": _fullwidth, "mixed-case": _mixed_case}
TECHNIQUES = (*WORD_TECHNIQUES, "space-delete", *MESSAGE_TECHNIQUES)


def original(marked: str) -> str:
    return MARKED.sub(lambda m: m.group(1), marked)


def variant(marked: str, technique: str, index: int) -> str:
    rng = random.Random(f"{technique}:{index}")
    if technique in MESSAGE_TECHNIQUES:
        return MESSAGE_TECHNIQUES[technique](original(marked))
    if technique == "space-delete":  # the space before the marked word goes (or after it, at the start)
        text = MARKED.sub(lambda m: "\0" + m.group(1), marked, count=1)
        text = text.replace(" \0", "", 1) if " \0" in text else re.sub(r"\0(\S+) ", r"\1", text, count=1)
        return original(text.replace("\0", ""))
    transform = WORD_TECHNIQUES[technique]
    return MARKED.sub(lambda m: transform(m.group(1), rng, index), marked)


# --- scoring through the CLI's path ----------------------------------------------------------------------------


class _NoHistory:
    """Case store for judging only: nobody has earlier strikes (the suite is about single messages)."""

    async def strike_times(self, guild_id: int, user_id: int, since: datetime) -> list[datetime]:
        return []


def _pipeline(engine: Any) -> tuple[Any, Any]:
    from bot.moderation.carry_out import CaseExecutor, NullEnforcer
    from bot.moderation.pipeline import ModerationPipeline
    from bot.moderation.rules import load_rules
    from bot.scoring.factory import known_labels
    from bot.scoring.worker import BatchingScorer
    from bot.settings import ScoringSettings
    from tests.support import FixedRules

    settings = ScoringSettings(timeout_s=600)  # decisions, not latency, are measured here: no scorer timeouts
    rules = load_rules(ROOT / "config" / "rules.yaml", known_labels(settings))
    scorer = BatchingScorer.from_settings(engine, settings, owns_engine=False)  # main() closes it, after its last use
    pipeline = ModerationPipeline(
        scorer=scorer, rules=FixedRules(rules), store=_NoHistory(),  # type: ignore[arg-type]
        executor=CaseExecutor(NullEnforcer(), _NoHistory()),  # type: ignore[arg-type]
        clock=lambda: datetime.now(UTC),
    )
    return pipeline, scorer


def synthetic_checkpoint() -> Path:
    from tests.synthetic import BUILTIN_CORPUS, build_checkpoint
    marker = CACHE / "evasion-original-full.path"
    if marker.is_file() and Path(marker.read_text().strip()).is_file():
        return Path(marker.read_text().strip())
    CACHE.mkdir(exist_ok=True)
    started = time.perf_counter()
    built = build_checkpoint(CACHE, "original", "full", corpus=BUILTIN_CORPUS)
    marker.write_text(str(built.path))
    print(f"built {built.path.name} in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return Path(built.path)


def load_engine(name: str) -> Any:
    if name == "fallback":
        from bot.scoring.profanity import ProfanityEngine

        return ProfanityEngine(fallback=True, note="benchmark")
    from bot.scoring.factory import load_onnx

    return load_onnx("original", synthetic_checkpoint(), 2, CACHE / "onnx")


def _acted(result: dict[str, Any]) -> bool:
    return any(action.split(" ")[0] in REMOVING for action in result["decision"])


async def run_suite(engine: Any) -> dict[str, Any]:
    from bot.cli.score import judge_many

    pipeline, scorer = _pipeline(engine)
    groups = {"abusive": ABUSIVE, "clean": CLEAN}
    texts: list[str] = []
    keys: list[tuple[str, int, str]] = []  # (group, index, technique or "original")
    for group, messages in groups.items():
        for index, marked in enumerate(messages):
            texts.append(original(marked))
            keys.append((group, index, "original"))
            for technique in TECHNIQUES:
                texts.append(variant(marked, technique, index))
                keys.append((group, index, technique))
    texts.extend(TRICKY_CLEAN)
    keys.extend(("tricky", index, "original") for index in range(len(TRICKY_CLEAN)))
    started = time.perf_counter()
    results = await judge_many(pipeline, texts, 0)
    elapsed = time.perf_counter() - started
    await scorer.close()
    decided = {key: tuple(result["decision"]) for key, result in zip(keys, results, strict=True)}
    by_key = dict(zip(keys, results, strict=True))
    table: dict[str, dict[str, float]] = {}
    misses: dict[str, list[str]] = {}
    for technique in TECHNIQUES:
        row: dict[str, float] = {}
        for group, messages in groups.items():
            same = [decided[(group, i, technique)] == decided[(group, i, "original")] for i in range(len(messages))]
            row[group] = sum(same) / len(same)
            misses.setdefault(f"{group}/{technique}", []).extend(
                by_key[(group, i, technique)]["text"] for i, ok in enumerate(same) if not ok
            )
        table[technique] = row
    tricky = [by_key[("tricky", i, "original")] for i in range(len(TRICKY_CLEAN))]
    acted_originals = sum(_acted(by_key[("abusive", i, "original")]) for i in range(len(ABUSIVE)))
    return {
        "model": results[0]["model"]["describe"],
        "messages": len(texts),
        "seconds": round(elapsed, 1),
        "abusive_originals_acted_on": acted_originals,
        "clean_originals_acted_on": sum(_acted(by_key[("clean", i, "original")]) for i in range(len(CLEAN))),
        "techniques": table,
        "tricky_acted_on": [r["text"] for r in tricky if _acted(r)],
        "tricky_flagged": [r["text"] for r in tricky if r["decision"] == ["flag"]],
        "timed_out": sum(1 for r in results if r["timed_out"]),
        "misses": {key: value for key, value in misses.items() if value},
    }


async def mentions_on_real_comments(engine: Any, limit: int = 5_000) -> dict[str, Any]:
    """The real comments of ../shared/data/toxicity that name a word of the shipped `insults` list (at most
    `limit`), judged like `modbot score --file`: how many the word lists remove, and how many of those the
    use/mention step flags for review instead (with the frames it saw)."""
    from bot.cli.score import judge_many
    from bot.moderation.mention import MENTION_NOTE

    listed = re.compile(r"\b(?:idiot|moron|imbecile)s?\b", re.IGNORECASE)
    texts: list[str] = []
    csv.field_size_limit(sys.maxsize)
    for name in ("train.csv.gz", "test.csv.gz"):
        if (DATA / name).is_file() and len(texts) < limit:
            with gzip.open(DATA / name, "rt", encoding="utf-8", newline="") as handle:
                texts.extend(row["text"] for row in csv.DictReader(handle) if listed.search(row.get("text") or ""))
    texts = texts[:limit]
    pipeline, scorer = _pipeline(engine)
    results = await judge_many(pipeline, texts, 0, explain=False)
    await scorer.close()
    by_words = [r for r in results if r["rule"] == "insults"]
    mentioned = [r for r in by_words if any(hit["detail"].startswith(MENTION_NOTE) for hit in r["hits"])]
    return {"comments": len(texts), "insults_rule": len(by_words), "flagged_as_mention": len(mentioned),
            "examples": [" ".join(r["text"].split())[:120] for r in mentioned[:8]]}


# --- timing ----------------------------------------------------------------------------------------------------


def _long_messages() -> dict[str, str]:
    rng = random.Random(7)
    words = [original(m) for m in (*CLEAN, *ABUSIVE)]
    ordinary = ""
    while len(ordinary) < 4000:
        ordinary += rng.choice(words) + ". "
    hostile_parts = [
        "f u c k o f f a n d d i e ", "I h a t e y o u ", "fuuuuuuuuuuuuck ", "κіӏӏ ѕӏυrԝοrԁ ", "cu🔥nt ",
        "d13 dum8455 a55 ", "\u202etoidi\u202c ", "i̷d̸i̵o̶t̴ ", "ｉｄｉｏｔ ", "i\u200bd\u200bi\u200bo\u200bt ",
        "Dick Van Dyke and I hoe ho ho ",
    ]
    hostile = ""
    while len(hostile) < 4000:
        hostile += rng.choice(hostile_parts)
    return {"ordinary": ordinary[:4000], "hostile": hostile[:4000], "spaced": ("a b " * 1000)[:4000],
            "stretched": ("a" * 4000), "homoglyph": ("аѕѕ " * 1000)[:4000], "homographs": ("Dick Ho " * 500)[:4000]}


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def time_normalize(runs: int) -> dict[str, dict[str, float]]:
    from bot.moderation.normalize import normalize

    out: dict[str, dict[str, float]] = {}
    for name, text in _long_messages().items():
        normalize(text)  # warm the tables
        samples: list[float] = []
        cpu: list[float] = []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.thread_time()
            result = normalize(text)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        out[name] = {"p50_ms": round(percentile(samples, 0.5), 3), "p99_ms": round(percentile(samples, 0.99), 3),
                     "cpu_p50_ms": round(percentile(cpu, 0.5), 3), "cpu_p99_ms": round(percentile(cpu, 0.99), 3),
                     "readings": 1 + len(result.alternatives)}
    return out


def time_long_words(sizes: Sequence[int] = (2_000, 20_000, 200_000)) -> dict[str, Any]:
    """Word lists on one long "word" (the rules' matcher reads the raw text, which normalize does not cut): the
    seconds per size and the ratio of the largest to the smallest. Linear work gives a ratio near the ratio of the
    sizes; quadratic work (as split_glued was) its square."""
    from bot.moderation.normalize import normalize
    from bot.moderation.rules import load_rules
    from bot.moderation.rules.engine import RuleInput, decide
    from bot.scoring.factory import known_labels
    from bot.settings import ScoringSettings

    rules = load_rules(ROOT / "config" / "rules.yaml", known_labels(ScoringSettings()))
    seconds: dict[str, float] = {}
    for size in sizes:
        text = ("abcdefghij" * (size // 10 + 1))[:size]
        started = time.perf_counter()
        decide(rules, RuleInput(text=normalize(text), scores={}, now=datetime.now(UTC)))
        seconds[str(size)] = round(time.perf_counter() - started, 4)
    return {"seconds": seconds, "size_ratio": sizes[-1] // sizes[0],
            "time_ratio": round(seconds[str(sizes[-1])] / max(seconds[str(sizes[0])], 1e-6), 1)}


def chat_messages(count: int) -> list[str]:
    texts: list[str] = []
    path = DATA / "test.csv.gz"
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = " ".join((row.get("text") or "").split())
                if 20 <= len(text) <= 260:
                    texts.append(text)
                if len(texts) >= count:
                    break
    if not texts:
        texts = [original(m) for m in (*ABUSIVE, *CLEAN)]
    return texts[:count]


def _tier(score: float) -> str:  # the shipped rules' profanity bands
    return "delete" if score >= 0.90 else "flag" if score >= 0.60 else "allow"


def homographs_on_real_comments(engine: Any) -> dict[str, Any]:
    """The real comments of ../shared/data/toxicity with a word of the homograph table: how many the sense step
    changes, and whose tier under the shipped profanity bands moves (primary reading, scored with and without it)."""
    from bot.moderation.normalize import normalize
    from bot.moderation.senses import HOMOGRAPHS

    listed = re.compile(r"\b(?:" + "|".join(HOMOGRAPHS) + r")\b", re.IGNORECASE)

    rows: list[tuple[str, str]] = []
    csv.field_size_limit(sys.maxsize)
    for name in ("train.csv.gz", "test.csv.gz"):
        if (DATA / name).is_file():
            with gzip.open(DATA / name, "rt", encoding="utf-8", newline="") as handle:
                rows.extend((row["text"], row.get("toxic", "")) for row in csv.DictReader(handle)
                            if listed.search(row.get("text") or ""))
    changed = [(text, label, normalize(text)) for text, label in rows]
    changed = [(text, label, item) for text, label, item in changed if item.model_inputs]
    before = engine.predict([item.clean for _, _, item in changed])
    after = engine.predict([item.model_texts()[0] for _, _, item in changed])
    moves = [
        {"toxic": label, "from": _tier(next(iter(b.values()))), "to": _tier(next(iter(a.values()))),
         "text": " ".join(text.split())[:140]}
        for (text, label, _), b, a in zip(changed, before, after, strict=True)
        if _tier(next(iter(b.values()))) != _tier(next(iter(a.values())))
    ]
    return {"with_homograph": len(rows), "sense_applied": len(changed), "tier_moved": moves}


async def time_readings(engine: Any, texts: Sequence[str], rounds: int = 2) -> dict[str, float]:
    """Seconds to score `texts` one message at a time: primary reading only, then all readings (no cache)."""
    from bot.moderation.normalize import normalize
    from bot.scoring.worker import BatchingScorer
    from bot.settings import ScoringSettings

    scorer = BatchingScorer.from_settings(engine, ScoringSettings(cache_size=0, timeout_s=600), owns_engine=False)
    normalized = [normalize(text) for text in texts]
    totals = {"primary": 0.0, "readings": 0.0}
    await scorer.score([normalized[0].model_texts()[0]])  # warm-up
    for round_ in range(rounds):
        for position, item in enumerate(normalized):
            # interleaved per message, in alternating order, so that a change of machine load hits both alike
            modes = ("primary", "readings") if (position + round_) % 2 == 0 else ("readings", "primary")
            for mode in modes:
                inputs = item.model_texts()
                started = time.perf_counter()
                scored = await scorer.score(list(inputs[:1] if mode == "primary" else inputs))
                totals[mode] += time.perf_counter() - started
                if any(result.timed_out for result in scored):  # a failed scorer answers at once: no timing
                    raise RuntimeError(f"the scorer failed on {item.raw!r}; see the log above")
    await scorer.close()
    with_alternatives = sum(1 for item in normalized if item.alternatives)
    return {"messages": len(texts), "with_alternatives": with_alternatives,
            "primary_s": round(totals["primary"], 2), "readings_s": round(totals["readings"], 2),
            "added_pct": round(100 * (totals["readings"] / totals["primary"] - 1), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--scorers", default="fallback,synthetic")
    parser.add_argument("--runs", type=int, default=200, help="normalize() calls per long message")
    parser.add_argument("--chat", type=int, default=300, help="chat-sized messages for the readings timing")
    args = parser.parse_args()
    report: dict[str, Any] = {"suite": {"abusive": len(ABUSIVE), "clean": len(CLEAN), "tricky": len(TRICKY_CLEAN),
                                        "techniques": list(TECHNIQUES)}, "cpus": os.cpu_count()}
    report["load_average"] = " ".join(f"{value:.1f}" for value in os.getloadavg())
    report["normalize_4000_chars"] = time_normalize(args.runs)
    report["long_words"] = time_long_words()
    for name in args.scorers.split(","):
        engine = load_engine(name)
        report[name] = asyncio.run(run_suite(engine))
        if name == "fallback":
            report["homographs_real"] = homographs_on_real_comments(engine)
            report["mentions_real"] = asyncio.run(mentions_on_real_comments(engine))
        if name == "synthetic":
            suite_texts = [variant(m, t, i) for i, m in enumerate(ABUSIVE[:20]) for t in TECHNIQUES[:10]]
            report["readings_cost"] = {
                "chat": asyncio.run(time_readings(engine, chat_messages(args.chat))),
                "evasion_variants": asyncio.run(time_readings(engine, suite_texts, rounds=1)),
            }
        engine.close()
    print_report(report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))


def print_report(report: dict[str, Any]) -> None:
    suite = report["suite"]
    print(f"suite: {suite['abusive']} abusive, {suite['clean']} clean x {len(suite['techniques'])} techniques; "
          f"{suite['tricky']} tricky clean")
    for name in ("fallback", "synthetic"):
        if name not in report:
            continue
        result = report[name]
        print(f"\n== {name}: {result['model']} ({result['messages']} messages in {result['seconds']} s)")
        print(f"originals acted on: abusive {result['abusive_originals_acted_on']}/{suite['abusive']}, "
              f"clean {result['clean_originals_acted_on']}/{suite['clean']}")
        print(f"{'technique':<14} {'abusive same':>13} {'clean same':>11}")
        for technique, row in result["techniques"].items():
            print(f"{technique:<14} {row['abusive']:>12.0%} {row['clean']:>11.0%}")
        print(f"tricky clean acted on: {len(result['tricky_acted_on'])}/{suite['tricky']}"
              f" {result['tricky_acted_on']}; flagged for review: {len(result['tricky_flagged'])}")
        for key, texts in result["misses"].items():
            print(f"  differs {key}: {texts[:4]}{' ...' if len(texts) > 4 else ''}")
        if result["timed_out"]:
            print(f"  WARNING: the scorer timed out or failed on {result['timed_out']} messages (see the log above)")
    if "homographs_real" in report:
        real = report["homographs_real"]
        print(f"\nreal comments (../shared/data/toxicity) with a homograph: {real['with_homograph']}; read in an "
              f"ordinary sense: {real['sense_applied']}; fallback tier moved: {len(real['tier_moved'])}")
        for move in real["tier_moved"]:
            print(f"  toxic={move['toxic']} {move['from']} -> {move['to']}: {move['text']!r}")
    if "mentions_real" in report:
        real = report["mentions_real"]
        print(f"\nreal comments naming idiot/moron/imbecile: {real['comments']}; the word list acted on "
              f"{real['insults_rule']}; use/mention flagged {real['flagged_as_mention']} of those for review instead:")
        for text in real["examples"]:
            print(f"  {text!r}")
    print(f"\nnormalize, 4,000-character message (ms; wall clock, and this thread's CPU time), load average "
          f"{report['load_average']}:")
    for kind, row in report["normalize_4000_chars"].items():
        print(f"  {kind:<10} wall p50 {row['p50_ms']:.2f} p99 {row['p99_ms']:.2f}   cpu p50 {row['cpu_p50_ms']:.2f}"
              f" p99 {row['cpu_p99_ms']:.2f}   readings {row['readings']}")
    long_words = report["long_words"]
    print(f"word lists on one long word: {long_words['seconds']} s; {long_words['size_ratio']}x the size took "
          f"{long_words['time_ratio']}x the time")
    if "readings_cost" in report:
        for kind, row in report["readings_cost"].items():
            print(f"readings cost ({kind}, synthetic onnx-int8, one message at a time): {row['messages']} messages, "
                  f"{row['with_alternatives']} with alternatives; primary only {row['primary_s']} s, "
                  f"all readings {row['readings_s']} s: +{row['added_pct']}%")


if __name__ == "__main__":
    main()
