"""Benchmark: what modbot's storage costs as a server's history grows.

    python bench/scale.py [--sizes 10k,100k,1m] [--json] [--samples 200] [--dir .bench-cache/scale] [--keep]

For each size a fresh database is built through `bot.storage.bulk` (bulk inserts only for building): SIZE cases
with their strikes, chained as `record_decision` chains them (load_cases), their judged messages
(judged_for_cases) and 9 allowed judged messages per case generated inside SQLite (fill_allowed), so 10x as
many judged messages as cases, each with its text as `claim` keeps it for `rules preview`, at a constant
1,500 cases (15,000 judged messages) a day ending now, so a bigger database is a longer history, not a busier
day. 2 guilds (90/10), 50 channels each, one user per 20 cases, 70% of cases with a strike, 5% flagged for
review. One heavy user has 2,000 cases and 100 review items at every size (the history pages are about one
user, not the server).

Then, through the real code (bot.storage.cases / strikes / stats / privacy / reviews / appeals), at each size:
- record: p50/p99 of `CaseRepository.record_decision` (claim + case + strike + read-back), new messages;
- strikes: p50/p99 of `strike_times` over the escalation window (1 day) for random users;
- history first / deep: what /history reads (count, one page newest first, active strikes, review items,
  appeals) for the heavy user, page 1 and page 150; `history_all`: the old query (every case of the user);
- stats_30d: p50/p99 of `StatsStore.collect` for 30 days (its window holds at most 45k cases at this rate);
- verify: `verify_chain` once (cases/s);
- forget: `forget` of the heavy user, once; purge_half: `purge --older-than` half the history's age (erases the
  older half: the work grows with the database by design), once (in that order, last);
- bytes_per_case: database file size after the build (WAL checkpointed) / cases (10 judged messages each).
The growth exponent of each operation is the log-log slope of its p50 (one-offs: its time) from the smallest
to the largest size. /proc/loadavg is printed with every size. With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.records import (  # noqa: E402
    Action,
    ActionKind,
    Actor,
    CaseDraft,
    CaseQuery,
    Decision,
    MessageEvent,
    ModelInfo,
    Scores,
    StatsScope,
    Variant,
)
from bot.storage.appeals import AppealRepository  # noqa: E402
from bot.storage.bulk import AllowedFill, ReviewRow, fill_allowed, judged_for_cases, load_cases, load_reviews  # noqa: E402
from bot.storage.cases import CaseRepository  # noqa: E402
from bot.storage.database import Database  # noqa: E402
from bot.storage.privacy import forget, purge  # noqa: E402
from bot.storage.reviews import ReviewRepository  # noqa: E402
from bot.storage.stats import StatsStore  # noqa: E402
from bot.storage.strikes import StrikeLedger  # noqa: E402

CASES_PER_DAY = 1500
MESSAGES_PER_CASE = 10
HEAVY_USER = 4_242_424
HEAVY_CASES = 2000
PAGE_SIZE = 10
DEEP_PAGE = 150
GUILDS = (1, 2)
CHANNELS = 50
MODEL = ModelInfo("detoxify/original", "0.5.2 toxic_original-c1212f89 onnx-int8")
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
ACTIONS = ((Action(ActionKind.DELETE),), (Action(ActionKind.DELETE), Action(ActionKind.WARN)),
           (Action(ActionKind.FLAG),), (Action(ActionKind.DELETE), Action(ActionKind.TIMEOUT, timedelta(hours=1))))
TEXTS = (
    "You are an idiot and you should stop posting here, nobody wants to read this garbage.",
    "What a stupid thing to say, go back to where you came from.",
    "Shut up, you moron. Get lost before I make you.",
    "People like you are the reason this country is falling apart, absolute clown.",
)
ALLOWED_TEXTS = tuple(f"{opening} {topic}, {closing} ({n})" for n, (opening, topic, closing) in enumerate(
    (o, t, c) for o in ("Honestly I think", "Does anyone know if", "Great article about", "I disagree with")
    for t in ("the new budget", "the council vote", "this weekend's match", "the train strike")
    for c in ("thanks for sharing.", "what do you all think?", "source in the link.", "let's see how it goes.")))


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def loadavg() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "n/a"


class History:
    """A server's history of `cases` cases, generated in time order (ids ascend with time, as in reality)."""

    def __init__(self, cases: int, now: datetime, seed: int = 16) -> None:
        self.cases = cases
        self.now = now
        self.users = max(500, cases // 20)
        self.span = timedelta(days=cases / CASES_PER_DAY)
        self.start = now - self.span - timedelta(minutes=5)
        self.rng = random.Random(seed)
        heavy_every = max(1, cases // HEAVY_CASES)
        self.heavy_slots = {index for index in range(0, cases, heavy_every)}
        self.case_users: list[int] = []

    def user(self) -> int:
        return 10_000 + self.rng.randrange(self.users)

    def time_of(self, index: int) -> datetime:
        return self.start + self.span * (index / self.cases)

    def drafts(self) -> Iterator[CaseDraft]:
        rng = self.rng
        for index in range(self.cases):
            user = HEAVY_USER if index in self.heavy_slots else self.user()
            guild = GUILDS[0] if user == HEAVY_USER or rng.random() < 0.9 else GUILDS[1]
            actions = ACTIONS[index % len(ACTIONS)]
            self.case_users.append(user)
            yield CaseDraft(
                guild_id=guild, user_id=user, channel_id=guild * 1000 + rng.randrange(CHANNELS),
                message_id=self.message_id(index, 0), actor=Actor.AUTO, actor_id=None, rule_id="toxic",
                actions=actions, reason="toxicity 0.93 >= 0.90",
                text=TEXTS[index % len(TEXTS)] + f" ({index})",
                scores={label: round(rng.random(), 4) for label in LABELS}, model=MODEL,
                variant=Variant.NORMALIZED, strike=rng.random() < 0.7, created_at=self.time_of(index),
            )

    @staticmethod
    def message_id(case_index: int, offset: int) -> int:
        return 10**15 + case_index * MESSAGES_PER_CASE + offset  # snowflakes grow with time

    def allowed(self) -> AllowedFill:
        """The other 9 judged messages per case (allowed), generated inside SQLite by bulk.fill_allowed."""
        rng = random.Random(61)
        pool = tuple(json.dumps({label: round(rng.random() * 0.3, 4) for label in LABELS}, sort_keys=True)
                     for _ in range(256))
        return AllowedFill(count=self.cases * (MESSAGES_PER_CASE - 1), first_message_id=self.message_id(0, 0),
                           skip_every=MESSAGES_PER_CASE, start=self.start, end=self.start + self.span,
                           guilds=GUILDS, channels=CHANNELS, first_user=10_000, users=self.users,
                           model_name=MODEL.name, scores_json=pool, texts=ALLOWED_TEXTS)

    def reviews(self) -> list[ReviewRow]:
        rng = random.Random(7)
        rows: list[ReviewRow] = []
        heavy_every = max(1, self.cases // HEAVY_CASES)
        # 5% of cases, plus the heavy user's first 100 (so /history reads as many review items at every size)
        slots = sorted({*range(7, self.cases, 20), *range(0, min(self.cases, 100 * heavy_every), heavy_every)})
        for index in slots:
            at = self.time_of(index)
            decided = rng.random() < 0.9
            rows.append(ReviewRow(
                guild_id=GUILDS[0], case_id=index + 1, channel_id=GUILDS[0] * 1000 + rng.randrange(CHANNELS),
                message_id=self.message_id(index, 0), user_id=self.case_users[index], text=TEXTS[0],
                status=rng.choice(("approved", "removed")) if decided else "open", created_at=at,
                decided_at=at + timedelta(minutes=30) if decided else None, reviewer_id=99 if decided else None,
            ))
        return rows


async def build(path: Path, history: History) -> dict[str, Any]:
    started = time.perf_counter()
    async with Database.open(path) as db:
        cases = await load_cases(db, history.drafts())
        cases_s = time.perf_counter() - started
        judged = await judged_for_cases(db) + await fill_allowed(db, history.allowed())
        reviews = await load_reviews(db, history.reviews())
        await db.checkpoint()
    built_s = time.perf_counter() - started
    return {"cases": cases, "judged": judged, "reviews": reviews, "build_s": built_s, "build_cases_s": cases_s}


async def sample(operation: Callable[[], Awaitable[Any]], count: int) -> list[float]:
    timings: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        await operation()
        timings.append(time.perf_counter() - started)
    return timings


def summary(timings: list[float]) -> dict[str, float]:
    return {"p50_ms": statistics.median(timings) * 1000, "p99_ms": percentile(timings, 0.99) * 1000,
            "n": len(timings)}


async def measure(path: Path, history: History, samples: int) -> dict[str, Any]:
    rng = random.Random(99)
    now = history.now
    results: dict[str, Any] = {}
    async with Database.open(path) as db:
        cases = CaseRepository(db)
        strikes = StrikeLedger(db)
        reviews = ReviewRepository(db)
        appeals = AppealRepository(db)
        stats = StatsStore(db)
        next_message = [History.message_id(history.cases, 0) + 1_000_000]

        async def record() -> None:
            next_message[0] += 1
            user = history.user()
            event = MessageEvent(guild_id=GUILDS[0], channel_id=1000 + rng.randrange(CHANNELS),
                                 message_id=next_message[0], author_id=user, content=TEXTS[1],
                                 created_at=datetime.now(UTC))
            actions = ACTIONS[0]
            scores = Scores({label: 0.5 for label in LABELS}, MODEL)
            decision = Decision(actions=actions, rule_id="toxic", strike=True)
            draft = CaseDraft(guild_id=event.guild_id, user_id=user, channel_id=event.channel_id,
                              message_id=event.message_id, actor=Actor.AUTO, actor_id=None, rule_id="toxic",
                              actions=actions, reason="toxicity 0.93 >= 0.90", text=event.content,
                              scores=dict(scores.values), model=MODEL, variant=Variant.NORMALIZED, strike=True)
            digest = hashlib.sha256(f"{event.message_id}".encode()).hexdigest()[:32]
            claimed, case = await cases.record_decision(event, digest, scores, decision, draft, event.created_at)
            assert claimed and case is not None

        async def strike_lookup() -> None:
            await cases.strike_times(GUILDS[0], history.user(), now - timedelta(days=1))

        async def history_page(page: int) -> None:
            total = await cases.count_for_user(GUILDS[0], HEAVY_USER)
            shown = await cases.page_for_user(GUILDS[0], HEAVY_USER, PAGE_SIZE, (page - 1) * PAGE_SIZE)
            assert total >= HEAVY_CASES // 2 and len(shown) == PAGE_SIZE, (total, len(shown))
            await strikes.active(GUILDS[0], HEAVY_USER)
            await reviews.find(guild_id=GUILDS[0], user_id=HEAVY_USER)
            await appeals.for_user(HEAVY_USER)

        async def history_all() -> None:
            found = await cases.find(CaseQuery(guild_id=GUILDS[0], user_id=HEAVY_USER, limit=100_000))
            assert len(found) >= HEAVY_CASES // 2

        async def stats_30d() -> None:
            await stats.collect(StatsScope(guild_id=GUILDS[0], since=datetime.now(UTC) - timedelta(days=30)))

        results["record"] = summary(await sample(record, samples))
        results["strikes"] = summary(await sample(strike_lookup, samples))
        results["history_first"] = summary(await sample(lambda: history_page(1), samples))
        results["history_deep"] = summary(await sample(lambda: history_page(DEEP_PAGE), samples))
        results["history_all"] = summary(await sample(history_all, max(3, samples // 20)))
        results["stats_30d"] = summary(await sample(stats_30d, max(3, samples // 20)))
        started = time.perf_counter()
        count, problems = await cases.verify_chain()
        verify_s = time.perf_counter() - started
        assert not problems, problems[:3]
        results["verify"] = {"s": verify_s, "cases": count, "cases_per_s": count / verify_s}
        started = time.perf_counter()
        erased = await forget(db, HEAVY_USER)
        results["forget"] = {"s": time.perf_counter() - started, "cases": erased.cases,
                             "scored_messages": erased.scored_messages}
        started = time.perf_counter()
        erased = await purge(db, history.start + history.span / 2)
        results["purge_half"] = {"s": time.perf_counter() - started, "cases": erased.cases,
                                "scored_messages": erased.scored_messages}
    return results


TIMED = ("record", "strikes", "history_first", "history_deep", "history_all", "stats_30d")
ONE_OFF = ("verify", "forget", "purge_half")


def slope(small: float, large: float, n_small: int, n_large: int) -> float:
    if small <= 0 or large <= 0:
        return float("nan")
    return math.log(large / small) / math.log(n_large / n_small)


def targets(rows: list[dict[str, Any]], slopes: dict[str, float]) -> list[tuple[str, bool]]:
    """Issue 16's targets: recording, strikes and history flat (slope < 0.1, an index), verify linear at 100k
    cases/s or more, purge and forget of the largest database within a minute."""
    largest = rows[-1]
    found = [(f"{name} slope < 0.1", slopes[name] < 0.1) for name in ("record", "strikes", "history_first",
                                                                          "history_deep") if name in slopes]
    found.append((f"verify >= 100k cases/s at {largest['cases']:,}", largest["verify"]["cases_per_s"] >= 100_000))
    if "verify" in slopes:
        found.append(("verify linear (slope 0.8-1.2)", 0.8 <= slopes["verify"] <= 1.2))
    found += [(f"{name} < 60 s at {largest['cases']:,}", largest[name]["s"] < 60) for name in ("purge_half", "forget")]
    return found


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,1m", help="case counts, e.g. 10k,100k,1m")
    parser.add_argument("--samples", type=int, default=200, help="samples per timed operation")
    parser.add_argument("--dir", type=Path, default=ROOT / ".bench-cache" / "scale")
    parser.add_argument("--keep", action="store_true", help="keep the databases (default: delete after)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()
    sizes = [parse_size(text) for text in args.sizes.split(",")]
    args.dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for size in sizes:
        path = args.dir / f"scale-{size}.db"
        load_before = loadavg()
        history = History(size, datetime.now(UTC))
        remove(path)
        built = asyncio.run(build(path, history))
        built["db_bytes"] = path.stat().st_size
        built["bytes_per_case"] = built["db_bytes"] / size
        print(f"{size:>9,} cases: built in {built['build_s']:.1f}s ({built['judged']:,} judged messages, "
              f"{built['reviews']:,} review items), {built['db_bytes'] / 1e6:.1f} MB, "
              f"{built['bytes_per_case']:.0f} bytes/case; loadavg {load_before}", flush=True)
        measured = asyncio.run(measure(path, history, args.samples))
        row = {"cases": size, **built, **measured, "loadavg_before": load_before, "loadavg_after": loadavg()}
        rows.append(row)
        for name in TIMED:
            print(f"    {name:>14}: p50 {measured[name]['p50_ms']:9.2f} ms  p99 {measured[name]['p99_ms']:9.2f} ms")
        print(f"    {'verify':>14}: {measured['verify']['s']:7.2f} s ({measured['verify']['cases_per_s']:,.0f} "
              f"cases/s)\n    {'forget':>14}: {measured['forget']['s']:7.2f} s ({measured['forget']['cases']} cases, "
              f"{measured['forget']['scored_messages']} judged)\n    {'purge_half':>14}: "
              f"{measured['purge_half']['s']:7.2f} s ({measured['purge_half']['cases']:,} cases, "
              f"{measured['purge_half']['scored_messages']:,} judged); loadavg after {row['loadavg_after']}",
              flush=True)
        if not args.keep:
            remove(path)
    slopes: dict[str, float] = {}
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        for name in TIMED:
            slopes[name] = slope(first[name]["p50_ms"], last[name]["p50_ms"], first["cases"], last["cases"])
        for name in ONE_OFF:
            slopes[name] = slope(first[name]["s"], last[name]["s"], first["cases"], last["cases"])
        slopes["bytes_per_case"] = slope(first["bytes_per_case"], last["bytes_per_case"], first["cases"],
                                         last["cases"])
        print(f"growth exponent (log-log slope of p50 / time, {first['cases']:,} -> {last['cases']:,} cases): "
              + ", ".join(f"{name} {value:.2f}" for name, value in slopes.items()))
    if rows:
        checked = targets(rows, slopes)
        print("targets (issue 16): " + "; ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in checked))
    if args.json:
        print(json.dumps({"sizes": rows, "slopes": slopes, "pid": os.getpid()}))


if __name__ == "__main__":
    main()
