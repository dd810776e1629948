"""The `modbot` commands of the moderation core, run through click's runner on real files."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import _register, cli
from bot.records import Action, ActionKind, Actor, CaseDraft, ModelInfo
from bot.storage import Database
from bot.storage.cases import CaseRepository

_register()

GOOD_RULES = Path("config/rules.yaml").read_text(encoding="utf-8")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "rules.yaml").write_text(GOOD_RULES, encoding="utf-8")
    # detoxify is configured but its checkpoint is missing, as in CI: the fallback scores, and says so
    missing = tmp_path / "no-such-checkpoint.ckpt"
    (folder / "settings.yaml").write_text(f"scoring:\n  checkpoint: {missing}\n", encoding="utf-8")
    return folder


def test_rules_check_shipped_file_exits_0() -> None:
    code, out, _ = run("rules", "check", "config/rules.yaml")
    assert code == 0 and "OK: 10 rules" in out


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        pytest.param("label: threat, min: 0.80", "label: threats, min: 0.80", "rules[1].when.score.label",
                     "unknown label 'threats'", id="unknown-label"),
        pytest.param("actions: [delete, warn, timeout 1d]", "actions: [delete, warn, timeout soon]",
                     "rules[1].actions[2]", "invalid duration 'soon'", id="bad-duration"),
        pytest.param("actions: [delete]\n", "actions: [vanish]\n", "rules[8].actions[0]", "unknown action 'vanish'",
                     id="unknown-action"),
    ],
)
def test_rules_check_broken_file_exits_2_with_file_line_key(
    config_dir: Path, old: str, new: str, key: str, message: str
) -> None:
    assert GOOD_RULES.count(old) == 1
    line = GOOD_RULES[: GOOD_RULES.index(old)].count("\n") + 1
    path = config_dir / "rules.yaml"
    path.write_text(GOOD_RULES.replace(old, new), encoding="utf-8")
    code, _, err = run("--config", str(config_dir), "rules", "check", str(path))
    assert code == 2
    assert f"{path}:{line}: {key}: " in err and message in err, err


def test_score_names_the_model_and_the_rule(config_dir: Path) -> None:
    code, out, _ = run("--config", str(config_dir), "score", "--json", "you are a complete 1d10t")
    assert code == 0
    result = json.loads(out)
    assert result["model"]["name"] == "profanity-check"
    assert result["rule"] == "insults" and result["variant"] == "normalized"
    assert result["decision"] == ["delete", "warn"]
    assert 0.0 <= result["scores"]["profanity"] <= 1.0


def test_score_says_fallback_when_detoxify_is_missing(config_dir: Path) -> None:
    code, out, _ = run("--config", str(config_dir), "score", "have a nice day")
    assert code == 0
    assert out.startswith("model:    profanity-check") and "FALLBACK" in out


def test_rules_naming_labels_the_chosen_scorer_lacks_warn_and_typos_exit_2(config_dir: Path) -> None:
    (config_dir / "settings.yaml").write_text("scoring:\n  backend: profanity\n", encoding="utf-8")
    code, _, err = run("--config", str(config_dir), "score", "hello")
    assert code == 0 and "rules[1].when.score.label: 'threat' is not produced by the live scorer" in err
    rules = config_dir / "rules.yaml"
    rules.write_text(GOOD_RULES.replace("label: threat,", "label: threats,"), encoding="utf-8")
    code, _, err = run("--config", str(config_dir), "score", "hello")
    assert code == 2 and "rules[1].when.score.label: unknown label 'threats'" in err


def _seed_cases(path: Path) -> None:
    async def write() -> None:
        async with Database.open(path) as db:
            cases = CaseRepository(db)
            for user in (1, 2, 1):
                await cases.record_case(CaseDraft(
                    guild_id=9, user_id=user, channel_id=3, message_id=user * 10, actor=Actor.AUTO, actor_id=None,
                    rule_id="toxic", actions=(Action(ActionKind.DELETE), Action(ActionKind.WARN)), reason="r",
                    text="a, \"quoted\"\nline", scores={"toxicity": 0.95},
                    model=ModelInfo("detoxify/original", "0.5.4"),
                ))

    asyncio.run(write())


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_cases_lists_cases_in_each_format(tmp_path: Path, fmt: str) -> None:
    db = tmp_path / "m.db"
    _seed_cases(db)
    code, out, _ = run("--db", str(db), "cases", "--user", "1", "--format", fmt)
    assert code == 0
    if fmt == "json":
        rows = json.loads(out)
        assert [(r["number"], r["user_id"]) for r in rows] == [(1, 1), (3, 1)]
        assert rows[0]["model"] == "detoxify/original"
    elif fmt == "csv":
        rows = list(csv.DictReader(out.splitlines(keepends=True)))
        assert [r["number"] for r in rows] == ["1", "3"]
        assert rows[0]["text"] == 'a, "quoted" line'
    else:
        assert out.splitlines()[0].startswith("NUMBER") and len(out.splitlines()) == 3


def test_cases_since_rejects_a_bad_date(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "m.db"), "cases", "--since", "last tuesday"])
    assert result.exit_code == 2 and "not a date" in result.output


def test_backtest_reports_auc_tiers_and_draws_the_sweep(tmp_path: Path, config_dir: Path) -> None:
    data = tmp_path / "labelled.csv"
    rows = [("what a lovely day", 0), ("thanks for the article", 0), ("I disagree with the author", 0),
            ("you are a fucking idiot", 1), ("shut up you stupid bitch", 1), ("this is shit", 1)] * 5
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment", "is_toxic"])
        writer.writerows(rows)
    png = tmp_path / "sweep.png"
    code, out, _ = run("--config", str(config_dir), "backtest", str(data), "--text-column", "comment",
                       "--label-column", "is_toxic", "--json", "--plot", str(png))
    assert code == 0
    report = json.loads(out.strip().splitlines()[-1])
    assert report["rows"] == 30 and report["positives"] == 15
    assert report["roc_auc"]["profanity"] > 0.9
    assert {tier["tier"] for tier in report["tiers"]} == {"any action", "removed", "flagged only"}
    assert len(report["sweep"]["profanity"]) == 19
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_backtest_names_a_missing_column(tmp_path: Path, config_dir: Path) -> None:
    data = tmp_path / "x.csv"
    data.write_text("text,label\nhello,0\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config_dir), "backtest", str(data), "--text-column", "body",
                                      "--label-column", "label"])
    assert result.exit_code == 2 and "no column 'body'" in result.output


def test_cases_verify_passes_then_names_an_edited_case(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "m.db"
    _seed_cases(db)
    code, out, _ = run("--db", str(db), "cases", "verify")
    assert code == 0 and "3 cases, hash chain intact" in out
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE cases SET reason = 'nothing to see' WHERE number = 2")
    result = CliRunner().invoke(cli, ["--db", str(db), "cases", "verify"])
    assert result.exit_code == 1
    assert "case #2 (id 2): recorded decision was edited" in result.stderr


def test_forget_and_purge_erase_text_but_keep_cases(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    _seed_cases(db)
    code, out, _ = run("--db", str(db), "forget", "1", "--yes")
    assert code == 0 and "erased text of 2 cases" in out
    code, out, _ = run("--db", str(db), "purge", "--older-than", "0s")
    assert code == 2  # zero is not a retention period
    code, out, _ = run("--db", str(db), "purge", "--older-than", "90d")
    assert code == 0 and out.strip() == "older than 90d: nothing to erase"  # the cases are from today
    code, out, _ = run("--db", str(db), "cases", "--format", "json")
    rows = json.loads(out)
    assert [(r["user_id"], r["text"] is None) for r in rows] == [(0, True), (2, False), (0, True)]
    assert run("--db", str(db), "cases", "verify")[0] == 0
