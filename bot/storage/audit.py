"""The hash chain over the case log, and verifying it.

The chain is every case and every case event, in `seq` order (1, 2, 3, ...); each entry stores the hash of
the entry before it, so deleting, inserting or reordering entries breaks it, and an earlier head (`#N hash`,
posted somewhere the database cannot reach) shows a chain that was cut short or rewritten.

A case's hash covers what was decided (guild, number, time, channel, message, actor, rule, actions, reason,
scores, model, variant) plus `subject_digest`, a salted digest of the user id and the text.
What changes later (enforcement, reversal, notes, erasure, a shadow case's status) is never an edit alone:
each change appends a case event whose `state` holds the case's mutable fields after it. Verifying compares
every case row with the state of its last event (the initial state when it has none), so an edit of the row
alone is found; a missing salt is valid only after a recorded erasure, and then the text (and, for
`forget`, the user id) must be gone too.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from bot.records import ChainHead

GENESIS = "0" * 64
_COVERED = (
    "id", "guild_id", "number", "created_at", "channel_id", "message_id", "actor", "actor_id", "rule_id",
    "actions", "reason", "scores", "model_name", "model_version", "model_fallback", "variant",
)
EVENT_KINDS = frozenset({"shadow", "enforced", "reversed", "note", "erased", "migrated"})
_PLAIN_KINDS = EVENT_KINDS - {"note"}  # the kinds whose check is the hash alone
ERASED_TEXT = "text"  # `purge`: the text is gone, the user id stays (checked against `user_digest`)
ERASED_USER = "user"  # `forget`: text, user id and salt are gone

_COVERED_SORTED = tuple(sorted(_COVERED))
# One encoder each, built once: json.dumps with arguments builds a new encoder on every call. The case hash
# is the JSON of [prev, subject, {covered fields with sorted keys}]; the dict is built in sorted order, so an
# encoder that does not sort writes the same text, faster.
_CASE_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_EVENT_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)

# The columns `verify` reads for each case, in this order (then the state of its last event).
CASE_COLUMNS = (
    "seq", "hash", "prev_hash", "salt", "subject_digest", "user_id", "text", "status", "enforced", "applied",
    "errors", "notified", "reversed_by", "reversed_at", "reverse_reason", "erased_at", *_COVERED_SORTED,
)
EVENT_COLUMNS = ("seq", "case_id", "kind", "created_at", "state", "detail", "prev_hash", "hash")
(_SEQ, _HASH, _PREV, _SALT, _SUBJECT, _USER, _TEXT, _STATUS, _ENFORCED, _APPLIED, _ERRORS, _NOTIFIED,
 _REV_BY, _REV_AT, _REV_REASON, _ERASED_AT) = range(16)
_COVERED_AT = 16
_ID, _NUMBER = _COVERED_AT + _COVERED_SORTED.index("id"), _COVERED_AT + _COVERED_SORTED.index("number")
_CASE_STATE = len(CASE_COLUMNS)


def new_salt() -> str:
    return secrets.token_hex(16)


def subject_digest(salt: str, user_id: int, text: str | None) -> str:
    return hashlib.sha256(f"{salt}\x1f{user_id}\x1f{text or ''}".encode()).hexdigest()


def case_hash(row: Mapping[str, Any], subject: str, prev_hash: str) -> str:
    payload = case_payload(prev_hash, subject, [row[name] for name in _COVERED_SORTED])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def case_payload_json(prev_hash: Any, subject: Any, covered: Sequence[Any]) -> str:
    """The text a case's hash is taken over: the JSON of [prev, subject, {covered columns, sorted keys}]."""
    return _CASE_JSON.encode([prev_hash, subject, dict(zip(_COVERED_SORTED, covered, strict=True))])


_string = json.encoder.encode_basestring  # the string encoder of an ensure_ascii=False JSONEncoder (C when built)


def _value(value: Any) -> str:
    """One JSON value as _CASE_JSON writes it inside the payload (None, floats, anything unusual)."""
    return "null" if value is None else _CASE_JSON.encode(value)


