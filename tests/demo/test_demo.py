"""`modbot demo`: the scenario's shape, the driver with a known scorer, and the CLI end to end offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.discord_adapter.demo.driver import run_demo
from bot.discord_adapter.demo.scenario import bundled_page, load_scenario
from bot.settings import Settings
from tests.discord_adapter.conftest import RULES, KeywordScorer, write_rules

REPO = Path(__file__).resolve().parents[2]
ZERO_WIDTH = "\u200b"


def test_bundled_thread_is_a_realistic_mix() -> None:
    story = load_scenario()
    assert 15 <= len(story.replies) <= 30
    texts = [reply.says for reply in story.replies]
    assert sum(reply.edit is not None for reply in story.replies) == 1
    assert any(ZERO_WIDTH in text for text in texts)
    assert any(any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word)
               for text in texts for word in text.split() if len(word) > 3)
    assert story.article.page is not None  # the bundled page goes through the real digest pipeline
    page = bundled_page(story.article.page).decode("utf-8")
    assert "Leave a Reply" in page and "Patreon" in page  # with site furniture for the cleaner to remove


async def test_driver_prints_who_said_what_and_what_the_bot_did(tmp_path: Path) -> None:
    write_rules(tmp_path / "rules.yaml")
    settings = Settings(database=tmp_path / "demo.db", config_dir=tmp_path, rules_file=Path("rules.yaml"))
    story = load_scenario(
        """
article: {title: "Bridge vote", source: "test", summary: "The town votes on a bridge."}
people: {ann: "Ann", ben: "Ben"}
replies:
  - {who: ann, says: "Good news for cyclists."}
  - {who: ben, says: "Nice try.", edit: "Nice try, idiot."}
  - {who: ann, says: "That is garbage reasoning."}
"""
    )
    lines: list[str] = []

    report = await run_demo(settings, lines.append, scorer=KeywordScorer(), scenario=story)

    text = "\n".join(lines)
    assert "Scoring model: test/keywords 1" in text
    assert "[01] Ann: Good news for cyclists." in text and "allowed" in text
    assert "Ben edits it to: Nice try, idiot." in text
    assert "case #1: rule toxic" in text and "author told by DM" in text
    assert "case #2: rule toxic-review" in text and "review #1" in text
    assert "Rules preview (as /rules preview FILE does)" in text and "nothing is enforced" in text
    assert "4 messages replayed, 1 would change:" in text
    assert "'That is garbage reasoning.': toxic-review [flag] -> toxic-held [flag, delete]" in text
    assert (report.replies, report.judged, report.cases, report.bot_errors) == (3, 4, 2, ())
    assert report.model == "test/keywords 1" and not report.fallback


async def test_the_heat_scene_slows_a_heated_thread_then_locks_it_and_unlocks_it_later(tmp_path: Path) -> None:
    heat = """
heat:
  - when: {removed_share: 0.5, within: 10m, min_messages: 4}
    actions: [slowmode 20s]
  - when: {removed_share: 0.6, within: 10m, min_messages: 6}
    actions: [lock 1h]
"""
    (tmp_path / "rules.yaml").write_text(RULES.format(exempt_roles=[]) + heat, encoding="utf-8")
    settings = Settings(database=tmp_path / "demo.db", config_dir=tmp_path, rules_file=Path("rules.yaml"))
    story = load_scenario(
        """
article: {title: "Bridge vote", source: "test", summary: "The town votes on a bridge."}
people: {ann: "Ann"}
replies:
  - {who: ann, says: "Good news for cyclists."}
heat:
  article: {title: "Shelter closes", source: "test", summary: "The night shelter moves out of town."}
  people: {kit: "Kit", joe: "Joe", sue: "Sue"}
  replies:
    - {who: joe, says: "what an idiot"}
    - {who: kit, says: "The annex has showers."}
    - {who: sue, says: "idiot council"}
    - {who: kit, says: "Is there a bus?"}
    - {who: joe, says: "idiot question"}
    - {who: sue, says: "idiot"}
