"""`modbot calibrate` and `modbot rules preview` on real SQLite databases built through the storage API."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import Storage
from bot.cli.main import _register, cli
from bot.records import Action, ActionKind, Actor, AppealStatus, CaseDraft, ModelInfo, ReviewDraft, ReviewStatus

_register()

GOOD_RULES = Path("config/rules.yaml").read_text(encoding="utf-8")
DETOXIFY = ModelInfo("detoxify/original", "0.5.4")
NOW = datetime.now(UTC)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "rules.yaml").write_text(GOOD_RULES, encoding="utf-8")
    missing = tmp_path / "no-such-checkpoint.ckpt"  # detoxify configured, checkpoint missing: the fallback scores
    (folder / "settings.yaml").write_text(f"scoring:\n  checkpoint: {missing}\n", encoding="utf-8")
    return folder


def _draft(rule: str, score: float, number: int, flag: bool) -> CaseDraft:
    actions = (Action(ActionKind.FLAG),) if flag else (Action(ActionKind.DELETE),)
    return CaseDraft(
        guild_id=1, user_id=100 + number % 50, channel_id=10, message_id=number, actor=Actor.AUTO, actor_id=None,
        rule_id=rule, actions=actions, reason=rule, text=f"message {number}", scores={"toxicity": score},
        model=DETOXIFY, created_at=NOW - timedelta(hours=1),
    )


def seed_verdicts(path: Path, count: int = 1000, seed: int = 14) -> None:
    """`count` verdicts: 'toxic' (min 0.90) cases reversed or appealed when wrong, 'toxic-review' (0.60..0.90)
    flags decided on the review queue. Below 0.95 (toxic) and 0.75 (review) the bot is wrong about a third of
    the time; above, rarely."""
    rng = random.Random(seed)

    async def write() -> None:
        async with Storage.open(path) as storage:
            for number in range(count):
                review = number % 2 == 1
                low, high, edge = (0.60, 0.90, 0.75) if review else (0.90, 1.0, 0.95)
                score = round(rng.uniform(low, high - 0.0005), 4)
                correct = rng.random() < (0.97 if score >= edge else 0.65)
                case = await storage.cases.record_case(_draft("toxic-review" if review else "toxic", score,
                                                              number, review))
                if review:
                    item = await storage.reviews.open(ReviewDraft(1, case.id, 10, number, case.user_id, "t"), at=NOW)
                    status = ReviewStatus.REMOVED if correct else ReviewStatus.APPROVED
                    await storage.reviews.decide(item.id, status, 99, at=NOW)
                elif not correct and number % 4 == 0:
                    appeal = await storage.appeals.open(case.id, case.user_id, "not fair", at=NOW)
                    await storage.appeals.decide(appeal.id, AppealStatus.UPHELD, 99, "agreed", at=NOW)
                    await storage.cases.reverse(1, case.number, 99, "appeal upheld", at=NOW)
                elif not correct:
                    await storage.cases.reverse(1, case.number, 99, "wrong", at=NOW)
                else:
                    item = await storage.reviews.open(ReviewDraft(1, case.id, 10, number, case.user_id, "t"), at=NOW)
                    await storage.reviews.decide(item.id, ReviewStatus.TIMED_OUT, 99, at=NOW)

    asyncio.run(write())


def test_calibrate_on_1000_verdicts_suggests_raising_both_bands(config_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    seed_verdicts(db)
    plot = tmp_path / "precision.png"
    code, out, err = run("--config", str(config_dir), "--db", str(db), "calibrate", "--json", "--plot", str(plot))
    assert code == 0, err
    report = json.loads(out)
    by_rule = {rule["rule"]: rule for rule in report["rules"]}
    toxic, review = by_rule["toxic"], by_rule["toxic-review"]
    assert toxic["verdicts"] == 500 and review["verdicts"] == 500
    assert 0.7 < toxic["precision"] < 0.9 and toxic["interval"][0] < toxic["precision"] < toxic["interval"][1]
    assert 0.93 <= toxic["suggested_min"] <= 0.96 and toxic["suggested_precision"] >= 0.9 and toxic["backing"] >= 30
    assert toxic["change"].startswith("rules[3].when.score.min: 0.90 -> 0.9")
    assert 0.65 <= review["suggested_min"] <= 0.77 and review["change"].startswith("rules[4].when.score.min: 0.60 ->")
    assert by_rule["threats"]["verdicts"] == 0 and by_rule["threats"]["change"] is None
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_calibrate_text_prints_the_lines_to_change_and_never_edits_the_rules(config_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    seed_verdicts(db, count=200)
    before = (config_dir / "rules.yaml").read_bytes()
    code, out, _ = run("--config", str(config_dir), "--db", str(db), "calibrate", "--rule", "toxic",
                       "--target-precision", "0.9", "--min-verdicts", "30")
    assert code == 0
    assert out.startswith("toxic (toxicity 0.90..1.00, ") and "precision 0." in out and "on 100 verdicts" in out
    assert "Lines to change in the rules file (modbot does not edit it):\n  rules[3].when.score.min: 0.90 -> " in out
    assert (config_dir / "rules.yaml").read_bytes() == before
    code, out, _ = run("--config", str(config_dir), "--db", str(db), "calibrate", "--rule", "toxic",
                       "--min-verdicts", "500")
    assert code == 0 and "not enough verdicts to suggest (100 < 500)" in out and "Lines to change" not in out


def test_calibrate_unknown_rule_or_bad_plot_exits_2_in_one_line(config_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    code, _, err = run("--config", str(config_dir), "--db", str(db), "calibrate", "--rule", "nope")
    assert code == 2 and "no rule with id 'nope'" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("--config", str(config_dir), "--db", str(db), "calibrate", "--plot", str(tmp_path / "x.nope"))
    assert code == 2 and "cannot tell the image format" in err


def seed_messages(path: Path) -> None:
    """Judged messages as the live bot stores them: allowed ones too, with their text."""
    import hashlib

    from bot.records import Decision, MessageEvent, Scores

    fallback = ModelInfo("profanity-check", "1", fallback=True)

    async def write() -> None:
        async with Storage.open(path) as storage:
            for number, (text, profanity, model, age) in enumerate([
                ("what a lovely article", 0.05, fallback, timedelta(hours=2)),
                ("this is crap", 0.70, fallback, timedelta(hours=3)),  # review band -> removed by the new rules
                ("total crap again", 0.75, fallback, timedelta(hours=4)),
                ("fine comment", 0.10, ModelInfo("detoxify/original", "0.5.4"), timedelta(hours=5)),  # rescored
                ("an old one", 0.95, fallback, timedelta(days=20)),  # outside --since 7d
                ("purged crap", 0.80, fallback, timedelta(days=3)),
            ], start=1):
                at = NOW - age
                event = MessageEvent(1, 10, number, 200 + number, text, at)
                scores = Scores({"profanity": profanity}, model)
                digest = hashlib.sha256(text.encode()).hexdigest()
                await storage.cases.record_decision(event, digest, scores, Decision((Action(ActionKind.ALLOW),)),
                                                    None, at)
            await storage.purge(NOW - timedelta(days=1))

    asyncio.run(write())


def test_rules_preview_reports_what_a_lower_threshold_would_change(config_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    seed_messages(db)
    new = tmp_path / "new-rules.yaml"
    new.write_text(GOOD_RULES.replace("when: {score: {label: profanity, min: 0.90}}",
                                      "when: {score: {label: profanity, min: 0.65}}")
                   .replace("label: profanity, min: 0.60, max: 0.90", "label: profanity, min: 0.50, max: 0.65"),
                   encoding="utf-8")
    plot = tmp_path / "tiers.png"
    code, out, err = run("--config", str(config_dir), "--db", str(db), "rules", "preview", str(new), "--json",
                         "--examples", "1", "--plot", str(plot))
    assert code == 0, err
    report = json.loads(out)
    assert (report["judged"], report["replayed"], report["skipped_purged"], report["rescored"]) == (5, 4, 1, 1)
    assert report["changed"] == 2 and len(report["examples"]) == 1
    assert report["examples"][0]["before"] == {"rule": "profanity-review", "actions": ["flag"]}
    assert report["examples"][0]["after"]["rule"] == "profanity"
    assert report["tiers"]["flag"] == {"before": 2, "after": 0}
    assert report["rules"]["profanity"] == {"before": 0, "after": 2}
    assert plot.read_bytes().startswith(b"\x89PNG")
    code, out, _ = run("--config", str(config_dir), "--db", str(db), "rules", "preview", str(new), "--since", "30d")
    assert code == 0 and out.startswith("6 messages judged in the last 30d: 4 replayed")
    assert "Nothing was enforced" in out
    assert "  profanity-review" in out and " -> profanity [" in out


def test_rules_preview_of_a_broken_file_or_bad_period_exits_2(config_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    broken = tmp_path / "broken.yaml"
    broken.write_text(GOOD_RULES.replace("label: threat, min: 0.80", "label: threats, min: 0.80"), encoding="utf-8")
    code, _, err = run("--config", str(config_dir), "--db", str(db), "rules", "preview", str(broken))
    assert code == 2 and f"{broken}:" in err and "rules[1].when.score.label: unknown label 'threats'" in err
    code, _, err = run("--config", str(config_dir), "--db", str(db), "rules", "preview", str(broken), "--since", "soon")
    assert code == 2 and err.startswith("--since: ")
