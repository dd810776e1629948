-- Verdicts sent to `modbot serve` through Perspective's comments:suggestscore: the scores a client says are
-- right for a comment. They feed calibration. `text` is NULL when the client asked doNotStore or the service
-- keeps no text; `key_id` is a short hash of the API key, never the key. Depends on no other migration's tables.
CREATE TABLE suggested_scores (
    id            INTEGER PRIMARY KEY,
    key_id        TEXT    NOT NULL,
    text          TEXT,
    text_sha256   TEXT    NOT NULL,
    scores        TEXT    NOT NULL,  -- JSON object: attribute -> value in [0, 1]
    languages     TEXT    NOT NULL DEFAULT '',  -- comma-separated language codes
    community_id  TEXT,
    client_token  TEXT,
    created_at    TEXT    NOT NULL
);
CREATE INDEX suggested_scores_by_text ON suggested_scores (text_sha256);
CREATE INDEX suggested_scores_by_time ON suggested_scores (created_at);
