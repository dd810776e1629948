"""/rules preview FILE: an uploaded rules file replayed on the server's recent history (nothing is done); and the
per-rule calibration /stats lists."""

from __future__ import annotations

from simcord import InteractionResult

from bot.discord_adapter.cogs.admin_rules import MAX_UPLOAD
from tests.discord_adapter.conftest import World
from tests.discord_adapter.test_admin_support import Admins, admins, assert_refused
from tests.support import all_cases

__all__ = ["admins"]

STRICTER = b"""version: 1
rules:
  - id: threats
    when: {score: {label: threat, min: 0.80}}
    actions: [delete, warn, timeout 1h]
  - id: toxic
    when: {score: {label: toxicity, min: 0.65}}
    actions: [delete, warn]
"""


def answer(result: InteractionResult) -> str:
    assert result.ephemeral
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    return message.content


async def history(world: World) -> None:
    await world.bob.send(world.thread, "Good piece")
    await world.alice.send(world.thread, "idiot")  # toxic: delete + warn, either way
    await world.alice.send(world.thread, "garbage take")  # flagged now; deleted under the stricter file


async def test_preview_counts_tiers_and_rules_and_attaches_a_png(admins: Admins) -> None:
    world = admins.world
    await history(world)
    cases_before = len(await all_cases(world.app.cases))

    result = await admins.admin.slash(world.thread, "rules preview", file=("stricter.yaml", STRICTER))

    text = answer(result)
    assert "**Rules preview: stricter.yaml**" in text and "3 judged, 3 replayed" in text
    assert "**1 would change**" in text and "Nothing was enforced" in text
    assert "- flag: 1 → 0 (-1)" in text and "- delete: 1 → 2 (+1)" in text and "- allow: 1 → 1 (+0)" in text
    assert "- `toxic`: 1 → 2 (+1)" in text and "- `toxic-review`: 1 → 0 (-1)" in text
    assert "`garbage take`: toxic-review [flag] → toxic [delete, warn]" in text
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    (attachment,) = message.attachments
    data = await attachment.read()
    assert attachment.filename == "preview.png"
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and 5_000 < len(data) < 500_000
    assert len(await all_cases(world.app.cases)) == cases_before  # nothing was enforced or recorded
    assert len(world.app.rules.current.rules) == 4  # the rules in force are untouched


async def test_invalid_file_is_one_line_with_line_and_key(admins: Admins) -> None:
    world = admins.world
    broken = b"version: 1\nrules:\n  - id: toxic\n    when: {score: {label: toxicity, min: 2}}\n    actions: [delete]\n"

    text = answer(await admins.admin.slash(world.thread, "rules preview", file=("bad.yaml", broken)))

    assert "\n" not in text and text.startswith("Not previewed: bad.yaml:4: ")
    assert "rules[0].when.score.min" in text


async def test_unparsable_yaml_is_one_line_too(admins: Admins) -> None:
    text = answer(await admins.admin.slash(admins.world.thread, "rules preview", file=("x.yaml", b"rules: [a\n")))
    assert "\n" not in text and text.startswith("Not previewed: x.yaml:")


async def test_oversize_upload_is_refused(admins: Admins) -> None:
    data = b"# padding\n" * (MAX_UPLOAD // 10 + 1)
    text = answer(await admins.admin.slash(admins.world.thread, "rules preview", file=("big.yaml", data)))
    assert text == "Not previewed: big.yaml is larger than 256 KB; a rules file is a few KB."


async def test_preview_needs_manage_server(admins: Admins) -> None:
    world = admins.world
    refused = answer(await world.mod.slash(world.thread, "rules preview", file=("s.yaml", STRICTER)))
    assert "Manage Server" in refused  # a moderator (Manage Messages) sees the group, not this command's right
    await assert_refused(world, world.bob, "rules preview", file=("s.yaml", STRICTER))


async def test_stats_lists_calibration_per_score_rule(world: World) -> None:
    await world.alice.send(world.thread, "garbage take")  # toxic-review flags it
    await world.mod.click(world.review.last_message, label="Remove")  # type: ignore[arg-type]

    text = answer(await world.mod.slash(world.thread, "stats", period="1d"))

    assert "Calibration (moderators' verdicts, all time; 95 % interval):" in text
    assert ("- `toxic-review` (toxicity ≥ 0.60): precision 1.00 [0.21, 1.00] on 1 verdicts; "
            "too few verdicts to suggest a min (1 < 30)") in text
    assert "- `toxic` (toxicity ≥ 0.90): no verdicts yet" in text
    assert "`threats` (threat ≥ 0.80)" in text
