-- The article digest: every feed item seen (deduplicated), what was posted where, and each feed's polling state.
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    feed_url      TEXT,                            -- NULL for single URLs and files
    dedupe_key    TEXT    NOT NULL UNIQUE,         -- guid:..., link:<canonical>, or hash:<title+date>
    title         TEXT    NOT NULL,
    link          TEXT,
    published_at  TEXT,                            -- ISO 8601 UTC, NULL when the feed gave none
    seen_at       TEXT    NOT NULL,
    status        TEXT    NOT NULL
                  CHECK (status IN ('seen', 'pending', 'posted', 'skipped', 'failed')),
    detail        TEXT,                            -- why skipped or failed
    posted_at     TEXT,
    channel_id    INTEGER,
    message_id    INTEGER,
    thread_id     INTEGER
);
CREATE INDEX articles_by_feed_posted ON articles (feed_url, posted_at);
CREATE INDEX articles_by_thread ON articles (thread_id);

CREATE TABLE feed_state (
    url             TEXT PRIMARY KEY,
    etag            TEXT,
    last_modified   TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    next_poll_at    TEXT,
    last_error      TEXT,
    last_polled_at  TEXT,
    primed          INTEGER NOT NULL DEFAULT 0     -- 1 once the first poll marked what was there as seen
);
