"""Heat control at the command line, on real files: `rules check` names a broken heat rule by file, line and key;
a heat case (recorded by the real services on a real SQLite file) lists with `modbot cases` and keeps
`modbot cases verify` clean, its unlock note included."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from bot.app import App
from bot.cli.main import _register, cli
from bot.records import MessageEvent
from bot.settings import Settings
from tests.support import RecordingEnforcer, RecordingRemedies, StaticScorer

_register()

GOOD_RULES = Path("config/rules.yaml").read_text(encoding="utf-8")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_rules_check_counts_the_shipped_heat_rules() -> None:
    code, out, _ = run("rules", "check", "config/rules.yaml")
    assert code == 0 and "2 heat rules" in out


def test_rules_check_names_a_broken_heat_rule(tmp_path: Path) -> None:
    old = "removed_share: 0.40"
    line = GOOD_RULES[: GOOD_RULES.index(old)].count("\n") + 1
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD_RULES.replace(old, "removed_share: 40").replace("[slowmode 30s]", "[slowmode 30s, ban]"),
                    encoding="utf-8")
    code, _, err = run("rules", "check", str(path))
    assert code == 2
    assert f"{path}:{line}: heat[1].when.removed_share: must be between 0 and 1" in err, err
    assert f"{path}:{line - 1}: heat[0].actions[1]: heat rules take 'slowmode <delay>'" in err, err


def _heat_case(tmp_path: Path) -> Path:
    (tmp_path / "rules.yaml").write_text(GOOD_RULES.replace("min_messages: 30", "min_messages: 4"),
                                         encoding="utf-8")
    settings = Settings(database=tmp_path / "bot.db", config_dir=tmp_path, rules_file=Path("rules.yaml"))
    now = [T0]

    async def play() -> None:
        remedies = RecordingRemedies()
        async with App.open(settings, scorer=StaticScorer(labels=frozenset({"toxicity", "insult", "threat",
                                                                             "severe_toxicity", "profanity"})),
                            clock=lambda: now[0]) as app:
            moderation = app.moderation(RecordingEnforcer(), remedies, threads=remedies)
            for number, text in enumerate(["you idiot", "you moron", "fine", "an imbecile"], start=1):
                await moderation.pipeline.handle(MessageEvent(
                    guild_id=1, channel_id=500, message_id=number, author_id=10 + number, content=text,
                    created_at=T0, parent_channel_id=400,
                ))
            assert moderation.timed is not None
            await moderation.timed.stop()
            now[0] = T0 + timedelta(hours=3)
            await moderation.timed.start()  # the 2h lock ended: unlocked, a note on the case
        assert remedies.done == ["unlock 500"]

    asyncio.run(play())
    return settings.database


def test_a_heat_case_lists_and_verifies(tmp_path: Path) -> None:
    db = _heat_case(tmp_path)
    code, out, _ = run("--db", str(db), "cases", "--format", "json")
    assert code == 0
    (heat,) = [row for row in json.loads(out) if row["rule"] == "heat[1]"]
    assert (heat["actor"], heat["user_id"], heat["channel_id"], heat["message_id"]) == ("auto", 0, 500, None)
    assert heat["actions"] == ["lock 2h"] and heat["applied"] == ["lock"]
    assert heat["reason"] == ("heat: 3 of 4 messages removed (75%) within 10m "
                              "(rule: removed_share 0.4, min_messages 4)")
    code, out, _ = run("--db", str(db), "cases", "verify")
    assert code == 0 and "hash chain intact" in out
