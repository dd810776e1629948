-- Cases: every decision that did more than allow, numbered per guild.
CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    number          INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,               -- ISO 8601, UTC
    user_id         INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    message_id      INTEGER,
    actor           TEXT    NOT NULL CHECK (actor IN ('auto', 'moderator')),
    actor_id        INTEGER,                        -- the moderator, or NULL for the bot
    rule_id         TEXT,
    actions         TEXT    NOT NULL,               -- JSON list: ["delete", "timeout 1h"]
    reason          TEXT    NOT NULL,
    text            TEXT,                           -- snapshot of the message
    scores          TEXT    NOT NULL DEFAULT '{}',  -- JSON object label -> score
    model_name      TEXT,
    model_version   TEXT,
    model_fallback  INTEGER NOT NULL DEFAULT 0,
    variant         TEXT CHECK (variant IN ('raw', 'normalized')),
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'shadow', 'reversed')),
    notified        INTEGER,                        -- 1 DM arrived, 0 it did not, NULL none was due
    errors          TEXT    NOT NULL DEFAULT '[]',  -- JSON list of what failed on Discord
    applied         TEXT    NOT NULL DEFAULT '[]',  -- JSON list of the actions that succeeded
    reversed_by     INTEGER,
    reversed_at     TEXT,
    reverse_reason  TEXT,
    UNIQUE (guild_id, number)
);
CREATE INDEX cases_by_user ON cases (guild_id, user_id, created_at);
CREATE INDEX cases_by_time ON cases (created_at);

-- Strikes feed escalation ("3 in 24 h -> timeout").
CREATE TABLE strikes (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    case_id     INTEGER REFERENCES cases (id),
    created_at  TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX strikes_by_user ON strikes (guild_id, user_id, created_at);

-- Flag decisions wait here for a human; the verdicts calibrate thresholds later.
CREATE TABLE review_items (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    case_id            INTEGER REFERENCES cases (id),
    channel_id         INTEGER NOT NULL,
    message_id         INTEGER,
    user_id            INTEGER NOT NULL,
    text               TEXT,
    status             TEXT NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'approved', 'removed', 'timed_out')),
    review_message_id  INTEGER,
    reviewer_id        INTEGER,
    decided_at         TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX review_items_open ON review_items (guild_id, status);

-- Every message judged, once per content: dedupe of events and edits, catch-up, stats.
CREATE TABLE scored_messages (
    message_id    INTEGER NOT NULL,
    content_hash  TEXT    NOT NULL,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    scored_at     TEXT    NOT NULL,
    model_name    TEXT,
    scores        TEXT,
    decision      TEXT    NOT NULL,
    PRIMARY KEY (message_id, content_hash)
);
CREATE INDEX scored_messages_by_channel ON scored_messages (channel_id, message_id);
