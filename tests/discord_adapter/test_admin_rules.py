"""/rules show, /rules reload (a broken file keeps the old rules), /rules test and /score (no action)."""

from __future__ import annotations

from simcord import InteractionResult

from tests.discord_adapter.conftest import World
from tests.discord_adapter.test_admin_support import Admins, admins, assert_refused
from tests.support import all_cases

__all__ = ["admins"]


def said(result: InteractionResult) -> str:
    assert result.ephemeral
    return result.followups[0].content if result.followups else result.response.content  # type: ignore[union-attr]


async def test_rules_show_lists_the_rules_in_force(world: World) -> None:
    text = said(await world.mod.slash(world.thread, "rules show"))
    assert "(4 rules)" in text and "`threats`" in text and "toxicity 0.90" in text


async def test_broken_rules_file_keeps_the_old_rules_and_lists_the_errors(admins: Admins) -> None:
    world = admins.world
    world.rules_path.write_text(
        "version: 1\nrules:\n  - id: toxic\n    when: {score: {label: toxicity, min: 2}}\n    actions: [explode]\n",
        encoding="utf-8",
    )

    text = said(await admins.admin.slash(world.thread, "rules reload"))

    assert "problem(s)" in text and "the previous rules (4) stay in force" in text
    assert "rules.yaml:4" in text or "rules.yaml:5" in text
    assert len(world.app.rules.current.rules) == 4
    await world.alice.send(world.thread, "idiot")  # still judged by the old rules
    (case,) = await all_cases(world.app.cases)
    assert case.rule_id == "toxic"


async def test_good_rules_file_is_reloaded(admins: Admins) -> None:
    world = admins.world
    world.rules_path.write_text(
        "version: 1\nrules:\n  - id: only\n    when: {score: {label: threat, min: 0.5}}\n    actions: [delete]\n",
        encoding="utf-8",
    )
    text = said(await admins.admin.slash(world.thread, "rules reload"))
    assert "Rules reloaded: 1 rules in force." in text
    await world.alice.send(world.thread, "idiot")
    assert await all_cases(world.app.cases) == []


async def test_rules_reload_needs_manage_server(world: World) -> None:
    result = await world.mod.slash(world.thread, "rules reload")  # Manage Messages only
    assert "Manage Server" in said(result)


async def test_rules_test_and_score_show_the_decision_and_do_nothing(world: World) -> None:
    tested = said(await world.mod.slash(world.thread, "rules test", text="you idiot"))
    scored = said(await world.mod.slash(world.thread, "score", text="a fine article"))

    assert "toxicity 0.97" in tested and "rule `toxic`" in tested and "Model: test/keywords 1" in tested
    assert 'Why: toxicity 0.97: "idiot" +0.95 [occlusion, test/keywords 1]' in tested
    assert "Decision: allow" in scored and "Nothing was done" in scored
    assert await all_cases(world.app.cases) == []
    assert await world.app.storage.messages.count() == 0


async def test_rules_test_says_what_the_model_scored_when_a_homograph_was_read(world: World) -> None:
    tested = said(await world.mod.slash(world.thread, "rules test", text="the cock crowed at dawn"))
    assert "Scored as: `the rooster crowed at dawn`" in tested
    plain = said(await world.mod.slash(world.thread, "rules test", text="a fine article"))
    assert "Scored as" not in plain


async def test_score_refuses_members_without_permission(admins: Admins) -> None:
    await assert_refused(admins.world, admins.world.bob, "score", text="hello")