"""
    )
    lines: list[str] = []

    report = await run_demo(settings, lines.append, scorer=KeywordScorer(), scenario=story)

    text = "\n".join(lines)
    assert "Heat control (`heat:` in the rules): heat[0] when removed_share 0.5, min_messages 4" in text
    assert "🐢 Slowmode is on in this thread: one message every 20s per person. The discussion got heated: " \
           "2 of 4 messages removed (50%) within 10m." in text
    assert "🔒 This thread is locked for 1h. The discussion got heated: 4 of 6 messages removed (67%)" in text
    assert "#mod-log | Rule: heat[1]" in text and "60 minutes later (simulated time), the lock ends:" in text
    assert "🔓 This thread is unlocked again (the lock 1h ended)." in text
    assert (report.replies, report.heat_cases, report.bot_errors) == (7, 2, ())


@pytest.mark.slow
def test_cli_demo_runs_offline_without_token_and_leaves_cases(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(REPO / "config" / "rules.yaml", config / "rules.yaml")  # defaults otherwise: detoxify
    db = tmp_path / "demo.db"
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "MODBOT_SCORER", "MODBOT_DB")}
    env["TORCH_HOME"] = str(tmp_path / "torch")  # no detoxify checkpoint here: the fallback must say so
    base = [sys.executable, "-m", "bot", "--config", str(config), "--db", str(db)]

    demo = subprocess.run([*base, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    assert "FALLBACK" in demo.stdout and "profanity-check" in demo.stdout
    assert "[01] " in demo.stdout and "edits it to:" in demo.stdout

    listed = subprocess.run([*base, "cases", "--format", "json"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    cases = json.loads(listed.stdout)
    assert len(cases) >= 3
    auto = [case for case in cases if case["actor"] == "auto" and case["message_id"] is not None]
    assert auto and all(case["model"] == "profanity-check" and case["model_fallback"] for case in auto)
    heat = [case for case in cases if (case["rule"] or "").startswith("heat[")]  # a thread's, judged by no model
    assert {action for case in heat for action in case["actions"]} >= {"slowmode 30s", "lock 2h"}
    assert all(case["model"] is None and case["user_id"] == 0 for case in heat)
    assert any(case["actor"] == "moderator" for case in cases)  # a review verdict in the demo
    assert {"delete", "warn"} <= {action for case in cases for action in case["actions"]}


@pytest.mark.slow
def test_run_without_a_token_runs_the_demo(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(REPO / "config" / "rules.yaml", config / "rules.yaml")
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "MODBOT_DB", "MODBOT_SCORER")}
    env["TORCH_HOME"] = str(tmp_path / "torch")
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\n", encoding="utf-8")  # present but empty: still no token

    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "--db", str(tmp_path / "run.db"), "run"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No DISCORD_TOKEN set")
    assert "Scoring model: profanity-check 1.9.1 (FALLBACK" in result.stdout


@pytest.mark.slow
def test_the_demo_runs_again_on_the_same_database_and_from_a_folder_without_config(tmp_path: Path) -> None:
    # The defect: a second run reused the first run's message ids ("already judged"), the old strikes earned a
    # timeout, and a 403 from SimCord ended the demo with a traceback.
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "MODBOT_SCORER", "MODBOT_DB")}
    env["TORCH_HOME"] = str(tmp_path / "torch")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    db = tmp_path / "same.db"
    runs = [
        subprocess.run([sys.executable, "-m", "bot", "--db", str(db), "demo"], cwd=elsewhere, env=env,
                       capture_output=True, text=True, timeout=300)
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert "already judged" not in run.stdout and "Traceback" not in run.stderr
        assert "bot/starter/rules.yaml" in run.stdout  # no config/ here: the packaged starter configuration
    assert runs[0].stdout.count("XX   case #") == runs[1].stdout.count("XX   case #") > 3
    default = subprocess.run([sys.executable, "-m", "bot", "demo"], cwd=elsewhere, env=env, capture_output=True,
                             text=True, timeout=300)
    assert default.returncode == 0, default.stderr
    assert str(tmp_path / "state" / "modbot" / "demo.db") in default.stdout  # its own fresh database
    assert not (elsewhere / "data").exists()
