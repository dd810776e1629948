"""The hand-written case payload (`audit.case_payload`, what `cases verify` hashes for every case) is byte for byte
the JSON text the hash chain was defined over (`audit.case_payload_json`): on generated rows with unicode,
control characters, quotes, None, floats, bools and huge ints, and on every case of a real database."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.records import Action, ActionKind, Actor, CaseDraft, ModelInfo
from bot.storage import Database, audit
from bot.storage.bulk import load_cases

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", '"', "\\", "\x00\x1f\x7f", "\u2028\u2029", "é🤡\ufeff", "line\nbreak\ttab\rret\bb\ff", "</script>"])
VALUE = (TEXT | st.none() | st.integers(min_value=-(2**70), max_value=2**70) | st.booleans()
         | st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=1500, deadline=None)
@given(prev=TEXT | st.none(), subject=TEXT | st.none(), covered=st.lists(VALUE, min_size=16, max_size=16))
def test_hand_written_payload_is_the_json(prev: Any, subject: Any, covered: list[Any]) -> None:
    assert audit.case_payload(prev, subject, covered) == audit.case_payload_json(prev, subject, covered)


def test_typical_and_edge_rows() -> None:
    rows: list[list[Any]] = [
        ['["delete", "timeout 1h"]', "auto", None, 1001, "2026-03-01T12:00:00.000000+00:00", 1, 7, 10**15, 0,
         "detoxify/original", "0.5.4", 3, "toxicity 0.93 ≥ 0.90", "toxic", '{"insult": 0.5}', "normalized"],
        ["[]", "moderator", 2**63 - 1, -1, "", 0, 1, None, 1, None, None, 0, "«quoted» \"x\"", None, "{}", None],
        [1.5, math.inf, -math.inf, math.nan, True, False, 0.1 + 0.2, -0.0, 1e300, 5e-324, "\x00", "\ud7ff", "a\\b",
         "\u0085", 10**30, -(10**30)],
    ]
    for covered in rows:
        assert audit.case_payload("0" * 64, "ab" * 32, covered) == audit.case_payload_json("0" * 64, "ab" * 32,
                                                                                           covered)


async def test_every_stored_case_hashes_the_same_both_ways(tmp_path: Path) -> None:
    texts = ["plain", "crétin 🤡", "quote \" back \\ nl \n", "\u2028", ""]
    drafts = [CaseDraft(guild_id=1, user_id=5, channel_id=2, message_id=None if i % 3 else i, actor=Actor.AUTO,
                        actor_id=None if i % 2 else 9, rule_id=None if i % 4 == 0 else "r", reason=texts[i % 5],
                        actions=(Action(ActionKind.DELETE),), text=texts[(i + 1) % 5], scores={"x": i / 7},
                        model=None if i % 5 == 0 else ModelInfo("m", "ü"), created_at=datetime(2026, 1, 1, tzinfo=UTC)
                        + timedelta(seconds=i)) for i in range(50)]
    async with Database.open(tmp_path / "p.db") as db:
        await load_cases(db, drafts)
        columns = ", ".join(audit.CASE_COLUMNS)
        rows = await db.fetch_all(f"SELECT {columns} FROM cases")  # noqa: S608
    start = audit.CASE_COLUMNS.index("actions")
    for row in rows:
        covered = list(row)[start:]
        assert audit.case_payload(row["prev_hash"], row["subject_digest"], covered) == audit.case_payload_json(
            row["prev_hash"], row["subject_digest"], covered)