def case_payload(prev_hash: Any, subject: Any, covered: Sequence[Any]) -> str:
    """`case_payload_json`, byte for byte, written out by hand: 5x faster, and `cases verify` runs it once per case.
    Strings go through the JSON encoder's own string encoder and ints through `int.__repr__` (both what
    `_CASE_JSON` uses); any other value (None, a float or bool edited in) through `_CASE_JSON` itself.
    tests/storage/test_audit_payload.py compares the two on generated rows."""
    (actions, actor, actor_id, channel_id, created_at, guild_id, id_, message_id, model_fallback, model_name,
     model_version, number, reason, rule_id, scores, variant) = covered
    s, v = _string, _value
    return (
        f'[{s(prev_hash) if type(prev_hash) is str else v(prev_hash)},'
        f'{s(subject) if type(subject) is str else v(subject)},'
        f'{{"actions":{s(actions) if type(actions) is str else v(actions)},'
        f'"actor":{s(actor) if type(actor) is str else v(actor)},'
        f'"actor_id":{int.__repr__(actor_id) if type(actor_id) is int else v(actor_id)},'
        f'"channel_id":{int.__repr__(channel_id) if type(channel_id) is int else v(channel_id)},'
        f'"created_at":{s(created_at) if type(created_at) is str else v(created_at)},'
        f'"guild_id":{int.__repr__(guild_id) if type(guild_id) is int else v(guild_id)},'
        f'"id":{int.__repr__(id_) if type(id_) is int else v(id_)},'
        f'"message_id":{int.__repr__(message_id) if type(message_id) is int else v(message_id)},'
        f'"model_fallback":{int.__repr__(model_fallback) if type(model_fallback) is int else v(model_fallback)},'
        f'"model_name":{s(model_name) if type(model_name) is str else v(model_name)},'
        f'"model_version":{s(model_version) if type(model_version) is str else v(model_version)},'
        f'"number":{int.__repr__(number) if type(number) is int else v(number)},'
        f'"reason":{s(reason) if type(reason) is str else v(reason)},'
        f'"rule_id":{s(rule_id) if type(rule_id) is str else v(rule_id)},'
        f'"scores":{s(scores) if type(scores) is str else v(scores)},'
        f'"variant":{s(variant) if type(variant) is str else v(variant)}}}]'
    )


assert _COVERED_SORTED == (  # the order case_payload writes them in
    "actions", "actor", "actor_id", "channel_id", "created_at", "guild_id", "id", "message_id", "model_fallback",
    "model_name", "model_version", "number", "reason", "rule_id", "scores", "variant",
)


def encode(value: Any) -> str:
    """Canonical JSON for event state and detail: sorted keys, no spaces, ASCII only."""
    return _EVENT_JSON.encode(value)


def event_hash(prev_hash: str, seq: int, case_id: int, kind: str, created_at: str, state: str, detail: str) -> str:
    """Fields joined by US (0x1f): none can hold one (state and detail are canonical JSON, which escapes
    control characters; `ChainVerifier.event` refuses a kind or time that does)."""
    payload = f"{prev_hash}\x1f{seq}\x1f{case_id}\x1f{kind}\x1f{created_at}\x1f{state}\x1f{detail}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def note_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def initial_state() -> dict[str, Any]:
    """The mutable fields of a case as `_insert_case` writes them (a shadow case adds a `shadow` event)."""
    return {
        "status": "active", "enforced": False, "applied": [], "errors": [], "notified": None,
        "reversed_by": None, "reversed_at": None, "reverse_reason": None,
        "erased": None, "erased_at": None, "user_digest": None,
    }


_INITIAL_STATE_TEXT = encode(initial_state())


def row_values(state: Mapping[str, Any]) -> dict[str, Any]:
    """The case-row columns that hold `state`, as the writers store them."""
    notified = state["notified"]
    return {
        "status": state["status"],
        "enforced": int(bool(state["enforced"])),
        "applied": json.dumps(list(state["applied"])),
        "errors": json.dumps(list(state["errors"])),
        "notified": None if notified is None else int(bool(notified)),
        "reversed_by": state["reversed_by"],
        "reversed_at": state["reversed_at"],
        "reverse_reason": state["reverse_reason"],
        "erased_at": state["erased_at"],
    }


@dataclass(frozen=True, slots=True)
class ChainProblem:
    case_id: int | None
    number: int | None
    problem: str

    def __str__(self) -> str:
        if self.case_id is None:
            return self.problem
        number = f"case #{self.number}" if self.number is not None else "a case"
        return f"{number} (id {self.case_id}): {self.problem}"


