-- Heat control's undos (bot/moderation/timed.py): a thread a heat case locked for 2h is unlocked when due, also
-- after a restart; a slowmode it set goes back to the delay the thread had before when the case is reversed.
-- One row per undo. `due_at` NULL: run only when the case is reversed. `done_at` is set once the undo ran, was
-- cancelled (the action it undoes was never applied) or ran early because the case was reversed; `outcome` says
-- which ('done', 'reversed', 'cancelled: ...') or what failed.
CREATE TABLE timed_actions (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    channel_id  INTEGER NOT NULL,                   -- the thread
    kind        TEXT    NOT NULL CHECK (kind IN ('unlock', 'slowmode_reset')),
    value       INTEGER,                            -- slowmode_reset: the delay before, in seconds
    due_at      TEXT,                               -- ISO 8601, UTC
    done_at     TEXT,
    outcome     TEXT
);
CREATE INDEX timed_actions_pending ON timed_actions (done_at, due_at);
CREATE INDEX timed_actions_by_case ON timed_actions (case_id);
