"""The hash chain over the case log, and verifying it.

A case's hash covers what was decided (guild, number, time, channel, message, actor, rule, actions, reason,
scores, model, variant) plus `subject_digest`, a salted digest of the user id and the text, and the previous
case's hash. Editing any of those, or deleting or reordering a case, breaks the chain from there on.
Enforcement results, status and reversal details are not covered: they change legitimately after the fact.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
_COVERED = (
    "id", "guild_id", "number", "created_at", "channel_id", "message_id", "actor", "actor_id", "rule_id",
    "actions", "reason", "scores", "model_name", "model_version", "model_fallback", "variant",
)


def new_salt() -> str:
    return secrets.token_hex(16)


def subject_digest(salt: str, user_id: int, text: str | None) -> str:
    return hashlib.sha256(f"{salt}\x1f{user_id}\x1f{text or ''}".encode()).hexdigest()


def case_hash(row: Mapping[str, Any], subject: str, prev_hash: str) -> str:
    covered = {name: row[name] for name in _COVERED}
    payload = json.dumps([prev_hash, subject, covered], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainProblem:
    case_id: int
    number: int | None
    problem: str

    def __str__(self) -> str:
        number = f"case #{self.number}" if self.number is not None else "a case"
        return f"{number} (id {self.case_id}): {self.problem}"


def verify_rows(rows: list[Mapping[str, Any]]) -> list[ChainProblem]:
    """Walk cases in id order and report every place the chain does not hold."""
    problems: list[ChainProblem] = []
    previous = GENESIS
    expected_id: int | None = None
    for row in rows:
        case_id, number = int(row["id"]), row["number"]
        if expected_id is not None and case_id != expected_id:
            problems.append(ChainProblem(case_id, number, f"ids {expected_id}..{case_id - 1} are missing (deleted)"))
        expected_id = case_id + 1
        if row["hash"] is None:
            problems.append(ChainProblem(case_id, number, "has no hash"))
            continue
        if row["prev_hash"] != previous:
            problems.append(ChainProblem(case_id, number, "does not follow the previous case (deleted or reordered)"))
        if row["salt"] is not None:
            digest = subject_digest(row["salt"], int(row["user_id"]), row["text"])
            if digest != row["subject_digest"]:
                problems.append(ChainProblem(case_id, number, "user or text was edited"))
        if case_hash(row, row["subject_digest"], row["prev_hash"]) != row["hash"]:
            problems.append(ChainProblem(case_id, number, "recorded decision was edited"))
        previous = row["hash"]
    return problems
