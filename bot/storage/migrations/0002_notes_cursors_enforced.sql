-- Moderator notes on cases; the last message processed per channel (catch-up after a restart);
-- and whether a case's actions were carried out (a crash between recording and acting is retried).
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

ALTER TABLE cases ADD COLUMN enforced INTEGER NOT NULL DEFAULT 0;
