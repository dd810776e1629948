"""Load benchmark: the real moderation pipeline (normalize -> score -> rules -> record -> act) under an offered
load of 10, 30 and 100 msgs/s for a minute each, then bursts of 1,000 messages.

Reports decision latency p50/p99 (message in -> action done), the deepest queue seen, peak RSS, and messages
without a decision (must be 0). Its ratio: burst throughput of the concurrent pipeline over the same pipeline fed
one message at a time (what a bot that awaits each `on_message` in turn gets), measured in this run.

    python bench/load.py [--json] [--scorer fallback|detoxify-int8|detoxify-onnx] [--duration 60]

`detoxify-*` use a full-size `original` checkpoint with random weights (speed does not depend on weight values),
built offline into .bench-cache/ on first use. Discord itself is not in the loop: the enforcer returns at once,
so the figures are the bot's own cost per message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from bot.moderation.carry_out import CaseExecutor, NullEnforcer  # noqa: E402
from bot.moderation.pipeline import ModerationPipeline  # noqa: E402
from bot.moderation.rules import load_rules  # noqa: E402
from bot.records import MessageEvent  # noqa: E402
from bot.scoring.factory import known_labels, open_scorer  # noqa: E402
from bot.scoring.worker import BatchingScorer  # noqa: E402
from bot.settings import ScoringSettings  # noqa: E402
from bot.storage import Database  # noqa: E402
from bot.storage.cases import CaseRepository  # noqa: E402
from tests.support import FixedRules  # noqa: E402

OPENERS = ["I think", "Honestly,", "Read the article again:", "lol", "Agreed.", "Nope.", "Fair point, but",
           "The author forgets that", "Source?", "Wow,"]
BODIES = ["the policy will not survive the next election", "this is the best piece the paper has run all year",
          "you are an idiot and everyone here knows it", "nobody asked for your opinion, troll",
          "the numbers in paragraph three do not add up", "NATO expansion was always going to provoke this",
          "go back to where you came from", "what a load of crap", "thanks for writing this",
          "y0u are a c0mplete 1d10t", "the minister should resign", "this comment section is a dumpster fire"]


def make_message(rng: random.Random, number: int) -> MessageEvent:
    if rng.random() < 0.1:
        text = rng.choice(["lol", "+1", "this", "agreed", "first!"])  # the copypasta the cache exists for
    else:
        text = f"{rng.choice(OPENERS)} {rng.choice(BODIES)} (#{number})"
    return MessageEvent(guild_id=1, channel_id=10 + number % 5, message_id=number, author_id=1000 + number % 97,
                        content=text, created_at=datetime.now(UTC))


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Phase:
    name: str
    offered: float | None
    sent: int
    decided: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_queue: int
    scorer_timeouts: int  # decided by `on_timeout` (flag for review) because the model took too long

    @property
    def undecided(self) -> int:
        return self.sent - self.decided


class Bench:
    def __init__(self, pipeline: ModerationPipeline, scorer: BatchingScorer | None) -> None:
        self.pipeline = pipeline
        self.scorer = scorer
        self.next_id = 1
        self.rng = random.Random(7)
        self.in_flight = 0
        self.max_queue = 0
        self.timeouts = 0

    def _messages(self, count: int) -> list[MessageEvent]:
        messages = [make_message(self.rng, self.next_id + i) for i in range(count)]
        self.next_id += count
        return messages

    async def _one(self, event: MessageEvent, start: float, latencies: list[float]) -> None:
        self.in_flight += 1
        try:
            outcome = await self.pipeline.handle(event)
            self.timeouts += outcome.scores.timed_out
            if outcome.decision.actions:
                latencies.append(time.perf_counter() - start)
        finally:
            self.in_flight -= 1

    async def _watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            depth = self.scorer.stats().queue_depth if self.scorer else 0
            self.max_queue = max(self.max_queue, depth, self.in_flight)
            await asyncio.sleep(0.05)

    async def run(self, name: str, messages: list[MessageEvent], rate: float | None) -> Phase:
        self.max_queue = 0
        self.timeouts = 0
        latencies: list[float] = []
        stop = asyncio.Event()
        watcher = asyncio.create_task(self._watch(stop))
        began = time.perf_counter()
        tasks = []
        for index, event in enumerate(messages):
            due = began + (index / rate if rate else 0.0)
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._one(event, max(due, began), latencies)))
        results = await asyncio.gather(*tasks, return_exceptions=True)
        elapsed = time.perf_counter() - began
        stop.set()
        await watcher
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            print(f"  {len(failures)} messages raised: {failures[0]!r}", file=sys.stderr)
        return Phase(name, rate, len(messages), len(latencies), elapsed, percentile(latencies, 0.5) * 1000,
                     percentile(latencies, 0.99) * 1000, self.max_queue, self.timeouts)

    async def sequential(self, count: int) -> float:
        began = time.perf_counter()
        for event in self._messages(count):
            await self.pipeline.handle(event)
        return count / (time.perf_counter() - began)


def scoring_settings(kind: str) -> ScoringSettings:
    if kind == "fallback":
        return ScoringSettings(backend="profanity")
    from tests.synthetic import build_checkpoint

    cache = ROOT / ".bench-cache"
    found = sorted(cache.glob("synthetic_original_full-*.ckpt"))
    checkpoint = found[-1] if found else build_checkpoint(cache, "original", "full").path
    quantize = "onnx-int8" if kind == "detoxify-onnx" else "int8-dynamic"
    return ScoringSettings(checkpoint=checkpoint, quantize=quantize, allow_fallback=False)


async def main(args: argparse.Namespace) -> dict[str, object]:
    settings = scoring_settings(args.scorer)
    scorer = await open_scorer(settings)
    labels = known_labels(ScoringSettings()) | scorer.labels  # the shipped rules cover detoxify and the fallback
    rules = load_rules(ROOT / "config" / "rules.yaml", labels)
    with tempfile.TemporaryDirectory() as folder:
        async with Database.open(Path(folder) / "load.db") as db:
            cases = CaseRepository(db)
            pipeline = ModerationPipeline(scorer=scorer, rules=FixedRules(rules), store=cases,
                                          executor=CaseExecutor(NullEnforcer(), cases),
                                          clock=lambda: datetime.now(UTC), on_timeout=settings.on_timeout)
            bench = Bench(pipeline, scorer if isinstance(scorer, BatchingScorer) else None)
            phases: list[Phase] = []
            for rate in args.rates:
                count = int(rate * args.duration)
                print(f"offered {rate:g} msgs/s for {args.duration:g} s ({count} messages)...", file=sys.stderr)
                phases.append(await bench.run(f"{rate:g}/s", bench._messages(count), rate))
            for burst in range(args.bursts):
                print(f"burst {burst + 1} of 1000 messages...", file=sys.stderr)
                phases.append(await bench.run(f"burst {burst + 1}", bench._messages(1000), None))
            sequential = await bench.sequential(args.sequential)
            stored = await db.fetch_one("SELECT COUNT(*) FROM scored_messages")
            sent = sum(p.sent for p in phases) + args.sequential
            recorded = int(stored[0]) if stored else 0
    await scorer.close()
    bursts = [p for p in phases if p.offered is None]
    burst_rate = statistics.mean(p.sent / p.seconds for p in bursts) if bursts else float("nan")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "scorer": scorer.model.describe(),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "phases": [dict(vars(p), undecided=p.undecided) for p in phases],
        "messages_sent": sent,
        "messages_recorded": recorded,
        "messages_without_decision": sent - recorded + sum(p.undecided for p in phases),
        "peak_rss_mb": round(peak_rss, 1),
        "burst_msgs_per_s": round(burst_rate, 1),
        "sequential_msgs_per_s": round(sequential, 1),
        "ratio": round(burst_rate / sequential, 2),
    }


def report(result: dict[str, object]) -> None:
    print(f"scorer: {result['scorer']}; {result['cores']} cores, load average {result['load_average']:.2f}")
    print(f"{'phase':<10} {'offered':>8} {'sent':>6} {'decided':>8} {'secs':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max queue':>9} {'timeouts':>8}")
    for p in result["phases"]:  # type: ignore[attr-defined]
        offered = f"{p['offered']:g}/s" if p["offered"] else "burst"
        print(f"{p['name']:<10} {offered:>8} {p['sent']:>6} {p['decided']:>8} {p['seconds']:>7.1f} "
              f"{p['p50_ms']:>8.1f} {p['p99_ms']:>8.1f} {p['max_queue']:>9} {p['scorer_timeouts']:>8}")
    print("timeouts: messages the model could not score within scoring.timeout_s; they were decided by "
          "scoring.on_timeout (flag for human review), not dropped")
    print(f"messages without a decision: {result['messages_without_decision']} "
          f"(sent {result['messages_sent']}, recorded {result['messages_recorded']})")
    print(f"peak RSS: {result['peak_rss_mb']} MB")
    print(f"ratio: {result['ratio']}x (concurrent burst {result['burst_msgs_per_s']} msgs/s vs one at a time "
          f"{result['sequential_msgs_per_s']} msgs/s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--scorer", choices=["fallback", "detoxify-int8", "detoxify-onnx"], default="detoxify-int8")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per offered rate")
    parser.add_argument("--rates", type=float, nargs="+", default=[10.0, 30.0, 100.0])
    parser.add_argument("--bursts", type=int, default=2)
    parser.add_argument("--sequential", type=int, default=200, help="messages fed one at a time for the ratio")
    arguments = parser.parse_args()
    outcome = asyncio.run(main(arguments))
    report(outcome)
    if arguments.json:
        print(json.dumps(outcome))
