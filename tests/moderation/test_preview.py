"""Replaying stored judged messages through two rule sets: real SQLite, real YAML, the static test scorer."""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import Storage
from bot.moderation.preview import PreviewReport, plot_tiers, preview, render_tiers, tier
from bot.moderation.rules import load_rules
from bot.records import Action, ActionKind, Decision, MessageEvent, ModelInfo, Scores
from tests.support import StaticScorer

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LABELS = frozenset({"toxicity", "insult"})
RULES = """version: 1
rules:
  - id: toxic
    when: {score: {label: toxicity, min: 0.90}}
    actions: [delete, warn]
  - id: rude-review
    when: {score: {label: toxicity, min: 0.60, max: 0.90}}
    actions: [flag]
  - id: idiot
    when: {words: [idiot]}
    actions: [delete]
"""


async def store(storage: Storage, number: int, text: str, toxicity: float, model: str, at: datetime) -> None:
    event = MessageEvent(guild_id=1, channel_id=10, message_id=number, author_id=100 + number % 7, content=text,
                         created_at=at)
    scores = Scores({"toxicity": toxicity, "insult": 0.01}, ModelInfo(model, "1"))
    decision = Decision((Action(ActionKind.ALLOW),))
    digest = hashlib.sha256(text.encode()).hexdigest()
    claimed, _ = await storage.cases.record_decision(event, digest, scores, decision, None, at)
    assert claimed


def write_rules(folder: Path, text: str, name: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_preview_counts_tiers_and_rules_before_and_after(tmp_path: Path) -> None:
    before = load_rules(write_rules(tmp_path, RULES, "rules.yaml"), LABELS)
    after = load_rules(write_rules(tmp_path, RULES.replace("min: 0.90", "min: 0.80").replace("max: 0.90", "max: 0.80")
                                   .replace("words: [idiot]", "words: [idiot, clown]"), "new.yaml"), LABELS)
    scorer = StaticScorer({"hateful": {"toxicity": 0.97}})  # model "test/static"
    async with Storage.open(tmp_path / "m.db") as storage:
        await store(storage, 1, "you are hateful", 0.95, "test/static", NOW)  # toxic both sides
        await store(storage, 2, "quite rude", 0.85, "test/static", NOW)  # review -> toxic
        await store(storage, 3, "a clown", 0.10, "test/static", NOW)  # allow -> idiot (new word)
        await store(storage, 4, "fine words", 0.10, "test/static", NOW)  # allow both sides
        await store(storage, 5, "hateful again", 0.10, "detoxify/original", NOW)  # another model: scored again
        await store(storage, 6, "too old", 0.99, "test/static", NOW - timedelta(days=30))  # outside --since
        await store(storage, 7, "purged idiot", 0.99, "test/static", NOW - timedelta(days=2))
        await storage.purge(NOW - timedelta(days=1))  # message 7 loses its text, keeps its scores
        report = await preview(storage.verdicts.judged(NOW - timedelta(days=7)), before, after, scorer, examples=2)
    assert (report.judged, report.replayed, report.purged, report.rescored) == (6, 5, 1, 1)
    assert scorer.calls == ["hateful again"]  # only the message another model scored
    assert dict(report.tiers_before) == {"delete": 2, "flag": 1, "allow": 2}
    assert dict(report.tiers_after) == {"delete": 4, "allow": 1}
    assert report.tiers() == [("allow", 2, 1), ("flag", 1, 0), ("delete", 2, 4)]
    assert dict(report.rules_before) == {"toxic": 2, "rude-review": 1}
    assert dict(report.rules_after) == {"toxic": 3, "idiot": 1}
    assert report.changed == 2 and len(report.examples) == 2
    first = report.examples[0]
    assert (first.message_id, first.before_rule, first.before, first.after_rule, first.after) == (
        2, "rude-review", ("flag",), "toxic", ("delete", "warn"))
    assert report.as_json()["skipped_purged"] == 1
    plot = tmp_path / "tiers.png"
    plot_tiers(report, plot)
    assert plot.read_bytes().startswith(b"\x89PNG")


async def test_forget_erases_stored_text_and_allowed_messages_keep_theirs(tmp_path: Path) -> None:
    async with Storage.open(tmp_path / "m.db") as storage:
        await store(storage, 1, "allowed and kept", 0.1, "test/static", NOW)
        await store(storage, 2, "from user 102", 0.1, "test/static", NOW)
        pages = [page async for page in storage.verdicts.judged(NOW - timedelta(days=1))]
        assert [m.text for m in pages[0]] == ["allowed and kept", "from user 102"]
        await storage.forget(102)
        pages = [page async for page in storage.verdicts.judged(NOW - timedelta(days=1))]
        assert [m.text for page in pages for m in page] == ["allowed and kept"]


def test_tier_is_the_strongest_action() -> None:
    assert tier(Decision((Action(ActionKind.ALLOW),))) == "allow"
    assert tier(Decision((Action(ActionKind.DELETE), Action(ActionKind.TIMEOUT, timedelta(hours=1))))) == "timeout"


def test_tiers_png_is_a_real_png_of_a_sane_size() -> None:
    report = PreviewReport()
    report.tiers_before.update({"allow": 900, "flag": 30, "delete": 70})
    report.tiers_after.update({"allow": 850, "flag": 40, "delete": 110})
    png = render_tiers(report)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (880, 495)  # 8 x 4.5 inches at 110 dpi
    assert 5_000 < len(png) < 500_000


async def test_the_use_mention_review_is_replayed_like_the_live_bot(tmp_path: Path) -> None:
    before = load_rules(write_rules(tmp_path, RULES, "rules.yaml"), LABELS)
    after = load_rules(write_rules(tmp_path, RULES.replace("    actions: [delete]\n",
                                                           "    actions: [delete]\n    mentions: enforce\n"),
                                   "strict.yaml"), LABELS)
    async with Storage.open(tmp_path / "m.db") as storage:
        await store(storage, 1, 'mods, he keeps calling people "idiot" in the match thread', 0.10, "test/static", NOW)
        await store(storage, 2, "you idiot", 0.10, "test/static", NOW)
        report = await preview(storage.verdicts.judged(NOW - timedelta(days=7)), before, after, StaticScorer())
    assert dict(report.tiers_before) == {"flag": 1, "delete": 1}  # the report is flagged, as the live bot does
    assert dict(report.tiers_after) == {"delete": 2}  # `mentions: enforce`: removed like a use
    assert report.changed == 1 and report.examples[0].message_id == 1
