"""Policy commands at scale: `modbot rules preview` over 100,000 stored judged messages and `modbot calibrate`
over 1,000 moderators' verdicts, on real SQLite files in a temporary folder.

Preview: the stored messages (real comments from ../shared/data/toxicity when present, else generated text) are
replayed through the shipped rules and a copy with the profanity rules' thresholds lowered; recorded scores are
reused (stored as the live fallback scorer's). Reports the wall time, messages/s and peak memory (VmHWM). Its
ratio: the cost per message when it must be scored again (recorded by another model) over the cost when the
recorded scores are reused, both measured in this run on the same messages.

Calibrate: 1,000 verdicts written through the storage API (reviews, reversals, upheld appeals), then the query
and the computation timed.

    python bench/policy.py [--messages 100000] [--verdicts 1000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import gzip
import hashlib
import io
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import Storage  # noqa: E402
from bot.moderation.calibrate import calibrate  # noqa: E402
from bot.moderation.preview import preview  # noqa: E402
from bot.moderation.rules import parse_rules  # noqa: E402
from bot.records import (  # noqa: E402
    Action,
    ActionKind,
    Actor,
    AppealStatus,
    CaseDraft,
    Decision,
    JudgedMessage,
    MessageEvent,
    ModelInfo,
    ReviewDraft,
    ReviewStatus,
    Scores,
)
from bot.scoring.factory import known_labels, open_scorer  # noqa: E402
from bot.settings import ScoringSettings  # noqa: E402
from bot.storage.messages import claim  # noqa: E402

TOXICITY = ROOT.parent / "shared" / "data" / "toxicity" / "train.csv.gz"
NOW = datetime.now(UTC)


def vm_hwm_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def comments(count: int) -> list[str]:
    texts: list[str] = []
    if TOXICITY.is_file():
        with gzip.open(TOXICITY, "rt", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                texts.append(" ".join(row["text"].split())[:500])
                if len(texts) >= count:
                    break
    rng = random.Random(1)
    words = ["the", "article", "is", "good", "bad", "crap", "idiot", "news", "editor", "wrong", "right", "damn"]
    while len(texts) < count:
        texts.append(" ".join(rng.choices(words, k=rng.randint(4, 30))))
    return texts


async def seed_messages(storage: Storage, count: int) -> None:
    rng = random.Random(7)
    live = ModelInfo("profanity-check", "1", fallback=True)
    allow = Decision((Action(ActionKind.ALLOW),))
    async with storage.db.transaction() as conn:
        for number, text in enumerate(comments(count), start=1):
            at = NOW - timedelta(seconds=rng.uniform(0, 6 * 86400))
            event = MessageEvent(1, 10 + number % 40, number, 1000 + number % 5000, text, at)
            scores = Scores({"profanity": rng.betavariate(0.6, 3.0)}, live)
            await claim(conn, event, hashlib.sha256(text.encode()).hexdigest(), scores, allow, at)


async def as_other_model(pages: AsyncIterator[list[JudgedMessage]], limit: int) -> AsyncIterator[list[JudgedMessage]]:
    """The first `limit` messages, as if another model had scored them (so that preview scores them again)."""
    seen = 0
    async for page in pages:
        page = [dataclasses.replace(m, model_name="another/model") for m in page[: limit - seen]]
        seen += len(page)
        yield page
        if seen >= limit:
            return


async def first(pages: AsyncIterator[list[JudgedMessage]], limit: int) -> AsyncIterator[Sequence[JudgedMessage]]:
    seen = 0
    async for page in pages:
        yield page[: limit - seen]
        seen += min(len(page), limit - seen)
        if seen >= limit:
            return


async def seed_verdicts(storage: Storage, count: int) -> None:
    rng = random.Random(14)
    for number in range(count):
        review = number % 2 == 1
        low, high, edge = (0.60, 0.90, 0.75) if review else (0.90, 1.0, 0.95)
        score = rng.uniform(low, high - 0.0005)
        correct = rng.random() < (0.97 if score >= edge else 0.65)
        rule = "toxic-review" if review else "toxic"
        case = await storage.cases.record_case(CaseDraft(
            guild_id=1, user_id=100 + number % 50, channel_id=10, message_id=number, actor=Actor.AUTO,
            actor_id=None, rule_id=rule, actions=(Action(ActionKind.FLAG if review else ActionKind.DELETE),),
            reason=rule, text=f"m{number}", scores={"toxicity": score}, model=ModelInfo("detoxify/original", "0.5.4"),
        ))
        if review or correct:
            item = await storage.reviews.open(ReviewDraft(1, case.id, 10, number, case.user_id, "t"))
            verdict = ReviewStatus.APPROVED if review and not correct else ReviewStatus.REMOVED
            await storage.reviews.decide(item.id, verdict, 99)
        elif number % 4 == 0:
            appeal = await storage.appeals.open(case.id, case.user_id, "unfair")
            await storage.appeals.decide(appeal.id, AppealStatus.UPHELD, 99, "ok")
            await storage.cases.reverse(1, case.number, 99, "appeal upheld")
        else:
            await storage.cases.reverse(1, case.number, 99, "wrong")


async def main(args: argparse.Namespace) -> dict[str, object]:
    shipped = (ROOT / "config" / "rules.yaml").read_text(encoding="utf-8")
    lowered = shipped.replace("label: profanity, min: 0.90", "label: profanity, min: 0.80").replace(
        "label: profanity, min: 0.60, max: 0.90", "label: profanity, min: 0.50, max: 0.80")
    labels = known_labels(ScoringSettings()) | {"profanity"}
    before, after = parse_rules(shipped, labels, "rules.yaml"), parse_rules(lowered, labels, "new.yaml")
    scorer = await open_scorer(ScoringSettings(backend="profanity"))
    result: dict[str, object] = {"scorer": scorer.model.describe()}
    with tempfile.TemporaryDirectory() as folder:
        async with Storage.open(Path(folder) / "preview.db") as storage:
            started = time.perf_counter()
            await seed_messages(storage, args.messages)
            result["seed_messages_s"] = round(time.perf_counter() - started, 2)
            hwm_before = vm_hwm_mib()
            started = time.perf_counter()
            report = await preview(storage.verdicts.judged(NOW - timedelta(days=7)), before, after, scorer)
            elapsed = time.perf_counter() - started
            result.update(
                messages=report.judged, replayed=report.replayed, changed=report.changed,
                preview_s=round(elapsed, 2), preview_msgs_per_s=round(report.replayed / elapsed),
                vm_hwm_before_mib=round(hwm_before, 1), vm_hwm_after_mib=round(vm_hwm_mib(), 1),
                tiers={name: [b, a] for name, b, a in report.tiers()},
            )
            sample = min(args.rescore_sample, args.messages)
            started = time.perf_counter()
            await preview(first(storage.verdicts.judged(NOW - timedelta(days=7)), sample), before, after, scorer)
            reused = (time.perf_counter() - started) / sample
            started = time.perf_counter()
            again = await preview(as_other_model(storage.verdicts.judged(NOW - timedelta(days=7)), sample),
                                  before, after, scorer)
            rescored = (time.perf_counter() - started) / sample
            assert again.rescored == sample
            result.update(rescore_sample=sample, reused_ms_per_msg=round(reused * 1000, 4),
                          rescored_ms_per_msg=round(rescored * 1000, 4), ratio_rescored_over_reused=round(
                              rescored / reused, 2))
        async with Storage.open(Path(folder) / "calibrate.db") as storage:
            started = time.perf_counter()
            await seed_verdicts(storage, args.verdicts)
            result["seed_verdicts_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            verdicts = await storage.verdicts.verdicts()
            queried = time.perf_counter() - started
            results = calibrate(before, verdicts)
            computed = time.perf_counter() - queried - started
            result.update(
                verdict_rows=len(verdicts), calibrate_query_ms=round(queried * 1000, 1),
                calibrate_compute_ms=round(computed * 1000, 1),
                changes=[r.change for r in results if r.change],
            )
    await scorer.close()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--verdicts", type=int, default=1000)
    parser.add_argument("--rescore-sample", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    figures = asyncio.run(main(parser.parse_args()))
    if parser.parse_args().json:
        print(json.dumps(figures))
    else:
        buffer = io.StringIO()
        for key, value in figures.items():
            print(f"{key:<28} {value}", file=buffer)
        print(buffer.getvalue(), end="")