@dataclass(frozen=True, slots=True)
class ChainReport:
    cases: int
    head: ChainHead
    problems: list[ChainProblem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ChainPosition:
    """Where a walk stands after some entries: the hash of the last one, the seq after the highest one, the id
    after the last case (None before any case). A walk that starts mid-chain starts from the position the walk
    from the start would have reached there."""

    previous: str = GENESIS
    next_seq: int = 1
    next_id: int | None = None


@dataclass(frozen=True, slots=True)
class ChainPart:
    """What a walk over one stretch of the chain found (`ChainVerifier.part`), for `ChainVerifier.join`: its
    problems in walk order, its cases, the notes its events recorded (in the order first recorded), the hash it
    saw at the witnessed entry (None when that entry is not in the stretch) and where it ended."""

    cases: int
    problems: tuple[ChainProblem, ...]
    notes: tuple[tuple[Any, tuple[Any, ...]], ...]
    witness_seen: str | None
    end: ChainPosition


def _expected_row(state_text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The case-row columns status..erased_at that `state_text` stands for, and the state itself."""
    state = json.loads(state_text)
    values = row_values(state)
    return tuple(values[name] for name in CASE_COLUMNS[_STATUS:_ERASED_AT + 1]), state


def _json_list_matches(stored: Any, expected: Sequence[Any]) -> bool:
    if stored == json.dumps(list(expected)):
        return True
    try:
        return bool(json.loads(stored) == list(expected))
    except (TypeError, ValueError):
        return False


class ChainVerifier:
    """Walks the chain entry by entry (cases and events merged in `seq` order) and collects every problem.

    Each case row comes with the `state` of its last event (None when it has none); `finish` compares the
    end of the chain with the recorded `chain_head` and with a head witnessed earlier.

    The walk can be split by chain position: a verifier started at `start` (the position the whole walk reaches
    just before its stretch) walks one stretch and hands back its `part`; one verifier `join`s the parts in chain
    order, then checks the notes and `finish`es, with the report the whole walk would have given."""

    def __init__(self, witness: ChainHead | None = None, start: ChainPosition | None = None) -> None:
        self.problems: list[ChainProblem] = []
        self.cases = 0
        start = start or ChainPosition()
        self._previous = start.previous
        self._next_seq = start.next_seq
        self._next_id: int | None = start.next_id
        self._witness = witness
        self._witness_seen: str | None = None
        self._notes: dict[Any, tuple[Any, ...]] = {}  # note id -> what its event recorded
        # Most cases share a handful of states (enforced the same way, never reversed): parse each once.
        self._states: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}

    def _report(self, case_id: int | None, number: int | None, problem: str) -> None:
        self.problems.append(ChainProblem(case_id, number, problem))

    def _link(self, seq: Any, prev_hash: Any, entry_hash: Any, case_id: int | None, number: int | None) -> None:
        if not isinstance(seq, int):
            self._report(case_id, number, "has no place in the chain (seq is missing)")
            return
        if seq > self._next_seq:
            missing = f"#{self._next_seq}" if seq == self._next_seq + 1 else f"#{self._next_seq}..#{seq - 1}"
            self._report(case_id, number, f"chain entries {missing} before it are missing (deleted)")
        elif seq < self._next_seq:
            self._report(case_id, number, f"shares its place #{seq} in the chain with another entry")
        if prev_hash != self._previous:
            self._report(case_id, number, "does not follow the previous chain entry (deleted or reordered)")
        if self._witness is not None and seq == self._witness.entries:
            self._witness_seen = entry_hash if isinstance(entry_hash, str) else ""
        self._next_seq = max(self._next_seq, seq + 1)
        self._previous = entry_hash if isinstance(entry_hash, str) else ""

    def case(self, row: Sequence[Any]) -> None:
        self.cases += 1
        case_id, number = int(row[_ID]), row[_NUMBER]
        if self._next_id is not None and case_id != self._next_id:
            self._report(case_id, number, f"ids {self._next_id}..{case_id - 1} are missing (deleted)")
        self._next_id = case_id + 1
        seq, entry_hash = row[_SEQ], row[_HASH]
        if (type(seq) is int and seq == self._next_seq and row[_PREV] == self._previous and type(entry_hash) is str
                and self._witness is None):
            self._next_seq, self._previous = seq + 1, entry_hash  # the common case of _link, inline
        else:
            self._link(seq, row[_PREV], entry_hash, case_id, number)
        if row[_HASH] is None:
            self._report(case_id, number, "has no hash")
        else:
            try:
                payload = case_payload(row[_PREV], row[_SUBJECT], row[_COVERED_AT:_CASE_STATE])
            except (TypeError, ValueError):  # a value JSON cannot hold (a blob) was written into a column
                payload = ""
            if sha256(payload.encode("utf-8")).hexdigest() != row[_HASH]:
                self._report(case_id, number, "recorded decision was edited")
        state_text = row[_CASE_STATE]
        if state_text is None:
            state_text = _INITIAL_STATE_TEXT
        known = self._states.get(state_text)
        if known is None:
            try:
                known = _expected_row(state_text)
            except (KeyError, TypeError, ValueError, AttributeError):
                self._report(case_id, number, "its last case event is unreadable")
                return
            if len(self._states) > 50_000:
                self._states.clear()
            self._states[state_text] = known
        expected, state = known
        if row[_STATUS:_ERASED_AT + 1] != expected:
            self._check_state(row, state, case_id, number)
        salt, user_id = row[_SALT], row[_USER]
        if not (state["erased"] is None and type(salt) is str and type(user_id) is int
                and sha256(f"{salt}\x1f{user_id}\x1f{row[_TEXT] or ''}".encode()).hexdigest() == row[_SUBJECT]):
            self._check_subject(row, state, case_id, number)  # the common case (nothing erased, intact) is inline

    def _check_state(self, row: Sequence[Any], state: Mapping[str, Any], case_id: int, number: int | None) -> None:
        edited: list[str] = []
        if row[_STATUS] != state["status"]:
            edited.append(f"status ({row[_STATUS]!r}, its events say {state['status']!r})")
        if row[_ENFORCED] != int(bool(state["enforced"])):
            edited.append("enforced")
        if not _json_list_matches(row[_APPLIED], state["applied"]):
            edited.append("applied")
        if not _json_list_matches(row[_ERRORS], state["errors"]):
            edited.append("errors")
        notified = state["notified"]
        if row[_NOTIFIED] != (None if notified is None else int(bool(notified))):
            edited.append("notified")
        if row[_REV_BY] != state["reversed_by"] or row[_REV_AT] != state["reversed_at"]:
            edited.append("reversal")
        if row[_REV_REASON] != state["reverse_reason"]:
            edited.append("reverse reason")
        if row[_ERASED_AT] != state["erased_at"]:
            edited.append("erased_at")
        if edited:
            self._report(case_id, number, f"changed without a recorded event: {', '.join(edited)}")

    def _check_subject(self, row: Sequence[Any], state: Mapping[str, Any], case_id: int, number: int | None) -> None:
        salt, user_id, text = row[_SALT], row[_USER], row[_TEXT]
        erased = state["erased"]
        if erased is None:
            if not isinstance(salt, str):
                self._report(case_id, number, "user or text was edited (the salt is gone, no erasure was recorded)")
            elif not isinstance(user_id, int) or subject_digest(salt, user_id, text) != row[_SUBJECT]:
                self._report(case_id, number, "user or text was edited")
        elif erased == ERASED_TEXT:
            if text is not None:
                self._report(case_id, number, "user or text was edited (text is back after it was erased)")
            elif (not isinstance(salt, str) or not isinstance(user_id, int)
                  or subject_digest(salt, user_id, None) != state["user_digest"]):
                self._report(case_id, number, "user or text was edited (after its text was erased)")
        elif erased == ERASED_USER:
            if text is not None or salt is not None or user_id != 0:
                self._report(case_id, number, "user or text was edited (after the user was forgotten)")
        else:
            self._report(case_id, number, f"its last case event names an unknown erasure {erased!r}")

    def event(self, row: Sequence[Any]) -> None:
        seq, case_id, kind, created_at, state, detail, prev_hash, entry_hash = row
        if (type(seq) is int and seq == self._next_seq and prev_hash == self._previous and type(entry_hash) is str
                and self._witness is None):
            self._next_seq, self._previous = seq + 1, entry_hash  # the common case of _link, inline
        else:
            self._link(seq, prev_hash, entry_hash, None, None)
        if (kind in _PLAIN_KINDS and type(prev_hash) is str and type(created_at) is str and type(state) is str
                and type(detail) is str and type(case_id) is int and "\x1f" not in created_at
                and "\x1f" not in state and "\x1f" not in detail
                and sha256(f"{prev_hash}\x1f{seq}\x1f{case_id}\x1f{kind}\x1f{created_at}\x1f{state}\x1f{detail}"
                           .encode()).hexdigest() == entry_hash):
            return  # intact, and no note to remember: the common case, inline
        where = f"case event #{seq} (case id {case_id})"
        if kind not in EVENT_KINDS:
            self._report(None, None, f"{where}: unknown kind {kind!r}")
        if not (type(prev_hash) is str and type(created_at) is str and type(state) is str
                and type(detail) is str and type(entry_hash) is str and type(case_id) is int):
            self._report(None, None, f"{where}: has missing fields")
        elif "\x1f" in created_at or "\x1f" in state or "\x1f" in detail:
            self._report(None, None, f"{where}: was edited (a field holds a separator)")
        elif event_hash(prev_hash, seq, case_id, kind, created_at, state, detail) != entry_hash:
            self._report(None, None, f"{where}: was edited")
        if kind == "note":
            try:
                recorded = json.loads(detail)
                key = recorded["note_id"]
                self._notes[key] = (case_id, recorded["author_id"], recorded["created_at"], recorded["body_sha256"])
            except (KeyError, TypeError, ValueError):
                self._report(None, None, f"{where}: the note it records is unreadable")

    def part(self) -> ChainPart:
        """What this walk found so far, and where it stands (it has not checked the notes, nor finished)."""
        return ChainPart(self.cases, tuple(self.problems), tuple(self._notes.items()), self._witness_seen,
                         ChainPosition(self._previous, self._next_seq, self._next_id))

    def join(self, part: ChainPart) -> None:
        """Carry on as if this verifier had walked `part`'s stretch itself (parts are joined in chain order)."""
        self.cases += part.cases
        self.problems.extend(part.problems)
        self._notes.update(part.notes)
        if part.witness_seen is not None:
            self._witness_seen = part.witness_seen
        self._previous, self._next_seq, self._next_id = part.end.previous, part.end.next_seq, part.end.next_id

    def notes(self, rows: Sequence[Sequence[Any]]) -> None:
        """Every note (id, case_id, author_id, body, created_at) must be the one its event recorded."""
        for note_id, case_id, author_id, body, created_at in rows:
            recorded = self._notes.pop(note_id, None)
            digest = note_digest(body) if isinstance(body, str) else None
            if recorded is None:
                self._report(None, None, f"note {note_id} on case id {case_id} was added without a recorded event")
            elif recorded != (case_id, author_id, created_at, digest):
                self._report(None, None, f"note {note_id} on case id {case_id} was edited")
        for note_id, recorded in sorted(self._notes.items(), key=lambda item: str(item[0])):
            self._report(None, None, f"note {note_id} on case id {recorded[0]} was deleted")
        self._notes.clear()

    def finish(self, recorded: ChainHead | None) -> ChainReport:
        head = ChainHead(self._next_seq - 1, self._previous if self._next_seq > 1 else GENESIS)
        if recorded is None:
            self._report(None, None, "the chain head is not recorded (chain_head is empty)")
        elif recorded != head:
            self._report(None, None, f"the chain ends at {head} but its recorded head is {recorded} "
                                     "(entries were removed from the end, or the head was edited)")
        witness = self._witness
        if witness is not None:
            if witness.entries > head.entries:
                self._report(None, None, f"entry #{witness.entries} of the witnessed head is missing: the chain "
                                         f"ends at #{head.entries} (cut short)")
            elif witness.entries > 0 and self._witness_seen != witness.hash:
                self._report(None, None, f"entry #{witness.entries} has hash {self._witness_seen}, not the "
                                         f"witnessed {witness.hash} (the chain was rewritten)")
        return ChainReport(self.cases, head, self.problems)

