-- Moderator notes on cases, and the last message processed per channel for catch-up after a restart.
CREATE TABLE case_notes (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    author_id   INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX case_notes_by_case ON case_notes (case_id);

CREATE TABLE channel_cursors (
    channel_id       INTEGER PRIMARY KEY,
    last_message_id  INTEGER NOT NULL
);
