"""Load benchmark: the real moderation pipeline (normalize -> score -> rules -> record -> act) under an offered
load of 10, 30 and 100 msgs/s for a minute each, then bursts of 1,000 messages.

Reports decision latency p50/p99 (message in -> action done), the deepest queue seen, peak RSS, and messages
without a decision (must be 0). Its ratio: burst throughput of the concurrent pipeline over the same pipeline fed
one message at a time (what a bot that awaits each `on_message` in turn gets), measured in this run.

    python bench/load.py [--json] [--scorer fallback|detoxify-int8|detoxify-onnx] [--duration 60]
    python bench/load.py --soak 30m [--soak-rate 30] [--scorer ...] [--json]

--soak runs one steady offered load (30 msgs/s) for the whole period through the same pipeline, on a database
file, and reports per minute: decision latency p50/p99, RSS, open file descriptors, asyncio tasks, threads,
WAL and database size, scorer timeouts; then the growth of RSS and WAL after the first five minutes (or half the
run, if shorter), leaked tasks and descriptors (what is left once the scorer and the database are closed, against
what ran before they were opened: the scorer's dispatcher runs until its close, by design), and messages without
a decision (must be 0).

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
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from bot.durations import parse_duration  # noqa: E402
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

    async def soak(self, seconds: float, rate: float, db_path: Path) -> dict[str, object]:
        """One steady load for `seconds`; a snapshot of the process and the database every minute."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        baseline = {"tasks": len(asyncio.all_tasks()), "fds": open_fds()}
        pending: set[asyncio.Task[None]] = set()
        minutes: list[dict[str, float]] = []
        window: list[float] = []
        counts = {"sent": 0, "decided": 0, "timeouts": 0, "failed": 0}

        async def one(event: MessageEvent, due: float) -> None:
            try:
                outcome = await self.pipeline.handle(event)
            except Exception as exc:  # counted, and shown once: a soak must not stop at the first fault
                counts["failed"] += 1
                if counts["failed"] == 1:
                    print(f"  a message raised: {exc!r}", file=sys.stderr)
                return
            counts["decided"] += 1
            counts["timeouts"] += outcome.scores.timed_out
            window.append(loop.time() - due)

        def snapshot(minute: int) -> None:
            wal = Path(f"{db_path}-wal")
            row = {
                "minute": minute, "sent": counts["sent"], "decided": counts["decided"],
                "p50_ms": percentile(window, 0.5) * 1000, "p99_ms": percentile(window, 0.99) * 1000,
                "rss_mb": status_mb("VmRSS"), "fds": open_fds(), "tasks": len(asyncio.all_tasks()),
                "threads": threading.active_count(), "wal_bytes": wal.stat().st_size if wal.exists() else 0,
                "db_bytes": db_path.stat().st_size, "scorer_timeouts": counts["timeouts"],
            }
            minutes.append(row)
            window.clear()
            print(f"  minute {minute:>3}: sent {row['sent']:>6} decided {row['decided']:>6} p50 {row['p50_ms']:6.1f} "
                  f"ms p99 {row['p99_ms']:7.1f} ms RSS {row['rss_mb']:6.1f} MB fds {row['fds']:>3} tasks "
                  f"{row['tasks']:>4} threads {row['threads']:>2} WAL {row['wal_bytes'] / 1e6:6.2f} MB db "
                  f"{row['db_bytes'] / 1e6:6.2f} MB timeouts {row['scorer_timeouts']}", file=sys.stderr, flush=True)

        index = 0
        next_minute = began + 60.0
        while True:
            due = began + index / rate
            if due >= began + seconds:
                break
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = loop.time()
            if now >= next_minute:
                snapshot(len(minutes) + 1)
                next_minute += 60.0
            (event,) = self._messages(1)
            task = asyncio.create_task(one(event, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
            counts["sent"] += 1
            index += 1
        await asyncio.gather(*pending)
        snapshot(len(minutes) + 1)
        await asyncio.sleep(0.2)  # let finished tasks' callbacks run before counting what is left
        start = min(5, max(1, len(minutes) // 2))  # growth after the first five minutes (or half a short run)
        first, last = minutes[start - 1], minutes[-1]
        return {
            "seconds": seconds, "rate": rate, "minutes": minutes, "sent": counts["sent"],
            "decided": counts["decided"], "failed": counts["failed"], "scorer_timeouts": counts["timeouts"],
            "growth_from_minute": start,
            "rss_growth_pct": 100.0 * (last["rss_mb"] - first["rss_mb"]) / first["rss_mb"],
            "wal_growth_pct": (100.0 * (last["wal_bytes"] - first["wal_bytes"]) / first["wal_bytes"]
                               if first["wal_bytes"] else (0.0 if not last["wal_bytes"] else float("inf"))),
            "wal_max_bytes": max(row["wal_bytes"] for row in minutes),
            # still running at the end, before anything is closed: the scorer's dispatcher, started by the first
            # message and stopped by scorer.close() (main counts what is left after closing: the leaks)
            "tasks_running_at_end": len(asyncio.all_tasks()) - baseline["tasks"],
            "fds_open_at_end": open_fds() - baseline["fds"],
        }

    async def sequential(self, count: int) -> float:
        began = time.perf_counter()
        for event in self._messages(count):
            await self.pipeline.handle(event)
        return count / (time.perf_counter() - began)


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def scoring_settings(kind: str) -> ScoringSettings:
    if kind == "fallback":
        return ScoringSettings(backend="profanity")
    from tests.synthetic import build_checkpoint

    cache = ROOT / ".bench-cache"
    found = sorted(cache.glob("synthetic_original_full-*.ckpt"))
    checkpoint = found[-1] if found else build_checkpoint(cache, "original", "full").path
    quantize: Literal["onnx-int8", "int8-dynamic"] = "onnx-int8" if kind == "detoxify-onnx" else "int8-dynamic"
    return ScoringSettings(checkpoint=checkpoint, quantize=quantize, allow_fallback=False)


async def phased(bench: Bench, args: argparse.Namespace) -> list[Phase]:
    phases: list[Phase] = []
    for rate in args.rates:
        count = int(rate * args.duration)
        print(f"offered {rate:g} msgs/s for {args.duration:g} s ({count} messages)...", file=sys.stderr)
        phases.append(await bench.run(f"{rate:g}/s", bench._messages(count), rate))
    for burst in range(args.bursts):
        print(f"burst {burst + 1} of 1000 messages...", file=sys.stderr)
        phases.append(await bench.run(f"burst {burst + 1}", bench._messages(1000), None))
    return phases


async def main(args: argparse.Namespace) -> dict[str, object]:
    # what runs before the scorer and the database are opened: a leak is whatever outlives their closing
    before = {"tasks": len(asyncio.all_tasks()), "fds": open_fds()}
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
            if args.soak is not None:
                seconds = parse_duration(args.soak).total_seconds()
                print(f"soak: {args.soak_rate:g} msgs/s for {seconds:g} s...", file=sys.stderr)
                soaked = await bench.soak(seconds, args.soak_rate, db.path)
                stored = await db.fetch_one("SELECT COUNT(*) FROM scored_messages")
                recorded = int(stored[0]) if stored else 0
                sent = int(soaked["sent"])  # type: ignore[call-overload]
            else:
                phases = await phased(bench, args)
                sequential = await bench.sequential(args.sequential)
                stored = await db.fetch_one("SELECT COUNT(*) FROM scored_messages")
                sent = sum(p.sent for p in phases) + args.sequential
                recorded = int(stored[0]) if stored else 0
    await scorer.close()
    if args.soak is not None:  # the database and the scorer are closed: what is left now was leaked
        await asyncio.sleep(0.2)  # let the closed tasks' callbacks run before counting
        soaked["tasks_leaked"] = len(asyncio.all_tasks()) - before["tasks"]
        soaked["fds_leaked"] = open_fds() - before["fds"]
        return {"scorer": scorer.model.describe(), "cores": os.cpu_count(), "load_average": os.getloadavg()[0],
                "soak": soaked, "messages_sent": sent, "messages_recorded": recorded,
                "messages_without_decision": sent - recorded, "peak_rss_mb": round(status_mb("VmHWM"), 1)}
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


def report_soak(result: dict[str, object]) -> None:
    soak: dict[str, object] = result["soak"]  # type: ignore[assignment]
    print(f"scorer: {result['scorer']}; {result['cores']} cores, load average {result['load_average']:.2f}")
    print(f"{'minute':>6} {'sent':>7} {'decided':>7} {'p50 ms':>7} {'p99 ms':>8} {'RSS MB':>7} {'fds':>4} "
          f"{'tasks':>5} {'threads':>7} {'WAL MB':>7} {'db MB':>7} {'timeouts':>8}")
    for row in soak["minutes"]:  # type: ignore[attr-defined]
        print(f"{row['minute']:>6} {row['sent']:>7} {row['decided']:>7} {row['p50_ms']:>7.1f} {row['p99_ms']:>8.1f} "
              f"{row['rss_mb']:>7.1f} {row['fds']:>4} {row['tasks']:>5} {row['threads']:>7} "
              f"{row['wal_bytes'] / 1e6:>7.2f} {row['db_bytes'] / 1e6:>7.2f} {row['scorer_timeouts']:>8}")
    print(f"after minute {soak['growth_from_minute']}: RSS {soak['rss_growth_pct']:+.1f}%, WAL "
          f"{soak['wal_growth_pct']:+.1f}% (largest {int(soak['wal_max_bytes']) / 1e6:.2f} MB); "  # type: ignore[call-overload]
          f"running at the end {soak['tasks_running_at_end']} tasks, {soak['fds_open_at_end']} fds; after closing the "
          f"scorer and the database: leaked tasks {soak['tasks_leaked']}, leaked fds {soak['fds_leaked']}; "
          f"messages without a decision: "
          f"{result['messages_without_decision']} (sent {result['messages_sent']}, recorded "
          f"{result['messages_recorded']}, raised {soak['failed']}); peak RSS {result['peak_rss_mb']} MB")


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
    parser.add_argument("--soak", default=None, metavar="DURATION", help="soak instead: e.g. 30m, 5m, 90s")
    parser.add_argument("--soak-rate", type=float, default=30.0, help="offered msgs/s during --soak")
    arguments = parser.parse_args()
    outcome = asyncio.run(main(arguments))
    (report_soak if arguments.soak is not None else report)(outcome)
    if arguments.json:
        print(json.dumps(outcome))
