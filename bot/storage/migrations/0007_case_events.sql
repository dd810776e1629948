-- Every later change to a case is itself an entry of the hash chain (see bot/storage/audit.py).
-- The chain is cases and case events together, ordered by `seq` (1, 2, 3, ... without gaps); each entry
-- stores the hash of the entry before it. A case event carries the case's mutable fields as they are after
-- it (`state`), so `modbot cases verify` can compare every case row with its last event. `chain_head` is
-- the last entry, read in O(1) when the next one is appended. Existing cases get their place and, where
-- their state is not the initial one, a `migrated` event: the Python step of this migration
-- (bot/storage/case_events.py: backfill) writes those.
ALTER TABLE cases ADD COLUMN seq INTEGER;
UPDATE cases SET seq = ranked.n
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM cases) AS ranked
WHERE cases.id = ranked.id;
CREATE UNIQUE INDEX cases_by_seq ON cases (seq);

CREATE TABLE case_events (
    seq         INTEGER PRIMARY KEY,                -- place in the chain
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    kind        TEXT    NOT NULL
                CHECK (kind IN ('shadow', 'enforced', 'reversed', 'note', 'erased', 'migrated')),
    created_at  TEXT    NOT NULL,
    state       TEXT    NOT NULL,                   -- JSON: the case's mutable fields after this event
    detail      TEXT    NOT NULL DEFAULT '{}',      -- JSON: what else the event records (a note's digest)
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL UNIQUE
);
CREATE INDEX case_events_by_case ON case_events (case_id, seq);

CREATE TABLE chain_head (
    one   INTEGER PRIMARY KEY CHECK (one = 1),
    seq   INTEGER NOT NULL,                         -- entries in the chain
    hash  TEXT    NOT NULL
);

CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case events are never deleted');
END;
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case events are never changed; append a new one');
END;
