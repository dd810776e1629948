"""`cases verify`: the walk of the whole hash chain over a database file, in one pass or in stretches.

A file is read on read-only connections of its own (one snapshot each). A chain of `SPLIT_FROM` entries or more
is cut into stretches by `seq`: the calling thread walks the first, one worker process each the others, each
from the position the one-pass walk would reach there, and their parts are joined in chain order, so the report
is the one-pass walk's. `bot.storage.audit.ChainVerifier` holds every check; this module only feeds it rows.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import multiprocessing.context
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.records import ChainHead
from bot.storage import audit

_CASE_SELECT = (  # sql-audited: built from constant column names
    "SELECT " + ", ".join(f"c.{name}" for name in audit.CASE_COLUMNS)  # noqa: S608
    + ", (SELECT e.state FROM case_events e WHERE e.case_id = c.id ORDER BY e.seq DESC LIMIT 1)"
    + " FROM cases c"
)
VERIFY_CASES = _CASE_SELECT + " ORDER BY c.seq, c.id"
_EVENT_SELECT = "SELECT " + ", ".join(audit.EVENT_COLUMNS) + " FROM case_events"  # noqa: S608
VERIFY_EVENTS = _EVENT_SELECT + " ORDER BY seq"
VERIFY_NOTES = "SELECT id, case_id, author_id, body, created_at FROM case_notes"
VERIFY_HEAD = "SELECT seq, hash FROM chain_head WHERE one = 1"
_CHUNK = 4096
# One stretch of the chain, lo <= seq < hi (cases_by_seq, the events' primary key). The sequential walk puts
# the cases without a seq first and those with a text or blob seq last (SQLite sorts NULL, numbers, text, blob):
# the first and the last stretch take them.
_SPAN_CASES = _CASE_SELECT + " WHERE c.seq >= ? AND c.seq < ? ORDER BY c.seq, c.id"  # sql-audited: constant pieces
_SPAN_EVENTS = _EVENT_SELECT + " WHERE seq >= ? AND seq < ? ORDER BY seq"  # sql-audited: constant pieces
_UNPLACED_CASES = _CASE_SELECT + " WHERE c.seq IS NULL ORDER BY c.id"  # sql-audited: constant pieces
_TEXT_SEQ_CASES = _CASE_SELECT + " WHERE c.seq >= '' ORDER BY c.seq, c.id"  # sql-audited: constant pieces
# The position of the walk just before a stretch: the last entry (on a tie the event, fed after the case) ...
_LAST_CASE_BEFORE = "SELECT seq, hash FROM cases WHERE seq < ? AND typeof(seq) = 'integer' ORDER BY seq DESC LIMIT 1"
_LAST_EVENT_BEFORE = "SELECT seq, hash FROM case_events WHERE seq < ? ORDER BY seq DESC LIMIT 1"
# ... and the last case fed (a case without a seq comes before every other)
_LAST_ID_BEFORE = "SELECT id FROM cases WHERE seq < ? ORDER BY seq DESC, id DESC LIMIT 1"
_LAST_UNPLACED_ID = "SELECT MAX(id) FROM cases WHERE seq IS NULL"
_TOP_SEQS = ("SELECT (SELECT seq FROM cases WHERE seq < '' ORDER BY seq DESC LIMIT 1),"  # numbers sort before text
             " (SELECT MAX(seq) FROM case_events)")
SPLIT_FROM = 100_000  # chain entries: a shorter chain is walked in one pass (starting processes costs more)
MAX_WORKERS = 4


def feed(verifier: audit.ChainVerifier, cases: Iterable[Sequence[Any]], events: Iterable[Sequence[Any]]) -> None:
    """Give `verifier` both row streams merged in chain (`seq`) order; a case without a seq goes where it sorts."""
    case, event = verifier.case, verifier.event
    later = iter(events)
    pending = next(later, None)
    for row in cases:
        seq = row[0]
        while pending is not None and seq is not None and pending[0] < seq:
            event(pending)
            pending = next(later, None)
        case(row)
    if pending is not None:
        event(pending)
        for pending in later:
            event(pending)


def _rows(cursor: sqlite3.Cursor) -> Iterator[Any]:
    cursor.arraysize = _CHUNK
    return itertools.chain.from_iterable(iter(cursor.fetchmany, []))


_VERIFY_MMAP = 2_147_418_112  # SQLite's default ceiling: pages read in place, not copied through its 2 MiB cache


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    conn.execute(f"PRAGMA mmap_size = {_VERIFY_MMAP}")  # sql-audited: an int constant; 3-5% faster at 100k
    conn.execute("BEGIN")  # one snapshot for every query on it
    return conn


@dataclass(frozen=True, slots=True)
class _Span:
    """One stretch of the chain for one walker: lo <= seq < hi, and where the whole walk stands before it."""

    lo: float
    hi: int
    first: bool
    last: bool
    start: audit.ChainPosition


def _position_before(conn: sqlite3.Connection, lo: int) -> audit.ChainPosition:
    """Where the sequential walk stands when it reaches seq `lo` (ChainVerifier._link and .case, in SQL)."""
    case = conn.execute(_LAST_CASE_BEFORE, (lo,)).fetchone()
    event = conn.execute(_LAST_EVENT_BEFORE, (lo,)).fetchone()
    last = event if case is None or (event is not None and event[0] >= case[0]) else case
    last_id = conn.execute(_LAST_ID_BEFORE, (lo,)).fetchone() or conn.execute(_LAST_UNPLACED_ID).fetchone()
    next_id = None if last_id is None or last_id[0] is None else int(last_id[0]) + 1
    if last is None:
        return audit.ChainPosition(next_id=next_id)
    return audit.ChainPosition(last[1] if isinstance(last[1], str) else "", int(last[0]) + 1, next_id)


def _spans(conn: sqlite3.Connection, recorded: ChainHead | None, split_from: int, workers: int) -> list[_Span]:
    """[1, head] cut into `workers` stretches of seq (one when the chain is short): the last one ends at the last
    entry of this snapshot, so what the bot appends meanwhile is in none."""
    seqs = conn.execute(_TOP_SEQS).fetchone()
    top = max(recorded.entries if recorded else 0, *(seq for seq in seqs if seq is not None))
    entries = recorded.entries if recorded else top
    if workers < 2 or entries < split_from or not (isinstance(top, int) or math.isfinite(top)) or top >= 2**62:
        return []  # a short chain, or a seq no stretch can bound (edited in): one walk
    cuts = [1 + int(entries) * index // workers for index in range(1, workers)]
    bounds = [-math.inf, *cuts, math.floor(top) + 1]
    return [_Span(bounds[index], int(bounds[index + 1]), index == 0, index == workers - 1,
                  _position_before(conn, int(bounds[index])) if index else audit.ChainPosition())
            for index in range(workers)]


def _walk_span(conn: sqlite3.Connection, witness: ChainHead | None, span: _Span) -> audit.ChainPart:
    verifier = audit.ChainVerifier(witness, span.start)
    events = conn.execute(_SPAN_EVENTS, (span.lo, span.hi))
    cases: list[Iterable[Any]] = [_rows(conn.execute(_UNPLACED_CASES))] if span.first else []
    cases.append(_rows(conn.execute(_SPAN_CASES, (span.lo, span.hi))))
    if span.last:
        cases.append(_rows(conn.execute(_TEXT_SEQ_CASES)))
    feed(verifier, itertools.chain.from_iterable(cases), events)
    return verifier.part()


def _verify_span(path: Path, witness: ChainHead | None, span: _Span) -> audit.ChainPart:
    """One stretch of `verify_file`, in a worker process, on a read-only connection of its own."""
    conn = _connect(path)
    try:
        return _walk_span(conn, witness, span)
    finally:
        conn.close()


def _cpus() -> int:
    """The cores this process may run on (a container's cpuset, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers start from a fresh interpreter, never a fork of the bot (it has threads and an event loop)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])  # later walks fork from a server that imported this already
        return context
    return multiprocessing.get_context("spawn")


def _walk_spans(conn: sqlite3.Connection, path: Path, witness: ChainHead | None,
                spans: list[_Span]) -> list[audit.ChainPart] | None:
    """The parts of `spans`: this thread walks the first, one worker process each the others; None when no
    worker could run (a `__main__` without its `if __name__ == "__main__"` guard, no processes allowed here)."""
    try:
        with ProcessPoolExecutor(len(spans) - 1, mp_context=_pool_context()) as pool:
            later = [pool.submit(_verify_span, path, witness, span) for span in spans[1:]]
            first = _walk_span(conn, witness, spans[0])
            return [first, *(part.result() for part in later)]
    except (BrokenProcessPool, OSError):
        return None  # the caller walks the whole chain in one pass instead


def verify_file(path: Path, witness: ChainHead | None, split_from: int = SPLIT_FROM,
                workers: int | None = None) -> audit.ChainReport:
    """`CaseRepository.verify` on a read-only connection of its own (run in a thread).

    A chain of `split_from` entries or more is cut into stretches by seq: this thread walks the first, one
    worker process each the others (each on a connection of its own, the bot's GIL is not theirs), from the
    position this snapshot says the walk reaches there; their parts are joined in chain order."""
    conn = _connect(path)
    try:
        row = conn.execute(VERIFY_HEAD).fetchone()
        recorded = ChainHead(int(row[0]), str(row[1])) if row else None
        notes = conn.execute(VERIFY_NOTES).fetchall()
        spans = _spans(conn, recorded, split_from, workers or min(_cpus(), MAX_WORKERS))
        parts = _walk_spans(conn, path, witness, spans) if spans else None
        verifier = audit.ChainVerifier(witness)
        if parts is None:
            feed(verifier, _rows(conn.execute(VERIFY_CASES)), conn.execute(VERIFY_EVENTS))
        else:
            for part in parts:
                verifier.join(part)
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    verifier.notes(notes)
    return verifier.finish(recorded)
