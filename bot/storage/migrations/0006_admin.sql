-- Moderators' runtime settings and the appeal workflow:
-- feeds added with /feed add (merged with settings.digest.feeds), exemptions added with /exempt add (merged
-- with the rules file's exempt sets at decision time), and appeals against cases (one open appeal per case).
CREATE TABLE runtime_feeds (
    url         TEXT    PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    name        TEXT,
    guild_id    INTEGER NOT NULL,
    added_by    INTEGER NOT NULL,
    added_at    TEXT    NOT NULL
);

CREATE TABLE exemptions (
    guild_id    INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('role', 'user')),
    target_id   INTEGER NOT NULL,
    added_by    INTEGER NOT NULL,
    added_at    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, kind, target_id)
);

CREATE TABLE appeals (
    id                 INTEGER PRIMARY KEY,
    case_id            INTEGER NOT NULL REFERENCES cases (id),
    user_id            INTEGER NOT NULL,
    body               TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'denied')),
    review_message_id  INTEGER,
    reviewer_id        INTEGER,
    outcome_note       TEXT,
    decided_at         TEXT,
    created_at         TEXT    NOT NULL
);
CREATE UNIQUE INDEX appeals_one_open_per_case ON appeals (case_id) WHERE status = 'open';
CREATE INDEX appeals_by_user ON appeals (user_id, created_at);
