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
